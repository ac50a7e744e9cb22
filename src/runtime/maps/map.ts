// BpfMap: the kernel-side map object every map type extends.
//
// Two faces, as in the kernel:
// - program side (what helpers and the JIT call), all in runtime addresses:
//   lookupElem(keyAddr) → value address or 0, updateElem/deleteElem → 0 or
//   -errno, push/pop/peek for queue/stack. Per-CPU maps act on the copy of
//   `registry.currentCpu`.
// - syscall side (what the user-space MapHandle calls): the same operations
//   with user-space value layout (per-CPU values for every CPU, ids instead of
//   objects in fd maps) and the user permission checks.
//
// Every map owns a small header in runtime memory; its address is the map's
// BPF pointer value (what `lddw r1, map` resolves to) and the registry maps it
// back to the object. All memory the map allocates is tracked and freed with it.
import type { VmMemory } from "../../memory/index.ts";
import { BPF_EXIST, BPF_F_LOCK, BPF_F_RDONLY, BPF_F_WRONLY } from "../../uapi/index.ts";
import { mapTypeName } from "../../uapi/index.ts";
import type { MapInfo } from "../../verifier/map-info.ts";
import { RefCounted } from "../object.ts";
import type { MapAttrs, InnerMapMeta } from "./attrs.ts";
import { Errno } from "./errors.ts";
import type { MapRegistry } from "./registry.ts";

/**
 * Layout of the map header in runtime memory (all u32, little-endian). The
 * first fields mirror struct bpf_map's attributes; array maps add the facts an
 * inlined lookup needs, so generated code can also read them from the pointer.
 */
export const MapHeader = {
  TYPE: 0,
  KEY_SIZE: 4,
  VALUE_SIZE: 8,
  MAX_ENTRIES: 12,
  FLAGS: 16,
  ID: 20,
  /** Array maps: address of element 0 (0 for other types). */
  VALUES_ADDR: 24,
  /** Array maps: distance between elements (value size rounded up to 8). */
  ELEM_SIZE: 28,
  /** Array maps: max_entries rounded up to a power of two, minus one. */
  INDEX_MASK: 32,
  /** Per-CPU maps: number of CPUs. */
  NCPUS: 36,
  SIZE: 64,
} as const;

/**
 * Flags arrive as JS numbers (helpers convert the u64 register). Bit tests on
 * numbers only see the low 32 bits, so anything that is not a u32 is refused
 * up front rather than silently truncated.
 */
export function isFlagWord(flags: number): boolean {
  return Number.isInteger(flags) && flags >= 0 && flags <= 0xffff_ffff;
}

export abstract class BpfMap extends RefCounted {
  readonly type: number;
  readonly keySize: number;
  readonly valueSize: number;
  /** As the kernel stores it (LRU with BPF_F_NO_COMMON_LRU rounds it to a multiple of the CPU count). */
  readonly maxEntries: number;
  readonly flags: number;
  readonly name: string;
  readonly spinLockOffset: number | undefined;
  /** Map id (user space's handle on the map, in place of an fd). Set when registered. */
  id = 0;
  /** Address of the map header: the map's BPF pointer value. Set by init(). */
  addr = 0;
  /** Set by BPF_MAP_FREEZE: user space can no longer write. */
  frozen = false;

  protected readonly mem: VmMemory;
  private readonly allocs: number[] = [];
  private userRefs = 0;
  /** Scratch buffers the syscall side copies user keys/values through. */
  scratchKey = 0;
  scratchNextKey = 0;
  scratchValue = 0;

  constructor(
    readonly registry: MapRegistry,
    attrs: MapAttrs,
    maxEntries = attrs.maxEntries,
  ) {
    super();
    this.mem = registry.mem;
    this.type = attrs.type;
    this.keySize = attrs.keySize;
    this.valueSize = attrs.valueSize;
    this.maxEntries = maxEntries;
    this.flags = attrs.flags ?? 0;
    this.name = attrs.name ?? "";
    this.spinLockOffset = attrs.spinLockOffset;
  }

  describe(): string {
    return `map ${this.id} "${this.name}" (${mapTypeName(this.type)})`;
  }

  /** Value bytes user space reads and writes per key (per-CPU maps: every CPU's copy, 8-aligned). */
  get userValueSize(): number {
    return this.valueSize;
  }

  get ncpus(): number {
    return this.registry.ncpus;
  }

