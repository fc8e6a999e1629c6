/**
 * The wasm backend's memory: one WasmMemory (shared, so worker threads run kernels on it
 * directly) and an allocator for tensor buffers inside it.
 *
 * Layout: the first 64 KiB hold the thread pool's control words and each thread's kernel parameter
 * block; buffers live above. Blocks are 64-byte aligned (cache lines, SIMD, float64). Free blocks are
 * coalesced with their free neighbours and kept in size-class bins (segregated fit, as TLSF): a
 * training loop that allocates the same sizes step after step reuses the same blocks, and memory stays
 * bounded by the peak live bytes plus fragmentation. Wasm memory cannot shrink: freed blocks are
 * reused, never returned to the system; a free block that reaches the top lowers the top.
 */

import { outOfMemory } from '../dtype.js';
import { requireWasm, type WasmMemory } from './webassembly.js';

export const PAGE = 65536;
const ALIGN = 64;
/**
 * Bytes that always exist past the highest block: kernels may load a whole vector that runs past the
 * end of a buffer (a matrix's last partial row, say) and mask off what they do not use, so a buffer at
 * the top of the heap must not end at the end of the memory.
 */
export const OVERREAD = 64;
/** Bytes reserved below the heap for control words and parameter blocks. */
export const RESERVED = 65536;
/** The thread pool's control words (its threads' slots and job descriptors) from byte 0. */
export const CONTROL_BASE = 0;
/** A matmul's table of per-batch offsets. */
export const TABLE_BASE = 1024;
export const TABLE_END = 8192;
/** Parameter blocks (kernels read their arguments from one): each thread's own, then a job's chunks. */
export const PARAMS_BASE = 8192;
export const PARAMS_BYTES = 1024;

/** Size classes: 4 per power of two from 64 bytes. */
function classOf(bytes: number): number {
  const units = bytes / ALIGN; // >= 1
  const log = 31 - Math.clz32(units);
  if (log < 2) return units - 1; // 1..3 units: classes 0..2
  const sub = (units >>> (log - 2)) & 3; // the two bits after the leading one
  return 3 + (log - 2) * 4 + sub;
}

/** Enough classes for any block of a 4 GiB memory. */
const CLASSES = classOf(2 ** 32 - ALIGN) + 1;

/** Blocks up to this size go through the exact-size caches. */
const QUICK_MAX_BLOCK = 1 << 20;
/** Bytes the caches may hold in all; past it they are emptied into the general allocator. */
const QUICK_MAX_BYTES = 64 << 20;

/** A snapshot of the wasm heap's allocator, from `Heap.stats()`: its live and free blocks and the memory they sit in. */
export interface HeapStats {
  /** Bytes in live (allocated) blocks. */
  readonly liveBytes: number;
  readonly liveBlocks: number;
  /** Bytes in free blocks below the top. */
  readonly freeBytes: number;
  readonly freeBlocks: number;
  /** The high end of the allocated region; memory above it is unused. */
  readonly top: number;
  /** The memory's size. */
  readonly memoryBytes: number;
}

export class Heap {
  readonly memory: WasmMemory;
  /** Views of the whole memory, renewed when it grows. */
  u8!: Uint8Array;
  i32!: Int32Array;
  f32!: Float32Array;
  f64!: Float64Array;
  readonly maximumPages: number;

  private top = RESERVED;
  /** The memory's size in bytes (reading `memory.buffer` of a shared memory is a runtime call: cache it). */
  private size = 0;
  private readonly bins: Set<number>[] = Array.from({ length: CLASSES }, () => new Set<number>());
  /** Bit c of word c >> 5 is set when bin c is not empty. */
  private readonly nonEmpty = new Uint32Array(Math.ceil(CLASSES / 32));
  /** Free blocks: start -> size, and end -> start (for coalescing with the block before). */
  private readonly freeAt = new Map<number, number>();
  private readonly freeEnding = new Map<number, number>();
  private live = 0;
  private liveBlocks = 0;
  /**
   * Exact-size caches (as glibc's tcache): freed blocks up to QUICK_MAX_BLOCK wait here, by size, for the
   * next allocation of that size. A training loop allocates the same sizes every step, so its buffers
   * come and go without touching the coalescing structures. Cached blocks count as free in `stats`.
   */
  private readonly quick: number[][] = Array.from({ length: QUICK_MAX_BLOCK / ALIGN + 1 }, () => []);
  private quickBytes = 0;

