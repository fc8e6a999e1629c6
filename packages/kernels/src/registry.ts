import type { Backend } from './backend.js';

/**
 * Which backend computes. Backends register a factory and a priority; the default is the highest
 * priority one that can start here, unless the `HRM_BACKEND` environment variable names another.
 * `withBackend(name, fn)` switches for the dynamic extent of `fn` (calls nest).
 */
interface Entry {
  readonly name: string;
  readonly priority: number;
  readonly create: () => Backend;
  instance?: Backend;
}

const entries = new Map<string, Entry>();
const stack: Backend[] = [];
let defaultBackend: Backend | undefined;

/**
 * Makes a backend available under `name` (replacing any of that name): `create` runs on its first use.
 * The default is the highest `priority` one that starts, so each registration forgets the default chosen
 * so far: a better one may have arrived.
 */
export function registerBackend(name: string, create: () => Backend, priority = 0): void {
  entries.set(name, { name, priority, create });
  defaultBackend = undefined; // a better one may have arrived
}

/** The names of the registered backends, highest priority first: the order the default is tried in. */
export function registeredBackends(): string[] {
  return [...entries.values()].sort((a, b) => b.priority - a.priority).map((e) => e.name);
}

/** The backend registered under `name`, started on first use. */
export function backend(name: string): Backend {
  const entry = entries.get(name);
  if (!entry) {
    // The GPU backend is a separate package, so that CPU users install no GPU binaries.
    const hint =
      name === 'gpujs' ? ' (the gpu.js backend is in the @hrm/gpujs package: install it and import it once)' : '';
    throw new Error(`unknown backend "${name}"${hint}; registered: ${registeredBackends().join(', ')}`);
  }
  entry.instance ??= entry.create();
  return entry.instance;
}

function envChoice(): string | undefined {
  const env = typeof process === 'undefined' ? undefined : process.env?.HRM_BACKEND;
  return env === undefined || env === '' ? undefined : env;
}

/** The backend ops run on now: the innermost `withBackend`, else the default. */
export function currentBackend(): Backend {
  const top = stack[stack.length - 1];
  if (top) return top;
  if (defaultBackend) return defaultBackend;
  const chosen = envChoice();
  if (chosen !== undefined) {
    defaultBackend = backend(chosen);
    return defaultBackend;
  }
  const failures: string[] = [];
  for (const name of registeredBackends()) {
    try {
      defaultBackend = backend(name);
      return defaultBackend;
    } catch (e) {
      failures.push(`${name}: ${(e as Error).message}`);
    }
  }
  throw new Error(`no backend could start (${failures.join('; ') || 'none registered'})`);
}

/** Runs `fn` with `b` (a backend or its name) as the current backend. */
export function withBackend<T>(b: Backend | string, fn: () => T): T {
  stack.push(typeof b === 'string' ? backend(b) : b);
  try {
    return fn();
  } finally {
    stack.pop();
  }
}

/** Makes `b` the default for everything outside `withBackend`. */
export function setDefaultBackend(b: Backend | string): void {
  defaultBackend = typeof b === 'string' ? backend(b) : b;
}
