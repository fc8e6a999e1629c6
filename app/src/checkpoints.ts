/**
 * The committed checkpoints, found at build time: every `.safetensors` file in packages/hrm/checkpoints
 * becomes a static asset of the app (hashed, copied into dist/assets by the build), loaded by the engine
 * worker when its task is first used.
 */
const urls = import.meta.glob('../../packages/hrm/checkpoints/*.safetensors', {
  query: '?url',
  import: 'default',
  eager: true,
}) as Record<string, string>;

/** The committed checkpoints' URLs by file name (sudoku4, maze9-mix-grid...). */
const files = new Map(
  Object.entries(urls).map(([path, url]) => [path.replace(/^.*\//, '').replace(/\.safetensors$/, ''), url] as const),
);

/**
 * Tasks whose model is a size-free checkpoint of another task: the grid mixer runs at any grid size, so
 * the model trained on 9x9 mazes solves the 15x15 ones (the engine runs it at the puzzle's length).
 */
const SIZE_FREE: Readonly<Record<string, string>> = { 'maze15-mix': 'maze9-mix-grid' };

/** Checkpoint URLs by task name: a file named for its task (sudoku4, sudoku6, maze9...), or SIZE_FREE's. */
export const CHECKPOINTS: ReadonlyMap<string, string> = new Map(
  [
    ...files,
    ...Object.entries(SIZE_FREE).flatMap(([task, file]) => {
      const url = files.get(file);
      return url === undefined ? [] : [[task, url] as const];
    }),
  ].sort(([a], [b]) => a.localeCompare(b)),
);
