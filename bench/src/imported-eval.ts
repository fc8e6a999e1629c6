/**
 * An official-size HRM brought back from PyTorch and evaluated on the CPU: the round trip of a user who
 * trained with the official code. An official-size model (hidden 512, 8 heads, 4+4 layers, 2x2 cycles,
 * 16 segments, RoPE, a 512-wide puzzle embedding: sapientinc/HRM's Sudoku config) is written the way
 * `pretrain.py` writes it (`hrm export`: a `torch.save` zip under the compiled model's names, with its
 * `all_config.yaml`), read back by `hrm import` through the restricted pickle reader, and scored by
 * `hrm eval` on 20 hard Sudoku puzzles (the held-out split of the hard lists when a data folder is
 * set, generated 9x9 puzzles otherwise). Each command runs in its own process, as a user runs it, so
 * its wall time and peak RSS (GNU time, where installed) are its own.
 *
 * The weights are a random initialisation (no released checkpoint can be downloaded here), so the
 * accuracy is a random model's: this measures what the CPU costs per puzzle, not what a model knows.
 * Trained weights cost the same per segment; they change only where ACT would halt.
 *
 *   npx tsx --conditions=@hrm/source bench/src/imported-eval.ts            20 puzzles, all 16 segments
 *   npx tsx --conditions=@hrm/source bench/src/imported-eval.ts --quick    2 puzzles, 1 segment
 * Writes bench/results/imported-eval[-quick].json.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { key } from '@hrm/core';
import { initHrm, modelConfig } from '@hrm/hrm';
import { hasDataDir } from '@hrm/hrm/tasks/node';
import { saveCheckpoint } from '@hrm/nn/node';
import * as E from 'fp-ts/lib/Either.js';
import { fmt, formatMachine, formatTable, loadAverage, machineInfo, writeResults } from './lib.js';

const quick = process.argv.includes('--quick');
const PUZZLES = quick ? 2 : 20;
const BIN = fileURLToPath(new URL('../../packages/hrm/src/bin.ts', import.meta.url));
const GNU_TIME = '/usr/bin/time';

interface Run {
  readonly command: string;
  readonly seconds: number;
  readonly peakRssMiB: number | null;
  readonly stdout: string;
}

/** `hrm <args>` in a fresh process, timed; fails the benchmark when the command fails. */
function hrm(args: readonly string[]): Run {
  const node = [process.execPath, '--conditions=@hrm/source', '--import', 'tsx', BIN, ...args];
  const timed = existsSync(GNU_TIME);
  const [file, argv] = timed ? [GNU_TIME, ['-f', 'maxrss-kib %M', ...node]] : [node[0], node.slice(1)];
  const t0 = performance.now();
  const r = spawnSync(file, argv, { encoding: 'utf8', maxBuffer: 64 * 2 ** 20 });
  const seconds = (performance.now() - t0) / 1000;
  const command = `hrm ${args.join(' ')}`;
  if (r.status !== 0) throw new Error(`${command} exited with ${r.status}:\n${r.stderr}`);
  const rss = /maxrss-kib (\d+)\s*$/.exec(r.stderr);
  return { command, seconds, peakRssMiB: rss ? Number(rss[1]) / 1024 : null, stdout: r.stdout };
}

const machine = machineInfo();
console.log(formatMachine(machine));
const dir = mkdtempSync(join(tmpdir(), 'hrm-imported-eval-'));
try {
  // The hard lists need the data folder; without it the same model shape scores generated 9x9 puzzles.
  const task = hasDataDir() ? 'sudoku-hard' : 'sudoku9';
  const cfg = modelConfig({ vocabSize: 11, seqLen: 81, puzzleEmbDim: 512 });
  const ours = join(dir, 'random.safetensors');
  const saved = saveCheckpoint(ours, {
    params: initHrm(key(0), cfg),
    step: 0,
    key: key(0),
    config: { task, model: cfg },
  });
  if (E.isLeft(saved)) throw new Error(saved.left.message);

  const official = join(dir, 'official');
  const exported = hrm(['export', '--checkpoint', ours, '--out', official]);
  const torchFile = join(official, 'step_0');
  const torchMiB = statSync(torchFile).size / 2 ** 20;
  const imported = hrm([
    'import',
    torchFile,
    ...['--seq-len', '81', '--vocab-size', '11', '--num-puzzle-identifiers', '1', '--task', task, '--json'],
    ...['--out', join(dir, 'imported.safetensors')],
  ]);
  const importRecord = JSON.parse(imported.stdout.trim().split('\n').at(-1) ?? '{}') as { params?: number };
  const segmentsArgs = quick ? ['--segments', '1'] : [];
  const evaluated = hrm([
    'eval',
    ...['--checkpoint', join(dir, 'imported.safetensors'), '--size', String(PUZZLES), ...segmentsArgs, '--json'],
  ]);
  const evalRecord = JSON.parse(evaluated.stdout.trim().split('\n').at(-1) ?? '{}') as {
    count: number;
    segments: number;
    seconds: number;
    perSegment: { exact: number }[];
  };
  const perPuzzle = evalRecord.seconds / evalRecord.count;
  const perSegmentPuzzle = perPuzzle / evalRecord.segments;

  console.log(
    `\nofficial-size HRM (${((importRecord.params ?? 0) / 1e6).toFixed(1)}M parameters), torch.save file ${fmt(torchMiB)} MiB, task ${task}`,
  );
  console.log(
    formatTable(
      ['step', 'wall s', 'peak RSS MiB'],
      [exported, imported, evaluated].map((r) => [
        r.command.split(' ').slice(0, 2).join(' '),
        fmt(r.seconds),
        r.peakRssMiB === null ? 'n/a' : fmt(r.peakRssMiB),
      ]),
    ),
  );
  console.log(
    `\neval: ${evalRecord.count} puzzles x ${evalRecord.segments} segments in ${fmt(evalRecord.seconds)} s (model loaded): ` +
      `${fmt(perPuzzle)} s per puzzle, ${fmt(perSegmentPuzzle)} s per puzzle-segment; exact after the last segment ` +
      `${fmt(evalRecord.perSegment.at(-1)?.exact ?? 0)} (random weights)`,
  );
  const loadEnd = loadAverage();
  console.log(`load at end: ${loadEnd.join(' ')}`);
  const file = writeResults(quick ? 'imported-eval-quick' : 'imported-eval', {
    machine,
    loadAtEnd: loadEnd,
    task,
    model: cfg,
    params: importRecord.params ?? null,
    torchSaveMiB: torchMiB,
    runs: [exported, imported, evaluated].map(({ command, seconds, peakRssMiB }) => ({ command, seconds, peakRssMiB })),
    eval: {
      puzzles: evalRecord.count,
      segments: evalRecord.segments,
      seconds: evalRecord.seconds,
      perPuzzle,
      perSegmentPuzzle,
    },
  });
  console.log(`wrote ${file}`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
