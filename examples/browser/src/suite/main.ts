/**
 * The op suite in a browser: every test of packages/core/src/ops/*.test.ts, registered through the
 * vitest shim and run here on the gpu.js backend (the browser's default backend, and the only
 * backend the op cases are checked on: HRM_TEST_BACKENDS is 'gpujs' in this build). The finite-
 * difference gradient checks run on the reference backend, as in Node. Then a Transformer block's
 * and the tiny HRM's forward passes on the GPU are compared with the CPU. Results go to `window.hrmSuite` and the page.
 */
import { backend, currentBackend, setDefaultBackend, withBackend } from '@hrm/core';
import { GpujsBackend } from '@hrm/gpujs';
import { hrmForward } from '../hrm.js';
import { compareBlockForward } from '../model.js';
import { registeredTests } from './vitest-shim.js';

// Importing the test files registers their cases (describe/it from the shim).
import.meta.glob('../../../../packages/core/src/ops/*.test.ts', { eager: true });

export interface SuiteFailure {
  readonly name: string;
  readonly message: string;
}

export interface SuiteResult {
  readonly state: 'done' | 'error';
  readonly backend: string;
  readonly mode: string;
  readonly renderer: string;
  readonly total: number;
  readonly passed: number;
  readonly failures: readonly SuiteFailure[];
  readonly seconds: number;
  readonly blockForward?: { readonly maxAbsDiff: number; readonly tol: number };
  readonly hrmForward?: { readonly maxAbsDiff: number; readonly tol: number };
  readonly error?: string;
}

declare global {
  interface Window {
    hrmSuite?: SuiteResult;
  }
}

const log = document.getElementById('log') as HTMLPreElement;
const summary = document.getElementById('summary') as HTMLParagraphElement;

function line(text: string): void {
  log.textContent += `${text}\n`;
}

async function run(): Promise<void> {
  const t0 = performance.now();
  // Plain tests (not op cases) run on the default backend: make it the GPU, whatever else is registered.
  setDefaultBackend('gpujs');
  const gpu = currentBackend();
  if (!(gpu instanceof GpujsBackend)) throw new Error(`the default backend is ${gpu.name}, not gpujs`);
  const { mode, renderer } = gpu.info;
  line(`backend ${gpu.name}: mode ${mode}, renderer ${renderer}`);
  const tests = registeredTests();
  const failures: SuiteFailure[] = [];
  for (const [i, t] of tests.entries()) {
    try {
      await t.fn();
    } catch (e) {
      failures.push({ name: t.name, message: (e as Error).message });
      line(`FAIL ${t.name}: ${(e as Error).message}`);
    }
    if (i % 25 === 0) {
      summary.textContent = `${i + 1} / ${tests.length} tests, ${failures.length} failed`;
      await new Promise((r) => setTimeout(r, 0));
    }
  }
  const blockForward = withBackend(gpu, () => compareBlockForward(gpu));
  line(
    `Transformer block forward, GPU against CPU: max |diff| ${blockForward.maxAbsDiff.toExponential(2)} (tolerance ${blockForward.tol})`,
  );
  const [hg, hc] = [hrmForward(gpu), hrmForward(backend('reference'))];
  const hrm = { maxAbsDiff: Math.max(...Array.from(hg, (v, i) => Math.abs(v - hc[i]))), tol: 1e-4 };
  line(`HRM segment forward, GPU against CPU: max |diff| ${hrm.maxAbsDiff.toExponential(2)} (tolerance ${hrm.tol})`);
  const seconds = (performance.now() - t0) / 1000;
  const passed = tests.length - failures.length;
  summary.textContent = `${passed} / ${tests.length} op-suite tests passed on ${mode} in ${seconds.toFixed(1)} s`;
  window.hrmSuite = {
    state: 'done',
    backend: gpu.name,
    mode,
    renderer,
    total: tests.length,
    passed,
    failures,
    seconds,
    blockForward,
    hrmForward: hrm,
  };
  document.body.dataset.state = 'done';
}

run().catch((e: unknown) => {
  const error = e instanceof Error ? `${e.message}\n${e.stack ?? ''}` : String(e);
  line(`ERROR ${error}`);
  window.hrmSuite = {
    state: 'error',
    backend: '',
    mode: '',
    renderer: '',
    total: 0,
    passed: 0,
    failures: [],
    seconds: 0,
    error,
  };
  document.body.dataset.state = 'error';
});
