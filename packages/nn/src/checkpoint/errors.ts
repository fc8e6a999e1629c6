/**
 * The one error type of checkpoint I/O. It names where the bytes came from (a file path, or a label for
 * an in-memory buffer) and lists every problem found, so a bad file is diagnosed in one pass.
 */
export class CheckpointError extends Error {
  override readonly name = 'CheckpointError';
  constructor(
    readonly source: string,
    readonly problems: readonly string[],
  ) {
    super(
      problems.length === 1
        ? `${source}: ${problems[0]}`
        : `${source}: ${problems.length} problems:\n${problems.map((p) => `  - ${p}`).join('\n')}`,
    );
  }
}
