/** Exponential moving average of parameters (TRM's EMAHelper): `ema <- mu·ema + (1 - mu)·params`. */
import { treeMap } from '@hrm/autodiff';
import { add, mul } from '@hrm/core';

/** One step of the average: `mu·ema + (1 - mu)·params` leaf by leaf, with `mu` 0.999 by default. */
export function emaUpdate<P>(ema: P, params: P, mu = 0.999): P {
  return treeMap((e, p) => add(mul(e, mu), mul(p, 1 - mu)), ema, params);
}
