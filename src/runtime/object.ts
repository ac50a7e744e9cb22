// Reference counting of kernel-like objects (maps, programs, links, perf
// events). The rules are the kernel's: whoever stores a pointer to an object
// holds a reference — a program holds the maps it uses, a prog_array slot or a
// link holds a program, a map-in-map slot holds its inner map, a user handle
// holds what it opened — and the last release frees the object and its memory.
//
// Taking a reference must never fail or overflow (Linux moved map refcounts to
// atomic64 for that reason). A JS number is exact only to 2^53, so the count is
// kept as two numbers: `lo` in [0, 2^32) and `hi` counting the carries. `hi`
// grows by one per 2^32 acquires, so it stays exact until 2^85 acquires in
// total — at one per nanosecond that is over a billion years. No BigInt is
// involved, so acquire/release stay cheap on hot paths (tail calls, lookups).
import { TsbpfError } from "../errors.ts";

const WORD = 0x1_0000_0000;

/** Misuse of reference counts: a release below zero or use of a freed object. */
export class RefCountError extends TsbpfError {
  override name = "RefCountError";
}

/**
 * A reference count that never overflows: `lo` in [0, 2^32) plus `hi`
 * counting the carries (see the file comment).
 */
export class WideCount {
  constructor(
    private lo = 1,
    private hi = 0,
  ) {}

  /** The count (exact up to 2^53; saturates at Number.MAX_SAFE_INTEGER beyond). */
  get value(): number {
    return Math.min(this.hi * WORD + this.lo, Number.MAX_SAFE_INTEGER);
  }

  inc(): void {
    if (++this.lo === WORD) {
      this.lo = 0;
      this.hi++;
    }
  }

  /** Decrement; true when the count reached zero. Never called at zero (callers check). */
  dec(): boolean {
    if (this.lo === 0) {
      this.hi--;
      this.lo = WORD - 1;
      return false;
    }
    return --this.lo === 0 && this.hi === 0;
  }
}

export abstract class RefCounted {
  readonly #count = new WideCount();
  #freed = false;

  /** A short description used in error messages (e.g. `map 3 "counts"`). */
  abstract describe(): string;

  /** Frees the object's resources; called exactly once, by the last release. */
  protected abstract destroy(): void;

  /** True once the last reference was dropped. */
  get freed(): boolean {
    return this.#freed;
  }

  get refCount(): number {
    return this.#freed ? 0 : this.#count.value;
  }

  /** Take a reference. Never fails on a live object. Returns `this` for chaining. */
  acquire(): this {
    if (this.#freed) throw new RefCountError(`${this.describe()}: acquire after free`);
    this.#count.inc();
    return this;
  }

  /** Drop a reference; the last one frees the object. */
  release(): void {
    if (this.#freed) throw new RefCountError(`${this.describe()}: release after free`);
    if (this.#count.dec()) {
      this.#freed = true;
      this.destroy();
    }
  }

  /** Throw if the object was already freed (for entry points reached through stale handles). */
  assertLive(): void {
    if (this.#freed) throw new RefCountError(`${this.describe()}: use after free`);
  }
}

/**
 * Object ids as the kernel hands them out (idr_alloc_cyclic from 1 to INT_MAX):
 * increasing, not reused until the range wraps, never 0.
 */
export class IdAllocator<T> {
  private next = 1;
  private readonly live = new Map<number, T>();

  constructor(private readonly max = 0x7fff_ffff) {}

  alloc(obj: T): number {
    for (let tries = 0; tries < this.max; tries++) {
      const id = this.next;
      this.next = id >= this.max ? 1 : id + 1;
      if (!this.live.has(id)) {
        this.live.set(id, obj);
        return id;
      }
    }
    throw new RefCountError("object ids exhausted");
  }

  get(id: number): T | undefined {
    return this.live.get(id);
  }

  remove(id: number): void {
    this.live.delete(id);
  }

  get size(): number {
    return this.live.size;
  }

  values(): IterableIterator<T> {
    return this.live.values();
  }
}

/**
 * What maps need to know of a program (prog_array slots hold programs). The
 * runtime's Program class implements it; tail calls get the slot's ProgramRef
 * back and the runtime maps it to its executable form.
 */
export interface ProgramRef {
  /** Program id (what user space stores into a prog_array in place of an fd). */
  readonly id: number;
  /** BPF_PROG_TYPE_*: all programs of one prog_array must share it (tail-call compatibility). */
  readonly type: number;
  /** BPF_ATTACH_TYPE_* it was loaded for (devmap/cpumap entries need BPF_XDP_DEVMAP/CPUMAP). */
  readonly expectedAttachType?: number;
  /**
   * Its ctx accesses were rewritten for the runtime-side context (src/fixup):
   * a tail call passes the ctx on, so caller and callee must agree.
   */
  readonly ctxConverted?: boolean;
  acquire(): unknown;
  release(): void;
}

/** Resolves the ids user space writes into prog_arrays to programs. */
export interface ProgramResolver {
  program(id: number): ProgramRef | undefined;
}
