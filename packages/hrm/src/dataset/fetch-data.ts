/**
 * One data source into the data folder: skipped when its files are there already, refused when it has no
 * pin (unless allowed), downloaded (resuming) into `<data>/.downloads/`, checked, unpacked, and the
 * download removed once unpacked.
 */
import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import * as E from 'fp-ts/lib/Either.js';
import { type DownloadOptions, download } from './download.js';
import { type DataSource, isPinned } from './sources.js';
import { unpack } from './unpack.js';

/** What happened to a source. */
export type Fetched =
  | { readonly status: 'present'; readonly paths: readonly string[] }
  | {
      readonly status: 'fetched';
      readonly paths: readonly string[];
      readonly sha256: string;
      readonly resumed: boolean;
    };

/** The paths (relative to the data folder) a source puts there. */
export function destinations(source: DataSource): string[] {
  const u = source.unpack;
  return u.kind === 'zip-folder' ? [u.into] : u.kind === 'file' ? [u.to] : u.files.map((f) => f.to);
}

export interface FetchOptions extends Pick<DownloadOptions, 'attempts' | 'onProgress'> {
  readonly allowUnpinned?: boolean;
  /** Download again even when the files are there. */
  readonly force?: boolean;
}

export async function fetchSource(
  source: DataSource,
  dataDir: string,
  opts: FetchOptions = {},
): Promise<E.Either<string, Fetched>> {
  const paths = destinations(source);
  if (!opts.force && paths.every((p) => existsSync(join(dataDir, p)))) return E.right({ status: 'present', paths });
  if (!isPinned(source) && !opts.allowUnpinned)
    return E.left(`${source.name}: no pinned checksum, so it cannot be checked; download it with --allow-unpinned`);
  const downloads = join(dataDir, '.downloads');
  mkdirSync(downloads, { recursive: true });
  const file = join(downloads, `${source.set}-${source.url.slice(source.url.lastIndexOf('/') + 1)}`);
  const got = await download(source.url, file, {
    sha256: source.sha256,
    gitBlob: source.gitBlob,
    ...(opts.attempts !== undefined ? { attempts: opts.attempts } : {}),
    ...(opts.onProgress ? { onProgress: opts.onProgress } : {}),
  });
  if (E.isLeft(got)) return got;
  const unpacked = unpack(source, file, dataDir);
  // A refused unpack means the download is not what was pinned: do not keep it to be unpacked again.
  rmSync(file, { force: true });
  if (E.isLeft(unpacked)) return unpacked;
  return E.right({ status: 'fetched', paths: unpacked.right, sha256: got.right.sha256, resumed: got.right.resumed });
}
