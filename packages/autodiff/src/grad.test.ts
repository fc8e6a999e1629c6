import { checkGradients, grad, noGrad, stopGradient, valueAndGrad, vjp } from '@hrm/autodiff';
import {
  type AnyTensor,
  add,
  argmax,
  cast,
  concat,
  dispose,
  exp,
  isRecording,
  key,
  matmul,
  max,
  mean,
  mul,
  normal,
  ones,
  onesLike,
  scope,
  sin,
  slice,
  square,
  sum,
  tanh,
  tensor,
  withBackend,
  zeros,
} from '@hrm/core';
import { ReferenceBackend } from '@hrm/kernels';
import { describe, expect, it } from 'vitest';

const close = (a: AnyTensor, b: number[] | number[][], tol = 1e-5) => {
  const flat = (b as number[]).flat(2) as number[];
  const got = Array.from(a.data());
  expect(got.length).toBe(flat.length);
  got.forEach((v, i) => {
    expect(Math.abs(v - flat[i])).toBeLessThan(tol);
  });
};

describe('grad over trees', () => {
  it('returns a gradient with the parameters structure and shapes', () => {
    const params = { layers: [{ w: ones([3, 2]), b: zeros([2]) }], scale: tensor(2) };
    const x = tensor([[1, 2, 3]]);
    const g = grad((p: typeof params) => sum(mul(add(matmul(x, p.layers[0].w), p.layers[0].b), p.scale)))(params);
    expect(g.layers[0].w.shape).toEqual([3, 2]);
    expect(g.layers[0].b.shape).toEqual([2]);
    expect(g.scale.shape).toEqual([]);
    close(g.layers[0].w, [
      [2, 2],
      [4, 4],
      [6, 6],
    ]);
    close(g.layers[0].b, [2, 2]);
    close(g.scale, [12]);
  });

  it('valueAndGrad returns the value and an aux output', () => {
    const f = valueAndGrad((w: AnyTensor, k: number) => {
      const y = mul(square(w), k);
      return { loss: sum(y), aux: { y, note: [y] } };
    });
    const { value, grad: g, aux } = f(tensor([1, 2]), 3);
    expect(value.item()).toBe(15);
    close(g, [6, 12]);
    expect(aux.y.toArray()).toEqual([3, 12]);
  });

  it('undoes broadcasting in gradients', () => {
    const g = grad(([a, b]: AnyTensor[]) => sum(mul(add(a, b), tensor([[1, 2, 3]]))))([zeros([2, 3]), zeros([3])]);
    close(g[0], [
      [1, 2, 3],
      [1, 2, 3],
    ]);
    close(g[1], [2, 4, 6]);
  });

  it('gives zeros for inputs the output does not depend on', () => {
    const g = grad((_: AnyTensor[]) => sum(ones([2])))([tensor([1, 2, 3])]);
    close(g[0], [0, 0, 0]);
  });

  it('refuses int inputs and non-scalar outputs with clear messages', () => {
    expect(() => grad((x: AnyTensor) => sum(x))(tensor([1, 2], 'int32'))).toThrow(
      "grad: parameter '(root)' is int32[2]; only float tensors can be differentiated",
    );
    expect(() => grad((x: AnyTensor) => square(x))(tensor([1, 2]))).toThrow(
      'grad: the function must return one element, got float32[2]',
    );
  });

  it('says so when the output cannot carry a gradient', () => {
    // An int32 loss is refused at compile time too; the run-time check is for dynamic code that gets past it.
    // @ts-expect-error -- int32 loss
    expect(() => grad((x: AnyTensor) => sum(argmax(x, 0)))(tensor([1, 2]))).toThrow(
      'grad: the function returned int32[], which has no gradient (argmax, comparisons and int ops are not differentiable)',
    );
  });

  it('splits the gradient of max evenly between ties', () => {
    close(grad((x: AnyTensor) => max(x))(tensor([1, 3, 3, 2])), [0, 0.5, 0.5, 0]);
  });
});

const x0 = tensor([0.5, -1.2, 2.0]);

