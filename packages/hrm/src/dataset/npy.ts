/**
 * NumPy's `.npy` format, version 1.0, for the arrays of the official datasets: the magic `\x93NUMPY`, the
 * version, a little-endian header length, a Python dict literal `{'descr': ..., 'fortran_order': False,
 * 'shape': (...), }` padded with spaces to a multiple of 64 bytes, then the elements in C order. The
 * official builders write tokens as uint8 (`|u1`) and indices as int32 (`<i4`); int64 (`<i8`), which other
 * tools write for indices, is read when its values fit int32.
 *
 * The header is written byte for byte as NumPy writes it, with the same spare room after the shape, which
 * makes its length the same whatever the row count: a file can be written row by row and its header
 * rewritten with the final count (`npyHeader`).
 */
import * as E from 'fp-ts/lib/Either.js';

/** The dtypes read: unsigned bytes, and 32- and 64-bit little-endian integers. */
export type NpyDType = 'u1' | 'i4' | 'i8';

export interface NpyArray {
  readonly dtype: NpyDType;
  readonly shape: readonly number[];
  /** Elements in C order; int64 values are narrowed to int32 when read. */
  readonly data: Uint8Array | Int32Array;
}

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // \x93NUMPY
const DESCR: Readonly<Record<NpyDType, string>> = { u1: '|u1', i4: '<i4', i8: '<i8' };
const ITEM_BYTES: Readonly<Record<NpyDType, number>> = { u1: 1, i4: 4, i8: 8 };
/** NumPy leaves room for the first dim to grow to this many digits. */
const GROWTH_AXIS_MAX_DIGITS = 21;
const ALIGN = 64;

const pyShape = (shape: readonly number[]) => (shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(', ')})`);

/** The header of a C-order array of `dtype` and `shape`, as NumPy 1.x and 2.x write it. */
export function npyHeader(dtype: 'u1' | 'i4', shape: readonly number[]): Uint8Array {
  const dict = `{'descr': '${DESCR[dtype]}', 'fortran_order': False, 'shape': ${pyShape(shape)}, }`;
  const growth = shape.length > 0 ? ' '.repeat(Math.max(0, GROWTH_AXIS_MAX_DIGITS - String(shape[0]).length)) : '';
  const text = dict + growth;
  const padding = ALIGN - ((MAGIC.length + 4 + text.length + 1) % ALIGN);
  const header = `${text}${' '.repeat(padding)}\n`;
  const out = new Uint8Array(MAGIC.length + 4 + header.length);
  out.set(MAGIC, 0);
  out[6] = 1; // version 1.0
  out[7] = 0;
  new DataView(out.buffer).setUint16(8, header.length, true);
  out.set(new TextEncoder().encode(header), 10);
  return out;
}

/** The `.npy` bytes of an array of uint8 or int32 elements. */
export function encodeNpy(dtype: 'u1' | 'i4', shape: readonly number[], data: Uint8Array | Int32Array): Uint8Array {
  const count = shape.reduce((a, b) => a * b, 1);
  if (data.length !== count) throw new RangeError(`encodeNpy: ${data.length} elements for shape ${pyShape(shape)}`);
  const header = npyHeader(dtype, shape);
  const out = new Uint8Array(header.length + count * ITEM_BYTES[dtype]);
  out.set(header, 0);
  if (dtype === 'u1') out.set(data, header.length);
  else {
    const view = new DataView(out.buffer, header.length);
    for (let i = 0; i < count; i++) view.setInt32(4 * i, data[i], true);
  }
  return out;
}

/** The array in `.npy` bytes, or what is wrong with them (`source` names the file). */
export function decodeNpy(bytes: Uint8Array, source: string): E.Either<string, NpyArray> {
  const fail = (why: string) => E.left(`${source}: ${why}`);
  if (bytes.length < 10 || !MAGIC.every((b, i) => bytes[i] === b)) return fail('not a .npy file');
  const major = bytes[6];
  if (major < 1 || major > 3) return fail(`.npy version ${major}.${bytes[7]} is not supported`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const lenBytes = major === 1 ? 2 : 4;
  const headerLength = major === 1 ? view.getUint16(8, true) : view.getUint32(8, true);
  const dataStart = 8 + lenBytes + headerLength;
  if (dataStart > bytes.length) return fail('truncated header');
  const header = new TextDecoder('latin1').decode(bytes.subarray(8 + lenBytes, dataStart));
  const descr = /'descr':\s*'([<|>=]?)([a-z])(\d+)'/.exec(header);
  const fortran = /'fortran_order':\s*(True|False)/.exec(header);
  const shapeText = /'shape':\s*\(([\d,\s]*)\)/.exec(header);
  if (!descr || !fortran || !shapeText) return fail(`unreadable header ${JSON.stringify(header.trim())}`);
  const dtype = ({ u1: 'u1', i4: 'i4', i8: 'i8' } as Record<string, NpyDType | undefined>)[
    `${descr[2] === 'b' ? 'u' : descr[2]}${descr[3]}`
  ];
  if (!dtype || descr[2] === 'b' || (descr[1] === '>' && dtype !== 'u1'))
    return fail(`dtype ${descr[1]}${descr[2]}${descr[3]} is not one of |u1, <i4, <i8`);
  const shape = shapeText[1]
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '')
    .map(Number);
  if (fortran[1] === 'True' && shape.filter((d) => d > 1).length > 1) return fail('Fortran-order arrays are not read');
  const count = shape.reduce((a, b) => a * b, 1);
  const size = count * ITEM_BYTES[dtype];
  if (bytes.length - dataStart !== size)
    return fail(
      `${bytes.length - dataStart} bytes of data for shape ${pyShape(shape)} of ${DESCR[dtype]}, expected ${size}`,
    );
  if (dtype === 'u1') return E.right({ dtype, shape, data: bytes.slice(dataStart) });
  const out = new Int32Array(count);
  for (let i = 0; i < count; i++) {
    if (dtype === 'i4') out[i] = view.getInt32(dataStart + 4 * i, true);
    else {
      const v = view.getBigInt64(dataStart + 8 * i, true);
      if (v > 2147483647n || v < -2147483648n) return fail(`element ${i} (${v}) does not fit in int32`);
      out[i] = Number(v);
    }
  }
  return E.right({ dtype, shape, data: out });
}
