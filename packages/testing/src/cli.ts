/** Running the `hrm` command in the test's own process, capturing what it prints (console and stdout). */
import { main } from '@hrm/hrm/node';
import { vi } from 'vitest';

/** What a run of `hrm` printed and its exit status. */
export interface HrmRun {
  readonly code: number;
  readonly out: string;
  readonly err: string;
}

/** Runs `hrm ...argv` in this process, capturing what it prints. */
export async function runHrm(...argv: string[]): Promise<HrmRun> {
  const out: string[] = [];
  const err: string[] = [];
  const spies = [
    vi.spyOn(console, 'log').mockImplementation((...a: unknown[]) => void out.push(`${a.join(' ')}\n`)),
    vi.spyOn(console, 'error').mockImplementation((...a: unknown[]) => void err.push(`${a.join(' ')}\n`)),
    vi.spyOn(process.stdout, 'write').mockImplementation((s: string | Uint8Array) => {
      out.push(String(s));
      return true;
    }),
  ];
  try {
    return { code: await main(argv), out: out.join(''), err: err.join('') };
  } finally {
    for (const s of spies) s.mockRestore();
  }
}
