// The storage behind every hash-keyed map: elements (key, then value region,
// 8-aligned) live in runtime memory so a lookup can hand a program a real
// address; an open-addressing index in JS typed arrays finds them.
//
// - Elements are numbered 0..capacity-1 and stored in chunks. A preallocated
//   map (the kernel's default) allocates all elements in one block at creation;
//   BPF_F_NO_PREALLOC maps add chunks as they grow. Never-used elements are
//   handed out in order from a watermark (so creating a 1M-entry map costs one
//   allocation, not a million free-list pushes); deleted elements go to a free
//   list and are reused. They are never handed back to the allocator before
//   the map dies, so a pointer a program got from a lookup keeps pointing at
//   map memory (the kernel gets the same guarantee from RCU).
// - The index is linear probing over a power-of-two slot array holding
//   element+1 (0 = empty, -1 = tombstone) with the 32-bit hash beside it in
//   the same Int32Array (one cache line per probe at 1M entries), kept at
//   most half full; it grows (or is rebuilt to drop tombstones) in O(n) steps,
//   so inserts, lookups and deletes are amortised O(1).
// - Iteration (get_next_key) walks elements in index order, which a rehash
//   does not disturb.
import type { VmMemory } from "../../memory/index.ts";
import { round8 } from "./flags.ts";

const EMPTY = 0;
const TOMBSTONE = -1;
/** Chunk size target for maps that grow on demand. */
const CHUNK_BYTES = 64 << 10;

/** 32-bit hash of `len` bytes at `addr` (MurmurHash3-style word mixing). */
export function hashBytes(u8: Uint8Array, addr: number, len: number, seed: number): number {
  let h = seed | 0;
  let i = 0;
  for (; i + 4 <= len; i += 4) {
    const a = addr + i;
    let k = u8[a]! | (u8[a + 1]! << 8) | (u8[a + 2]! << 16) | (u8[a + 3]! << 24);
    k = Math.imul(k, 0xcc9e2d51);
    k = (k << 15) | (k >>> 17);
    h ^= Math.imul(k, 0x1b873593);
    h = (h << 13) | (h >>> 19);
    h = (Math.imul(h, 5) + 0xe6546b64) | 0;
  }
  if (i < len) {
    let k = 0;
    for (let s = 0; i < len; i++, s += 8) k |= u8[addr + i]! << s;
    k = Math.imul(k, 0xcc9e2d51);
    k = (k << 15) | (k >>> 17);
    h ^= Math.imul(k, 0x1b873593);
  }
  h ^= len;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return h ^ (h >>> 16);
}

function nextPow2(n: number): number {
  let p = 1;
  while (p < n) p *= 2;
  return p;
}

export interface HashTableOptions {
  keySize: number;
  /** Bytes of value storage per element (per-CPU maps: all copies). */
  valueBytes: number;
  /** Most elements the table may hold. */
  capacity: number;
  /** Allocate every element now (kernel default) instead of on demand. */
  prealloc: boolean;
  /** Hash seed (0 for BPF_F_ZERO_SEED). */
  seed: number;
  /** Allocates a block the owning map frees when it dies. */
  alloc: (bytes: number, align: number) => number;
}

export class HashTable {
  readonly keySize: number;
  /** Offset of the value region in an element (key size rounded up to 8). */
  readonly valueOff: number;
  readonly elemSize: number;
  readonly capacity: number;
  /** Live elements. */
  count = 0;
  /** Elements handed out at least once: the rest are fresh. */
  private created = 0;
  private readonly chunkShift: number;
  private readonly chunkMask: number;
  private readonly chunks: number[] = [];
  private readonly freeList: number[] = [];
  /** 1 where the element is live. */
  private used: Uint8Array;

  /** Slot i: [2i] = element + 1 (or EMPTY/TOMBSTONE), [2i+1] = its hash. */
  private slots: Int32Array;
  private mask: number;
  private tombstones = 0;

  private readonly mem: VmMemory;
  private readonly seed: number;
  private readonly alloc: (bytes: number, align: number) => number;

  constructor(mem: VmMemory, o: HashTableOptions) {
    this.mem = mem;
    this.seed = o.seed;
    this.alloc = o.alloc;
    this.keySize = o.keySize;
    this.valueOff = round8(o.keySize);
    this.elemSize = this.valueOff + round8(o.valueBytes);
    this.capacity = o.capacity;
    const perChunk = o.prealloc
      ? nextPow2(o.capacity)
      : Math.min(
          nextPow2(o.capacity),
          Math.max(1, 2 ** Math.floor(Math.log2(CHUNK_BYTES / this.elemSize))),
        );
    this.chunkShift = Math.log2(perChunk);
    this.chunkMask = perChunk - 1;
    this.used = new Uint8Array(o.prealloc ? o.capacity : Math.min(o.capacity, 64));
    this.slots = new Int32Array(32);
    this.mask = 15;
    if (o.prealloc) {
      const bytes = o.capacity * this.elemSize;
      this.chunks.push(this.alloc(bytes, bytes > 4096 ? 4096 : 8));
    }
  }

  hash(keyAddr: number): number {
    return hashBytes(this.mem.u8, keyAddr, this.keySize, this.seed);
  }

  elemAddr(e: number): number {
    return this.chunks[e >>> this.chunkShift]! + (e & this.chunkMask) * this.elemSize;
  }

