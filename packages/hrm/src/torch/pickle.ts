/**
 * A restricted reader of Python pickles (protocols 2 to 5), enough for what `torch.save` writes for a
 * state dict and nothing more. Pickle is a small stack machine whose GLOBAL and REDUCE opcodes can call
 * any Python function, which is how a hostile file runs code; here the machine only builds plain values
 * (None, bools, ints, floats, strings, bytes, lists, tuples, dicts, the memo) and hands every GLOBAL,
 * REDUCE, BUILD and persistent id to a host that allows a fixed list and refuses the rest. Every other
 * opcode is refused by name with its offset. Nothing read from the file is ever executed.
 */
import * as E from 'fp-ts/lib/Either.js';

/** A Python tuple (lists are plain arrays). */
export class PyTuple {
  constructor(readonly items: readonly unknown[]) {}
}

/** A Python dict or OrderedDict: its items in insertion order, and the attributes BUILD gave it. */
export class PyDict {
  readonly items = new Map<unknown, unknown>();
  attributes: unknown = undefined;
}

/** What the machine asks of its caller: the only ways a pickle reaches beyond plain values. */
export interface UnpickleHost {
  /** The object `module.name` stands for (GLOBAL, STACK_GLOBAL), or why it is refused. */
  global(module: string, name: string): E.Either<string, unknown>;
  /** `callable(...args)` (REDUCE), where the callable came from `global`. */
  reduce(callable: unknown, args: readonly unknown[]): E.Either<string, unknown>;
  /** The object a persistent id names (BINPERSID): for torch, a tensor storage. */
  persistentLoad(pid: unknown): E.Either<string, unknown>;
  /** `obj.__setstate__(state)` (BUILD). */
  build(obj: unknown, state: unknown): E.Either<string, void>;
}

/** Opcodes this reader accepts, by byte. */
const OP = {
  PROTO: 0x80,
  FRAME: 0x95,
  STOP: 0x2e,
  MARK: 0x28,
  NONE: 0x4e,
  NEWTRUE: 0x88,
  NEWFALSE: 0x89,
  BININT: 0x4a,
  BININT1: 0x4b,
  BININT2: 0x4d,
  LONG1: 0x8a,
  BINFLOAT: 0x47,
  BINUNICODE: 0x58,
  SHORT_BINUNICODE: 0x8c,
  BINUNICODE8: 0x8d,
  BINBYTES: 0x42,
  SHORT_BINBYTES: 0x43,
  EMPTY_TUPLE: 0x29,
  TUPLE: 0x74,
  TUPLE1: 0x85,
  TUPLE2: 0x86,
  TUPLE3: 0x87,
  EMPTY_LIST: 0x5d,
  APPEND: 0x61,
  APPENDS: 0x65,
  LIST: 0x6c,
  EMPTY_DICT: 0x7d,
  SETITEM: 0x73,
  SETITEMS: 0x75,
  DICT: 0x64,
  BINPUT: 0x71,
  LONG_BINPUT: 0x72,
  BINGET: 0x68,
  LONG_BINGET: 0x6a,
  MEMOIZE: 0x94,
  GLOBAL: 0x63,
  STACK_GLOBAL: 0x93,
  REDUCE: 0x52,
  BUILD: 0x62,
  BINPERSID: 0x51,
} as const;

/** The opcodes accepted, for error messages. */
export const ACCEPTED_OPCODES: readonly string[] = Object.keys(OP);

/** Names of the opcodes refused, so that an error says which one it met. */
const REFUSED: Readonly<Record<number, string>> = {
  105: 'INST',
  111: 'OBJ',
  129: 'NEWOBJ',
  146: 'NEWOBJ_EX',
  80: 'PERSID',
  130: 'EXT1',
  131: 'EXT2',
  132: 'EXT4',
  73: 'INT',
  76: 'LONG',
  139: 'LONG4',
  70: 'FLOAT',
  83: 'STRING',
  84: 'BINSTRING',
  85: 'SHORT_BINSTRING',
  86: 'UNICODE',
  142: 'BINBYTES8',
  150: 'BYTEARRAY8',
  151: 'NEXT_BUFFER',
  152: 'READONLY_BUFFER',
  143: 'EMPTY_SET',
  144: 'ADDITEMS',
  145: 'FROZENSET',
  112: 'PUT',
  103: 'GET',
  48: 'POP',
  49: 'POP_MARK',
  50: 'DUP',
};

const hex = (b: number) => `0x${b.toString(16).padStart(2, '0')}`;

/**
 * The value a pickle builds, or an error naming the offset of the opcode at fault and why: an opcode not
 * accepted, a global or call the host refuses, a truncated or malformed stream.
 */