describe('stopGradient and noGrad: values pass, gradients do not', () => {
  it('stopGradient passes the value and blocks the gradient', () => {
    const f = (x: AnyTensor) => sum(mul(x, stopGradient(x)));
    expect(f(x0).item()).toBeCloseTo(0.25 + 1.44 + 4, 5);
    // d/dx of x * c with c = x held constant is c, not 2x.
    close(grad(f)(x0), [0.5, -1.2, 2.0]);
  });

  it('noGrad results are constants to the enclosing gradient', () => {
    const f = (x: AnyTensor) =>
      sum(
        mul(
          x,
          noGrad(() => exp(x)),
        ),
      );
    close(grad(f)(x0), Array.from(exp(x0).data()));
  });

  it('changing what happens inside noGrad does not change the gradient, only the value', () => {
    const withInner = (inner: (x: AnyTensor) => AnyTensor) => (x: AnyTensor) =>
      sum(
        add(
          tanh(x),
          noGrad(() => inner(x)),
        ),
      );
    const a = valueAndGrad(withInner((x) => mul(x, 10)))(x0);
    const b = valueAndGrad(withInner((x) => sin(square(x))))(x0);
    expect(a.value.item()).not.toBeCloseTo(b.value.item(), 3);
    expect(Array.from(a.grad.data())).toEqual(Array.from(b.grad.data()));
  });

  it('records nothing inside noGrad, and a grad inside noGrad still works', () => {
    grad((x: AnyTensor) => {
      expect(isRecording()).toBe(true);
      const inner = noGrad(() => {
        expect(isRecording()).toBe(false);
        return grad((y: AnyTensor) => sum(square(y)))(x);
      });
      expect(inner.tapes.length).toBe(0);
      close(inner, [1, -2.4, 4]);
      return sum(x);
    })(x0);
  });
});

describe('nested gradients', () => {
  it('gives the second derivative of elementwise functions', () => {
    // d2/dx2 of sum(sin(x) * x^2) = -sin(x) x^2 + 4 x cos(x) + 2 sin(x)
    const d1 = (x: AnyTensor) => grad((y: AnyTensor) => sum(mul(sin(y), square(y))))(x);
    const d2 = grad((x: AnyTensor) => sum(d1(x)))(x0);
    const expected = Array.from(x0.data()).map((v) => -Math.sin(v) * v * v + 4 * v * Math.cos(v) + 2 * Math.sin(v));
    close(d2, expected, 1e-4);
  });

  it('through matmul: a Hessian-vector product against finite differences', () => {
    // checkGradients runs on the float64 reference backend, so a closed-over tensor must live there.
    const w = withBackend('reference', () =>
      tensor([
        [0.3, -0.2],
        [0.5, 0.1],
        [-0.4, 0.7],
      ]),
    );
    const f = (x: AnyTensor) => mean(square(tanh(matmul(x, cast(w, x.dtype)))));
    const result = checkGradients((x: AnyTensor) => f(x), [tensor([[0.2, -0.5, 0.9]])], {
      order: 2,
      atol: 1e-5,
      rtol: 1e-4,
    });
    expect(result.ok, JSON.stringify(result.worst)).toBe(true);
  });
});

describe('cotangents of slices', () => {
  const counting = () => {
    const b = new ReferenceBackend();
    const calls = { pad: 0, concat: 0 };
    const [pad, concatenate] = [b.pad.bind(b), b.concat.bind(b)];
    b.pad = (x, widths) => {
      calls.pad++;
      return pad(x, widths);
    };
    b.concat = (xs, axis) => {
      calls.concat++;
      return concatenate(xs, axis);
    };
    return { b, calls };
  };

  it('joins the cotangents of slices that tile an axis with one concat, and pads none', () => {
    const { b, calls } = counting();
    withBackend(b, () => {
      const x = normal(key(1), [2, 6, 3]);
      const [wq, wk, wv] = [normal(key(2), [2, 2, 3]), normal(key(3), [2, 1, 3]), normal(key(4), [2, 3, 3])];
      // q, k and v sliced out of one product, as attention does.
      const g = grad((y: AnyTensor) =>
        add(add(sum(mul(slice(y, 1, 0, 2), wq)), sum(mul(slice(y, 1, 2, 3), wk))), sum(mul(slice(y, 1, 3, 6), wv))),
      )(x);
      expect(Array.from(g.data())).toEqual(Array.from(concat([wq, wk, wv], 1).data()));
      expect(calls).toEqual({ pad: 0, concat: 2 }); // the gradient's, and the expected value's
    });
  });

  it('pads once for abutting slices that leave a gap, and apart for gaps and overlaps, as finite differences say', () => {
    const { b, calls } = counting();
    const f = (x: AnyTensor) =>
      add(
        add(
          sum(mul(tanh(slice(x, 1, 0, 2)), slice(x, 1, 1, 3))), // overlapping windows
          sum(square(slice(x, 1, 4, 6))), // after a gap
        ),
        add(
          add(sum(exp(slice(x, 0, 1, 2))), sum(sin(slice(slice(x, 2, 0, 2), 1, 2, 4)))), // another axis; nested
          mean(mul(x, x)), // and x itself
        ),
      );
    for (const order of [1, 2] as const) {
      const result = checkGradients(f, [normal(key(5), [3, 6, 4])], { order, atol: 1e-5, rtol: 1e-4 });
      expect(result.ok, JSON.stringify(result.worst)).toBe(true);
    }
    withBackend(b, () => {
      // [1, 3) and [3, 5) abut: one concat, one pad (the gap before and after).
      grad((x: AnyTensor) => add(sum(slice(x, 0, 1, 3)), sum(square(slice(x, 0, 3, 5)))))(ones([6]));
      expect(calls).toEqual({ pad: 1, concat: 1 });
      // [0, 2) and [3, 5): a gap between them, padded apart and summed.
      grad((x: AnyTensor) => add(sum(slice(x, 0, 0, 2)), sum(slice(x, 0, 3, 5))))(ones([6]));
      expect(calls).toEqual({ pad: 3, concat: 1 });
    });
  });

  it('frees the cotangents of slices once they are joined', () => {
    const b = new ReferenceBackend();
    withBackend(b, () => {
      const [size, half] = [10_000, 5_000];
      const peakAbove = (n: number) =>
        scope(() => {
          // A rotation, n times: two slices joined again, then tanh. A vjp pullback keeps the forward's two
          // vectors a step; the walk back should add a few vectors to them, not one a step.
          const { out, pullback } = vjp(
            (w: AnyTensor) => {
              let h = w;
              for (let i = 0; i < n; i++) h = tanh(concat([slice(h, 0, half, size), slice(h, 0, 0, half)], 0));
              return h;
            },
            ones([size]),
          );
          b.resetPeak?.();
          const before = b.memory?.().liveBytes ?? 0;
          pullback(onesLike(out));
          return ((b.memory?.().peakBytes ?? 0) - before) / (size * 4);
        });
      const [small, large] = [peakAbove(20), peakAbove(80)];
      expect(large - small).toBeLessThan(8);
    });
  });

  it('leaves no cotangent of a slice behind, call after call', () => {
    const b = new ReferenceBackend();
    withBackend(b, () => {
      const x = ones([4, 9]);
      const loss = (y: AnyTensor) =>
        add(sum(mul(slice(y, 1, 0, 3), slice(y, 1, 3, 6))), add(sum(tanh(slice(y, 1, 6, 9))), mean(y)));
      const baseline = b.liveBuffers();
      for (let i = 0; i < 5; i++) {
        dispose(grad(loss)(x));
        expect(b.liveBuffers()).toBe(baseline);
      }
    });
  });
});