  constructor(options: { initialBytes?: number; maximumBytes?: number; shared?: boolean } = {}) {
    const initialPages = Math.max(2, Math.ceil((options.initialBytes ?? 16 << 20) / PAGE));
    const shared = options.shared ?? true;
    // Shared memories need a maximum; V8 reserves address space for it up front (not RAM). Ask for 4 GiB
    // and settle for less where the address space is smaller.
    let memory: WasmMemory | undefined;
    let maximumPages = Math.ceil((options.maximumBytes ?? 2 ** 32) / PAGE);
    for (; maximumPages >= initialPages; maximumPages >>= 1) {
      try {
        memory = new (requireWasm().Memory)({ initial: initialPages, maximum: maximumPages, shared });
        break;
      } catch {
        // Try a smaller reservation.
      }
    }
    if (!memory) throw new Error('wasm backend: cannot reserve WebAssembly memory');
    this.memory = memory;
    this.maximumPages = maximumPages;
    this.refresh();
  }

  private refresh(): void {
    const buf = this.memory.buffer;
    this.size = buf.byteLength;
    this.u8 = new Uint8Array(buf);
    this.i32 = new Int32Array(buf);
    this.f32 = new Float32Array(buf);
    this.f64 = new Float64Array(buf);
  }

  /**
   * The most bytes one block can ever have: the maximum memory less what sits below the heap and past
   * its top. Larger requests are refused up front: the size classes only cover blocks that can exist.
   */
  get maximumBlockBytes(): number {
    return Math.floor((this.maximumPages * PAGE - RESERVED - OVERREAD) / ALIGN) * ALIGN;
  }

  /** Throws the out-of-memory RangeError if a block of `bytes` could never be had, whatever is freed. */
  checkRequest(bytes: number): void {
    if (!(bytes <= this.maximumBlockBytes))
      throw outOfMemory(
        'wasm backend',
        bytes,
        `over the ${this.maximumBlockBytes} bytes one buffer can have in a wasm memory of at most ${this.maximumPages * PAGE} bytes`,
      );
  }

  /** A 64-byte-aligned block of at least `bytes` bytes (contents undefined). `bytes` > 0. */
  alloc(bytes: number): number {
    this.checkRequest(bytes);
    const size = Math.ceil(bytes / ALIGN) * ALIGN;
    if (size <= QUICK_MAX_BLOCK) {
      const cached = this.quick[size / ALIGN].pop();
      if (cached !== undefined) {
        this.quickBytes -= size;
        this.live += size;
        this.liveBlocks++;
        return cached;
      }
    }
    return this.allocGeneral(size);
  }

  private allocGeneral(size: number): number {
    const cls = classOf(size);
    // The block's own class may hold blocks smaller than `size`: look at a few. Higher classes all fit.
    let found = -1;
    let n = 0;
    for (const start of this.bins[cls]) {
      if ((this.freeAt.get(start) as number) >= size) {
        found = start;
        break;
      }
      if (++n === 8) break;
    }
    if (found < 0) {
      const c = this.firstNonEmpty(cls + 1);
      if (c >= 0) found = this.bins[c].values().next().value as number;
    }
    let ptr: number;
    if (found >= 0) {
      const blockSize = this.freeAt.get(found) as number;
      this.unlink(found, blockSize);
      ptr = found;
      if (blockSize > size) this.link(found + size, blockSize - size);
    } else {
      ptr = this.top;
      this.reserve(ptr + size, size);
      this.top = ptr + size;
    }
    this.live += size;
    this.liveBlocks++;
    return ptr;
  }

  /** Returns a block from `alloc(bytes)`. */
  free(ptr: number, bytes: number): void {
    const size = Math.ceil(bytes / ALIGN) * ALIGN;
    this.live -= size;
    this.liveBlocks--;
    if (size <= QUICK_MAX_BLOCK) {
      if (this.quickBytes + size > QUICK_MAX_BYTES) this.flushQuick();
      this.quick[size / ALIGN].push(ptr);
      this.quickBytes += size;
      return;
    }
    this.freeGeneral(ptr, size);
  }