export function unpickle(bytes: Uint8Array, host: UnpickleHost): E.Either<string, unknown> {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const decoder = new TextDecoder('utf-8', { fatal: true });
  const stack: unknown[] = [];
  const marks: number[] = [];
  const memo = new Map<number, unknown>();
  let at = 0;

  const fail = (offset: number, reason: string) => E.left(`offset ${offset}: ${reason}`);
  /** `n` bytes from the current position, or undefined past the end. */
  const take = (n: number): Uint8Array | undefined => {
    if (n < 0 || at + n > bytes.length) return undefined;
    const out = bytes.subarray(at, at + n);
    at += n;
    return out;
  };
  const line = (): string | undefined => {
    const end = bytes.indexOf(0x0a, at);
    if (end < 0) return undefined;
    const s = new TextDecoder('latin1').decode(bytes.subarray(at, end));
    at = end + 1;
    return s;
  };
  const popMark = (): unknown[] | undefined => {
    const start = marks.pop();
    if (start === undefined || start > stack.length) return undefined;
    return stack.splice(start);
  };

  while (at < bytes.length) {
    const offset = at;
    const op = bytes[at++];
    const truncated = () => fail(offset, `truncated ${hex(op)} opcode`);
    const underflow = () => fail(offset, `stack underflow at opcode ${hex(op)}`);
    switch (op) {
      case OP.PROTO: {
        const v = take(1);
        if (!v) return truncated();
        if (v[0] < 2 || v[0] > 5) return fail(offset, `pickle protocol ${v[0]} is not supported (2 to 5 are)`);
        break;
      }
      case OP.FRAME:
        // Frames only group opcodes for buffered reading; their length is not needed here.
        if (!take(8)) return truncated();
        break;
      case OP.STOP:
        if (stack.length !== 1 || marks.length > 0)
          return fail(offset, `STOP with ${stack.length} values and ${marks.length} open marks on the stack`);
        return E.right(stack[0]);
      case OP.MARK:
        marks.push(stack.length);
        break;
      case OP.NONE:
        stack.push(null);
        break;
      case OP.NEWTRUE:
        stack.push(true);
        break;
      case OP.NEWFALSE:
        stack.push(false);
        break;
      case OP.BININT: {
        if (at + 4 > bytes.length) return truncated();
        stack.push(view.getInt32(at, true));
        at += 4;
        break;
      }
      case OP.BININT1: {
        const v = take(1);
        if (!v) return truncated();
        stack.push(v[0]);
        break;
      }
      case OP.BININT2: {
        if (at + 2 > bytes.length) return truncated();
        stack.push(view.getUint16(at, true));
        at += 2;
        break;
      }
      case OP.LONG1: {
        const n = take(1);
        const v = n && take(n[0]);
        if (!v) return truncated();
        // Little-endian two's complement; an int beyond 2^53 cannot be a size or offset we could use.
        let x = 0n;
        for (let i = v.length - 1; i >= 0; i--) x = (x << 8n) | BigInt(v[i]);
        if (v.length > 0 && v[v.length - 1] & 0x80) x -= 1n << BigInt(8 * v.length);
        if (x > BigInt(Number.MAX_SAFE_INTEGER) || x < BigInt(Number.MIN_SAFE_INTEGER))
          return fail(offset, `integer ${x} is too large`);
        stack.push(Number(x));
        break;
      }
      case OP.BINFLOAT: {
        if (at + 8 > bytes.length) return truncated();
        stack.push(view.getFloat64(at, false));
        at += 8;
        break;
      }
      case OP.BINUNICODE:
      case OP.SHORT_BINUNICODE:
      case OP.BINUNICODE8:
      case OP.BINBYTES:
      case OP.SHORT_BINBYTES: {
        const width = op === OP.SHORT_BINUNICODE || op === OP.SHORT_BINBYTES ? 1 : op === OP.BINUNICODE8 ? 8 : 4;
        if (at + width > bytes.length) return truncated();
        const n =
          width === 1 ? bytes[at] : width === 4 ? view.getUint32(at, true) : Number(view.getBigUint64(at, true));
        at += width;
        const raw = take(n);
        if (!raw) return truncated();
        if (op === OP.BINBYTES || op === OP.SHORT_BINBYTES) stack.push(raw.slice());
        else {
          try {
            stack.push(decoder.decode(raw));
          } catch {
            return fail(offset, 'a string that is not UTF-8');
          }
        }
        break;
      }
      case OP.EMPTY_TUPLE:
        stack.push(new PyTuple([]));
        break;
      case OP.TUPLE1:
      case OP.TUPLE2:
      case OP.TUPLE3: {
        const n = op - OP.TUPLE1 + 1;
        if (stack.length - n < (marks.at(-1) ?? 0)) return underflow();
        stack.push(new PyTuple(stack.splice(stack.length - n)));
        break;
      }
      case OP.TUPLE: {
        const items = popMark();
        if (!items) return underflow();
        stack.push(new PyTuple(items));
        break;
      }
      case OP.EMPTY_LIST:
        stack.push([]);
        break;
      case OP.LIST: {
        const items = popMark();
        if (!items) return underflow();
        stack.push(items);
        break;
      }
      case OP.APPEND:
      case OP.APPENDS: {
        const items = op === OP.APPEND ? (stack.length > 1 ? [stack.pop()] : undefined) : popMark();
        const list = stack.at(-1);
        if (!items || !Array.isArray(list))
          return fail(offset, `${op === OP.APPEND ? 'APPEND' : 'APPENDS'} to a non-list`);
        list.push(...items);
        break;
      }
      case OP.EMPTY_DICT:
        stack.push(new PyDict());
        break;
      case OP.DICT:
      case OP.SETITEMS:
      case OP.SETITEM: {
        const items = op === OP.SETITEM ? (stack.length >= 3 ? stack.splice(stack.length - 2) : undefined) : popMark();
        if (!items || items.length % 2 !== 0) return underflow();
        if (op === OP.DICT) stack.push(new PyDict());
        const dict = stack.at(-1);
        if (!(dict instanceof PyDict)) return fail(offset, 'setting items on something that is not a dict');
        for (let i = 0; i < items.length; i += 2) {
          const k = items[i];
          if (typeof k !== 'string' && typeof k !== 'number')
            return fail(offset, 'a dict key that is not a string or an integer');
          dict.items.set(k, items[i + 1]);
        }
        break;
      }
      case OP.BINPUT:
      case OP.LONG_BINPUT:
      case OP.MEMOIZE: {
        let index: number;
        if (op === OP.MEMOIZE) index = memo.size;
        else if (op === OP.BINPUT) {
          const v = take(1);
          if (!v) return truncated();
          index = v[0];
        } else {
          if (at + 4 > bytes.length) return truncated();
          index = view.getUint32(at, true);
          at += 4;
        }
        if (stack.length === 0 || stack.length === (marks.at(-1) ?? -1)) return underflow();
        memo.set(index, stack.at(-1));
        break;
      }
      case OP.BINGET:
      case OP.LONG_BINGET: {
        let index: number;
        if (op === OP.BINGET) {
          const v = take(1);
          if (!v) return truncated();
          index = v[0];
        } else {
          if (at + 4 > bytes.length) return truncated();
          index = view.getUint32(at, true);
          at += 4;
        }
        if (!memo.has(index)) return fail(offset, `memo entry ${index} was never stored`);
        stack.push(memo.get(index));
        break;
      }
      case OP.GLOBAL:
      case OP.STACK_GLOBAL: {
        let module: unknown;
        let name: unknown;
        if (op === OP.GLOBAL) {
          module = line();
          name = module === undefined ? undefined : line();
          if (name === undefined) return truncated();
        } else {
          if (stack.length < 2) return underflow();
          [module, name] = stack.splice(stack.length - 2);
          if (typeof module !== 'string' || typeof name !== 'string')
            return fail(offset, 'STACK_GLOBAL with a module or name that is not a string');
        }
        const resolved = host.global(module as string, name as string);
        if (E.isLeft(resolved)) return fail(offset, resolved.left);
        stack.push(resolved.right);
        break;
      }
      case OP.REDUCE: {
        if (stack.length < 2) return underflow();
        const [callable, args] = stack.splice(stack.length - 2);
        if (!(args instanceof PyTuple)) return fail(offset, 'REDUCE with arguments that are not a tuple');
        const made = host.reduce(callable, args.items);
        if (E.isLeft(made)) return fail(offset, made.left);
        stack.push(made.right);
        break;
      }
      case OP.BUILD: {
        if (stack.length < 2) return underflow();
        const state = stack.pop();
        const built = host.build(stack.at(-1), state);
        if (E.isLeft(built)) return fail(offset, built.left);
        break;
      }
      case OP.BINPERSID: {
        if (stack.length < 1) return underflow();
        const loaded = host.persistentLoad(stack.pop());
        if (E.isLeft(loaded)) return fail(offset, loaded.left);
        stack.push(loaded.right);
        break;
      }
      default: {
        const name = REFUSED[op];
        return fail(offset, `opcode ${name ?? 'unknown'} (${hex(op)}) is not allowed in a state dict`);
      }
    }
  }
  return E.left(`offset ${bytes.length}: the pickle ends without STOP`);
}
