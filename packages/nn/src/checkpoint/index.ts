/**
 * Checkpoints: safetensors files holding a parameter tree, optimiser state, step, RNG key and config,
 * read back only when every tensor checks out. Bytes in, bytes out, so it runs in a browser; the
 * atomic file writes are in `@hrm/nn/node`.
 */
export type { Checkpoint, CheckpointTemplate } from './checkpoint.js';
export { checkpointFromBytes, checkpointToBytes } from './checkpoint.js';
export type { LoadedDType, ReadableDType, SafetensorsDType, WritableDType } from './dtypes.js';
export { CheckpointError } from './errors.js';
export type { Json } from './metadata.js';
export type { DecodedSafetensors, DecodedTensor } from './safetensors.js';
export { decodeSafetensors, encodeSafetensors } from './safetensors.js';
