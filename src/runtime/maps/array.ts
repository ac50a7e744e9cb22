// BPF_MAP_TYPE_ARRAY and BPF_MAP_TYPE_PERCPU_ARRAY (kernel/bpf/arraymap.c
// semantics): u32 keys, every element preallocated and zeroed, no deletion,
// values 8-byte aligned. Per-CPU arrays keep one copy per CPU per element,
// contiguous per element (element i, CPU c at values + (i*ncpus + c)*elemSize).
import {
  BPF_F_INNER_MAP,
  BPF_F_LOCK,
  BPF_F_MMAPABLE,
  BPF_F_NUMA_NODE,
  BPF_EXIST,
  BPF_NOEXIST,
  MapType,
} from "../../uapi/index.ts";
import type { MapInfo } from "../../verifier/map-info.ts";
import { problem, type AttrProblem, type MapAttrs } from "./attrs.ts";
import { Errno } from "./errors.ts";
import {
  BPF_F_ACCESS_MASK,
  BPF_F_PRESERVE_ELEMS,
  KMALLOC_MAX_SIZE,
  PAGE_SIZE,
  PCPU_MIN_UNIT_SIZE,
  round8,
} from "./flags.ts";
import { BpfMap, isFlagWord, MapHeader } from "./map.ts";

const ARRAY_CREATE_FLAG_MASK =
  BPF_F_NUMA_NODE | BPF_F_MMAPABLE | BPF_F_ACCESS_MASK | BPF_F_PRESERVE_ELEMS | BPF_F_INNER_MAP;

/** What the rewrite pass needs to inline an array lookup as arraymap.c's map_gen_lookup does. */
export interface ArrayLayout {
  /** Address of element 0. */
  valuesAddr: number;
  /** Distance between elements: value_size rounded up to 8. */
  elemSize: number;
  maxEntries: number;
  /** max_entries rounded up to a power of two, minus one (index &= mask after the bounds check). */
  indexMask: number;
}

/** roundup_pow_of_two(n) - 1, or -1 when that does not fit in u32. */
export function indexMaskFor(maxEntries: number): number {
  let p = 1;
  while (p < maxEntries) p *= 2;
  return p > 0x1_0000_0000 ? -1 : p - 1;
}

/** Creation checks shared by every array-backed map (arraymap.c's array_map_alloc_check). */
export function checkArrayAttrs(a: MapAttrs, percpu: boolean): AttrProblem | undefined {
  const flags = a.flags ?? 0;
  if (a.maxEntries === 0) return problem("EINVAL", "max_entries must be at least 1");
  if (a.keySize !== 4) return problem("EINVAL", `array key_size must be 4, got ${a.keySize}`);
  if (a.valueSize === 0) return problem("EINVAL", "value_size must not be 0");
  if (flags & ~ARRAY_CREATE_FLAG_MASK)
    return problem(
      "EINVAL",
      `unsupported flags 0x${(flags & ~ARRAY_CREATE_FLAG_MASK).toString(16)}`,
    );
  if (flags & BPF_F_NUMA_NODE && percpu)
    return problem("EINVAL", "BPF_F_NUMA_NODE is not allowed on per-CPU arrays");
  if (flags & BPF_F_MMAPABLE && percpu)
    return problem("EINVAL", "BPF_F_MMAPABLE is not allowed on per-CPU arrays");
  if (flags & BPF_F_PRESERVE_ELEMS && a.type !== MapType.PERF_EVENT_ARRAY)
    return problem("EINVAL", "BPF_F_PRESERVE_ELEMS is only for perf_event_array");
  if (a.type !== MapType.ARRAY && flags & (BPF_F_MMAPABLE | BPF_F_INNER_MAP))
    return problem("EINVAL", "BPF_F_MMAPABLE and BPF_F_INNER_MAP are only for plain arrays");
  if (a.valueSize > KMALLOC_MAX_SIZE)
    return problem("E2BIG", `value_size ${a.valueSize} exceeds ${KMALLOC_MAX_SIZE}`);
  if (percpu && round8(a.valueSize) > PCPU_MIN_UNIT_SIZE)
    return problem("E2BIG", `per-CPU value_size ${a.valueSize} exceeds ${PCPU_MIN_UNIT_SIZE}`);
  if (percpu && a.spinLockOffset !== undefined)
    return problem("EINVAL", "bpf_spin_lock is not allowed in per-CPU maps");
  if (indexMaskFor(a.maxEntries) < 0)
    return problem("E2BIG", `max_entries ${a.maxEntries} overflows the index mask`);
  return undefined;
}

/** Read a u32 array index from runtime memory. */
export function readIndex(u8: Uint8Array, a: number): number {
  return (u8[a]! | (u8[a + 1]! << 8) | (u8[a + 2]! << 16) | (u8[a + 3]! << 24)) >>> 0;
}

export function writeIndex(u8: Uint8Array, a: number, v: number): void {
  u8[a] = v & 0xff;
  u8[a + 1] = (v >>> 8) & 0xff;
  u8[a + 2] = (v >>> 16) & 0xff;
  u8[a + 3] = v >>> 24;
}

/** array_map_get_next_key: a missing/out-of-range key restarts at 0; the last index ends. */
export function arrayNextKey(map: BpfMap, keyAddr: number, nextAddr: number): number {
  const u8 = map.registry.mem.u8;
  const i = keyAddr === 0 ? map.maxEntries : readIndex(u8, keyAddr);
  if (i >= map.maxEntries) {
    writeIndex(u8, nextAddr, 0);
    return 0;
  }
  if (i === map.maxEntries - 1) return -Errno.ENOENT;
  writeIndex(u8, nextAddr, i + 1);
  return 0;
}

