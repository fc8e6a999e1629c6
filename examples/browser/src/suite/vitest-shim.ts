/**
 * Just enough of vitest's test API for the op-suite files to run in a browser page: `describe`,
 * `it`/`test` register cases; `expect` is vitest's own (chai with @vitest/expect's matchers). The
 * browser build aliases the module 'vitest' to this file (vite.config.ts).
 */
import {
  ASYMMETRIC_MATCHERS_OBJECT,
  ChaiStyleAssertions,
  chai,
  type ExpectStatic,
  GLOBAL_EXPECT,
  getState,
  JestAsymmetricMatchers,
  JestChaiExpect,
  JestExtend,
  setState,
} from '@vitest/expect';

chai.use(JestExtend);
chai.use(JestChaiExpect);
chai.use(ChaiStyleAssertions);
chai.use(JestAsymmetricMatchers);

export const expect: ExpectStatic = Object.assign((value: unknown, message?: string) => {
  const { assertionCalls } = getState(expect as never);
  setState({ assertionCalls: assertionCalls + 1 }, expect as never);
  return chai.expect(value, message);
}, chai.expect) as unknown as ExpectStatic;
Object.assign(expect, (globalThis as Record<symbol, unknown>)[ASYMMETRIC_MATCHERS_OBJECT]);
setState({ assertionCalls: 0, isExpectingAssertions: false, currentTestName: '' } as never, expect as never);
(globalThis as Record<symbol, unknown>)[GLOBAL_EXPECT] = expect;

export interface RegisteredTest {
  readonly name: string;
  readonly fn: () => unknown;
}

const tests: RegisteredTest[] = [];
const path: string[] = [];

export function describe(name: string, fn: () => void): void {
  path.push(name);
  try {
    fn();
  } finally {
    path.pop();
  }
}

export function it(name: string, fn: () => unknown): void {
  tests.push({ name: [...path, name].join(' > '), fn });
}

/** `it.each(cases)(name, fn)`: one case per entry; an array entry is spread into the arguments, and
 * `%s`/`%d`/`%i`/`%j`/`%o` in the name take the arguments in turn, as in vitest. */
it.each =
  <T>(cases: readonly T[]) =>
  (name: string, fn: (...args: unknown[]) => unknown): void => {
    for (const c of cases) {
      const args: unknown[] = Array.isArray(c) ? c : [c];
      let next = 0;
      const title = name.replace(/%[sdijo]/g, () => {
        const v = args[next++];
        return typeof v === 'string' ? v : JSON.stringify(v);
      });
      it(title, () => fn(...args));
    }
  };

export const test = it;

/** Every test registered so far, in registration order. */
export function registeredTests(): readonly RegisteredTest[] {
  return tests;
}
