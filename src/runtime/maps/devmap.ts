// BPF_MAP_TYPE_DEVMAP and DEVMAP_HASH (kernel/bpf/devmap.c semantics): slots
// name network devices of the runtime (maps/netdevs.ts) for bpf_redirect_map.
//
// A value is `struct bpf_devmap_val { u32 ifindex; u32 prog; }`, the second
// word only when value_size is 8: user space writes the id of an XDP program
// loaded for BPF_XDP_DEVMAP (the kernel's fd) and reads back its id. Programs
// may only look entries up (the map gets BPF_F_RDONLY_PROG, as in the
// kernel); a lookup gives the address of the entry's bpf_devmap_val.
//
// - devmap: key = index < max_entries. Update: flags above BPF_EXIST EINVAL,
//   index out of range E2BIG, BPF_NOEXIST always EEXIST (every slot
//   "exists"), ifindex 0 empties the slot (with a program: EINVAL), an
//   unknown ifindex or an unsuitable program EINVAL. Delete of any index in
//   range succeeds; beyond it is EINVAL.
// - devmap_hash: key = any u32 (usually the ifindex). Update: ifindex 0 is
//   EINVAL, BPF_NOEXIST on a present key EEXIST, a new key past max_entries
//   E2BIG (BPF_EXIST on a missing key inserts, as in the kernel). Delete of a
//   missing key is ENOENT. Keys iterate in the kernel's bucket order.
//
// The program in an entry is held (a reference) but not run: a test run does
// not transmit, so nothing reaches the device it would run on.
import { BPF_EXIST, BPF_F_NUMA_NODE, BPF_F_RDONLY, BPF_F_RDONLY_PROG } from "../../uapi/index.ts";
import { BPF_F_WRONLY, BPF_NOEXIST, MapType } from "../../uapi/index.ts";
import { AttachType, ProgType } from "../../uapi/index.ts";
import type { ProgramRef } from "../object.ts";
import { arrayNextKey, indexMaskFor, readIndex, writeIndex } from "./array.ts";
import { problem, type AttrProblem, type MapAttrs } from "./attrs.ts";
import { Errno } from "./errors.ts";
import { BPF_F_BROADCAST, BPF_F_EXCLUDE_INGRESS } from "./flags.ts";
import { BpfMap, isFlagWord } from "./map.ts";
import type { NetDevice } from "./netdevs.ts";
import type { MapRegistry } from "./registry.ts";
import { ValueSlots } from "./value-slots.ts";
import type { RedirectTarget, XdpBroadcastMap } from "./xdp-redirect.ts";

const DEV_CREATE_FLAG_MASK = BPF_F_NUMA_NODE | BPF_F_RDONLY | BPF_F_WRONLY;
/** sizeof(struct bpf_devmap_val). */
const DEVMAP_VAL_SIZE = 8;

/** dev_map_alloc_check. */
export function checkDevmapAttrs(a: MapAttrs): AttrProblem | undefined {
  const flags = a.flags ?? 0;
  if (a.maxEntries === 0) return problem("EINVAL", "max_entries must be at least 1");
  if (a.keySize !== 4) return problem("EINVAL", `devmap key_size must be 4, got ${a.keySize}`);
  if (a.valueSize !== 4 && a.valueSize !== DEVMAP_VAL_SIZE)
    return problem(
      "EINVAL",
      `devmap value_size must be 4 (ifindex) or 8 (ifindex and program), got ${a.valueSize}`,
    );
  if (flags & ~DEV_CREATE_FLAG_MASK)
    return problem("EINVAL", `unsupported flags 0x${(flags & ~DEV_CREATE_FLAG_MASK).toString(16)}`);
  if (a.type === MapType.DEVMAP_HASH && a.maxEntries > 2 ** 31)
    return problem("EINVAL", `devmap_hash max_entries ${a.maxEntries} exceeds 2^31`);
  return undefined;
}

interface DevEntry {
  key: number;
  dev: NetDevice;
  prog: ProgramRef | undefined;
  /** Address of the entry's bpf_devmap_val. */
  val: number;
  /** Insertion order (devmap_hash walks a bucket newest first). */
  seq: number;
}

