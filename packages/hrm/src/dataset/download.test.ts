/**
 * Downloads against a local HTTP server (node:http on 127.0.0.1, an ephemeral port) serving small files:
 * a repository archive unpacked and checked against its git tree id, a checksum mismatch refused, a
 * connection cut midway and resumed with a Range request, a partial file from an earlier run resumed.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as E from 'fp-ts/lib/Either.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { zipStored } from '../torch/zip-write.js';
import { download } from './download.js';
import { fetchSource } from './fetch-data.js';
import { gitBlobId } from './git-hash.js';
import type { DataSource } from './sources.js';

const text = (s: string) => new TextEncoder().encode(s);
// A repository archive as GitHub serves one: everything under `<repo>-<commit>/`.
const ARCHIVE = zipStored([
  ['repo-abc/README.md', text('# not data\n')],
  ['repo-abc/data/training/t1.json', text('{"train": [], "test": []}\n')],
  ['repo-abc/data/evaluation/e1.json', text('{"id": "e1"}\n')],
  ['repo-abc/data/evaluation.txt', text('e1\n')],
]);
// `git rev-parse HEAD:data` of a repository holding the same three files under data/.
const DATA_TREE = 'e14411d5780fe7a5f29b16ba2ba3d3efcb782ab9';
const BIG = Uint8Array.from({ length: 200_000 }, (_, i) => (i * 7919) % 251);
const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

/** Requests seen, as `path range`. */
const seen: string[] = [];
let cutNext = false;
let server: Server;
let base = '';

beforeAll(async () => {
  server = createServer((req, res) => {
    const body = req.url === '/repo.zip' ? ARCHIVE : req.url === '/big.bin' ? BIG : undefined;
    seen.push(`${req.url} ${req.headers.range ?? '-'}`);
    if (!body) {
      res.writeHead(404).end();
      return;
    }
    const m = /^bytes=(\d+)-$/.exec(req.headers.range ?? '');
    const start = m ? Number(m[1]) : 0;
    if (start >= body.length) {
      res.writeHead(416).end();
      return;
    }
    res.writeHead(m ? 206 : 200, {
      'content-length': body.length - start,
      ...(m ? { 'content-range': `bytes ${start}-${body.length - 1}/${body.length}` } : {}),
    });
    if (cutNext) {
      // Send about half, then drop the connection.
      cutNext = false;
      res.write(body.subarray(start, start + Math.floor((body.length - start) / 2)), () => res.destroy());
      return;
    }
    res.end(body.subarray(start));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

const dir = mkdtempSync(join(tmpdir(), 'hrm-download-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const arcLike = (overrides: Partial<DataSource> = {}): DataSource => ({
  set: 'arc-test',
  name: 'a test archive',
  url: `${base}/repo.zip`,
  gitTree: DATA_TREE,
  unpack: { kind: 'zip-folder', folder: 'data', into: 'arc-test' },
  licence: 'test',
  ...overrides,
});

describe('hrm data download, against a local server', () => {
  it('downloads an archive, checks it and unpacks the pinned folder; a second run finds it there', async () => {
    const data = join(dir, 'good');
    const r = await fetchSource(arcLike({ sha256: sha256(ARCHIVE) }), data);
    expect(r).toEqual(E.right({ status: 'fetched', paths: ['arc-test'], sha256: sha256(ARCHIVE), resumed: false }));
    expect(readFileSync(join(data, 'arc-test', 'training', 't1.json'), 'utf8')).toBe('{"train": [], "test": []}\n');
    expect(existsSync(join(data, 'arc-test', 'README.md'))).toBe(false);
    expect(readdirSync(join(data, '.downloads'))).toEqual([]);
    expect(await fetchSource(arcLike(), data)).toEqual(E.right({ status: 'present', paths: ['arc-test'] }));
  });

  it('refuses a checksum mismatch, keeping nothing', async () => {
    const data = join(dir, 'mismatch');
    const wrong = '0'.repeat(64);
    const r = await fetchSource(arcLike({ sha256: wrong }), data);
    expect(r).toEqual(
      E.left(
        `${base}/repo.zip: checksum mismatch: sha256 ${sha256(ARCHIVE)}, expected ${wrong} (the download was deleted)`,
      ),
    );
    expect(existsSync(join(data, 'arc-test'))).toBe(false);
    expect(readdirSync(join(data, '.downloads'))).toEqual([]);
  });

  it('refuses an archive whose folder is not the pinned version', async () => {
    const data = join(dir, 'tree');
    const r = await fetchSource(arcLike({ gitTree: 'f'.repeat(40) }), data);
    expect(E.isLeft(r) && r.left).toMatch(
      /data\/ has git tree e14411d5780fe7a5f29b16ba2ba3d3efcb782ab9, expected f{40}/,
    );
    expect(existsSync(join(data, 'arc-test'))).toBe(false);
  });

  it('refuses an unpinned source unless allowed', async () => {
    const unpinned = arcLike({ gitTree: undefined as unknown as string });
    const { gitTree: _, ...plain } = unpinned;
    expect(await fetchSource(plain, join(dir, 'unpinned'))).toEqual(
      E.left('a test archive: no pinned checksum, so it cannot be checked; download it with --allow-unpinned'),
    );
    const r = await fetchSource(plain, join(dir, 'unpinned'), { allowUnpinned: true });
    expect(E.isRight(r) && r.right.status).toBe('fetched');
  });

  it('resumes a download cut midway with a Range request, and checks the whole file', async () => {
    seen.length = 0;
    cutNext = true;
    const dest = join(dir, 'big.bin');
    const r = await download(`${base}/big.bin`, dest, { gitBlob: gitBlobId(BIG) });
    expect(E.isRight(r) && r.right).toEqual({ bytes: BIG.length, sha256: sha256(BIG), resumed: true });
    expect(seen[0]).toBe('/big.bin -');
    expect(seen[1]).toMatch(/^\/big\.bin bytes=\d+-$/);
    expect(Number(/=(\d+)-/.exec(seen[1])?.[1])).toBeGreaterThan(0);
    expect(Buffer.from(readFileSync(dest)).equals(Buffer.from(BIG))).toBe(true);
  });

  it('resumes the partial file an earlier run left, and gives up after its attempts', async () => {
    seen.length = 0;
    const dest = join(dir, 'big2.bin');
    writeFileSync(`${dest}.part`, BIG.subarray(0, 123_456));
    const r = await download(`${base}/big.bin`, dest, { sha256: sha256(BIG) });
    expect(E.isRight(r) && r.right.resumed).toBe(true);
    expect(seen).toEqual(['/big.bin bytes=123456-']);
    expect(Buffer.from(readFileSync(dest)).equals(Buffer.from(BIG))).toBe(true);
    const missing = await download(`${base}/nothing`, join(dir, 'x'), { attempts: 2 });
    expect(missing).toEqual(
      E.left(`${base}/nothing: HTTP 404 Not Found (gave up after 2 attempts; run again to resume)`),
    );
  });
});