  /** Allocate the header, scratch and the type's storage. Called once by the registry. */
  init(): void {
    this.addr = this.allocTracked(MapHeader.SIZE, 8);
    const scratch = Math.max(this.keySize, 8);
    this.scratchKey = this.allocTracked(scratch, 8);
    this.scratchNextKey = this.allocTracked(scratch, 8);
    this.scratchValue = this.allocTracked(Math.max(this.userValueSize, 8), 8);
    this.initStorage();
    this.writeHeader();
  }

  /** Type-specific allocation (runs inside init). */
  protected abstract initStorage(): void;

  protected writeHeader(): void {
    const dv = this.mem.dv;
    const a = this.addr;
    dv.setUint32(a + MapHeader.TYPE, this.type, true);
    dv.setUint32(a + MapHeader.KEY_SIZE, this.keySize, true);
    dv.setUint32(a + MapHeader.VALUE_SIZE, this.valueSize, true);
    dv.setUint32(a + MapHeader.MAX_ENTRIES, this.maxEntries, true);
    dv.setUint32(a + MapHeader.FLAGS, this.flags, true);
    dv.setUint32(a + MapHeader.ID, this.id, true);
    dv.setUint32(a + MapHeader.NCPUS, this.ncpus, true);
  }

  /** Allocate runtime memory owned by this map (freed with it). */
  protected allocTracked(size: number, align = 8): number {
    const a = this.mem.alloc(size, align);
    this.allocs.push(a);
    return a;
  }

  /** Free one block from allocTracked before the map dies. */
  protected freeTracked(addr: number): void {
    const i = this.allocs.lastIndexOf(addr);
    if (i >= 0) {
      this.allocs[i] = this.allocs[this.allocs.length - 1]!;
      this.allocs.pop();
      this.mem.free(addr);
    }
  }

  /** Free every block this map allocated (also used when init fails half-way). */
  freeAllMemory(): void {
    for (const a of this.allocs) this.mem.free(a);
    this.allocs.length = 0;
  }

  protected destroy(): void {
    this.releaseContents();
    this.freeAllMemory();
    this.registry.unregister(this);
  }

  /** Drop references held by elements (programs, inner maps, perf events). */
  protected releaseContents(): void {}

  // ---- user references (open handles) ----

  /** A user handle opens the map: a reference plus a user reference. */
  acquireUser(): void {
    this.acquire();
    this.userRefs++;
  }

  releaseUser(): void {
    if (this.userRefs > 0 && --this.userRefs === 0) this.onLastUserRef();
    this.release();
  }

  /**
   * Last user handle closed. prog_array and perf_event_array clear their
   * slots here as the kernel does, which breaks prog → prog_array → prog cycles.
   */
  protected onLastUserRef(): void {}

  // ---- program side ----

  /** bpf_map_lookup_elem: address of the value (current CPU's copy), or 0. */
  lookupElem(_keyAddr: number): number {
    return 0;
  }

  /** bpf_map_update_elem: 0 or -errno. */
  updateElem(_keyAddr: number, _valueAddr: number, _flags: number): number {
    return -Errno.ENOTSUPP;
  }

  /** bpf_map_delete_elem: 0 or -errno. */
  deleteElem(_keyAddr: number): number {
    return -Errno.ENOTSUPP;
  }

  /** bpf_map_push_elem (queue/stack). */
  pushElem(_valueAddr: number, _flags: number): number {
    return -Errno.ENOTSUPP;
  }

  /** bpf_map_pop_elem (queue/stack): copies the value to valueAddr. */
  popElem(_valueAddr: number): number {
    return -Errno.ENOTSUPP;
  }

  /** bpf_map_peek_elem (queue/stack). */
  peekElem(_valueAddr: number): number {
    return -Errno.ENOTSUPP;
  }

  /**
   * BPF_PSEUDO_MAP_VALUE: address of byte `off` of the single value of a
   * one-entry array (global data). -errno when the map can't be used that way.
   */
  directValueAddr(_off: number): number {
    return -Errno.ENOTSUPP;
  }

  /** The inner-map template of a map-in-map. */
  innerMeta(): InnerMapMeta | undefined {
    return undefined;
  }

  /** What the verifier is told about this map (its MapInfo for a pseudo-map lddw). */
  verifierInfo(): MapInfo {
    const info: MapInfo = {
      type: this.type,
      keySize: this.keySize,
      valueSize: this.valueSize,
      maxEntries: this.maxEntries,
      flags: this.flags,
    };
    if (this.name) info.name = this.name;
    const inner = this.innerMeta();
    if (inner) info.innerMap = { ...inner };
    return info;
  }

  // ---- syscall side ----

  /** Address of the user-visible value (all CPUs for per-CPU maps) without side effects, or 0. */
  protected sysValueAddr(keyAddr: number): number {
    return this.lookupElem(keyAddr);
  }

