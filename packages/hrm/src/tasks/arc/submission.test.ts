import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as E from 'fp-ts/lib/Either.js';
import { describe, expect, it } from 'vitest';
import { writeArcSubmission } from './files.js';
import { arcSubmission } from './submission.js';
import type { ArcTask } from './types.js';
import { rankCandidates } from './vote.js';

describe('ARC submission', () => {
  const task: ArcTask = {
    id: 'abc',
    train: [{ input: [[1]], output: [[1]] }],
    test: [{ input: [[1]] }, { input: [[2]] }, { input: [[3]] }],
  };
  const votes = new Map([
    [
      'abc',
      new Map([
        [
          0,
          rankCandidates([
            { grid: [[5]], q: 0.1 },
            { grid: [[6]], q: 0.2 },
            { grid: [[5]], q: 0.1 },
          ]),
        ],
        [1, rankCandidates([{ grid: [[7]], q: 0.5 }])],
      ]),
    ],
  ]);

  it('writes the top two grids per test input, in order, filling what is missing', () => {
    expect(arcSubmission([task], votes)).toEqual({
      abc: [
        { attempt_1: [[5]], attempt_2: [[6]] },
        { attempt_1: [[7]], attempt_2: [[7]] },
        { attempt_1: [[0]], attempt_2: [[0]] },
      ],
    });
  });

  it('saves it as JSON', () => {
    const path = join(mkdtempSync(join(tmpdir(), 'sub-')), 'submission.json');
    expect(writeArcSubmission(path, arcSubmission([task], votes))).toEqual(E.right(undefined));
    expect(JSON.parse(readFileSync(path, 'utf8')).abc[0]).toEqual({ attempt_1: [[5]], attempt_2: [[6]] });
    expect(E.isLeft(writeArcSubmission(join(path, 'nested', 'x.json'), {}))).toBe(true);
  });
});
