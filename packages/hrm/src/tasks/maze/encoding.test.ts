import { describe, expect, it } from 'vitest';
import { decodeMaze, encodeMaze, MAZE_VOCAB_SIZE, mazeExample } from './encoding.js';
import { mazeFromRows } from './grid.js';

describe('maze encoding', () => {
  it('maps "# SGo" to 1..5 with PAD 0 and vocab 6', () => {
    expect(MAZE_VOCAB_SIZE).toBe(6);
    const q = mazeFromRows(['#S ', ' G#']);
    const a = mazeFromRows(['#So', ' G#']);
    expect(encodeMaze(q)).toEqual([1, 3, 2, 2, 4, 1]);
    const ex = mazeExample(q, a);
    expect(ex.labels).toEqual([1, 3, 5, 2, 4, 1]);
    expect(ex.puzzleId).toBe(0);
    expect(decodeMaze(ex.labels, 2, 3)).toEqual(a);
  });

  it('rejects characters outside the charset and decodes bad ids as "?"', () => {
    expect(() => encodeMaze(mazeFromRows(['#x']))).toThrow('cell 1 is "x", not one of "# SGo"');
    expect(decodeMaze([0, 1, 6, 5], 2, 2).cells).toBe('?#?o');
    expect(() => decodeMaze([1, 2], 2, 2)).toThrow('2 tokens for a 2x2 maze');
  });
});
