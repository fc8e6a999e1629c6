/**
 * Downloading one file over HTTP(S) into `<dest>.part`, resuming a broken download with a Range request
 * (from the bytes already there, whether the connection dropped a moment ago or in an earlier run), then
 * checking the complete file against its pins (sha256, git blob id) before it takes its name. A mismatch
 * deletes the partial file and is refused, naming both hashes.
 */
import { createHash } from 'node:crypto';
import { closeSync, existsSync, openSync, readSync, renameSync, rmSync, statSync, writeSync } from 'node:fs';
import * as E from 'fp-ts/lib/Either.js';

export interface DownloadOptions {
  /** Requests in all, the first included, before giving up on a connection that keeps breaking. */
  readonly attempts?: number;
  readonly sha256?: string | undefined;
  readonly gitBlob?: string | undefined;
  /** Called as bytes arrive: received so far, and the total when the server says it. */
  readonly onProgress?: (received: number, total: number | undefined) => void;
}

export interface Downloaded {
  readonly bytes: number;
  readonly sha256: string;
  /** Whether some of it came from an earlier, interrupted attempt. */
  readonly resumed: boolean;
}

const sizeOf = (path: string) => (existsSync(path) ? statSync(path).size : 0);

/** The sha256 and git blob id of a file, read in chunks. */
export function fileHashes(path: string): { sha256: string; gitBlob: string } {
  const sha256 = createHash('sha256');
  const blob = createHash('sha1');
  blob.update(`blob ${sizeOf(path)}\0`);
  const fd = openSync(path, 'r');
  try {
    const chunk = Buffer.alloc(1 << 20);
    for (let n = readSync(fd, chunk); n > 0; n = readSync(fd, chunk)) {
      sha256.update(chunk.subarray(0, n));
      blob.update(chunk.subarray(0, n));
    }
  } finally {
    closeSync(fd);
  }
  return { sha256: sha256.digest('hex'), gitBlob: blob.digest('hex') };
}

/** One request, appending to `part` from where it ends; Left with the reason when it fails. */
async function fetchInto(
  url: string,
  part: string,
  onProgress: DownloadOptions['onProgress'],
): Promise<E.Either<string, 'complete' | 'done'>> {
  const start = sizeOf(part);
  let res: Response;
  try {
    res = await fetch(url, { headers: start > 0 ? { Range: `bytes=${start}-` } : {}, redirect: 'follow' });
  } catch (e) {
    return E.left(
      `${url}: ${(e as Error).message}${(e as { cause?: Error }).cause ? ` (${(e as { cause: Error }).cause.message})` : ''}`,
    );
  }
  // 416 to a resumed request: nothing is left to send, the file was complete.
  if (res.status === 416 && start > 0) return E.right('complete');
  if (res.status !== 200 && res.status !== 206) return E.left(`${url}: HTTP ${res.status} ${res.statusText}`);
  const resuming = res.status === 206;
  if (resuming && !(res.headers.get('content-range') ?? '').startsWith(`bytes ${start}-`))
    return E.left(`${url}: the server resumed at ${res.headers.get('content-range')}, not at byte ${start}`);
  const length = Number(res.headers.get('content-length') ?? Number.NaN);
  const total = Number.isFinite(length) ? length + (resuming ? start : 0) : undefined;
  // A server that ignores Range sends everything again: start over.
  const fd = openSync(part, resuming ? 'a' : 'w');
  let received = resuming ? start : 0;
  try {
    if (!res.body) return E.left(`${url}: an empty response`);
    for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
      for (let at = 0; at < chunk.length; ) at += writeSync(fd, chunk, at);
      received += chunk.length;
      onProgress?.(received, total);
    }
  } catch (e) {
    return E.left(`${url}: the connection broke after ${received} bytes (${(e as Error).message})`);
  } finally {
    closeSync(fd);
  }
  if (total !== undefined && received !== total) return E.left(`${url}: got ${received} of ${total} bytes`);
  return E.right('done');
}

/**
 * Downloads `url` to `dest`, resuming from `<dest>.part` and retrying a broken connection up to `attempts`
 * times (default 5), then checks the pins; the file takes its name only when everything matches.
 */
export async function download(
  url: string,
  dest: string,
  opts: DownloadOptions = {},
): Promise<E.Either<string, Downloaded>> {
  const part = `${dest}.part`;
  const attempts = opts.attempts ?? 5;
  let resumed = false;
  let last = '';
  for (let i = 0; i < attempts; i++) {
    resumed ||= sizeOf(part) > 0;
    const r = await fetchInto(url, part, opts.onProgress);
    if (E.isRight(r)) {
      last = '';
      break;
    }
    last = r.left;
  }
  if (last !== '') return E.left(`${last} (gave up after ${attempts} attempts; run again to resume)`);
  const hashes = fileHashes(part);
  const mismatch =
    opts.sha256 !== undefined && hashes.sha256 !== opts.sha256
      ? `sha256 ${hashes.sha256}, expected ${opts.sha256}`
      : opts.gitBlob !== undefined && hashes.gitBlob !== opts.gitBlob
        ? `git blob ${hashes.gitBlob}, expected ${opts.gitBlob}`
        : undefined;
  if (mismatch) {
    rmSync(part, { force: true });
    return E.left(`${url}: checksum mismatch: ${mismatch} (the download was deleted)`);
  }
  renameSync(part, dest);
  return E.right({ bytes: sizeOf(dest), sha256: hashes.sha256, resumed });
}
