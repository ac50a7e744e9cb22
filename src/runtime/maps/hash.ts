// BPF_MAP_TYPE_HASH, PERCPU_HASH, LRU_HASH and LRU_PERCPU_HASH (hashtab.c
// semantics): one class, the variant is data (per-CPU values, LRU eviction).
//
// - Full non-LRU map: inserting a new key fails with E2BIG; LRU maps evict.
// - BPF_NOEXIST on a present key: EEXIST; BPF_EXIST on a missing key: ENOENT.
// - Updating a present key writes its value in place (the kernel swaps in a
//   fresh element; single-threaded, in place is indistinguishable except that a
//   pointer from an earlier lookup sees the new value at once).
// - get_next_key of a missing key returns the first key, as the kernel does.
import { OutOfMemoryError } from "../../memory/index.ts";
import {
  BPF_EXIST,
  BPF_F_LOCK,
  BPF_F_NO_COMMON_LRU,
  BPF_F_NO_PREALLOC,
  BPF_F_NUMA_NODE,
  BPF_F_WRONLY,
  BPF_NOEXIST,
  MapType,
} from "../../uapi/index.ts";
import { problem, type AttrProblem, type MapAttrs } from "./attrs.ts";
import { Errno } from "./errors.ts";
import {
  BPF_F_ACCESS_MASK,
  BPF_F_ZERO_SEED,
  KMALLOC_MAX_SIZE,
  MAX_BPF_STACK,
  PCPU_MIN_UNIT_SIZE,
  round8,
} from "./flags.ts";
import { HashTable } from "./hash-table.ts";
import { LruLists } from "./lru.ts";
import { BpfMap } from "./map.ts";
import type { MapRegistry } from "./registry.ts";

const HTAB_CREATE_FLAG_MASK =
  BPF_F_NO_PREALLOC | BPF_F_NO_COMMON_LRU | BPF_F_NUMA_NODE | BPF_F_ACCESS_MASK | BPF_F_ZERO_SEED;
/** sizeof(struct htab_elem) on x86-64, part of the kernel's value size limit. */
const HTAB_ELEM_SIZE = 48;

const PERCPU_TYPES: ReadonlySet<number> = new Set([MapType.PERCPU_HASH, MapType.LRU_PERCPU_HASH]);
const LRU_TYPES: ReadonlySet<number> = new Set([MapType.LRU_HASH, MapType.LRU_PERCPU_HASH]);

/** Creation checks of hashtab.c's htab_map_alloc_check (and the n_buckets bound). */
export function checkHashAttrs(a: MapAttrs): AttrProblem | undefined {
  const flags = a.flags ?? 0;
  const percpu = PERCPU_TYPES.has(a.type);
  const lru = LRU_TYPES.has(a.type);
  const percpuLru = (flags & BPF_F_NO_COMMON_LRU) !== 0;
  const prealloc = (flags & BPF_F_NO_PREALLOC) === 0;
  if (flags & ~HTAB_CREATE_FLAG_MASK)
    return problem(
      "EINVAL",
      `unsupported flags 0x${(flags & ~HTAB_CREATE_FLAG_MASK).toString(16)}`,
    );
  if (!lru && percpuLru) return problem("EINVAL", "BPF_F_NO_COMMON_LRU is only for LRU maps");
  if (lru && !prealloc) return problem("ENOTSUPP", "LRU maps must be preallocated");
  if (flags & BPF_F_NUMA_NODE && (percpu || percpuLru))
    return problem("EINVAL", "BPF_F_NUMA_NODE is not allowed with per-CPU values or lists");
  if (a.maxEntries === 0) return problem("EINVAL", "max_entries must be at least 1");
  if (a.keySize === 0) return problem("EINVAL", "key_size must not be 0");
  if (a.valueSize === 0) return problem("EINVAL", "value_size must not be 0");
  if (a.keySize > MAX_BPF_STACK)
    return problem("E2BIG", `key_size ${a.keySize} exceeds the BPF stack (${MAX_BPF_STACK})`);
  if (a.valueSize >= KMALLOC_MAX_SIZE - MAX_BPF_STACK - HTAB_ELEM_SIZE)
    return problem("E2BIG", `value_size ${a.valueSize} is too large`);
  if (percpu && round8(a.valueSize) > PCPU_MIN_UNIT_SIZE)
    return problem("E2BIG", `per-CPU value_size ${a.valueSize} exceeds ${PCPU_MIN_UNIT_SIZE}`);
  if (percpu && a.spinLockOffset !== undefined)
    return problem("EINVAL", "bpf_spin_lock is not allowed in per-CPU maps");
  if (a.maxEntries > 2 ** 31) return problem("E2BIG", `max_entries ${a.maxEntries} exceeds 2^31`);
  return undefined;
}

/** BPF_F_NO_COMMON_LRU gives every CPU the same share: max_entries becomes a multiple of ncpus. */
export function hashMaxEntries(a: MapAttrs, ncpus: number): number {
  if (!LRU_TYPES.has(a.type) || !((a.flags ?? 0) & BPF_F_NO_COMMON_LRU)) return a.maxEntries;
  const up = Math.ceil(a.maxEntries / ncpus) * ncpus;
  return up > 0xffff_ffff ? Math.floor(a.maxEntries / ncpus) * ncpus : up;
}

export class HashMap extends BpfMap {
  readonly percpu: boolean;
  /** Distance between the per-CPU copies of a value. */
  readonly cpuStride: number;
  table!: HashTable;
  lru: LruLists | undefined;

  static check(a: MapAttrs): AttrProblem | undefined {
    return checkHashAttrs(a);
  }