  /** Empties the exact-size caches into the general allocator (where neighbours coalesce). */
  flushQuick(): void {
    for (let u = 1; u < this.quick.length; u++) {
      const list = this.quick[u];
      for (const ptr of list) this.freeGeneral(ptr, u * ALIGN);
      list.length = 0;
    }
    this.quickBytes = 0;
  }

  private freeGeneral(ptr: number, blockSize: number): void {
    let start = ptr;
    let size = blockSize;
    const before = this.freeEnding.get(start);
    if (before !== undefined) {
      const beforeSize = this.freeAt.get(before) as number;
      this.unlink(before, beforeSize);
      start = before;
      size += beforeSize;
    }
    const afterSize = this.freeAt.get(start + size);
    if (afterSize !== undefined) {
      this.unlink(start + size, afterSize);
      size += afterSize;
    }
    if (start + size === this.top) this.top = start;
    else this.link(start, size);
  }

  /** The first class >= `from` with a free block, or -1. */
  private firstNonEmpty(from: number): number {
    for (let w = from >> 5; w < this.nonEmpty.length; w++) {
      let bits = this.nonEmpty[w];
      if (w === from >> 5) bits &= ~((1 << (from & 31)) - 1) >>> 0;
      if (bits !== 0) return (w << 5) + 31 - Math.clz32(bits & -bits);
    }
    return -1;
  }

  private link(start: number, size: number): void {
    this.freeAt.set(start, size);
    this.freeEnding.set(start + size, start);
    const c = classOf(size);
    this.bins[c].add(start);
    this.nonEmpty[c >> 5] |= 1 << (c & 31);
  }

  private unlink(start: number, size: number): void {
    this.freeAt.delete(start);
    this.freeEnding.delete(start + size);
    const c = classOf(size);
    const bin = this.bins[c];
    bin.delete(start);
    if (bin.size === 0) this.nonEmpty[c >> 5] &= ~(1 << (c & 31));
  }

  /** Grows the memory so that bytes [0, used) exist, and OVERREAD bytes past them, for a block of `bytes`. */
  private reserve(used: number, bytes: number): void {
    const end = used + OVERREAD;
    const have = this.size;
    if (end <= have) return;
    const havePages = have / PAGE;
    const needPages = Math.ceil(end / PAGE);
    // Grow by at least half again, to keep the number of grows (and view renewals) logarithmic.
    const pages = Math.min(this.maximumPages, Math.max(needPages, Math.ceil(havePages * 1.5)));
    const live = `${this.live} bytes live`;
    if (needPages > this.maximumPages)
      throw outOfMemory(
        'wasm backend',
        bytes,
        `but the wasm memory would need ${needPages * PAGE} bytes, over its maximum of ${this.maximumPages * PAGE} (${live})`,
      );
    // Under the maximum, the system may still refuse the pages: then try for just what is needed.
    let refused = this.grow(pages - havePages);
    if (refused !== undefined && pages > needPages) refused = this.grow(needPages - havePages);
    if (refused !== undefined)
      throw outOfMemory('wasm backend', bytes, `and growing the wasm memory to hold it failed (${live}): ${refused}`);
    this.refresh();
  }

  /** Grows the memory by `pages`; undefined if it did, else the runtime's reason. */
  private grow(pages: number): string | undefined {
    try {
      this.memory.grow(pages);
      return undefined;
    } catch (e) {
      if (e instanceof RangeError) return e.message;
      throw e;
    }
  }

  /** Bytes in live blocks. */
  get liveBytes(): number {
    return this.live;
  }

  stats(): HeapStats {
    let freeBytes = this.quickBytes;
    let freeBlocks = this.freeAt.size;
    for (const s of this.freeAt.values()) freeBytes += s;
    for (const list of this.quick) freeBlocks += list.length;
    return {
      liveBytes: this.live,
      liveBlocks: this.liveBlocks,
      freeBytes,
      freeBlocks,
      top: this.top,
      memoryBytes: this.size,
    };
  }
}
