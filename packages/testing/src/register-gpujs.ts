/**
 * Setup file of the GL suite (vitest.gl.config.ts): importing @hrm/gpujs registers its backend, which
 * the op suite then finds by name (HRM_TEST_BACKENDS=gpujs). The CPU packages no longer bring it along.
 */
import '@hrm/gpujs';
