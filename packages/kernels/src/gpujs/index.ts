/** The gpu.js backend: see README.md. */
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
