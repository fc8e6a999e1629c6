/** When the gpu.js backend joins the registry (no GL needed: nothing here starts it). */
import { afterEach, describe, expect, it, vi } from 'vitest';

afterEach(() => {
  vi.unstubAllEnvs();
});

/** The registry and this package, both loaded anew (registration happens when the package is imported). */
async function fresh() {
  vi.resetModules();
  const gpujs = await import('./index.js');
  const kernels = await import('@hrm/kernels');
  return { ...kernels, ...gpujs };
}

describe('gpu.js backend registration', () => {
  it('stays out of the registry in Node unless asked for, so the normal test run never starts it', async () => {
    vi.stubEnv('HRM_BACKEND', '');
    vi.stubEnv('HRM_TEST_BACKENDS', '');
    vi.stubEnv('HRM_GPUJS', '');
    const k = await fresh();
    expect(k.gpujsWanted()).toBe(false);
    expect(k.registeredBackends()).not.toContain('gpujs');
  });

  it('registers below every CPU backend in Node when named, and is never the default by accident', async () => {
    vi.stubEnv('HRM_BACKEND', '');
    vi.stubEnv('HRM_TEST_BACKENDS', 'reference, gpujs');
    const k = await fresh();
    expect(k.registeredBackends().at(-1)).toBe('gpujs');
    expect(k.currentBackend().name).not.toBe('gpujs');
    expect(k.GPUJS_NODE_PRIORITY).toBeLessThan(0);
  });

  it('refuses non-GPU gpu.js modes before starting anything', async () => {
    const k = await fresh();
    for (const mode of ['cpu', 'webasm', 'gpu', 'dev', 'async'])
      expect(() => new k.GpujsBackend({ mode: mode as never })).toThrow(`mode "${mode}" is not a GPU mode`);
  });
});
