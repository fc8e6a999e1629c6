/**
 * Replacing a file so that a crash at any moment leaves either the old file or the new one, never a mix:
 * write a temporary file in the same directory (rename is only atomic within one file system), fsync it,
 * rename it over the target, then fsync the directory so the rename itself survives a power cut.
 */
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as nodePath from 'node:path';
import * as E from 'fp-ts/lib/Either.js';

/**
 * The temporary name for a write to `target`: hidden, marked with the writer's pid, and never the name of
 * a checkpoint. A process killed mid-write leaves it behind; it is safe to delete.
 */
export function tempPathFor(target: string): string {
  return nodePath.join(
    nodePath.dirname(target),
    `.${nodePath.basename(target)}.${process.pid}-${randomBytes(4).toString('hex')}.tmp`,
  );
}

function writeAll(fd: number, chunk: Uint8Array): void {
  // writeSync may write less than asked (large buffers, some file systems); loop until all is written.
  for (let at = 0; at < chunk.length; ) at += fs.writeSync(fd, chunk, at, chunk.length - at);
}

function syncDirectory(dir: string): void {
  let fd: number | undefined;
  try {
    fd = fs.openSync(dir, 'r');
    fs.fsyncSync(fd);
  } catch {
    // Some platforms (Windows) cannot open or fsync a directory; the rename is still atomic there.
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
}

/** Writes `chunks` to `target` atomically, or says why it could not (leaving the old file as it was). */
export function writeFileAtomic(target: string, chunks: Iterable<Uint8Array>): E.Either<string, void> {
  const temp = tempPathFor(target);
  let fd: number | undefined;
  try {
    fd = fs.openSync(temp, 'wx', 0o644);
    for (const chunk of chunks) writeAll(fd, chunk);
    fs.fsyncSync(fd);
    fs.closeSync(fd);
    fd = undefined;
    fs.renameSync(temp, target);
  } catch (e) {
    if (fd !== undefined) fs.closeSync(fd);
    fs.rmSync(temp, { force: true });
    return E.left(e instanceof Error ? e.message : String(e));
  }
  syncDirectory(nodePath.dirname(target));
  return E.right(undefined);
}
