import type { MemoryStats } from './backend.js';

/**
 * A backend's count of the buffers it has made and not yet disposed, their bytes and the high-water mark
 * of those bytes: what `liveBuffers()`, `memory()` and `resetPeak()` report. Each backend says what a
 * buffer's bytes are (host bytes, heap bytes, texels).
 */
export class LiveMemory {
  private buffers = 0;
  private bytes = 0;
  private peak = 0;

  /** Counts a new buffer of `bytes`, raising the peak if the live bytes now exceed it. */
  allocated(bytes: number): void {
    this.buffers++;
    this.bytes += bytes;
    if (this.bytes > this.peak) this.peak = this.bytes;
  }

  /** Counts the disposal of a buffer of `bytes` (the same bytes it was allocated with). */
  released(bytes: number): void {
    this.buffers--;
    this.bytes -= bytes;
  }

  get liveBuffers(): number {
    return this.buffers;
  }

  get liveBytes(): number {
    return this.bytes;
  }

  /** The counts now, as `Backend.memory()` reports them. */
  stats(): MemoryStats {
    return { liveBuffers: this.buffers, liveBytes: this.bytes, peakBytes: this.peak };
  }

  /** Starts a new high-water mark from the bytes live now. */
  resetPeak(): void {
    this.peak = this.bytes;
  }
}
