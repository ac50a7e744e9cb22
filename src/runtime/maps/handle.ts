// MapHandle: the user-space API on a map, in the style of cilium/ebpf's Map.
// Keys and values are Uint8Arrays exactly key_size / value_size bytes long
// (per-CPU maps: value_size rounded up to 8, times the CPU count); a number is
// accepted as a u32 key for 4-byte keys. Every failure is a MapError carrying
// the errno name the bpf(2) syscall would give.
//
// A handle holds a reference (and a "user reference") on its map, like an fd;
// close() drops them. Operations go through the syscall side of the map via
// scratch buffers in runtime memory.
import { BPF_ANY } from "../../uapi/index.ts";
import type { ProgramRef } from "../object.ts";
import { readIndex, writeIndex } from "./array.ts";
import { Errno, errnoName, MapError } from "./errors.ts";
import { FdArrayMap } from "./fd-array.ts";
import { HashOfMapsMap } from "./map-in-map.ts";
import type { BpfMap } from "./map.ts";
import { ProgArrayMap } from "./prog-array.ts";
import { round8 } from "./flags.ts";
import { TypedMap, type ValueCodec } from "./codec.ts";

export type MapKey = Uint8Array | number;

/** Where a batch lookup continues (opaque to callers). */
export interface BatchCursor {
  readonly lastKey: Uint8Array;
}

export interface BatchResult {
  keys: Uint8Array[];
  values: Uint8Array[];
  /** Pass to the next call; undefined once the whole map has been read. */
  cursor: BatchCursor | undefined;
}

export interface MapInfo {
  id: number;
  type: number;
  name: string;
  keySize: number;
  valueSize: number;
  maxEntries: number;
  flags: number;
  frozen: boolean;
}

const OP_MEANING: Partial<Record<string, string>> = {
  ENOENT: "no such element",
  EEXIST: "element exists",
  E2BIG: "map is full or index out of range",
  EINVAL: "invalid argument or flags",
  EPERM: "not permitted (read-only, write-only or frozen map)",
  ENOSPC: "no space left in map",
  ENOMEM: "out of runtime memory",
  EBADF: "no object with that id",
  ENOTSUPP: "operation not supported by this map type",
  EOPNOTSUPP: "operation not supported",
  EBUSY: "busy (already frozen?)",
};

export class MapHandle {
  private m: BpfMap | undefined;

  /** Open a handle on `map` (takes a reference). */
  constructor(map: BpfMap) {
    map.assertLive();
    map.acquireUser();
    this.m = map;
  }

  /** The kernel-side object (throws once the handle is closed). */
  get map(): BpfMap {
    if (!this.m) throw new MapError("EBADF", "map handle is closed");
    return this.m;
  }

  get closed(): boolean {
    return this.m === undefined;
  }

  get id(): number {
    return this.map.id;
  }

  get type(): number {
    return this.map.type;
  }

  get keySize(): number {
    return this.map.keySize;
  }

  get valueSize(): number {
    return this.map.valueSize;
  }

  get maxEntries(): number {
    return this.map.maxEntries;
  }

  /** Bytes of a value as user space sees it (per-CPU maps: every CPU's 8-aligned copy). */
  get userValueSize(): number {
    return this.map.userValueSize;
  }

  info(): MapInfo {
    const m = this.map;
    return {
      id: m.id,
      type: m.type,
      name: m.name,
      keySize: m.keySize,
      valueSize: m.valueSize,
      maxEntries: m.maxEntries,
      flags: m.flags,
      frozen: m.frozen,
    };
  }

  /** Another handle on the same map (like dup(2)). */
  clone(): MapHandle {
    return new MapHandle(this.map);
  }

  /** Drop this handle's reference. Closing twice is a no-op. */
  close(): void {
    const m = this.m;
    if (!m) return;
    this.m = undefined;
    m.releaseUser();
  }

  private fail(op: string, ret: number, processed?: number): MapError {
    const name = errnoName(ret);
    const meaning = OP_MEANING[name];
    return MapError.fromReturn(
      ret,
      `${this.map.describe()}: ${op}${meaning ? `: ${meaning}` : ""}`,
      processed,
    );
  }

  private putKey(key: MapKey | undefined, addr: number): void {
    const m = this.map;
    if (m.keySize === 0) return;
    if (key === undefined) throw new MapError("EINVAL", `${m.describe()}: a key is required`);
    if (typeof key === "number") {
      if (m.keySize !== 4 || !Number.isInteger(key) || key < 0 || key > 0xffff_ffff)
        throw new MapError(
          "EINVAL",
          `${m.describe()}: number keys need key_size 4 and a u32, got ${key}`,
        );
      writeIndex(m.registry.mem.u8, addr, key);
      return;
    }
    if (key.length !== m.keySize)
      throw new MapError(
        "EINVAL",
        `${m.describe()}: key is ${key.length} bytes, key_size is ${m.keySize}`,
      );
    m.registry.mem.u8.set(key, addr);
  }

