/**
 * `hrm data download`: the public puzzle data (ARC-AGI-1 and -2, ConceptARC, the tdoku Sudoku lists,
 * Sudoku-Extreme, Maze-Hard) into the data folder (`--data`, else `HRM_DATA`, else `~/.cache/hrm-ts/data`),
 * at pinned versions, checked, resuming broken downloads. `hrm data list` shows the table.
 */
import * as E from 'fp-ts/lib/Either.js';
import { fetchSource } from '../dataset/fetch-data.js';
import { DATA_SETS, DATA_SOURCES, isPinned } from '../dataset/sources.js';
import { dataDir } from '../tasks/data-dir.js';
import { CliError, type Command, UsageError } from './args.js';

const DEFAULT_SETS = DATA_SETS.filter((set) => DATA_SOURCES.filter((s) => s.set === set).every(isPinned));

export const dataCommand: Command = {
  name: 'data',
  summary: 'download the public puzzle data (pinned versions, checked)',
  usage: `download [${DATA_SETS.join(' | ')} ...] [--data <dir>] [--allow-unpinned] | list`,
  options: {
    data: { type: 'string', help: 'the data folder (default: HRM_DATA, else ~/.cache/hrm-ts/data)', value: '<dir>' },
    'allow-unpinned': { type: 'boolean', help: 'also download sources no checksum pins (prints their sha256)' },
    force: { type: 'boolean', help: 'download again even when the files are there' },
    json: { type: 'boolean', help: 'print JSON lines' },
  },
  run: async (args) => {
    const [sub, ...sets] = args.positionals;
    if (sub === 'list') {
      for (const s of DATA_SOURCES)
        console.log(
          `${s.set.padEnd(15)} ${s.name}\n${''.padEnd(16)}${s.url}\n${''.padEnd(16)}${
            s.gitTree ? `git tree ${s.gitTree}` : s.gitBlob ? `git blob ${s.gitBlob}` : 'unpinned'
          }${s.sha256 ? `, sha256 ${s.sha256}` : ''} (${s.licence})`,
        );
      return 0;
    }
    if (sub !== 'download')
      throw new UsageError(`expected 'hrm data download' or 'hrm data list', got ${sub ?? 'nothing'}`);
    const unknown = sets.filter((s) => !DATA_SETS.includes(s));
    if (unknown.length > 0)
      throw new UsageError(`unknown data set ${unknown.join(', ')} (known: ${DATA_SETS.join(', ')})`);
    const wanted = sets.length > 0 ? sets : DEFAULT_SETS;
    const dir = args.string('data') ?? dataDir();
    const json = args.flag('json');
    for (const source of DATA_SOURCES.filter((s) => wanted.includes(s.set))) {
      let shown = -1;
      const r = await fetchSource(source, dir, {
        allowUnpinned: args.flag('allow-unpinned'),
        force: args.flag('force'),
        onProgress: (got, total) => {
          // A line per 10% (or per 100 MB when the size is unknown), not one per chunk.
          const step = total ? Math.floor((10 * got) / total) : Math.floor(got / 1e8);
          if (!json && step !== shown && process.stderr.isTTY) {
            shown = step;
            process.stderr.write(
              `\r${source.set}: ${(got / 1e6).toFixed(1)} MB${total ? ` of ${(total / 1e6).toFixed(1)}` : ''}`,
            );
          }
        },
      });
      if (!json && shown >= 0) process.stderr.write('\n');
      if (E.isLeft(r)) throw new CliError(r.left);
      const f = r.right;
      if (json) console.log(JSON.stringify({ event: 'data', set: source.set, dir, ...f }));
      else if (f.status === 'present') console.log(`${source.set}: already in ${dir} (${f.paths.join(', ')})`);
      else
        console.log(
          `${source.set}: ${f.paths.join(', ')} in ${dir}${f.resumed ? ' (resumed)' : ''}${isPinned(source) ? ', checked' : `; unpinned, sha256 ${f.sha256}`}`,
        );
    }
    return 0;
  },
};
