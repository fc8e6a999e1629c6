/**
 * The data folder as a user meets it: `--data` on every command that reads data files (over
 * `HRM_DATA`), documented in --help; a missing file named with every file the task needs; an empty
 * file and each bad ARC file named by its path.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runHrm } from '@hrm/testing/cli';
import { afterAll, afterEach, describe, expect, it } from 'vitest';

const dir = mkdtempSync(join(tmpdir(), 'hrm-data-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const hrm = runHrm;

/** A data folder holding `files` (path inside the folder → contents). */
function dataFolder(name: string, files: Readonly<Record<string, string>>): string {
  const root = join(dir, name);
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(join(root, path, '..'), { recursive: true });
    writeFileSync(join(root, path), text);
  }
  mkdirSync(root, { recursive: true });
  return root;
}

const train = (task: string, ...more: string[]) => [
  'train',
  '--task',
  task,
  '--steps',
  '1',
  '--eval-size',
  '2',
  '--out',
  join(dir, `${task}.safetensors`),
  '--force',
  ...more,
];

const saved = process.env.HRM_DATA;
afterEach(() => {
  if (saved === undefined) delete process.env.HRM_DATA;
  else process.env.HRM_DATA = saved;
});

describe('the data folder', () => {
  it('is documented in --help, with the flag that overrides it', async () => {
    expect((await hrm('--help')).out).toMatch(/HRM_DATA/);
    for (const command of ['train', 'eval', 'demo'])
      expect((await hrm(command, '--help')).out).toMatch(/--data <folder>.*HRM_DATA/);
  });

  it('--data is read over HRM_DATA, and a missing file is named with every file the task needs', async () => {
    process.env.HRM_DATA = dataFolder('elsewhere', {});
    const empty = dataFolder('empty', {});
    const r = await hrm(...train('maze-hard', '--data', empty));
    expect(r.code).toBe(1);
    expect(r.err).toMatch(new RegExp(`maze-hard needs data files in ${empty}.* \\(--data or HRM_DATA\\)`));
    expect(r.err).toMatch(/maze-30x30-hard-1k\/train\.csv \(missing\), maze-30x30-hard-1k\/test\.csv \(missing\)/);
    expect(r.err.trim().split('\n')).toHaveLength(1);
  });

  it('an empty file is refused with its path (it used to die in rng.int(0))', async () => {
    process.env.HRM_DATA = dataFolder('empty-lists', {
      'sudoku/tdoku_puzzles2_17_clue.txt': '',
      'sudoku/tdoku_puzzles3_magictour_top1465.txt': '',
    });
    const r = await hrm(...train('sudoku-hard'));
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/empty-lists\/sudoku\/tdoku_puzzles\d_\w+\.txt: empty file, expected one puzzle per line/);
    expect(r.err).not.toMatch(/rng\.int/);
  });

  it('every bad ARC file is named by its path', async () => {
    const task = JSON.stringify({ train: [{ input: [[1]], output: [[2]] }], test: [{ input: [[1]], output: [[2]] }] });
    const root = dataFolder('arc', {
      'arc-agi-1/evaluation/00000001.json': task,
      'arc-agi-1/evaluation/00000002.json': '{ not json',
      'arc-agi-1/evaluation/00000003.json': JSON.stringify({ train: [], test: [] }),
    });
    const r = await hrm(...train('arc', '--data', root));
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/ARC data: 2 bad task files: /);
    expect(r.err).toContain(join(root, 'arc-agi-1/evaluation/00000002.json'));
    expect(r.err).toContain(join(root, 'arc-agi-1/evaluation/00000003.json'));
  });

  it('the ARC hint names a command that exists', async () => {
    const r = await hrm('solve', '--help');
    expect(r.code).toBe(0);
    const { arcPreset } = await import('../presets/arc.js');
    const task = JSON.stringify({ train: [{ input: [[1]], output: [[2]] }], test: [{ input: [[1]], output: [[2]] }] });
    const root = dataFolder('arc-hint', { 'arc-agi-1/evaluation/00000001.json': task });
    const parsed = arcPreset({ tasks: 1, numAug: 0, dataDir: root }).parse('[[1]]');
    expect('error' in parsed && parsed.error).toMatch(/hrm eval --checkpoint <an arc checkpoint>/);
  });
});
