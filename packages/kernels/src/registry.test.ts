import { afterEach, describe, expect, it, vi } from 'vitest';

/** A fresh copy of the registry module, so that each test starts with no default chosen. */
async function freshRegistry() {
  vi.resetModules();
  return import('./index.js');
}

afterEach(() => {
  vi.unstubAllEnvs();
});

describe('backend selection', () => {
  it('defaults to the highest-priority backend that starts', async () => {
    const k = await freshRegistry();
    k.registerBackend(
      'broken',
      () => {
        throw new Error('no device here');
      },
      1000,
    );
    class Second extends k.ReferenceBackend {
      override readonly name = 'second';
    }
    k.registerBackend('second', () => new Second(), 500);
    vi.stubEnv('HRM_BACKEND', '');
    // Above every built-in backend (index.ts also registers 'wasm' and others between these and 'reference').
    expect(k.registeredBackends().slice(0, 2)).toEqual(['broken', 'second']);
    expect(k.registeredBackends().at(-1)).toBe('reference');
    expect(k.currentBackend().name).toBe('second');
  });

  it('honours HRM_BACKEND and names the choices when it is unknown', async () => {
    vi.stubEnv('HRM_BACKEND', 'reference');
    const k = await freshRegistry();
    k.registerBackend('fast', () => new k.ReferenceBackend(), 100);
    expect(k.currentBackend().name).toBe('reference');

    vi.stubEnv('HRM_BACKEND', 'nope');
    const k2 = await freshRegistry();
    expect(() => k2.currentBackend()).toThrow(/unknown backend "nope"; registered: (\w+, )*reference$/);
  });

  it('withBackend switches for a dynamic extent, by name or instance', async () => {
    const k = await freshRegistry();
    const mine = new k.ReferenceBackend();
    expect(k.withBackend(mine, () => k.currentBackend())).toBe(mine);
    expect(() => k.withBackend('missing', () => 0)).toThrow(/unknown backend "missing"/);
    expect(k.currentBackend()).not.toBe(mine);
  });
});
