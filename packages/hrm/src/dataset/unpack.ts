/**
 * Putting a verified download into the data folder: a folder of a repository archive, chosen files of a
 * zip, or the file itself. Files are written into a temporary folder beside the destination, checked
 * against the source's git tree id where it has one, and moved into place only then, so an interrupted or
 * refused unpack leaves the data folder as it was.
 */
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { unzipSync } from 'fflate';
import * as E from 'fp-ts/lib/Either.js';
import { gitTreeId } from './git-hash.js';
import type { DataSource } from './sources.js';

/** The zip's entries, or why it is not one. */
function readZip(path: string): E.Either<string, Record<string, Uint8Array>> {
  try {
    return E.right(unzipSync(readFileSync(path)));
  } catch (e) {
    return E.left(`${path}: not a readable zip archive (${(e as Error).message})`);
  }
}

/** A CSV's `question` and `answer` columns only (Maze-Hard's `source,question,answer,rating` → the data folder's form). */
export function questionAnswerColumns(text: string): E.Either<string, string> {
  const rows = text.split(/\r?\n/).filter((r) => r !== '');
  const header = rows[0]?.split(',') ?? [];
  const q = header.indexOf('question');
  const a = header.indexOf('answer');
  if (q < 0 || a < 0) return E.left(`the header ${JSON.stringify(rows[0])} has no question and answer columns`);
  return E.right(`${rows.map((r) => `${r.split(',')[q]},${r.split(',')[a]}`).join('\n')}\n`);
}

/** Moves `temp` to `dest` (replacing it), creating the parents. */
function place(temp: string, dest: string): void {
  mkdirSync(dirname(dest), { recursive: true });
  if (existsSync(dest)) rmSync(dest, { recursive: true });
  renameSync(temp, dest);
}

/** Unpacks the downloaded `file` of `source` into `dataDir`; returns the paths written, relative to it. */
export function unpack(source: DataSource, file: string, dataDir: string): E.Either<string, string[]> {
  const u = source.unpack;
  const temp = join(dataDir, `.unpack-${process.pid}`);
  rmSync(temp, { recursive: true, force: true });
  try {
    if (u.kind === 'file') {
      let bytes: Uint8Array = readFileSync(file);
      if (u.questionAnswer) {
        const csv = questionAnswerColumns(new TextDecoder().decode(bytes));
        if (E.isLeft(csv)) return E.left(`${file}: ${csv.left}`);
        bytes = new TextEncoder().encode(csv.right);
      }
      mkdirSync(temp, { recursive: true });
      writeFileSync(join(temp, 'file'), bytes);
      place(join(temp, 'file'), join(dataDir, u.to));
      return E.right([u.to]);
    }
    const zip = readZip(file);
    if (E.isLeft(zip)) return zip;
    const names = Object.keys(zip.right);
    if (u.kind === 'zip-files') {
      const written: string[] = [];
      for (const { from, to } of u.files) {
        const found = names.filter((n) => n === from || n.endsWith(`/${from}`));
        if (found.length !== 1) return E.left(`${file}: expected one ${from} in the archive, found ${found.length}`);
        mkdirSync(dirname(join(temp, to)), { recursive: true });
        writeFileSync(join(temp, to), zip.right[found[0]]);
        written.push(to);
      }
      for (const to of written) place(join(temp, to), join(dataDir, to));
      return E.right(written);
    }
    // A GitHub archive has one top folder, `<repo>-<commit>/`; the wanted folder is below it.
    const top = names[0]?.slice(0, names[0].indexOf('/') + 1) ?? '';
    const prefix = `${top}${u.folder}/`;
    const inside = names.filter((n) => n.startsWith(prefix) && !n.endsWith('/'));
    if (top === '' || inside.length === 0) return E.left(`${file}: the archive has no ${u.folder}/ folder`);
    for (const n of inside) {
      const rel = n.slice(prefix.length);
      if (rel.split('/').some((p) => p === '..' || p === '')) return E.left(`${file}: a bad path in the archive: ${n}`);
      mkdirSync(dirname(join(temp, rel)), { recursive: true });
      writeFileSync(join(temp, rel), zip.right[n]);
    }
    if (source.gitTree !== undefined) {
      const tree = gitTreeId(temp);
      if (tree !== source.gitTree)
        return E.left(
          `${file}: ${u.folder}/ has git tree ${tree}, expected ${source.gitTree} (not the pinned version)`,
        );
    }
    place(temp, join(dataDir, u.into));
    return E.right([u.into]);
  } catch (e) {
    return E.left(`${dataDir}: cannot unpack ${file}: ${(e as Error).message}`);
  } finally {
    rmSync(temp, { recursive: true, force: true });
  }
}
