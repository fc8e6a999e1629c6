import { describe, expect, it } from 'vitest';
import { claimLoop, LAYOUT, writeJob } from './pool.js';

// The claim protocol, one thread playing each part in turn: the interleavings that matter are set up
// exactly, where threads would meet them only by chance.
describe('claimLoop', () => {
  const D = 64;
  const setup = () => {
    const ctl = new Int32Array(1024);
    const ran: string[] = [];
    const kernel = (name: string) => (p: number) => {
      ran.push(`${name}@${p}`);
    };
    return { ctl, u8: new Uint8Array(ctl.buffer), ran, kernel };
  };
  const job = (fn: number, count: number, base: number) => ({ fn, count, base, stride: 16, patch: -1 });

  it('runs each chunk of its job once, and counts them done', () => {
    const { ctl, u8, ran, kernel } = setup();
    writeJob(ctl, D, 7, job(0, 3, 1000));
    claimLoop(ctl, u8, [kernel('a')], D, 7, 0, [], LAYOUT);
    expect(ran).toEqual(['a@1000', 'a@1016', 'a@1032']);
    expect(ctl[D + LAYOUT.DONE]).toBe(3);
    claimLoop(ctl, u8, [kernel('a')], D, 7, 0, [], LAYOUT); // a late worker: nothing left
    expect(ran).toHaveLength(3);
  });

  it('claims nothing for a thread that holds an older tag', () => {
    const { ctl, u8, ran, kernel } = setup();
    writeJob(ctl, D, 8, job(0, 3, 1000));
    claimLoop(ctl, u8, [kernel('a')], D, 7, 0, [], LAYOUT);
    expect(ran).toEqual([]);
    expect(ctl[D + LAYOUT.DONE]).toBe(0);
  });

  it('claims nothing of the next job for a thread that read the last one just before the caller moved on', () => {
    const { ctl, u8, ran, kernel } = setup();
    writeJob(ctl, D, 7, job(0, 2, 1000));
    // The late thread reads job 7's kernel; at that moment the caller finishes job 7 alone and writes job 8.
    let moved = false;
    const late = new Proxy([kernel('a')], {
      get(target, key, receiver) {
        if (key === '0' && !moved) {
          moved = true;
          claimLoop(ctl, u8, [kernel('a')], D, 7, 0, [], LAYOUT);
          writeJob(ctl, D, 8, job(1, 2, 2000));
        }
        return Reflect.get(target, key, receiver);
      },
    });
    claimLoop(ctl, u8, late, D, 7, 0, [], LAYOUT);
    expect(ran).toEqual(['a@1000', 'a@1016']); // the caller's, none of the late thread's
    expect(ctl[D + LAYOUT.DONE]).toBe(0);
    claimLoop(ctl, u8, [kernel('a'), kernel('b')], D, 8, 0, [], LAYOUT);
    expect(ran.slice(2)).toEqual(['b@2000', 'b@2016']);
  });

  it('runs a chunk that needs scratch on a copy in the thread’s own block, with its scratch written in', () => {
    const { ctl, u8 } = setup();
    const seen: number[][] = [];
    ctl.set([11, 12, 13, 14], 1000 / 4);
    writeJob(ctl, D, 3, { fn: 0, count: 1, base: 1000, stride: 16, patch: 2 });
    const own = 3000;
    claimLoop(ctl, u8, [(p) => seen.push([p, ...ctl.subarray(p / 4, p / 4 + 4)])], D, 3, own, [77, 78], LAYOUT);
    expect(seen).toEqual([[own, 11, 12, 77, 78]]);
    expect(Array.from(ctl.subarray(1000 / 4, 1000 / 4 + 4))).toEqual([11, 12, 13, 14]); // the job's block as it was
  });
});
