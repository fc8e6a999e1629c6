/**
 * Writing a state dict that `torch.load` reads: the layout `torch.save` uses (a zip archive of
 * `<name>/data.pkl`, `<name>/byteorder`, `<name>/data/<key>`, `<name>/version`), the dict pickled with
 * protocol 2 as an OrderedDict of `torch._utils._rebuild_tensor_v2` calls on persistent storage ids, one
 * contiguous storage per tensor. No memo, no timestamps: the same tensors give the same bytes.
 */
import { encodeFloats, type FloatDType } from './floats.js';
import { zipStored } from './zip-write.js';

/** One tensor to save: row-major float32 values, stored as `dtype`. */
export interface StateEntry {
  readonly dtype: 'F32' | 'BF16';
  readonly shape: readonly number[];
  readonly values: Float32Array;
}

const STORAGE_NAMES: Readonly<Record<Exclude<FloatDType, 'F16'>, string>> = {
  F32: 'FloatStorage',
  BF16: 'BFloat16Storage',
};

/** A protocol 2 pickle, written opcode by opcode. */
class PickleWriter {
  private readonly parts: number[] = [];
  private readonly encoder = new TextEncoder();

  op(...bytes: number[]): this {
    this.parts.push(...bytes);
    return this;
  }
  global(module: string, name: string): this {
    return this.op(0x63, ...this.encoder.encode(`${module}\n${name}\n`));
  }
  str(s: string): this {
    const b = this.encoder.encode(s);
    const len = new Uint8Array(new Uint32Array([b.length]).buffer);
    return this.op(0x58, ...len, ...b); // BINUNICODE
  }
  int(n: number): this {
    if (!Number.isSafeInteger(n) || n < 0) throw new RangeError(`pickle: ${n} is not a non-negative integer`);
    if (n < 0x100) return this.op(0x4b, n); // BININT1
    if (n < 0x10000) return this.op(0x4d, n & 0xff, n >>> 8); // BININT2
    if (n < 0x80000000) return this.op(0x4a, ...new Uint8Array(new Int32Array([n]).buffer)); // BININT
    // LONG1: little-endian two's complement, with a zero byte on top so it stays positive.
    const bytes: number[] = [];
    for (let x = BigInt(n); x > 0n; x >>= 8n) bytes.push(Number(x & 0xffn));
    if (bytes[bytes.length - 1] & 0x80) bytes.push(0);
    return this.op(0x8a, bytes.length, ...bytes);
  }
  tuple(items: readonly number[]): this {
    if (items.length === 0) return this.op(0x29); // EMPTY_TUPLE
    if (items.length > 3) this.op(0x28); // MARK
    for (const x of items) this.int(x);
    return this.op(items.length > 3 ? 0x74 : 0x85 + items.length - 1); // TUPLE or TUPLE1..3
  }
  bytes(): Uint8Array {
    return Uint8Array.from(this.parts);
  }
}

const rowMajorStrides = (shape: readonly number[]) =>
  shape.map((_, d) => shape.slice(d + 1).reduce((a, b) => a * b, 1));

/** The pickle of an OrderedDict of the tensors, each on storage key `index` (as a string). */
export function pickleStateDict(entries: readonly (readonly [string, StateEntry])[]): Uint8Array {
  const w = new PickleWriter();
  w.op(0x80, 2); // PROTO 2
  w.global('collections', 'OrderedDict').op(0x29, 0x52); // OrderedDict()
  if (entries.length > 0) w.op(0x28); // MARK
  entries.forEach(([name, e], index) => {
    const numel = e.shape.reduce((a, b) => a * b, 1);
    w.str(name).global('torch._utils', '_rebuild_tensor_v2');
    w.op(0x28); // MARK: the arguments
    w.op(0x28).str('storage').global('torch', STORAGE_NAMES[e.dtype]).str(String(index)).str('cpu').int(numel);
    w.op(0x74, 0x51); // TUPLE, BINPERSID
    w.int(0).tuple(e.shape).tuple(rowMajorStrides(e.shape));
    w.op(0x89); // requires_grad = False
    w.global('collections', 'OrderedDict').op(0x29, 0x52); // backward_hooks = OrderedDict()
    w.op(0x74, 0x52); // TUPLE, REDUCE
  });
  if (entries.length > 0) w.op(0x75); // SETITEMS
  return w.op(0x2e).bytes(); // STOP
}

/**
 * The bytes of a `torch.save` file holding `entries` (in order) under the archive folder `name` (PyTorch
 * uses the file's name without its extension; any name loads).
 */
export function torchSaveBytes(entries: readonly (readonly [string, StateEntry])[], name = 'archive'): Uint8Array {
  for (const [key, e] of entries) {
    const numel = e.shape.reduce((a, b) => a * b, 1);
    if (numel !== e.values.length)
      throw new RangeError(`torchSaveBytes: '${key}' has ${e.values.length} values for shape [${e.shape.join(', ')}]`);
  }
  const text = (s: string) => new TextEncoder().encode(s);
  return zipStored([
    [`${name}/data.pkl`, pickleStateDict(entries)],
    [`${name}/byteorder`, text('little')],
    ...entries.map(([, e], i) => [`${name}/data/${i}`, encodeFloats(e.values, e.dtype)] as const),
    [`${name}/version`, text('3\n')],
  ]);
}