abstract class DevMapBase extends BpfMap implements XdpBroadcastMap {
  readonly redirectFlagMask = BPF_F_BROADCAST | BPF_F_EXCLUDE_INGRESS;
  private unsubscribe: (() => void) | undefined;
  protected seq = 0;

  static check(a: MapAttrs): AttrProblem | undefined {
    return checkDevmapAttrs(a);
  }

  constructor(registry: MapRegistry, attrs: MapAttrs) {
    // A lookup hands programs the entry itself: they may read it, never write.
    super(registry, { ...attrs, flags: (attrs.flags ?? 0) | BPF_F_RDONLY_PROG });
  }

  protected initStorage(): void {
    this.unsubscribe = this.registry.devices.onUnregister((dev) => this.dropDevice(dev));
  }

  /** Live entries in the kernel's walk order (broadcasts, iteration). */
  protected abstract entries(): DevEntry[];
  protected abstract entryAt(key: number): DevEntry | undefined;
  protected abstract removeEntry(e: DevEntry): void;

  /**
   * __dev_map_alloc_node: the device and program a bpf_devmap_val names, or
   * -EINVAL when either is missing or the program is not an XDP program
   * loaded for BPF_XDP_DEVMAP. The value is written to `val`.
   */
  protected makeEntry(key: number, valueAddr: number, val: number): DevEntry | number {
    const dv = this.mem.dv;
    const dev = this.registry.devices.get(dv.getUint32(valueAddr, true));
    if (!dev) return -Errno.EINVAL;
    const fd = this.valueSize === DEVMAP_VAL_SIZE ? dv.getInt32(valueAddr + 4, true) : 0;
    let prog: ProgramRef | undefined;
    if (fd > 0) {
      prog = this.registry.programs?.program(fd);
      if (!prog || prog.type !== ProgType.XDP || prog.expectedAttachType !== AttachType.XDP_DEVMAP)
        return -Errno.EINVAL;
      prog.acquire();
    }
    dv.setUint32(val, dev.ifindex, true);
    dv.setUint32(val + 4, prog?.id ?? 0, true);
    return { key, dev, prog, val, seq: this.seq++ };
  }

  protected releaseEntry(e: DevEntry): void {
    e.prog?.release();
  }

  private dropDevice(dev: NetDevice): void {
    for (const e of this.entries()) if (e.dev === dev) this.removeEntry(e);
  }

  protected override releaseContents(): void {
    this.unsubscribe?.();
    for (const e of this.entries()) this.releaseEntry(e);
  }

  override lookupElem(keyAddr: number): number {
    return this.entryAt(readIndex(this.mem.u8, keyAddr))?.val ?? 0;
  }

  redirectLookup(key: number): RedirectTarget | undefined {
    const e = this.entryAt(key);
    return e && { kind: "dev", dev: e.dev, progId: e.prog?.id ?? 0 };
  }

  broadcastDevices(): NetDevice[] {
    return this.entries().map((e) => e.dev);
  }

  /** Number of entries. */
  get count(): number {
    return this.entries().length;
  }
}

export class DevMap extends DevMapBase {
  private readonly slots: (DevEntry | undefined)[] = [];
  private valuesAddr = 0;

  protected override initStorage(): void {
    super.initStorage();
    this.valuesAddr = this.allocTracked(this.maxEntries * DEVMAP_VAL_SIZE, 8);
  }

  protected entries(): DevEntry[] {
    return this.slots.filter((e): e is DevEntry => e !== undefined);
  }

  protected entryAt(key: number): DevEntry | undefined {
    return key < this.maxEntries ? this.slots[key] : undefined;
  }

  protected removeEntry(e: DevEntry): void {
    this.slots[e.key] = undefined;
    this.releaseEntry(e);
  }

