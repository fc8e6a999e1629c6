import type { ModelFile } from '@hrm/hrm/node';
import { describe, expect, it } from 'vitest';
import { registryOf } from './models.js';

/** A stand-in model file of `task` (the registry reads only its task). */
const of = (task: string) => ({ preset: { name: task } }) as unknown as ModelFile;

describe('registryOf', () => {
  it("makes the model named for its task the task's default, wherever its file sorts", () => {
    // Files in name order: the variant sorts before the task's own file.
    const r = registryOf([
      { id: 'maze9-mix-grid', file: of('maze9-mix') },
      { id: 'maze9-mix', file: of('maze9-mix') },
      { id: 'maze9', file: of('maze9') },
    ]);
    expect(r.forTask('maze9-mix')?.id).toBe('maze9-mix');
    expect(r.models.filter((m) => m.default).map((m) => m.id)).toEqual(['maze9-mix', 'maze9']);
    expect(r.byId('maze9-mix-grid')?.default).toBe(false);
  });

  it('makes the first model of a task its default where none is named for it', () => {
    const r = registryOf([
      { id: 'a', file: of('sudoku4') },
      { id: 'b', file: of('sudoku4') },
    ]);
    expect(r.forTask('sudoku4')?.id).toBe('a');
    expect(r.byId('b')?.default).toBe(false);
  });
});
