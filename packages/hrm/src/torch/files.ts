/**
 * Official checkpoints on disk (node:fs): a state dict saved by `torch.save` or as safetensors, told apart
 * by their first bytes; its run config (`all_config.yaml`); its dataset's `dataset.json`. Errors name the
 * path and the reason.
 */
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { CheckpointError, type DecodedTensor, decodeSafetensors } from '@hrm/nn';
import * as E from 'fp-ts/lib/Either.js';
import { parse as parseYaml } from 'yaml';
import { type DatasetMetadata, decodeDatasetMetadata } from '../dataset/metadata.js';
import { isTorchZip, readTorchStateDict } from './load.js';

function readBytes(path: string): E.Either<string, Uint8Array> {
  try {
    return E.right(readFileSync(path));
  } catch (e) {
    return E.left(`${path}: cannot read: ${(e as Error).message}`);
  }
}

/** The tensors of a state dict file, `torch.save` or safetensors, by name. */
export function readStateDictFile(path: string): E.Either<CheckpointError, Record<string, DecodedTensor>> {
  const bytes = readBytes(path);
  if (E.isLeft(bytes)) return E.left(new CheckpointError(path, [bytes.left.slice(path.length + 2)]));
  if (isTorchZip(bytes.right)) return readTorchStateDict(bytes.right, path);
  return E.map((d: { tensors: Readonly<Record<string, DecodedTensor>> }) => ({ ...d.tensors }))(
    decodeSafetensors(bytes.right, path),
  );
}

/** A YAML file parsed (the `yaml` package, YAML 1.2 core schema, as PyYAML's dump reads back). */
export function readYamlFile(path: string): E.Either<string, unknown> {
  const bytes = readBytes(path);
  if (E.isLeft(bytes)) return bytes;
  try {
    return E.right(parseYaml(new TextDecoder().decode(bytes.right)));
  } catch (e) {
    return E.left(`${path}: not YAML: ${(e as Error).message.split('\n')[0]}`);
  }
}

/** A dataset's metadata from its `dataset.json`, or from a dataset folder (its `train/dataset.json`). */
export function readDatasetJson(path: string): E.Either<string, DatasetMetadata> {
  let file = path;
  try {
    if (statSync(path).isDirectory()) file = join(path, 'train', 'dataset.json');
  } catch {
    // Reported below as unreadable.
  }
  const bytes = readBytes(file);
  if (E.isLeft(bytes)) return bytes;
  let json: unknown;
  try {
    json = JSON.parse(new TextDecoder().decode(bytes.right));
  } catch (e) {
    return E.left(`${file}: not JSON: ${(e as Error).message}`);
  }
  const decoded = decodeDatasetMetadata(json);
  return 'problems' in decoded ? E.left(`${file}: ${decoded.problems.join('; ')}`) : E.right(decoded.metadata);
}
