// BPF_MAP_TYPE_ARRAY_OF_MAPS and BPF_MAP_TYPE_HASH_OF_MAPS (arraymap.c,
// hashtab.c, map_in_map.c). Values are inner maps: user space stores a map id,
// reads back a map id; a program's lookup returns the inner map's pointer
// itself (not a pointer to the slot), ready to pass to another map helper.
// Each slot holds a reference to its inner map.
//
// An outer map is created with an inner-map template; an inserted map must
// match it in type, key size, value size and flags, and — for arrays — in
// max_entries unless the template has BPF_F_INNER_MAP (bpf_map_meta_equal /
// array_map_meta_equal). Inner maps can't be maps-in-maps themselves.
import {
  BPF_EXIST,
  BPF_F_INNER_MAP,
  BPF_F_LOCK,
  BPF_F_NO_PREALLOC,
  BPF_F_WRONLY,
  BPF_NOEXIST,
  MapType,
} from "../../uapi/index.ts";
import { OutOfMemoryError } from "../../memory/index.ts";
import { indexMaskFor, readIndex, writeIndex, type ArrayLayout } from "./array.ts";
import { problem, type AttrProblem, type InnerMapMeta, type MapAttrs } from "./attrs.ts";
import { Errno } from "./errors.ts";
import { checkFdArrayAttrs, FdArrayMap } from "./fd-array.ts";
import { checkHashAttrs } from "./hash.ts";
import { HashTable } from "./hash-table.ts";
import { BpfMap, MapHeader } from "./map.ts";
import type { MapRegistry } from "./registry.ts";

/** Map types that may be inner maps. */
const INNER_MAP_TYPES: ReadonlySet<number> = new Set([
  MapType.ARRAY,
  MapType.PERCPU_ARRAY,
  MapType.HASH,
  MapType.PERCPU_HASH,
  MapType.LRU_HASH,
  MapType.LRU_PERCPU_HASH,
  MapType.LPM_TRIE,
  MapType.QUEUE,
  MapType.STACK,
  MapType.RINGBUF,
  MapType.PERF_EVENT_ARRAY,
]);
const MAP_IN_MAP_TYPES: ReadonlySet<number> = new Set([
  MapType.ARRAY_OF_MAPS,
  MapType.HASH_OF_MAPS,
]);
/** Types whose inner maps must also match max_entries (array_map_meta_equal). */
const SIZED_INNER_TYPES: ReadonlySet<number> = new Set([MapType.ARRAY, MapType.PERCPU_ARRAY]);

/** The template an outer map keeps (bpf_map_meta_alloc), or why there is none. */
export function innerMetaOf(inner: BpfMap | MapAttrs | undefined): InnerMapMeta | AttrProblem {
  if (!inner) return problem("EBADF", "a map-in-map needs an inner map template");
  if (MAP_IN_MAP_TYPES.has(inner.type))
    return problem("EINVAL", "an inner map can't itself be a map-in-map");
  if (!INNER_MAP_TYPES.has(inner.type))
    return problem("ENOTSUPP", `map type ${inner.type} can't be an inner map`);
  return {
    type: inner.type,
    keySize: inner.keySize,
    valueSize: inner.valueSize,
    maxEntries: inner.maxEntries,
    flags: inner.flags ?? 0,
  };
}

function isProblem(x: InnerMapMeta | AttrProblem): x is AttrProblem {
  return "errno" in x;
}

/** Does `map` fit an outer map built with template `meta`? */
export function innerMetaMatches(meta: InnerMapMeta, map: BpfMap): boolean {
  if (map.innerMeta()) return false;
  if (map.type !== meta.type || map.keySize !== meta.keySize) return false;
  if (map.valueSize !== meta.valueSize || map.flags !== meta.flags) return false;
  if (SIZED_INNER_TYPES.has(meta.type) && !(meta.flags & BPF_F_INNER_MAP))
    return map.maxEntries === meta.maxEntries;
  return true;
}

function checkInner(a: MapAttrs): AttrProblem | undefined {
  const meta = innerMetaOf(a.innerMap);
  return isProblem(meta) ? meta : undefined;
}

function metaFrom(a: MapAttrs): InnerMapMeta {
  const meta = innerMetaOf(a.innerMap);
  if (isProblem(meta)) throw new Error("inner map template was not checked");
  return meta;
}

export class ArrayOfMapsMap extends FdArrayMap<BpfMap> {
  private readonly meta: InnerMapMeta;
  /** Slot i holds the inner map's address (u64) so a lookup can be inlined like an array's. */
  valuesAddr = 0;
  readonly indexMask = indexMaskFor(this.maxEntries);

  static override check(a: MapAttrs): AttrProblem | undefined {
    return checkFdArrayAttrs(a) ?? checkInner(a);
  }

  constructor(registry: MapRegistry, attrs: MapAttrs) {
    super(registry, attrs);
    this.meta = metaFrom(attrs);
  }

  protected override initStorage(): void {
    this.valuesAddr = this.allocTracked(this.maxEntries * 8, 8);
  }

  protected override writeHeader(): void {
    super.writeHeader();
    this.mem.dv.setUint32(this.addr + MapHeader.VALUES_ADDR, this.valuesAddr, true);
    this.mem.dv.setUint32(this.addr + MapHeader.ELEM_SIZE, 8, true);
    this.mem.dv.setUint32(this.addr + MapHeader.INDEX_MASK, this.indexMask, true);
  }

