/**
 * The models a server holds: checkpoints read once, at start, each with its task. By default the
 * checkpoints committed with @hrm/hrm (its `checkpoints/` folder, found through the installed package).
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { basename, dirname, join } from 'node:path';
import { type ModelFile, readModelFile } from '@hrm/hrm/node';

/** A model the server holds: its id, its task, and the checkpoint read. */
export interface ServedModel {
  /** The checkpoint's file name without `.safetensors` (`-2`, `-3`... added when two files share a name). */
  readonly id: string;
  /** The task preset's name (`sudoku4`). */
  readonly task: string;
  /** Whether it answers requests that name its task: the first model loaded for each task. */
  readonly default: boolean;
  /** The checkpoint, read and checked by @hrm/hrm's `readModelFile`. */
  readonly file: ModelFile;
}

/** Where the checkpoints come from. */
export interface ModelSource {
  /** Checkpoint files, served in this order. */
  readonly checkpoints?: readonly string[];
  /** A folder whose `*.safetensors` files are all served, in name order. */
  readonly checkpointDir?: string;
  /** The folder of the tasks' data files (default: HRM_DATA, else the user cache), for data-file tasks. */
  readonly dataDir?: string;
}

/** The models of a server, looked up by id or by task. */
export interface ModelRegistry {
  readonly models: readonly ServedModel[];
  /** The model with this id. */
  byId(id: string): ServedModel | undefined;
  /** The model that answers requests naming this task. */
  forTask(task: string): ServedModel | undefined;
}

/** The `checkpoints/` folder of the installed @hrm/hrm: the models committed with it. */
export function defaultCheckpointDir(): string {
  const pkg = createRequire(import.meta.url).resolve('@hrm/hrm/package.json');
  return join(dirname(pkg), 'checkpoints');
}

function checkpointsIn(dir: string): string[] {
  if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new ModelSourceError(`no checkpoint folder at ${dir}`);
  const files = readdirSync(dir)
    .filter((f) => f.endsWith('.safetensors'))
    .sort()
    .map((f) => join(dir, f));
  if (files.length === 0) throw new ModelSourceError(`${dir} holds no .safetensors checkpoint`);
  return files;
}

/** A checkpoint folder that is missing or empty, or no checkpoint given: the message says which. */
export class ModelSourceError extends Error {
  // The hrm command prints a CliError's message as it is.
  override readonly name = 'CliError';
}

/**
 * A registry of already loaded models. A task's default is the model named for it (`maze9-mix` for
 * maze9-mix, where `maze9-mix-grid` also serves it), else its first: adding a variant beside a task's
 * checkpoint does not change which model answers for the task.
 */
export function registryOf(files: readonly { readonly id: string; readonly file: ModelFile }[]): ModelRegistry {
  const named = new Set(files.filter(({ id, file }) => id === file.preset.name).map(({ id }) => id));
  const tasks = new Set<string>();
  const models = files.map(({ id, file }): ServedModel => {
    const task = file.preset.name;
    const isDefault = named.has(task) ? id === task : !tasks.has(task);
    tasks.add(task);
    return { id, task, default: isDefault, file };
  });
  const ids = new Map(models.map((m) => [m.id, m]));
  const defaults = new Map(models.filter((m) => m.default).map((m) => [m.task, m]));
  return {
    models,
    byId: (id) => ids.get(id),
    forTask: (task) => defaults.get(task),
  };
}

/**
 * Reads every checkpoint of `source` (default: the committed ones) with @hrm/hrm's `readModelFile`,
 * which checks each file before building anything. Throws, naming the file, on the first bad one.
 */
export function loadModels(source: ModelSource = {}): ModelRegistry {
  const paths =
    source.checkpoints && source.checkpoints.length > 0
      ? [...source.checkpoints, ...(source.checkpointDir ? checkpointsIn(source.checkpointDir) : [])]
      : checkpointsIn(source.checkpointDir ?? defaultCheckpointDir());
  const taken = new Set<string>();
  const files = paths.map((path) => {
    const stem = basename(path).replace(/\.safetensors$/, '');
    let id = stem;
    for (let n = 2; taken.has(id); n++) id = `${stem}-${n}`;
    taken.add(id);
    return { id, file: readModelFile(path, source.dataDir === undefined ? {} : { dataDir: source.dataDir }) };
  });
  return registryOf(files);
}
