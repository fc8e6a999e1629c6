/**
 * Git's object ids, to check downloads against the commits the official code pins (its git submodules):
 * a file's blob id (`git hash-object`), and a folder's tree id (`git rev-parse <commit>:<folder>`), computed
 * from the files on disk as git would store them (every file a regular, non-executable file). An archive
 * unpacked from GitHub at a commit has the tree id of that commit's folder, whatever bytes the archive had.
 */
import { createHash } from 'node:crypto';
import { lstatSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const sha1 = (parts: readonly Uint8Array[]) => {
  const h = createHash('sha1');
  for (const p of parts) h.update(p);
  return h.digest();
};

/** The git blob id of a file's bytes. */
export function gitBlobId(bytes: Uint8Array): string {
  return sha1([new TextEncoder().encode(`blob ${bytes.length}\0`), bytes]).toString('hex');
}

function treeId(dir: string): Buffer {
  const entries = readdirSync(dir).map((name) => {
    const stat = lstatSync(join(dir, name));
    if (stat.isSymbolicLink()) throw new Error(`${join(dir, name)} is a symbolic link`);
    return { name, isDir: stat.isDirectory() };
  });
  // Git orders entries by name, a folder's as if it ended with '/'.
  const key = (e: { name: string; isDir: boolean }) => Buffer.from(e.isDir ? `${e.name}/` : e.name);
  entries.sort((a, b) => Buffer.compare(key(a), key(b)));
  const body = entries.map((e) => {
    const id = e.isDir ? treeId(join(dir, e.name)) : Buffer.from(gitBlobId(readFileSync(join(dir, e.name))), 'hex');
    return Buffer.concat([Buffer.from(`${e.isDir ? '40000' : '100644'} ${e.name}\0`), id]);
  });
  const content = Buffer.concat(body);
  return sha1([Buffer.from(`tree ${content.length}\0`), content]);
}

/** The git tree id of a folder's files (throws on a symbolic link, which the pinned folders do not have). */
export function gitTreeId(dir: string): string {
  return treeId(dir).toString('hex');
}