  get layout(): ArrayLayout {
    return {
      valuesAddr: this.valuesAddr,
      elemSize: 8,
      maxEntries: this.maxEntries,
      indexMask: this.indexMask,
    };
  }

  override innerMeta(): InnerMapMeta {
    return this.meta;
  }

  protected resolve(id: number): BpfMap | number {
    return this.registry.fromId(id) ?? -Errno.EBADF;
  }

  protected override admit(map: BpfMap): number {
    return innerMetaMatches(this.meta, map) ? 0 : -Errno.EINVAL;
  }

  protected override onSlotChange(index: number, map: BpfMap | undefined): void {
    const a = this.valuesAddr + index * 8;
    this.mem.dv.setUint32(a, map ? map.addr : 0, true);
    this.mem.dv.setUint32(a + 4, 0, true);
  }

  override lookupElem(keyAddr: number): number {
    const i = readIndex(this.mem.u8, keyAddr);
    return i < this.maxEntries ? this.mem.dv.getUint32(this.valuesAddr + i * 8, true) : 0;
  }
}

export class HashOfMapsMap extends BpfMap {
  private readonly meta: InnerMapMeta;
  private table!: HashTable;
  /** Inner map per element number. */
  private readonly inner: (BpfMap | undefined)[] = [];

  static check(a: MapAttrs): AttrProblem | undefined {
    if (a.valueSize !== 4)
      return problem("EINVAL", `value_size must be 4 (an id), got ${a.valueSize}`);
    return checkHashAttrs(a) ?? checkInner(a);
  }

  constructor(registry: MapRegistry, attrs: MapAttrs) {
    super(registry, attrs);
    this.meta = metaFrom(attrs);
  }

  protected initStorage(): void {
    this.table = new HashTable(this.mem, {
      keySize: this.keySize,
      valueBytes: 8,
      capacity: this.maxEntries,
      prealloc: (this.flags & BPF_F_NO_PREALLOC) === 0,
      seed: (Math.random() * 0x1_0000_0000) | 0,
      alloc: (bytes, align) => this.allocTracked(bytes, align),
    });
  }

  override innerMeta(): InnerMapMeta {
    return this.meta;
  }

  get count(): number {
    return this.table.count;
  }

  /** The inner map stored under the key at keyAddr. */
  innerAt(keyAddr: number): BpfMap | undefined {
    const e = this.table.find(keyAddr);
    return e < 0 ? undefined : this.inner[e];
  }

  override lookupElem(keyAddr: number): number {
    const e = this.table.find(keyAddr);
    return e < 0 ? 0 : this.mem.dv.getUint32(this.table.valueAddr(e), true);
  }

  override updateElem(): number {
    return -Errno.ENOTSUPP;
  }

  /** Store `map` under the key at keyAddr with hash-map flag rules. */
  putMap(keyAddr: number, map: BpfMap, flags: number): number {
    const err = this.checkUpdateFlags(flags);
    if (err) return err;
    if (!innerMetaMatches(this.meta, map)) return -Errno.EINVAL;
    const t = this.table;
    const h = t.hash(keyAddr);
    const slot = t.findSlot(keyAddr, h);
    const op = flags & ~BPF_F_LOCK;
    let e: number;
    if (slot >= 0) {
      if (op === BPF_NOEXIST) return -Errno.EEXIST;
      e = t.elemAt(slot);
    } else {
      if (op === BPF_EXIST) return -Errno.ENOENT;
      try {
        e = t.takeFree();
      } catch (x) {
        if (x instanceof OutOfMemoryError) return -Errno.ENOMEM;
        throw x;
      }
      if (e < 0) return -Errno.E2BIG;
      t.insert(keyAddr, h, e);
    }
    map.acquire();
    const old = this.inner[e];
    this.inner[e] = map;
    this.mem.dv.setUint32(t.valueAddr(e), map.addr, true);
    old?.release();
    return 0;
  }

  override sysUpdate(keyAddr: number, valueAddr: number, flags: number): number {
    const err = this.checkUserWrite();
    if (err) return err;
    const map = this.registry.fromId(readIndex(this.mem.u8, valueAddr));
    if (!map) return -Errno.EBADF;
    return this.putMap(keyAddr, map, flags);
  }

  override deleteElem(keyAddr: number): number {
    const t = this.table;
    const slot = t.findSlot(keyAddr, t.hash(keyAddr));
    if (slot < 0) return -Errno.ENOENT;
    const e = t.removeSlot(slot);
    t.putFree(e);
    const old = this.inner[e];
    this.inner[e] = undefined;
    old?.release();
    return 0;
  }

  override sysLookup(keyAddr: number, outAddr: number, flags: number): number {
    if (this.flags & BPF_F_WRONLY) return -Errno.EPERM;
    if (flags !== 0) return -Errno.EINVAL;
    const map = this.innerAt(keyAddr);
    if (!map) return -Errno.ENOENT;
    writeIndex(this.mem.u8, outAddr, map.id);
    return 0;
  }

  override getNextKey(keyAddr: number, nextAddr: number): number {
    return this.table.nextKey(keyAddr, nextAddr) ? 0 : -Errno.ENOENT;
  }

  protected override releaseContents(): void {
    for (let e = 0; e < this.inner.length; e++) {
      const m = this.inner[e];
      this.inner[e] = undefined;
      m?.release();
    }
  }
}
