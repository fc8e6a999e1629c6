/**
 * When the gpu.js backend joins the registry, and at what priority.
 *
 * In a browser it registers at priority 20, above the WASM backend's 10, so it is the default there
 * whenever a GPU mode starts (the registry falls back to the next backend when none does). With a
 * software renderer (SwiftShader) that is slower than WASM: a page can `setDefaultBackend('wasm')`. In Node it registers only
 * when asked for by name (`HRM_BACKEND=gpujs`, `HRM_TEST_BACKENDS` listing gpujs, or
 * `HRM_GPUJS=1`) and then at priority -10: GL there is usually software (Mesa under Xvfb), so it
 * must never become the default by accident, and the normal test run must not start it.
 */
import { registerBackend } from '@hrm/kernels';
import { GpujsBackend, type GpujsOptions } from './backend.js';

/** The registry priority in a browser: above the wasm backend's 10, so a GPU that starts is the default. */
export const GPUJS_BROWSER_PRIORITY = 20;
/** The registry priority in Node: below every CPU backend, so software GL is never the default by accident. */
export const GPUJS_NODE_PRIORITY = -10;

function env(name: string): string {
  return typeof process === 'undefined' ? '' : (process.env?.[name] ?? '');
}

/** Whether this runs in a browser page (both `window` and `document` exist). */
export function inBrowser(): boolean {
  const g = globalThis as { window?: unknown; document?: unknown };
  return g.window !== undefined && g.document !== undefined;
}

/** Whether this process asked for the gpu.js backend (always true in a browser). */
export function gpujsWanted(): boolean {
  if (inBrowser()) return true;
  const named = (v: string) =>
    v
      .split(',')
      .map((s) => s.trim())
      .includes('gpujs');
  return named(env('HRM_BACKEND')) || named(env('HRM_TEST_BACKENDS')) || env('HRM_GPUJS') === '1';
}

/** Registers a gpu.js backend under `name` (default 'gpujs'); started on first use. */
export function registerGpujs(options: GpujsOptions = {}, priority?: number): void {
  registerBackend(
    options.name ?? 'gpujs',
    () => new GpujsBackend(options),
    priority ?? (inBrowser() ? GPUJS_BROWSER_PRIORITY : GPUJS_NODE_PRIORITY),
  );
}

/** Registers the gpu.js backend with the defaults when `gpujsWanted()`; importing the package calls it. */
export function registerGpujsIfWanted(): void {
  if (gpujsWanted()) registerGpujs();
}
