/**
 * The restricted pickle reader on pickles Python wrote (protocols 2 and 5: every plain value a state dict
 * uses, the memo, frames), and on pickles it must refuse, naming the opcode or global and its offset.
 */
import * as E from 'fp-ts/lib/Either.js';
import { describe, expect, it } from 'vitest';
import { PyDict, PyTuple, type UnpickleHost, unpickle } from './pickle.js';

const hex = (s: string) => Uint8Array.from(s.match(/../g) ?? [], (h) => Number.parseInt(h, 16));

/** A host that refuses everything: plain values need none of it. */
const refuseAll: UnpickleHost = {
  global: (m, n) => E.left(`global ${m}.${n} refused`),
  reduce: () => E.left('reduce refused'),
  persistentLoad: () => E.left('persistent id refused'),
  build: () => E.left('build refused'),
};

/** Plain JS from the reader's values: tuples as { tuple }, dicts as objects. */
function plain(v: unknown): unknown {
  if (v instanceof PyTuple) return { tuple: v.items.map(plain) };
  if (v instanceof PyDict) return Object.fromEntries([...v.items].map(([k, x]) => [k, plain(x)]));
  if (Array.isArray(v)) return v.map(plain);
  if (v instanceof Uint8Array) return { bytes: [...v] };
  return v;
}

// Written by Python 3.11: pickle.dumps(value, protocol=p) of
// {'a': [1, 2.5, None, True, False, (1, 2), (), (1, 2, 3, 4)], 'b': 'é', 'big': 2**40, 'neg': -3,
//  'n300': 300, 'n70000': 70000, 'shared': ([7], <the same list>)} (protocol 5 adds 'bytes': b'xy').
const PROTOCOL_2 =
  '80027d71002858010000006171015d7102284b014740040000000000004e88894b014b0286710329284b014b024b034b047471046558010000006271055802000000c3a97106580300000062696771078a0600000000000158030000006e656771084afdffffff58040000006e33303071094d2c0158060000006e3730303030710a4a701101005806000000736861726564710b5d710c4b0761680c86710d752e';
const PROTOCOL_5 =
  '80059586000000000000007d94288c0161945d94284b014740040000000000004e88894b014b02869429284b014b024b034b047494658c0162948c02c3a9948c03626967948a060000000000018c036e6567944afdffffff8c046e333030944d2c018c066e3730303030944a701101008c06736861726564945d944b0761680c86948c056279746573944302787994752e';

const EXPECTED = {
  a: [1, 2.5, null, true, false, { tuple: [1, 2] }, { tuple: [] }, { tuple: [1, 2, 3, 4] }],
  b: 'é',
  big: 2 ** 40,
  neg: -3,
  n300: 300,
  n70000: 70000,
  shared: { tuple: [[7], [7]] },
};

describe('the restricted pickle reader', () => {
  it('reads every plain value Python writes with protocol 2, memo included', () => {
    const r = unpickle(hex(PROTOCOL_2), refuseAll);
    if (E.isLeft(r)) throw new Error(r.left);
    expect(plain(r.right)).toEqual(EXPECTED);
    // The memo gives back the same object, as Python shares it.
    const shared = (r.right as PyDict).items.get('shared') as PyTuple;
    expect(shared.items[0]).toBe(shared.items[1]);
  });

  it('reads protocol 5 (frames, short strings, MEMOIZE, bytes)', () => {
    const r = unpickle(hex(PROTOCOL_5), refuseAll);
    if (E.isLeft(r)) throw new Error(r.left);
    expect(plain(r.right)).toEqual({ ...EXPECTED, bytes: { bytes: [120, 121] } });
  });

  it('reads negative LONG1 integers', () => {
    expect(unpickle(hex('80028a060000000000ff2e'), refuseAll)).toEqual(E.right(-(2 ** 40)));
  });

  it('asks the host about every global, and reports its refusal with the offset', () => {
    // pickle.dumps(os.system) with protocol 2 on Linux: GLOBAL 'posix system'.
    const bytes = hex('800263706f7369780a73797374656d0a71002e');
    expect(unpickle(bytes, refuseAll)).toEqual(E.left('offset 2: global posix.system refused'));
  });

  it('refuses opcodes a state dict never needs, by name and offset', () => {
    const cases: [string, string][] = [
      ['800228635f5f6275696c74696e5f5f0a6f626a6563740a6f2e', 'offset 3: global __builtin__.object refused'],
      ['80026981', 'offset 2: opcode INST (0x69) is not allowed in a state dict'],
      ['80024e4e812e', 'offset 4: opcode NEWOBJ (0x81) is not allowed in a state dict'],
      ['800249310a2e', 'offset 2: opcode INT (0x49) is not allowed in a state dict'],
      ['8002ff', 'offset 2: opcode unknown (0xff) is not allowed in a state dict'],
      ['8001', 'offset 0: pickle protocol 1 is not supported (2 to 5 are)'],
    ];
    for (const [bytes, message] of cases) expect(unpickle(hex(bytes), refuseAll)).toEqual(E.left(message));
  });

  it('refuses truncated and malformed streams', () => {
    expect(unpickle(hex('80025805000000616263'), refuseAll)).toEqual(E.left('offset 2: truncated 0x58 opcode'));
    expect(unpickle(hex('80024b01'), refuseAll)).toEqual(E.left('offset 4: the pickle ends without STOP'));
    expect(unpickle(hex('8002680a2e'), refuseAll)).toEqual(E.left('offset 2: memo entry 10 was never stored'));
    expect(unpickle(hex('800273'), refuseAll)).toEqual(E.left('offset 2: stack underflow at opcode 0x73'));
  });
});