  constructor(registry: MapRegistry, attrs: MapAttrs) {
    super(registry, attrs, hashMaxEntries(attrs, registry.ncpus));
    this.percpu = PERCPU_TYPES.has(attrs.type);
    this.cpuStride = round8(attrs.valueSize);
  }

  protected initStorage(): void {
    const isLru = LRU_TYPES.has(this.type);
    this.table = new HashTable(this.mem, {
      keySize: this.keySize,
      valueBytes: this.percpu ? this.cpuStride * this.ncpus : this.valueSize,
      capacity: this.maxEntries,
      prealloc: (this.flags & BPF_F_NO_PREALLOC) === 0,
      seed: this.flags & BPF_F_ZERO_SEED ? 0 : (Math.random() * 0x1_0000_0000) | 0,
      alloc: (bytes, align) => this.allocTracked(bytes, align),
    });
    if (isLru) {
      const lists = this.flags & BPF_F_NO_COMMON_LRU ? this.ncpus : 1;
      this.lru = new LruLists(this.maxEntries, lists);
    }
  }

  override get userValueSize(): number {
    return this.percpu ? this.cpuStride * this.ncpus : this.valueSize;
  }

  /** Live elements. */
  get count(): number {
    return this.table.count;
  }

  override lookupElem(keyAddr: number): number {
    const t = this.table;
    const e = t.find(keyAddr);
    if (e < 0) return 0;
    if (this.lru) this.lru.touch(e);
    const v = t.valueAddr(e);
    return this.percpu ? v + this.registry.currentCpu * this.cpuStride : v;
  }

  protected override sysValueAddr(keyAddr: number): number {
    const e = this.table.find(keyAddr);
    return e < 0 ? 0 : this.table.valueAddr(e);
  }

  override sysLookupCopy(keyAddr: number, flags: number): Uint8Array | number {
    return this.lookupCopyDirect(keyAddr, flags);
  }

  override updateElem(keyAddr: number, valueAddr: number, flags: number): number {
    return this.update(keyAddr, valueAddr, flags, false);
  }

  override sysUpdate(keyAddr: number, valueAddr: number, flags: number): number {
    return this.checkUserWrite() || this.update(keyAddr, valueAddr, flags, true);
  }

  private update(keyAddr: number, valueAddr: number, flags: number, allCpus: boolean): number {
    const err = this.checkUpdateFlags(flags);
    if (err) return err;
    const op = flags & ~BPF_F_LOCK;
    const t = this.table;
    const h = t.hash(keyAddr);
    const slot = t.findSlot(keyAddr, h);
    if (slot >= 0) {
      if (op === BPF_NOEXIST) return -Errno.EEXIST;
      const e = t.elemAt(slot);
      this.writeValue(e, valueAddr, allCpus, false);
      // The kernel marks the replacing element referenced.
      if (this.lru) this.lru.moveToHead(e, true);
      return 0;
    }
    if (op === BPF_EXIST) return -Errno.ENOENT;
    const e = this.takeElem();
    if (e < 0) return e;
    t.insert(keyAddr, h, e);
    this.writeValue(e, valueAddr, allCpus, true);
    if (this.lru) this.lru.pushHead(e, false);
    return 0;
  }

  /** A free element, evicting for LRU maps; -errno when none. */
  private takeElem(): number {
    const lru = this.lru;
    if (lru) {
      const l = lru.lists > 1 ? this.registry.currentCpu : 0;
      let e = lru.takeFree(l, (fresh) => this.table.takeFresh(fresh));
      if (e < 0) {
        e = lru.evict(l);
        if (e < 0) return -Errno.ENOMEM;
        this.table.removeElem(e);
      }
      return e;
    }
    try {
      const e = this.table.takeFree();
      return e < 0 ? -Errno.E2BIG : e;
    } catch (err) {
      if (err instanceof OutOfMemoryError) return -Errno.ENOMEM;
      throw err;
    }
  }

  private writeValue(e: number, src: number, allCpus: boolean, fresh: boolean): void {
    const base = this.table.valueAddr(e);
    const u8 = this.mem.u8;
    if (!this.percpu) {
      if (fresh && this.spinLockOffset !== undefined)
        u8.fill(0, base + this.spinLockOffset, base + this.spinLockOffset + 4);
      this.copyValueIn(base, src);
      return;
    }
    const stride = this.cpuStride;
    if (allCpus) {
      u8.copyWithin(base, src, src + stride * this.ncpus);
      return;
    }
    // From a program: the current CPU's copy; a new element starts zeroed on the others.
    if (fresh) u8.fill(0, base, base + stride * this.ncpus);
    const dst = base + this.registry.currentCpu * stride;
    u8.copyWithin(dst, src, src + this.valueSize);
  }

  override deleteElem(keyAddr: number): number {
    const t = this.table;
    const slot = t.findSlot(keyAddr, t.hash(keyAddr));
    if (slot < 0) return -Errno.ENOENT;
    const e = t.removeSlot(slot);
    if (this.lru) this.lru.release(e);
    else t.putFree(e);
    return 0;
  }

  override sysLookupAndDelete(keyAddr: number, outAddr: number, flags: number): number {
    if (this.flags & BPF_F_WRONLY) return -Errno.EPERM;
    const err = this.checkUserWrite() || this.checkLookupFlags(flags);
    if (err) return err;
    const v = this.sysValueAddr(keyAddr);
    if (v === 0) return -Errno.ENOENT;
    this.copyValueOut(outAddr, v, this.userValueSize);
    return this.deleteElem(keyAddr);
  }

  override getNextKey(keyAddr: number, nextAddr: number): number {
    return this.table.nextKey(keyAddr, nextAddr) ? 0 : -Errno.ENOENT;
  }
}