  override updateElem(keyAddr: number, valueAddr: number, flags: number): number {
    if (!isFlagWord(flags) || flags > BPF_EXIST) return -Errno.EINVAL;
    const i = readIndex(this.mem.u8, keyAddr);
    if (i >= this.maxEntries) return -Errno.E2BIG;
    if (flags === BPF_NOEXIST) return -Errno.EEXIST;
    const dv = this.mem.dv;
    let e: DevEntry | undefined;
    if (dv.getUint32(valueAddr, true) === 0) {
      const fd = this.valueSize === DEVMAP_VAL_SIZE ? dv.getInt32(valueAddr + 4, true) : 0;
      if (fd > 0) return -Errno.EINVAL;
    } else {
      // makeEntry writes the value only once the entry is valid: a failed
      // update leaves the old entry as it was.
      const made = this.makeEntry(i, valueAddr, this.valuesAddr + i * DEVMAP_VAL_SIZE);
      if (typeof made === "number") return made;
      e = made;
    }
    const old = this.slots[i];
    this.slots[i] = e;
    if (old) this.releaseEntry(old);
    return 0;
  }

  override deleteElem(keyAddr: number): number {
    const i = readIndex(this.mem.u8, keyAddr);
    if (i >= this.maxEntries) return -Errno.EINVAL;
    const old = this.slots[i];
    if (old) this.removeEntry(old);
    return 0;
  }

  override getNextKey(keyAddr: number, nextAddr: number): number {
    return arrayNextKey(this, keyAddr, nextAddr);
  }
}

export class DevMapHash extends DevMapBase {
  private readonly byKey = new Map<number, DevEntry>();
  private values!: ValueSlots;
  /** roundup_pow_of_two(max_entries) - 1: the bucket of a key is key & mask. */
  private readonly bucketMask = indexMaskFor(this.maxEntries);

  protected override initStorage(): void {
    super.initStorage();
    this.values = new ValueSlots(DEVMAP_VAL_SIZE, (n, a) => this.allocTracked(n, a));
  }

  /** Bucket order, newest first within a bucket (hlist_add_head). */
  protected entries(): DevEntry[] {
    const mask = this.bucketMask;
    return [...this.byKey.values()].sort(
      (a, b) => (a.key & mask) - (b.key & mask) || b.seq - a.seq,
    );
  }

  protected entryAt(key: number): DevEntry | undefined {
    return this.byKey.get(key);
  }

  protected removeEntry(e: DevEntry): void {
    this.byKey.delete(e.key);
    this.values.give(e.val);
    this.releaseEntry(e);
  }

  override updateElem(keyAddr: number, valueAddr: number, flags: number): number {
    const dv = this.mem.dv;
    if (!isFlagWord(flags) || flags > BPF_EXIST || dv.getUint32(valueAddr, true) === 0)
      return -Errno.EINVAL;
    const key = readIndex(this.mem.u8, keyAddr);
    const old = this.byKey.get(key);
    if (old && flags & BPF_NOEXIST) return -Errno.EEXIST;
    const val = this.values.take();
    const e = this.makeEntry(key, valueAddr, val);
    if (typeof e === "number") {
      this.values.give(val);
      return e;
    }
    if (!old && this.byKey.size >= this.maxEntries) {
      this.values.give(val);
      this.releaseEntry(e);
      return -Errno.E2BIG;
    }
    this.byKey.set(key, e);
    if (old) {
      this.values.give(old.val);
      this.releaseEntry(old);
    }
    return 0;
  }

  override deleteElem(keyAddr: number): number {
    const e = this.byKey.get(readIndex(this.mem.u8, keyAddr));
    if (!e) return -Errno.ENOENT;
    this.removeEntry(e);
    return 0;
  }

  override getNextKey(keyAddr: number, nextAddr: number): number {
    const order = this.entries();
    let i = 0;
    if (keyAddr !== 0) {
      const at = order.findIndex((e) => e.key === readIndex(this.mem.u8, keyAddr));
      i = at < 0 ? 0 : at + 1;
    }
    const next = order[i];
    if (!next) return -Errno.ENOENT;
    writeIndex(this.mem.u8, nextAddr, next.key);
    return 0;
  }
}
