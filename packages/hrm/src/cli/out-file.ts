/**
 * The checkpoint file `hrm train` writes (`--out`), made safe before any training: its folder must
 * exist (else the run would be lost at its first save), one trainer writes it at a time (`<out>.lock`
 * holds the writer's pid), temporary files of writers that died mid-save are removed, and an existing
 * file is continued or replaced only when asked.
 */
import { existsSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import * as E from 'fp-ts/lib/Either.js';
import { CliError } from './args.js';
import { readCheckpointHeader } from './checkpoint-header.js';

/** Whether a process with this pid runs (EPERM: it does, as another user). */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Throws when the folder `out` would be written in does not exist. */
export function checkOutFolder(out: string): void {
  const folder = dirname(resolve(out));
  if (!existsSync(folder)) throw new CliError(`cannot write ${out}: the folder ${folder} does not exist`);
  if (!statSync(folder).isDirectory()) throw new CliError(`cannot write ${out}: ${folder} is not a folder`);
}

/** Creates the lock file holding this process's pid; false when it exists. */
function tryCreate(lock: string): boolean {
  try {
    writeFileSync(lock, `${process.pid}\n`, { flag: 'wx' });
    return true;
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    if (err.code === 'EEXIST') return false;
    throw new CliError(`cannot write ${lock}: ${err.message}`);
  }
}

/** The pid a lock file holds, or undefined when it holds none (or is gone). */
function lockHolder(lock: string): number | undefined {
  try {
    const pid = Number(readFileSync(lock, 'utf8').trim());
    return Number.isSafeInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Takes `<out>.lock` for this process and returns its release (also run at exit). Throws naming the
 * process that holds it when that one runs; takes over, with a warning, a lock whose process is gone.
 */
export function lockOut(out: string, warn: (text: string) => void): () => void {
  const lock = `${out}.lock`;
  // Two tries: a stale lock is removed after the first; another process may take it first, then it holds it.
  for (let attempt = 0; !tryCreate(lock); attempt++) {
    const holder = lockHolder(lock);
    if (holder !== undefined && isAlive(holder))
      throw new CliError(`${out} is being written by process ${holder} (${lock}); wait for it, or give another --out`);
    if (attempt > 0) throw new CliError(`cannot take the lock ${lock}: another process took it first`);
    warn(`taking over the lock ${lock} of process ${holder ?? '(unknown)'}, which is no longer running`);
    rmSync(lock, { force: true });
  }
  const release = () => {
    process.off('exit', release);
    if (lockHolder(lock) === process.pid) rmSync(lock, { force: true });
  };
  process.on('exit', release);
  return release;
}

/** A string matched literally in a regular expression. */
const literally = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * Removes the temporary files of saves to `out` whose writer died before renaming them (`.<name>.<pid>-
 * <8 hex>.tmp`, as @hrm/nn's atomic write names them), saying so; those of running writers are kept.
 */
export function removeStaleTemps(out: string, note: (text: string) => void): void {
  const folder = dirname(resolve(out));
  const temp = new RegExp(`^\\.${literally(basename(out))}\\.(\\d+)-[0-9a-f]{8}\\.tmp$`);
  for (const name of readdirSync(folder)) {
    const pid = Number(temp.exec(name)?.[1]);
    if (!Number.isSafeInteger(pid) || isAlive(pid)) continue;
    rmSync(join(folder, name), { force: true });
    note(`removed ${join(folder, name)}, left by process ${pid} (a save that did not finish)`);
  }
}

/** `step 4000 of sudoku4`, from a checkpoint's header, or undefined when it is not one `hrm train` wrote. */
function describeCheckpoint(path: string): string | undefined {
  const header = readCheckpointHeader(path);
  if (E.isLeft(header)) return undefined;
  const { config, step } = header.right;
  const task = typeof config === 'object' && config !== null ? (config as { task?: unknown }).task : undefined;
  return step === undefined ? undefined : `step ${step}${typeof task === 'string' ? ` of ${task}` : ''}`;
}

/**
 * Refuses to start when `out` exists and the run neither continues it (`resume`) nor replaces it
 * (`force`), and when `resume` has nothing to continue.
 */
export function checkExistingOut(out: string, opts: { readonly resume: boolean; readonly force: boolean }): void {
  const exists = existsSync(out);
  if (opts.resume && !exists)
    throw new CliError(`no checkpoint at ${out} to resume (leave out --resume to start a new run)`);
  if (exists && !opts.resume && !opts.force) {
    const what = describeCheckpoint(out);
    throw new CliError(
      `${out} exists${what ? ` (${what})` : ''}; give --resume to continue it or --force to replace it`,
    );
  }
}