  private putValue(value: Uint8Array): void {
    const m = this.map;
    if (value.length !== m.userValueSize)
      throw new MapError(
        "EINVAL",
        `${m.describe()}: value is ${value.length} bytes, expected ${m.userValueSize}`,
      );
    m.registry.mem.u8.set(value, m.scratchValue);
  }

  private readValue(): Uint8Array {
    const m = this.map;
    return m.registry.mem.read(m.scratchValue, m.userValueSize);
  }

  /** BPF_MAP_LOOKUP_ELEM: the value, or undefined when the key is absent. */
  lookup(key?: MapKey, flags = 0): Uint8Array | undefined {
    const m = this.map;
    this.putKey(key, m.scratchKey);
    const v = m.sysLookupCopy(m.scratchKey, flags);
    if (typeof v !== "number") return v;
    if (v === -Errno.ENOENT) return undefined;
    throw this.fail("lookup", v);
  }

  /** Per-CPU maps: one value_size slice per CPU. */
  lookupPerCpu(key: MapKey): Uint8Array[] | undefined {
    const all = this.lookup(key);
    if (!all) return undefined;
    const stride = round8(this.map.valueSize);
    const out: Uint8Array[] = [];
    for (let c = 0; c * stride < all.length; c++)
      out.push(all.slice(c * stride, c * stride + this.map.valueSize));
    return out;
  }

  /** BPF_MAP_UPDATE_ELEM with BPF_ANY / BPF_NOEXIST / BPF_EXIST (| BPF_F_LOCK). */
  update(key: MapKey | undefined, value: Uint8Array, flags: number = BPF_ANY): void {
    const m = this.map;
    this.putKey(key, m.scratchKey);
    this.putValue(value);
    const rc = m.sysUpdate(m.scratchKey, m.scratchValue, flags);
    if (rc < 0) throw this.fail("update", rc);
  }

  /** Per-CPU maps: one value per CPU, each at most value_size bytes. */
  updatePerCpu(key: MapKey, values: readonly Uint8Array[], flags: number = BPF_ANY): void {
    const m = this.map;
    if (values.length !== m.ncpus)
      throw new MapError(
        "EINVAL",
        `${m.describe()}: need ${m.ncpus} per-CPU values, got ${values.length}`,
      );
    const stride = round8(m.valueSize);
    const all = new Uint8Array(stride * m.ncpus);
    values.forEach((v, c) => {
      if (v.length !== m.valueSize)
        throw new MapError(
          "EINVAL",
          `${m.describe()}: per-CPU value is ${v.length} bytes, value_size is ${m.valueSize}`,
        );
      all.set(v, c * stride);
    });
    this.update(key, all, flags);
  }

  /** BPF_MAP_DELETE_ELEM. Throws MapError ENOENT when absent. */
  delete(key: MapKey): void {
    const m = this.map;
    this.putKey(key, m.scratchKey);
    const rc = m.sysDelete(m.scratchKey);
    if (rc < 0) throw this.fail("delete", rc);
  }

  /** BPF_MAP_LOOKUP_AND_DELETE_ELEM (hash maps; queue/stack pop when no key). */
  lookupAndDelete(key?: MapKey, flags = 0): Uint8Array | undefined {
    const m = this.map;
    this.putKey(key, m.scratchKey);
    const rc = m.sysLookupAndDelete(m.scratchKey, m.scratchValue, flags);
    if (rc === -Errno.ENOENT) return undefined;
    if (rc < 0) throw this.fail("lookup and delete", rc);
    return this.readValue();
  }

  /** Queue/stack push (BPF_EXIST overwrites the oldest element when full). */
  push(value: Uint8Array, flags: number = BPF_ANY): void {
    this.update(undefined, value, flags);
  }

  /** Queue/stack pop: undefined when empty. */
  pop(): Uint8Array | undefined {
    return this.lookupAndDelete();
  }

  /** Queue/stack peek: undefined when empty. */
  peek(): Uint8Array | undefined {
    return this.lookup();
  }

  /**
   * BPF_MAP_GET_NEXT_KEY: the key after `key`, or the first key when `key` is
   * undefined. A key that is not in the map gives the first key for hash maps
   * and LPM tries, and 0 for an out-of-range array index, as in the kernel.
   * Returns undefined after the last key.
   */
  nextKey(key?: MapKey): Uint8Array | undefined {
    const m = this.map;
    let keyAddr = 0;
    if (key !== undefined) {
      this.putKey(key, m.scratchKey);
      keyAddr = m.scratchKey;
    }
    const rc = m.getNextKey(keyAddr, m.scratchNextKey);
    if (rc === -Errno.ENOENT) return undefined;
    if (rc < 0) throw this.fail("get next key", rc);
    return m.registry.mem.read(m.scratchNextKey, m.keySize);
  }

