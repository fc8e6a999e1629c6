import { leaves, treeMap, unflatten } from '@hrm/autodiff';
import { type AnyTensor, add, ones, tensor, zeros } from '@hrm/core';
import { describe, expect, it } from 'vitest';

describe('trees', () => {
  const tree = { b: [ones([2]), { c: zeros([1]) }], a: tensor(3) };

  it('lists leaves with paths in a fixed (sorted-key) order', () => {
    expect(leaves(tree).map((l) => l.path)).toEqual(['a', 'b.0', 'b.1.c']);
  });

  it('maps several trees of one structure leaf by leaf, keeping the structure', () => {
    const sum = treeMap((x, y) => add(x, y), tree, tree);
    expect((sum.b[0] as AnyTensor).toArray()).toEqual([2, 2]);
    expect(sum.a.item()).toBe(6);
    expect(() => treeMap((x) => x, tree, { a: tensor(1) })).toThrow(/does not have the structure of the first/);
  });

  it('rebuilds from leaves and rejects non-tensor leaves with their path', () => {
    const again = unflatten(
      tree,
      leaves(tree).map((l) => l.value),
    );
    expect(again.b[1]).toEqual(tree.b[1]);
    expect(() => leaves({ w: ones([1]), lr: 0.1 })).toThrow("tree leaf at 'lr' is a number, not a tensor");
  });
});
