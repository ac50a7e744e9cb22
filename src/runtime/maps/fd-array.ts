// The arrays whose slots hold objects instead of bytes (arraymap.c's fd
// arrays): prog_array, array_of_maps, perf_event_array. User space writes a
// u32 handle (in the kernel an fd; here the object's id) and reads back the
// object's id; the slot holds a reference to the object itself.
//
// Rules shared by all of them: update flags must be BPF_ANY (else EINVAL), an
// index past max_entries is E2BIG, an unknown handle EBADF, an object that
// doesn't fit the map EINVAL; delete of an empty slot is ENOENT.
import { BPF_ANY, BPF_F_RDONLY_PROG, BPF_F_WRONLY, BPF_F_WRONLY_PROG } from "../../uapi/index.ts";
import { arrayNextKey, checkArrayAttrs, readIndex, writeIndex } from "./array.ts";
import { problem, type AttrProblem, type MapAttrs } from "./attrs.ts";
import { Errno } from "./errors.ts";
import { BpfMap } from "./map.ts";

/** What a slot may hold: something reference-counted with an id. */
export interface SlotObject {
  readonly id: number;
  acquire(): unknown;
  release(): void;
}

/** fd_array_map_alloc_check: u32 values, array rules, no program-side access flags. */
export function checkFdArrayAttrs(a: MapAttrs): AttrProblem | undefined {
  if (a.valueSize !== 4)
    return problem("EINVAL", `value_size must be 4 (an id), got ${a.valueSize}`);
  if ((a.flags ?? 0) & (BPF_F_RDONLY_PROG | BPF_F_WRONLY_PROG))
    return problem("EINVAL", "BPF_F_RDONLY_PROG/BPF_F_WRONLY_PROG are not allowed on fd arrays");
  return checkArrayAttrs(a, false);
}

export abstract class FdArrayMap<T extends SlotObject> extends BpfMap {
  protected readonly slots: (T | undefined)[] = new Array<T | undefined>(this.maxEntries);

  static check(a: MapAttrs): AttrProblem | undefined {
    return checkFdArrayAttrs(a);
  }

  protected initStorage(): void {}

  /** Turn a user-space handle (an id) into a live object, or -errno (EBADF when unknown). */
  protected abstract resolve(handle: number): T | number;

  /** Called when an object is placed in a slot (e.g. to mirror it into runtime memory). */
  protected onSlotChange(_index: number, _obj: T | undefined): void {}

  /** The object in slot `index`, if any. */
  at(index: number): T | undefined {
    return index >>> 0 < this.maxEntries ? this.slots[index >>> 0] : undefined;
  }

  /** Store an object (a reference is taken; the slot's previous object is released). */
  put(index: number, obj: T): number {
    if (!Number.isInteger(index) || index < 0 || index >= this.maxEntries) return -Errno.E2BIG;
    const err = this.admit(obj);
    if (err) return err;
    obj.acquire();
    this.replace(index, obj);
    return 0;
  }

  /** 0 when `obj` may go into this map, else -errno (type compatibility). */
  protected admit(_obj: T): number {
    return 0;
  }

  private replace(index: number, obj: T | undefined): void {
    const old = this.slots[index];
    this.slots[index] = obj;
    this.onSlotChange(index, obj);
    old?.release();
  }

  /** Empty a slot: 0, -E2BIG out of range, -ENOENT when already empty. */
  remove(index: number): number {
    if (!Number.isInteger(index) || index < 0 || index >= this.maxEntries) return -Errno.E2BIG;
    if (!this.slots[index]) return -Errno.ENOENT;
    this.replace(index, undefined);
    return 0;
  }

  /** Release every slot (bpf_fd_array_map_clear). */
  clear(): void {
    for (let i = 0; i < this.maxEntries; i++) if (this.slots[i]) this.replace(i, undefined);
  }

  protected override releaseContents(): void {
    this.clear();
  }

  override deleteElem(keyAddr: number): number {
    return this.remove(readIndex(this.mem.u8, keyAddr));
  }

  override updateElem(): number {
    // Programs can't store objects into these maps.
    return -Errno.ENOTSUPP;
  }

  override sysUpdate(keyAddr: number, valueAddr: number, flags: number): number {
    const err = this.checkUserWrite();
    if (err) return err;
    if (flags !== BPF_ANY) return -Errno.EINVAL;
    const u8 = this.mem.u8;
    const index = readIndex(u8, keyAddr);
    if (index >= this.maxEntries) return -Errno.E2BIG;
    const obj = this.resolve(readIndex(u8, valueAddr));
    if (typeof obj === "number") return obj;
    return this.put(index, obj);
  }

  /** User-space lookup returns the id of the object in the slot. */
  override sysLookup(keyAddr: number, outAddr: number, flags: number): number {
    if (this.flags & BPF_F_WRONLY) return -Errno.EPERM;
    if (flags !== 0) return -Errno.EINVAL;
    const obj = this.at(readIndex(this.mem.u8, keyAddr));
    if (!obj) return -Errno.ENOENT;
    writeIndex(this.mem.u8, outAddr, obj.id);
    return 0;
  }

  override getNextKey(keyAddr: number, nextAddr: number): number {
    return arrayNextKey(this, keyAddr, nextAddr);
  }
}