  /**
   * All keys, via get-next-key. Order is the map's: index order for arrays,
   * element order for hash maps, most specific prefix first for LPM tries.
   * Like cilium/ebpf, at most max_entries keys are produced; a map changing
   * under the iteration so that more would come aborts it with EAGAIN.
   */
  *keys(): IterableIterator<Uint8Array> {
    let k = this.nextKey();
    let n = 0;
    while (k) {
      if (++n > this.map.maxEntries)
        throw new MapError(
          "EAGAIN",
          `${this.map.describe()}: iteration aborted: map changed while iterating`,
        );
      yield k;
      k = this.nextKey(k);
    }
  }

  /** [key, value] pairs; keys deleted during iteration are skipped. */
  *entries(): IterableIterator<[Uint8Array, Uint8Array]> {
    for (const k of this.keys()) {
      const v = this.lookup(k);
      if (v) yield [k, v];
    }
  }

  /**
   * BPF_MAP_LOOKUP_BATCH: up to `count` entries after `cursor` (from the
   * start when undefined). The result's cursor is undefined once the map is
   * exhausted (the kernel's ENOENT).
   */
  lookupBatch(count: number, cursor?: BatchCursor): BatchResult {
    return this.batch(count, cursor, false);
  }

  /** BPF_MAP_LOOKUP_AND_DELETE_BATCH. */
  lookupAndDeleteBatch(count: number, cursor?: BatchCursor): BatchResult {
    return this.batch(count, cursor, true);
  }

  private batch(count: number, cursor: BatchCursor | undefined, del: boolean): BatchResult {
    if (!Number.isInteger(count) || count <= 0)
      throw new MapError(
        "EINVAL",
        `${this.map.describe()}: batch count must be positive, got ${count}`,
      );
    const keys: Uint8Array[] = [];
    const values: Uint8Array[] = [];
    let k = del ? this.nextKey() : this.nextKey(cursor?.lastKey);
    while (k && keys.length < count) {
      const v = this.lookup(k);
      const next = this.nextKey(k);
      if (v) {
        keys.push(k);
        values.push(v);
        if (del) this.delete(k);
      }
      k = next;
    }
    const last = keys[keys.length - 1];
    return { keys, values, cursor: k && last ? { lastKey: last } : undefined };
  }

  /** BPF_MAP_UPDATE_BATCH: returns how many were applied; stops at the first error (MapError.processed). */
  updateBatch(
    keys: readonly MapKey[],
    values: readonly Uint8Array[],
    flags: number = BPF_ANY,
  ): number {
    if (keys.length !== values.length)
      throw new MapError(
        "EINVAL",
        `${this.map.describe()}: ${keys.length} keys but ${values.length} values`,
      );
    for (let i = 0; i < keys.length; i++) {
      try {
        this.update(keys[i], values[i]!, flags);
      } catch (err) {
        if (err instanceof MapError) throw new MapError(err.errno, err.message, i);
        throw err;
      }
    }
    return keys.length;
  }

  /** BPF_MAP_DELETE_BATCH: returns how many were deleted; stops at the first error. */
  deleteBatch(keys: readonly MapKey[]): number {
    for (let i = 0; i < keys.length; i++) {
      try {
        this.delete(keys[i]!);
      } catch (err) {
        if (err instanceof MapError) throw new MapError(err.errno, err.message, i);
        throw err;
      }
    }
    return keys.length;
  }

  /** BPF_MAP_FREEZE: user space can no longer write (programs still can). */
  freeze(): void {
    const rc = this.map.freeze();
    if (rc < 0) throw this.fail("freeze", rc);
  }

  /** prog_array: put a program in slot `index` (the slot takes a reference). */
  setProgram(index: number, prog: ProgramRef): void {
    const m = this.map;
    if (!(m instanceof ProgArrayMap))
      throw new MapError("EINVAL", `${m.describe()}: not a prog_array`);
    const rc = m.frozen ? -Errno.EPERM : m.put(index, prog);
    if (rc < 0) throw this.fail("update", rc);
  }

  /** Map-in-map: store `inner` under `key`. */
  setInnerMap(key: MapKey, inner: MapHandle | BpfMap, flags: number = BPF_ANY): void {
    const m = this.map;
    const map = inner instanceof MapHandle ? inner.map : inner;
    const value = new Uint8Array(4);
    new DataView(value.buffer).setUint32(0, map.id, true);
    if (!m.innerMeta()) throw new MapError("EINVAL", `${m.describe()}: not a map-in-map`);
    this.update(key, value, flags);
  }

  /** Map-in-map: a new handle on the inner map under `key`, or undefined. */
  innerMap(key: MapKey): MapHandle | undefined {
    const m = this.map;
    if (!(m instanceof FdArrayMap || m instanceof HashOfMapsMap) || !m.innerMeta())
      throw new MapError("EINVAL", `${m.describe()}: not a map-in-map`);
    const id = this.lookup(key);
    if (!id) return undefined;
    const inner = m.registry.fromId(readIndex(id, 0));
    return inner ? new MapHandle(inner) : undefined;
  }

  /** A view with decoded keys and values. */
  withCodec<K, V>(key: ValueCodec<K>, value: ValueCodec<V>): TypedMap<K, V> {
    return new TypedMap(this, key, value);
  }
}
