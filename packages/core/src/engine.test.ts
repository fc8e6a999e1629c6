import {
  type AnyTensor,
  add,
  currentBackend,
  dispose,
  disposeReplaced,
  exp,
  keep,
  matmul,
  ones,
  scope,
  sum,
  tensor,
  toBackend,
  transpose,
  withBackend,
  zeros,
} from '@hrm/core';
import { ReferenceBackend } from '@hrm/kernels';
import { describe, expect, it } from 'vitest';

/** A private backend instance, so that buffer counts are not disturbed by other tests. */
function counting(): ReferenceBackend {
  return new ReferenceBackend();
}

describe('scopes release buffers deterministically', () => {
  it('frees everything made inside except the result', () => {
    const b = counting();
    withBackend(b, () => {
      const x = ones([4, 4]);
      const before = b.liveBuffers();
      const y = scope(() => {
        const h = exp(matmul(x, x));
        return sum(add(h, 1));
      });
      expect(b.liveBuffers()).toBe(before + 1);
      expect(y.item()).toBeCloseTo(16 * (Math.exp(4) + 1), 1);
    });
  });

  it('keeps results nested in arrays and objects, and views of released bases', () => {
    const b = counting();
    withBackend(b, () => {
      const before = b.liveBuffers();
      const out = scope(() => {
        const base = ones([3, 2]);
        return { t: transpose(base), list: [zeros([1]), 5] };
      });
      expect(out.t.toArray()).toEqual([
        [1, 1, 1],
        [1, 1, 1],
      ]);
      expect(b.liveBuffers()).toBe(before + 2);
    });
  });

  it('flat memory over many steps', () => {
    const b = counting();
    withBackend(b, () => {
      let w = keep(ones([8, 8]));
      const start = b.liveBuffers();
      for (let step = 0; step < 50; step++) {
        const next = scope(() => add(w, matmul(w, w)));
        dispose(w);
        w = next;
      }
      expect(b.liveBuffers()).toBe(start);
    });
  });

  it('disposeReplaced frees what the old state holds and the new one does not, and nothing else', () => {
    const b = counting();
    withBackend(b, () => {
      const shared = ones([2]);
      const old = { w: ones([2]), carry: shared, list: [zeros([3])] };
      const next = { w: add(old.w, 1), carry: shared, list: [old.list[0]] };
      const before = b.liveBuffers();
      disposeReplaced(old, next);
      expect(b.liveBuffers()).toBe(before - 1);
      expect(old.w.released).toBe(true);
      expect(shared.released).toBe(false);
      expect(next.list[0].released).toBe(false);
      expect(next.w.toArray()).toEqual([2, 2]);
    });
  });

  it('errors clearly when a released tensor is used', () => {
    let leaked: AnyTensor = tensor([0]);
    scope(() => {
      leaked = ones([2]);
      return undefined;
    });
    expect(() => exp(leaked)).toThrow(
      'exp: float32[2] was released (its scope ended or it was disposed); keep() what outlives a scope',
    );
  });

  it('keep() lets a tensor outlive its scope; an error inside releases and rethrows', () => {
    const b = counting();
    withBackend(b, () => {
      const before = b.liveBuffers();
      let kept: AnyTensor | undefined;
      scope(() => {
        kept = keep(ones([2]));
        ones([3]);
        return undefined;
      });
      expect(kept?.toArray()).toEqual([1, 1]);
      expect(() =>
        scope(() => {
          ones([5]);
          throw new Error('boom');
        }),
      ).toThrow('boom');
      expect(b.liveBuffers()).toBe(before + 1);
    });
  });
});

describe('backends', () => {
  it('ops follow their data and refuse to mix backends', () => {
    const other = counting();
    const x = ones([2]);
    const y = withBackend(other, () => ones([2]));
    expect(() => add(x, y)).toThrow(/add: inputs live on different backends/);
    expect(add(toBackend(x, other), y).storage.backend).toBe(other);
  });

  it('withBackend nests and restores', () => {
    const outer = currentBackend();
    const a = counting();
    withBackend(a, () => {
      expect(currentBackend()).toBe(a);
      withBackend('reference', () => expect(currentBackend()).not.toBe(a));
      expect(currentBackend()).toBe(a);
    });
    expect(currentBackend()).toBe(outer);
  });
});
