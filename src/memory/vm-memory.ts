// The runtime's one linear memory: every BPF-visible byte (stacks, contexts,
// packets, map values, ring buffers, global data) lives in a single
// WebAssembly.Memory, so a BPF pointer is just an offset into it and JIT-ed
// code, the interpreter and host code all see the same bytes.
//
// This class is the one place that grows the memory and re-derives the JS
// views; everybody else reads `mem.u8` / `mem.dv` afresh after anything that
// may allocate.
import { TsbpfError } from "../errors.ts";
import { Allocator } from "./allocator.ts";
import { Granules, GRANULE } from "./granules.ts";

/** Addresses below this are never allocated: NULL and small integers are never valid pointers. */
export const NULL_GUARD = 0x10000;
const PAGE = 0x10000;

export class OutOfMemoryError extends TsbpfError {
  override name = "OutOfMemoryError";
}

export interface VmMemoryOptions {
  /** Initial size in bytes (rounded up to 64 KiB pages). Default 1 MiB. */
  initialBytes?: number;
  /** Maximum size in bytes. Default 1 GiB. */
  maxBytes?: number;
}

export class VmMemory {
  readonly memory: WebAssembly.Memory;
  /** Byte view of the whole memory; replaced on grow. */
  u8!: Uint8Array;
  /** DataView of the whole memory; replaced on grow. */
  dv!: DataView;
  private readonly maxPages: number;
  private readonly allocator: Allocator;
  /** Which 8-byte granules are allocated: the bounds check for unverified programs. */
  readonly live: Granules;
  private readonly growListeners: Array<() => void> = [];

  constructor(opts: VmMemoryOptions = {}) {
    const initialPages = Math.max(2, Math.ceil((opts.initialBytes ?? 1 << 20) / PAGE));
    this.maxPages = Math.ceil((opts.maxBytes ?? 1 << 30) / PAGE);
    if (initialPages > this.maxPages) throw new RangeError("initialBytes exceeds maxBytes");
    this.memory = new WebAssembly.Memory({ initial: initialPages, maximum: this.maxPages });
    this.live = new Granules(initialPages * PAGE);
    this.allocator = new Allocator(NULL_GUARD, initialPages * PAGE, (need) => this.growTo(need));
    this.refreshViews();
  }

  get byteLength(): number {
    return this.u8.length;
  }

  /** Register a callback run after every grow (e.g. to re-derive cached views). */
  onGrow(fn: () => void): void {
    this.growListeners.push(fn);
  }

  /**
   * Allocate `size` bytes aligned to `align` (a power of two, at most 4096),
   * zero-filled. Never returns an address below NULL_GUARD.
   */
  alloc(size: number, align = 8): number {
    if (!Number.isInteger(size) || size < 0) throw new RangeError(`bad allocation size ${size}`);
    const addr = this.allocator.alloc(Math.max(size, 1), align);
    const rounded = this.allocator.sizeOf(addr)!;
    this.u8.fill(0, addr, addr + rounded);
    this.live.mark(addr, rounded, true);
    return addr;
  }

  /** Free a block returned by alloc(). Freed memory is reused by later allocations. */
  free(addr: number): void {
    const size = this.allocator.free(addr);
    this.live.mark(addr, size, false);
  }

  /** Size (rounded) of the live block at `addr`, or undefined when `addr` is not a block start. */
  blockSize(addr: number): number | undefined {
    return this.allocator.sizeOf(addr);
  }

  /** Bytes currently allocated (for leak tests and stats). */
  get allocatedBytes(): number {
    return this.allocator.allocatedBytes;
  }

  /** True when every byte of [addr, addr+size) lies in allocated memory (granule precision). */
  isAccessible(addr: number, size: number): boolean {
    if (addr < NULL_GUARD || size <= 0 || addr + size > this.u8.length) return false;
    return this.live.allSet(addr, size);
  }

  /** Copy bytes into memory. */
  write(addr: number, bytes: Uint8Array): void {
    this.u8.set(bytes, addr);
  }

  /** Copy bytes out of memory (a fresh array, safe across grows). */
  read(addr: number, size: number): Uint8Array {
    return this.u8.slice(addr, addr + size);
  }

  private growTo(needBytes: number): number {
    const cur = this.memory.buffer.byteLength / PAGE;
    const want = Math.ceil(needBytes / PAGE);
    if (want <= cur) return cur * PAGE;
    // Grow geometrically so that many small allocations stay amortised O(1).
    const target = Math.min(this.maxPages, Math.max(want, cur * 2));
    if (want > this.maxPages) {
      throw new OutOfMemoryError(
        `runtime memory exhausted: need ${needBytes} bytes, limit ${this.maxPages * PAGE}`,
      );
    }
    this.memory.grow(target - cur);
    this.live.resize(target * PAGE);
    this.refreshViews();
    for (const fn of this.growListeners) fn();
    return target * PAGE;
  }

  private refreshViews(): void {
    const buf = this.memory.buffer;
    this.u8 = new Uint8Array(buf);
    this.dv = new DataView(buf);
  }
}

export { GRANULE };
