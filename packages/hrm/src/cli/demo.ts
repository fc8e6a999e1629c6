/**
 * `hrm demo`: the committed checkpoints (trained with `hrm train`, see checkpoints/README.md) solving
 * unseen puzzles, easy and hard, showing how many segments each takes: the Q head stops early when
 * the answer is settled and keeps thinking when it is not.
 */
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { haltingSegment, predictSegments } from '../predict.js';
import type { Example } from '../tasks/index.js';
import { CliError, type Command } from './args.js';
import { batchesOf } from './evaluation.js';
import { readModelFile } from './model-file.js';

const DEFAULT_DIR = fileURLToPath(new URL('../../checkpoints', import.meta.url));

function sideBySide(left: string, right: string, gap = '    '): string {
  const a = left.split('\n');
  const b = right.split('\n');
  const width = Math.max(...a.map((l) => l.length));
  return Array.from(
    { length: Math.max(a.length, b.length) },
    (_, i) => `${(a[i] ?? '').padEnd(width)}${gap}${b[i] ?? ''}`,
  ).join('\n');
}

/** `count` examples spread over the evaluation set's range of difficulty (by the number of blanks or path length). */
function spread(examples: readonly Example[], count: number, difficulty: (e: Example) => number): Example[] {
  const sorted = [...examples].sort((x, y) => difficulty(x) - difficulty(y));
  return Array.from(
    { length: count },
    (_, i) => sorted[Math.round((i * (sorted.length - 1)) / Math.max(count - 1, 1))],
  );
}

export const demo: Command = {
  name: 'demo',
  summary: 'solve unseen puzzles with the committed checkpoints, showing the segments',
  usage: '[--dir <folder>] [--count N]',
  maxPositionals: 0,
  options: {
    dir: { type: 'string', help: 'folder of checkpoints', value: '<folder>', default: DEFAULT_DIR },
    count: { type: 'string', help: 'puzzles per checkpoint, from easiest to hardest', value: '<N>', default: '3' },
    data: {
      type: 'string',
      help: 'the folder of the data files, for checkpoints of tasks on them (default: $HRM_DATA)',
      value: '<folder>',
    },
  },
  run: (args) => {
    const dir = args.string('dir') ?? DEFAULT_DIR;
    const count = args.number('count', { integer: true, min: 1, max: 20 }) ?? 3;
    if (!existsSync(dir)) throw new CliError(`no checkpoint folder at ${dir}`);
    const files = readdirSync(dir)
      .filter((f) => f.endsWith('.safetensors'))
      .sort();
    if (files.length === 0) throw new CliError(`no .safetensors checkpoints in ${dir}`);
    const t0 = performance.now();
    const data = args.string('data');
    for (const file of files) {
      const m = readModelFile(join(dir, file), data === undefined ? {} : { dataDir: data });
      const blanks = (e: Example) => e.inputs.filter((t, i) => t !== e.labels[i]).length;
      // Puzzles from the far end of the evaluation set: never trained on.
      const examples = spread(m.preset.evalExamples(1000).slice(500), count, blanks);
      const [batch] = batchesOf(examples, m.model.seqLen);
      const trace = predictSegments(m.reasoner, m.params, m.buffers, batch);
      const halts = haltingSegment(trace, m.model);
      console.log(`\n== ${m.preset.name}: ${m.preset.summary}`);
      console.log(
        `   ${file}, trained ${m.step} steps; up to ${m.model.haltMaxSteps} segments of ${m.model.hCycles}x${m.model.lCycles} H/L cycles\n`,
      );
      examples.forEach((e, i) => {
        const answer = Array.from(trace[halts[i] - 1].tokens[i]);
        const right = answer.every((t, k) => t === e.labels[k]);
        const path = trace
          .map((s) => (Array.from(s.tokens[i]).every((t, k) => t === e.labels[k]) ? '✓' : '·'))
          .join('');
        const label = m.preset.difficulty ? m.preset.difficulty(e) : '';
        console.log(
          sideBySide(
            `puzzle (${label})\n${m.preset.format(e.inputs)}`,
            `answer after ${halts[i]} segment${halts[i] === 1 ? '' : 's'}: ${right ? 'solved' : 'wrong'}\n${m.preset.format(answer)}`,
          ),
        );
        console.log(`right after each segment: ${path}   (the Q head halted at segment ${halts[i]})\n`);
      });
    }
    console.log(`demo done in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    return 0;
  },
};
