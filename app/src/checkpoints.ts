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

/** Checkpoint URLs by task name (the file name: sudoku4, sudoku6, maze9...). */
export const CHECKPOINTS: ReadonlyMap<string, string> = new Map(
  Object.entries(urls)
    .map(([path, url]) => [path.replace(/^.*\//, '').replace(/\.safetensors$/, ''), url] as const)
    .sort(([a], [b]) => a.localeCompare(b)),
);
