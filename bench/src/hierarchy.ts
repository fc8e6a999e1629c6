/**
 * Three levels against two at equal training time: the three-level reasoner of
 * examples/src/three-level (H, M, L: seven module updates per segment) against the two-level HRM of
 * the same task preset (2 x 2 cycles: six updates per segment), same widths, one block per module,
 * trained on 6x6 Sudoku for the same wall-clock budget from several seeds. Reports the task's metrics
 * at the segment where the Q head halts (exact grids, blank cells right) on 1,000 unseen puzzles, the
 * steps each run managed, and the mean segments ACT used.
 *
 *   npx tsx --conditions=@hrm/source bench/src/hierarchy.ts          240 s per run, 3 seeds
 *   npx tsx --conditions=@hrm/source bench/src/hierarchy.ts --quick  6 s per run, 1 seed
 *
 * Each run is its own child process on one wasm thread, two at a time, so runs compete equally for
 * the two cores. The learning rate is constant after warm-up (a time budget fixes no step count).
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { key } from '@hrm/core';
import { hrm, modelConfig, type Reasoner, type ReasonerBuffers, type States, trainConfig } from '@hrm/hrm';
import { presetNamed, runReasoner, type ScoredRun, scoreExamples } from '@hrm/hrm/node';
import { threeLevel } from '../../examples/src/three-level/three-level.js';
import { fmt, formatMachine, formatTable, machineInfo, writeResults } from './lib.js';

const quick = process.argv.includes('--quick');
const BUDGET = quick ? 6 : 240;
const SEEDS = quick ? [0] : [0, 1, 2];
const EVAL_SIZE = quick ? 200 : 1000;
const MODELS = ['HRM, 2 levels', '3 levels (H, M, L)'] as const;
type ModelName = (typeof MODELS)[number];

interface RunRecord {
  readonly model: ModelName;
  readonly seed: number;
  readonly steps: number;
  readonly updatesPerSegment: number;
  readonly exact: number;
  readonly blank: number;
  readonly meanSegments: number;
}

/** Trains `reasoner` for the budget, then scores it on the preset's unseen puzzles. */
async function trainAndScore<P, B extends ReasonerBuffers, C extends States<C>, X>(
  reasoner: Reasoner<P, B, C, X>,
  seed: number,
): Promise<{ steps: number; scored: ScoredRun }> {
  const preset = presetNamed('sudoku6');
  if (!preset) throw new Error('no sudoku6 preset');
  const model = modelConfig(preset.model);
  const train = trainConfig({ ...preset.train, totalSteps: 1_000_000, lrMinRatio: 1, seed });
  const start = performance.now();
  const { state } = await runReasoner(reasoner, {
    model,
    train,
    key: key(seed),
    data: (_, step) => preset.trainBatch(seed, step, train.batchSize),
    shouldStop: () => (performance.now() - start) / 1000 >= BUDGET,
  });
  const loaded = { model, reasoner, params: state.params, buffers: state.buffers };
  return { steps: state.step, scored: scoreExamples(loaded, preset, preset.evalExamples(EVAL_SIZE)) };
}

async function child(name: ModelName, seed: number): Promise<void> {
  const preset = presetNamed('sudoku6');
  if (!preset) throw new Error('no sudoku6 preset');
  const model = modelConfig(preset.model);
  const { steps, scored } = await (name === 'HRM, 2 levels'
    ? trainAndScore(hrm(model), seed)
    : trainAndScore(threeLevel(model), seed));
  const record: RunRecord = {
    model: name,
    seed,
    steps,
    updatesPerSegment: name === 'HRM, 2 levels' ? model.hCycles * (model.lCycles + 1) : 7,
    exact: scored.atHalt.exact ?? 0,
    blank: scored.atHalt.blank ?? 0,
    meanSegments: scored.meanHaltSegment,
  };
  console.log(JSON.stringify(record));
}

function spawnRun(name: ModelName, seed: number): Promise<RunRecord> {
  const script = fileURLToPath(import.meta.url);
  return new Promise((resolve, reject) => {
    const p = spawn(
      process.execPath,
      [
        '--conditions=@hrm/source',
        '--import',
        'tsx',
        script,
        '--child',
        name,
        String(seed),
        ...(quick ? ['--quick'] : []),
      ],
      { env: { ...process.env, HRM_WASM_THREADS: '1' }, stdio: ['ignore', 'pipe', 'inherit'] },
    );
    let out = '';
    p.stdout.on('data', (d) => {
      out += d;
    });
    p.on('exit', (code) => {
      const last = out.trim().split('\n').at(-1);
      if (code !== 0 || !last) reject(new Error(`run ${name} seed ${seed} exited ${code}`));
      else resolve(JSON.parse(last) as RunRecord);
    });
  });
}

async function main(): Promise<void> {
  const machine = machineInfo();
  console.log(formatMachine(machine));
  const jobs = MODELS.flatMap((m) => SEEDS.map((s) => [m, s] as const));
  const records: RunRecord[] = [];
  // Two at a time: one per core.
  for (let i = 0; i < jobs.length; i += 2)
    records.push(...(await Promise.all(jobs.slice(i, i + 2).map(([m, s]) => spawnRun(m, s)))));
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / Math.max(xs.length, 1);
  const rows = MODELS.map((m) => {
    const rs = records.filter((r) => r.model === m);
    return [
      m,
      String(rs[0]?.updatesPerSegment ?? ''),
      fmt(mean(rs.map((r) => r.steps)), 4),
      rs.map((r) => fmt(100 * r.exact, 3)).join(' / '),
      rs.map((r) => fmt(100 * r.blank, 3)).join(' / '),
      fmt(mean(rs.map((r) => r.meanSegments)), 3),
    ];
  });
  console.log(`\n6x6 Sudoku, ${BUDGET} s of training per run, seeds ${SEEDS.join(', ')}, ${EVAL_SIZE} unseen puzzles`);
  console.log(
    formatTable(
      ['model', 'updates / segment', 'mean steps', 'exact % (per seed)', 'blank cells % (per seed)', 'mean segments'],
      rows,
    ),
  );
  const file = writeResults(quick ? 'hierarchy-quick' : 'hierarchy', { machine, budgetSeconds: BUDGET, records });
  console.log(`\nwrote ${file}`);
}

if (process.argv[2] === '--child') await child(process.argv[3] as ModelName, Number(process.argv[4]));
else await main();
