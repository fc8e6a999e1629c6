/**
 * Reading a state dict written by `torch.save` (PyTorch 1.6 and later): a zip archive holding
 * `<name>/data.pkl` (the pickled dict), one `<name>/data/<key>` file per storage, and optionally
 * `<name>/byteorder` and `<name>/version`. The pickle is read by the restricted reader of pickle.ts with
 * a host that knows only the few globals a state dict uses; storages become float32, and each tensor is
 * gathered from its storage by its offset, sizes and strides, so views and transposed tensors read right.
 */
import type { DecodedTensor } from '@hrm/nn';
import { CheckpointError } from '@hrm/nn';
import { unzipSync } from 'fflate';
import * as E from 'fp-ts/lib/Either.js';
import { decodeFloats, ELEMENT_BYTES, type FloatDType } from './floats.js';
import { PyDict, PyTuple, type UnpickleHost, unpickle } from './pickle.js';

/** The globals a state dict needs; every other one is refused. */
export const ACCEPTED_GLOBALS: readonly string[] = [
  'collections.OrderedDict',
  'torch._utils._rebuild_tensor_v2',
  'torch._utils._rebuild_tensor',
  'torch._utils._rebuild_parameter',
  'torch.FloatStorage',
  'torch.BFloat16Storage',
  'torch.HalfStorage',
  'torch.UntypedStorage',
];

const STORAGE_TYPES: Readonly<Record<string, FloatDType | 'U8'>> = {
  FloatStorage: 'F32',
  BFloat16Storage: 'BF16',
  HalfStorage: 'F16',
  UntypedStorage: 'U8',
};

/** A global the host allows: a function it can call, or a storage type. */
class Callable {
  constructor(readonly name: string) {}
}
class StorageType {
  constructor(readonly dtype: FloatDType | 'U8') {}
}
/** A storage, decoded once however many tensors view it. */
interface Storage {
  readonly key: string;
  readonly dtype: FloatDType | 'U8';
  readonly values: Float32Array | undefined;
}
/** A tensor rebuilt from a storage (the values gathered, row-major). */
class TensorValue {
  constructor(readonly tensor: DecodedTensor) {}
}

const isInt = (x: unknown): x is number => typeof x === 'number' && Number.isInteger(x) && x >= 0;

/** The row-major elements of the view (offset, sizes, strides) of `values`, or why it does not fit. */
export function gatherStrided(
  values: Float32Array,
  offset: number,
  size: readonly number[],
  stride: readonly number[],
): E.Either<string, Float32Array> {
  const count = size.reduce((a, b) => a * b, 1);
  let last = offset;
  for (let d = 0; d < size.length; d++) if (size[d] > 0) last += (size[d] - 1) * stride[d];
  if (count > 0 && last >= values.length)
    return E.left(
      `offset ${offset}, sizes [${size.join(', ')}] and strides [${stride.join(', ')}] reach element ${last} of a storage of ${values.length}`,
    );
  const out = new Float32Array(count);
  const index = new Array<number>(size.length).fill(0);
  let src = offset;
  for (let i = 0; i < count; i++) {
    out[i] = values[src];
    // Advance the multi-index like an odometer, moving `src` by the strides.
    for (let d = size.length - 1; d >= 0; d--) {
      index[d]++;
      src += stride[d];
      if (index[d] < size[d]) break;
      src -= stride[d] * size[d];
      index[d] = 0;
    }
  }
  return E.right(out);
}