  valueAddr(e: number): number {
    return this.elemAddr(e) + this.valueOff;
  }

  isUsed(e: number): boolean {
    return this.used[e] === 1;
  }

  /** Slot holding the key, or -1. */
  findSlot(keyAddr: number, h: number): number {
    const u8 = this.mem.u8;
    const slots = this.slots;
    const mask = this.mask;
    const ks = this.keySize;
    let i = h & mask;
    for (;;) {
      const s = slots[2 * i]!;
      if (s === EMPTY) return -1;
      if (s > 0 && slots[2 * i + 1] === h) {
        const ea = this.elemAddr(s - 1);
        let k = 0;
        while (k < ks && u8[ea + k] === u8[keyAddr + k]) k++;
        if (k === ks) return i;
      }
      i = (i + 1) & mask;
    }
  }

  /** Element in a slot returned by findSlot. */
  elemAt(slot: number): number {
    return this.slots[2 * slot]! - 1;
  }

  /** Element holding the key, or -1. */
  find(keyAddr: number): number {
    const slot = this.findSlot(keyAddr, this.hash(keyAddr));
    return slot < 0 ? -1 : this.slots[2 * slot]! - 1;
  }

  /**
   * Take a free element (growing the pool when not preallocated), or -1 when
   * the table is at capacity. May allocate runtime memory (views change).
   */
  takeFree(): number {
    const e = this.freeList.pop();
    if (e !== undefined) return e;
    if (this.created >= this.capacity) return -1;
    return this.takeFresh(this.created);
  }

  /**
   * Claim never-used element `idx` (the caller hands elements out in
   * increasing order, e.g. LRU lists by CPU share); allocates its chunk if needed.
   */
  takeFresh(idx: number): number {
    const chunk = idx >>> this.chunkShift;
    while (this.chunks.length <= chunk) {
      const first = this.chunks.length * (this.chunkMask + 1);
      const n = Math.min(this.chunkMask + 1, this.capacity - first);
      this.chunks.push(this.alloc(n * this.elemSize, 8));
    }
    if (idx >= this.created) this.created = idx + 1;
    if (idx >= this.used.length) {
      let len = this.used.length;
      while (len <= idx) len *= 2;
      const grown = new Uint8Array(Math.min(this.capacity, len));
      grown.set(this.used);
      this.used = grown;
    }
    return idx;
  }

  /** Return an element that was taken but not inserted, or removed. */
  putFree(e: number): void {
    this.freeList.push(e);
  }

  /** Put element `e` in the index under the key at keyAddr (copied into it). The key must be absent. */
  insert(keyAddr: number, h: number, e: number): void {
    if ((this.count + this.tombstones + 1) * 2 > this.mask + 1) this.rehash();
    const ea = this.elemAddr(e);
    this.mem.u8.copyWithin(ea, keyAddr, keyAddr + this.keySize);
    const slots = this.slots;
    let i = h & this.mask;
    while (slots[2 * i]! > 0) i = (i + 1) & this.mask;
    if (slots[2 * i] === TOMBSTONE) this.tombstones--;
    slots[2 * i] = e + 1;
    slots[2 * i + 1] = h;
    this.used[e] = 1;
    this.count++;
  }

  /** Remove the element in `slot` from the index; returns it (not yet freed). */
  removeSlot(slot: number): number {
    const e = this.slots[2 * slot]! - 1;
    this.slots[2 * slot] = TOMBSTONE;
    this.tombstones++;
    this.used[e] = 0;
    this.count--;
    return e;
  }

  /** Remove a live element found by its own key; returns false if it was not live. */
  removeElem(e: number): boolean {
    if (this.used[e] !== 1) return false;
    const ka = this.elemAddr(e);
    const slot = this.findSlot(ka, this.hash(ka));
    if (slot < 0) return false;
    this.removeSlot(slot);
    return true;
  }

  /** First live element after `e` (-1 starts at the beginning), or -1. */
  nextUsed(e: number): number {
    const used = this.used;
    const n = Math.min(this.created, used.length);
    for (let i = e + 1; i < n; i++) if (used[i] === 1) return i;
    return -1;
  }

  /**
   * get_next_key: copy the key after the one at keyAddr (the first key when
   * keyAddr is 0 or holds a key that is not present) to nextAddr. False at the end.
   */
  nextKey(keyAddr: number, nextAddr: number): boolean {
    const cur = keyAddr === 0 ? -1 : this.find(keyAddr);
    const e = this.nextUsed(cur);
    if (e < 0) return false;
    const ka = this.elemAddr(e);
    this.mem.u8.copyWithin(nextAddr, ka, ka + this.keySize);
    return true;
  }

  private rehash(): void {
    let size = this.mask + 1;
    while (this.count * 4 + 4 > size) size *= 2;
    const old = this.slots;
    const slots = new Int32Array(2 * size);
    const mask = size - 1;
    for (let i = 0; i < old.length; i += 2) {
      const s = old[i]!;
      if (s <= 0) continue;
      const h = old[i + 1]!;
      let j = h & mask;
      while (slots[2 * j] !== EMPTY) j = (j + 1) & mask;
      slots[2 * j] = s;
      slots[2 * j + 1] = h;
    }
    this.slots = slots;
    this.mask = mask;
    this.tombstones = 0;
  }
}
