/**
 * The gpu.js backend: tensors kept on the GPU as textures through gpu.js (WebGL2 or WebGL in a browser,
 * headless GL in Node, WebGPU where the browser has an adapter). A separate package so that CPU users
 * install no GPU binaries. Importing it registers the backend (see `registerGpujsIfWanted`).
 *
 * @packageDocumentation
 * @module @hrm/gpujs
 */
export type { GpuBuffer, GpujsInfo, GpujsOptions, GpujsStats, GpuView } from './backend.js';
export { createGpujsBackend, GpujsBackend, INT_EXACT_LIMIT, SYNC_MODE_ORDER } from './backend.js';
export type { GpuMode } from './gpu.js';
export { GPU_MODES, isGpuMode, NOT_GPU_MODES } from './gpu.js';
export {
  GPUJS_BROWSER_PRIORITY,
  GPUJS_NODE_PRIORITY,
  gpujsWanted,
  inBrowser,
  registerGpujs,
  registerGpujsIfWanted,
} from './register.js';

import { registerGpujsIfWanted } from './register.js';

// Importing the package is how a program opts in: in a browser the backend becomes the default where a
// GPU mode starts; in Node it joins the registry only when HRM_BACKEND, HRM_TEST_BACKENDS or HRM_GPUJS asks.
registerGpujsIfWanted();