describe('the tape lives for one call', () => {
  it('leaves no buffers behind but its results, call after call', () => {
    const b = new ReferenceBackend();
    withBackend(b, () => {
      const w = ones([16, 16]);
      const x = ones([4, 16]);
      const loss = (p: AnyTensor) => mean(square(tanh(matmul(x, p))));
      const baseline = b.liveBuffers();
      const counts: number[] = [];
      for (let i = 0; i < 10; i++) {
        const g = grad(loss)(w);
        counts.push(b.liveBuffers() - baseline);
        dispose(g);
      }
      // One live buffer per call: the gradient itself (released by hand above).
      expect(counts).toEqual(new Array(10).fill(1));
    });
  });

  it('frees cotangents, rule temporaries and activations as the backward pass goes', () => {
    // A chain of n elementwise ops keeps n activations through the forward pass; the backward pass
    // should add a few vectors on top of them, not n more cotangents and n rule temporaries.
    const b = new ReferenceBackend();
    withBackend(b, () => {
      const size = 10_000;
      const bytes = size * 4;
      const x = ones([size]);
      const peakAbove = (n: number) => {
        const before = b.liveBuffers() > 0 ? (b.memory?.().liveBytes ?? 0) : 0;
        b.resetPeak?.();
        grad((w: AnyTensor) => {
          let h = w;
          for (let i = 0; i < n; i++) h = tanh(mul(h, 1.01));
          return sum(h);
        })(x);
        return ((b.memory?.().peakBytes ?? 0) - before) / bytes;
      };
      // Each step saves two vectors (the product and the tanh): about 2n at the end of the forward pass.
      const [small, large] = [peakAbove(20), peakAbove(80)];
      expect(large - small).toBeLessThan(2 * 60 + 12);
      expect(large).toBeLessThan(2 * 80 + 12);
    });
  });

  it('returned values are not tracked by the finished tape', () => {
    const { value, grad: g } = valueAndGrad((x: AnyTensor) => sum(square(x)))(tensor([1, 2]));
    expect(value.tapes).toEqual([]);
    expect(g.tapes).toEqual([]);
  });
});

describe('vjp', () => {
  it('pulls back a given cotangent through a tree output', () => {
    const { out, pullback } = vjp(
      (a: AnyTensor, b: AnyTensor) => ({ s: mul(a, b), t: [square(a)] }),
      tensor([1, 2]),
      tensor([3, 4]),
    );
    expect(out.s.toArray()).toEqual([3, 8]);
    const [ga, gb] = pullback({ s: tensor([1, 1]), t: [tensor([0.5, 0.5])] });
    close(ga, [3 + 1, 4 + 2]);
    close(gb, [1, 2]);
    expect(() => pullback({ s: tensor([1, 1, 1]), t: [tensor([0, 0])] } as never)).toThrow(
      /cotangent \[3\] does not match output \[2\]/,
    );
  });
});
