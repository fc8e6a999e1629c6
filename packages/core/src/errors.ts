/** Thrown when shapes do not fit an op. The message names the op and every dim involved. */
export class ShapeError extends Error {
  override readonly name = 'ShapeError';
  constructor(
    readonly op: string,
    detail: string,
  ) {
    super(`${op}: ${detail}`);
  }
}

/** Thrown when dtypes do not fit an op (no implicit promotion happens anywhere). */
export class DTypeError extends Error {
  override readonly name = 'DTypeError';
  constructor(
    readonly op: string,
    detail: string,
  ) {
    super(`${op}: ${detail}`);
  }
}

/** Formats a shape with its run-time names: `[B=32, 81, 128]`. */
export function formatShape(shape: readonly number[], names?: readonly (string | undefined)[]): string {
  return `[${shape.map((d, i) => (names?.[i] === undefined ? `${d}` : `${names[i]}=${d}`)).join(', ')}]`;
}