  /** BPF_MAP_LOOKUP_ELEM: copy the value to outAddr. */
  sysLookup(keyAddr: number, outAddr: number, flags: number): number {
    if (this.flags & BPF_F_WRONLY) return -Errno.EPERM;
    const err = this.checkLookupFlags(flags);
    if (err) return err;
    const v = this.sysValueAddr(keyAddr);
    if (v === 0) return -Errno.ENOENT;
    this.copyValueOut(outAddr, v, this.userValueSize);
    return 0;
  }

  /** BPF_MAP_LOOKUP_ELEM returning a fresh copy of the value, or -errno. */
  sysLookupCopy(keyAddr: number, flags: number): Uint8Array | number {
    const rc = this.sysLookup(keyAddr, this.scratchValue, flags);
    return rc < 0 ? rc : this.mem.read(this.scratchValue, this.userValueSize);
  }

  /**
   * sysLookupCopy for maps whose user-visible value lies in memory as is
   * (arrays, hash maps): one copy instead of two. Subclasses opt in.
   */
  protected lookupCopyDirect(keyAddr: number, flags: number): Uint8Array | number {
    if (this.flags & BPF_F_WRONLY) return -Errno.EPERM;
    const err = this.checkLookupFlags(flags);
    if (err) return err;
    const v = this.sysValueAddr(keyAddr);
    if (v === 0) return -Errno.ENOENT;
    const out = this.mem.read(v, this.userValueSize);
    const lock = this.spinLockOffset;
    if (lock !== undefined) out.fill(0, lock, lock + 4);
    return out;
  }

  /** BPF_MAP_UPDATE_ELEM. */
  sysUpdate(keyAddr: number, valueAddr: number, flags: number): number {
    const err = this.checkUserWrite();
    return err || this.updateElem(keyAddr, valueAddr, flags);
  }

  /** BPF_MAP_DELETE_ELEM. */
  sysDelete(keyAddr: number): number {
    const err = this.checkUserWrite();
    return err || this.deleteElem(keyAddr);
  }

  /** BPF_MAP_LOOKUP_AND_DELETE_ELEM (queue/stack pop, hash lookup+delete). */
  sysLookupAndDelete(_keyAddr: number, _outAddr: number, _flags: number): number {
    return -Errno.ENOTSUPP;
  }

  /** BPF_MAP_GET_NEXT_KEY; keyAddr 0 asks for the first key. */
  getNextKey(_keyAddr: number, _nextAddr: number): number {
    return -Errno.ENOTSUPP;
  }

  /** BPF_MAP_FREEZE. */
  freeze(): number {
    if (this.frozen) return -Errno.EBUSY;
    this.frozen = true;
    return 0;
  }

  protected checkUserWrite(): number {
    if (this.flags & BPF_F_RDONLY || this.frozen) return -Errno.EPERM;
    return 0;
  }

  protected checkLookupFlags(flags: number): number {
    if (!isFlagWord(flags) || flags & ~BPF_F_LOCK) return -Errno.EINVAL;
    if (flags & BPF_F_LOCK && this.spinLockOffset === undefined) return -Errno.EINVAL;
    return 0;
  }

  /** The update flag rule of array and hash maps: BPF_ANY/NOEXIST/EXIST, plus BPF_F_LOCK with a lock. */
  protected checkUpdateFlags(flags: number): number {
    if (!isFlagWord(flags) || (flags & ~BPF_F_LOCK) > BPF_EXIST) return -Errno.EINVAL;
    if (flags & BPF_F_LOCK && this.spinLockOffset === undefined) return -Errno.EINVAL;
    return 0;
  }

  /**
   * Copy a value into the map. As the kernel's copy_map_value, the
   * bpf_spin_lock field is never overwritten.
   */
  protected copyValueIn(dst: number, src: number, size = this.valueSize): void {
    const u8 = this.mem.u8;
    const lock = this.spinLockOffset;
    if (lock === undefined) {
      u8.copyWithin(dst, src, src + size);
      return;
    }
    u8.copyWithin(dst, src, src + lock);
    u8.copyWithin(dst + lock + 4, src + lock + 4, src + size);
  }

  /** Copy a value out to user space, the spin lock field reading as zero. */
  protected copyValueOut(dst: number, src: number, size: number): void {
    const u8 = this.mem.u8;
    u8.copyWithin(dst, src, src + size);
    if (this.spinLockOffset !== undefined)
      u8.fill(0, dst + this.spinLockOffset, dst + this.spinLockOffset + 4);
  }
}