abstract class ArrayStorage extends BpfMap {
  valuesAddr = 0;
  /** value_size rounded up to 8. */
  readonly elemSize = round8(this.valueSize);
  readonly indexMask = indexMaskFor(this.maxEntries);

  protected abstract get copiesPerElem(): number;

  protected initStorage(): void {
    const bytes = this.maxEntries * this.elemSize * this.copiesPerElem;
    const mmapable = (this.flags & BPF_F_MMAPABLE) !== 0;
    this.valuesAddr = this.allocTracked(bytes, mmapable || bytes > PAGE_SIZE ? PAGE_SIZE : 8);
  }

  protected override writeHeader(): void {
    super.writeHeader();
    const dv = this.mem.dv;
    dv.setUint32(this.addr + MapHeader.VALUES_ADDR, this.valuesAddr, true);
    dv.setUint32(this.addr + MapHeader.ELEM_SIZE, this.elemSize, true);
    dv.setUint32(this.addr + MapHeader.INDEX_MASK, this.indexMask, true);
  }

  /** Check flags and index of an update; returns the index or -errno. */
  protected updateIndex(keyAddr: number, flags: number): number {
    if (!isFlagWord(flags) || (flags & ~BPF_F_LOCK) > BPF_EXIST) return -Errno.EINVAL;
    const i = readIndex(this.mem.u8, keyAddr);
    if (i >= this.maxEntries) return -Errno.E2BIG;
    if (flags & BPF_NOEXIST) return -Errno.EEXIST;
    if (flags & BPF_F_LOCK && this.spinLockOffset === undefined) return -Errno.EINVAL;
    return i;
  }

  override sysLookupCopy(keyAddr: number, flags: number): Uint8Array | number {
    return this.lookupCopyDirect(keyAddr, flags);
  }

  override deleteElem(_keyAddr: number): number {
    return -Errno.EINVAL;
  }

  override getNextKey(keyAddr: number, nextAddr: number): number {
    return arrayNextKey(this, keyAddr, nextAddr);
  }
}

export class ArrayMap extends ArrayStorage {
  static check(a: MapAttrs): AttrProblem | undefined {
    return checkArrayAttrs(a, false);
  }

  protected get copiesPerElem(): number {
    return 1;
  }

  get layout(): ArrayLayout {
    return {
      valuesAddr: this.valuesAddr,
      elemSize: this.elemSize,
      maxEntries: this.maxEntries,
      indexMask: this.indexMask,
    };
  }

  /** Address of element `index` (no bounds check beyond max_entries → 0). */
  valueAddrOf(index: number): number {
    return index >>> 0 < this.maxEntries ? this.valuesAddr + (index >>> 0) * this.elemSize : 0;
  }

  override lookupElem(keyAddr: number): number {
    const i = readIndex(this.mem.u8, keyAddr);
    return i < this.maxEntries ? this.valuesAddr + i * this.elemSize : 0;
  }

  override updateElem(keyAddr: number, valueAddr: number, flags: number): number {
    const i = this.updateIndex(keyAddr, flags);
    if (i < 0) return i;
    this.copyValueIn(this.valuesAddr + i * this.elemSize, valueAddr);
    return 0;
  }

  /** A frozen one-entry array (.rodata) also tells the verifier its bytes. */
  override verifierInfo(): MapInfo {
    const info = super.verifierInfo();
    if (this.frozen && this.maxEntries === 1)
      info.frozenValue = this.mem.read(this.valuesAddr, this.valueSize);
    return info;
  }

  /** Global data: one-entry arrays hand out their value address for BPF_PSEUDO_MAP_VALUE. */
  override directValueAddr(off: number): number {
    if (this.maxEntries !== 1) return -Errno.ENOTSUPP;
    if (!Number.isInteger(off) || off < 0 || off >= this.valueSize) return -Errno.EINVAL;
    return this.valuesAddr + off;
  }
}

export class PercpuArrayMap extends ArrayStorage {
  static check(a: MapAttrs): AttrProblem | undefined {
    return checkArrayAttrs(a, true);
  }

  protected get copiesPerElem(): number {
    return this.ncpus;
  }

  override get userValueSize(): number {
    return this.elemSize * this.ncpus;
  }

  override lookupElem(keyAddr: number): number {
    const i = readIndex(this.mem.u8, keyAddr);
    if (i >= this.maxEntries) return 0;
    return this.valuesAddr + (i * this.ncpus + this.registry.currentCpu) * this.elemSize;
  }

  protected override sysValueAddr(keyAddr: number): number {
    const i = readIndex(this.mem.u8, keyAddr);
    return i < this.maxEntries ? this.valuesAddr + i * this.ncpus * this.elemSize : 0;
  }

  /** From a program: the current CPU's copy only. */
  override updateElem(keyAddr: number, valueAddr: number, flags: number): number {
    const i = this.updateIndex(keyAddr, flags);
    if (i < 0) return i;
    const dst = this.valuesAddr + (i * this.ncpus + this.registry.currentCpu) * this.elemSize;
    this.copyValueIn(dst, valueAddr);
    return 0;
  }

  /** From user space: one 8-aligned copy per CPU. */
  override sysUpdate(keyAddr: number, valueAddr: number, flags: number): number {
    const err = this.checkUserWrite();
    if (err) return err;
    const i = this.updateIndex(keyAddr, flags);
    if (i < 0) return i;
    const dst = this.valuesAddr + i * this.ncpus * this.elemSize;
    for (let c = 0; c < this.ncpus; c++)
      this.copyValueIn(dst + c * this.elemSize, valueAddr + c * this.elemSize);
    return 0;
  }
}