/** The host for a state dict whose storages are the files `entries` under `prefix`. */
function stateDictHost(entries: Readonly<Record<string, Uint8Array>>, prefix: string, littleEndian: boolean) {
  const storages = new Map<string, Storage>();
  const rebuild = (args: readonly unknown[]): E.Either<string, unknown> => {
    const [storage, offset, size, stride, , hooks, metadata] = args;
    if (!(storage instanceof Object) || !('values' in storage)) return E.left('a tensor without a storage');
    const s = storage as Storage;
    if (!isInt(offset)) return E.left('a tensor with a bad storage offset');
    if (!(size instanceof PyTuple) || !size.items.every(isInt)) return E.left('a tensor with bad sizes');
    if (!(stride instanceof PyTuple) || !stride.items.every(isInt) || stride.items.length !== size.items.length)
      return E.left('a tensor with bad strides');
    if (hooks !== undefined && !(hooks instanceof PyDict && hooks.items.size === 0))
      return E.left('a tensor with backward hooks');
    if (metadata instanceof PyDict && [...metadata.items.values()].some((v) => v === true))
      return E.left('a tensor with its conjugate or negative bit set');
    if (s.values === undefined || s.dtype === 'U8')
      return E.left(`storage ${s.key} is untyped (bytes): its tensor has no floating-point dtype`);
    const shape = size.items as number[];
    const gathered = gatherStrided(s.values, offset, shape, stride.items as number[]);
    if (E.isLeft(gathered)) return E.left(`storage ${s.key}: ${gathered.left}`);
    return E.right(new TensorValue({ dtype: 'float32', shape, data: gathered.right, storedAs: s.dtype }));
  };

  const host: UnpickleHost = {
    global: (module, name) => {
      const full = `${module}.${name}`;
      if (!ACCEPTED_GLOBALS.includes(full))
        return E.left(
          `global ${full} is not allowed: a state dict needs only ${ACCEPTED_GLOBALS.join(', ')} (nothing in the file is run)`,
        );
      return E.right(module === 'torch' ? new StorageType(STORAGE_TYPES[name]) : new Callable(name));
    },
    reduce: (callable, args) => {
      if (!(callable instanceof Callable)) return E.left('a call to something that is not an allowed function');
      switch (callable.name) {
        case 'OrderedDict':
          return args.length === 0 ? E.right(new PyDict()) : E.left('OrderedDict called with arguments');
        case '_rebuild_tensor_v2':
        case '_rebuild_tensor':
          return rebuild(args);
        case '_rebuild_parameter':
          return args[0] instanceof TensorValue ? E.right(args[0]) : E.left('a parameter that holds no tensor');
        default:
          return E.left(`${callable.name} cannot be called`);
      }
    },
    persistentLoad: (pid) => {
      const items = pid instanceof PyTuple ? pid.items : [];
      const [kind, type, key, , numel] = items;
      if (items.length !== 5 || kind !== 'storage' || !(type instanceof StorageType) || typeof key !== 'string')
        return E.left('a persistent id that is not a storage (storage, type, key, location, numel)');
      if (!isInt(numel)) return E.left(`storage ${key}: bad element count`);
      const known = storages.get(key);
      if (known) return E.right(known);
      const path = `${prefix}data/${key}`;
      const bytes = entries[path];
      if (!bytes) return E.left(`storage ${key}: the archive has no ${path}`);
      const size = type.dtype === 'U8' ? 1 : ELEMENT_BYTES[type.dtype];
      if (bytes.length !== numel * size)
        return E.left(`storage ${key}: ${path} holds ${bytes.length} bytes, expected ${numel} × ${size}`);
      const values = type.dtype === 'U8' ? undefined : decodeFloats(bytes, type.dtype, littleEndian);
      const storage: Storage = { key, dtype: type.dtype, values };
      storages.set(key, storage);
      return E.right(storage);
    },
    build: (obj, state) => {
      // OrderedDict.__reduce__ sets its instance attributes (a state dict's `_metadata`) with BUILD.
      if (obj instanceof PyDict && state instanceof PyDict) {
        obj.attributes = state;
        return E.right(undefined);
      }
      return E.left('BUILD on something other than a dict');
    },
  };
  return host;
}

const startsWith = (bytes: Uint8Array, magic: readonly number[]) => magic.every((b, i) => bytes[i] === b);

/** Whether `bytes` look like a `torch.save` zip archive (a zip's local header magic). */
export function isTorchZip(bytes: Uint8Array): boolean {
  return startsWith(bytes, [0x50, 0x4b, 0x03, 0x04]);
}

/**
 * The tensors of a state dict saved with `torch.save`, converted to float32, by name; or a CheckpointError
 * naming `source` and what is wrong (not a zip, a refused global or opcode with its offset, a missing
 * storage, a value that is not a tensor).
 */
export function readTorchStateDict(
  bytes: Uint8Array,
  source = 'torch.save file',
): E.Either<CheckpointError, Record<string, DecodedTensor>> {
  const fail = (reason: string) => E.left(new CheckpointError(source, [reason]));
  if (startsWith(bytes, [0x80]))
    return fail('a pickle without a zip archive: the format of torch.save before PyTorch 1.6, which is not read here');
  if (!isTorchZip(bytes)) return fail('not a torch.save file (no zip archive)');
  let entries: Record<string, Uint8Array>;
  try {
    entries = unzipSync(bytes);
  } catch (e) {
    return fail(`a broken zip archive: ${(e as Error).message}`);
  }
  const pickles = Object.keys(entries).filter((n) => n === 'data.pkl' || n.endsWith('/data.pkl'));
  if (pickles.length !== 1)
    return fail(`expected one <name>/data.pkl in the archive, found ${pickles.length ? pickles.join(', ') : 'none'}`);
  const prefix = pickles[0].slice(0, -'data.pkl'.length);
  const order = entries[`${prefix}byteorder`];
  const byteorder = order ? new TextDecoder().decode(order).trim() : 'little';
  if (byteorder !== 'little' && byteorder !== 'big') return fail(`${prefix}byteorder says '${byteorder}'`);
  const root = unpickle(entries[pickles[0]], stateDictHost(entries, prefix, byteorder === 'little'));
  if (E.isLeft(root)) return fail(`${pickles[0]}: ${root.left}`);
  if (!(root.right instanceof PyDict)) return fail('the pickled object is not a dict of tensors (a state dict)');
  const problems: string[] = [];
  const tensors: [string, DecodedTensor][] = [];
  for (const [name, value] of root.right.items) {
    if (typeof name !== 'string') problems.push(`key ${String(name)} is not a string`);
    else if (!(value instanceof TensorValue)) problems.push(`'${name}' is not a tensor`);
    else tensors.push([name, value.tensor]);
  }
  if (problems.length > 0) return E.left(new CheckpointError(source, problems));
  // fromEntries, not assignment: a tensor named `__proto__` must stay a key.
  return E.right(Object.fromEntries(tensors));
}
