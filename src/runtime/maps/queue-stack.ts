// BPF_MAP_TYPE_QUEUE and BPF_MAP_TYPE_STACK (queue_stack_maps.c semantics):
// keyless, values in a ring of max_entries + 1 slots. push with BPF_EXIST on a
// full map drops the oldest element (for a stack too: the bottom one); without
// it a full map answers E2BIG. pop/peek on an empty map answer ENOENT. From
// user space, lookup is peek, update is push and lookup-and-delete is pop.
import {
  BPF_EXIST,
  BPF_F_NUMA_NODE,
  BPF_F_WRONLY,
  BPF_NOEXIST,
  MapType,
} from "../../uapi/index.ts";
import { problem, type AttrProblem, type MapAttrs } from "./attrs.ts";
import { Errno } from "./errors.ts";
import { BPF_F_ACCESS_MASK, KMALLOC_MAX_SIZE } from "./flags.ts";
import { BpfMap, isFlagWord } from "./map.ts";

const QUEUE_STACK_CREATE_FLAG_MASK = BPF_F_NUMA_NODE | BPF_F_ACCESS_MASK;

export class QueueStackMap extends BpfMap {
  private slotsAddr = 0;
  /** Ring slots: max_entries + 1 so that full and empty differ. */
  private readonly size = this.maxEntries + 1;
  private head = 0;
  private tail = 0;

  static check(a: MapAttrs): AttrProblem | undefined {
    const flags = a.flags ?? 0;
    if (a.maxEntries === 0) return problem("EINVAL", "max_entries must be at least 1");
    if (a.keySize !== 0)
      return problem("EINVAL", `queue/stack key_size must be 0, got ${a.keySize}`);
    if (a.valueSize === 0) return problem("EINVAL", "value_size must not be 0");
    if (flags & ~QUEUE_STACK_CREATE_FLAG_MASK)
      return problem(
        "EINVAL",
        `unsupported flags 0x${(flags & ~QUEUE_STACK_CREATE_FLAG_MASK).toString(16)}`,
      );
    if (a.spinLockOffset !== undefined)
      return problem("EINVAL", "bpf_spin_lock is not allowed in queue/stack values");
    if (a.valueSize > KMALLOC_MAX_SIZE)
      return problem("E2BIG", `value_size ${a.valueSize} exceeds ${KMALLOC_MAX_SIZE}`);
    return undefined;
  }

  protected initStorage(): void {
    this.slotsAddr = this.allocTracked(this.size * this.valueSize, 8);
  }

  get isStack(): boolean {
    return this.type === MapType.STACK;
  }

  /** Elements currently held. */
  get count(): number {
    return (this.head - this.tail + this.size) % this.size;
  }

  private slot(i: number): number {
    return this.slotsAddr + i * this.valueSize;
  }

  override pushElem(valueAddr: number, flags: number): number {
    if (!isFlagWord(flags) || flags & BPF_NOEXIST || flags > BPF_EXIST) return -Errno.EINVAL;
    if ((this.head + 1) % this.size === this.tail) {
      if (!(flags & BPF_EXIST)) return -Errno.E2BIG;
      this.tail = (this.tail + 1) % this.size;
    }
    const dst = this.slot(this.head);
    this.mem.u8.copyWithin(dst, valueAddr, valueAddr + this.valueSize);
    this.head = (this.head + 1) % this.size;
    return 0;
  }

  private take(valueAddr: number, remove: boolean): number {
    if (this.head === this.tail) return -Errno.ENOENT;
    let i: number;
    if (this.isStack) {
      i = (this.head - 1 + this.size) % this.size;
      if (remove) this.head = i;
    } else {
      i = this.tail;
      if (remove) this.tail = (this.tail + 1) % this.size;
    }
    const src = this.slot(i);
    this.mem.u8.copyWithin(valueAddr, src, src + this.valueSize);
    return 0;
  }

  override popElem(valueAddr: number): number {
    return this.take(valueAddr, true);
  }

  override peekElem(valueAddr: number): number {
    return this.take(valueAddr, false);
  }

  override updateElem(): number {
    return -Errno.EINVAL;
  }

  override deleteElem(): number {
    return -Errno.EINVAL;
  }

  override getNextKey(): number {
    return -Errno.EINVAL;
  }

  override sysLookup(_keyAddr: number, outAddr: number, flags: number): number {
    if (this.flags & BPF_F_WRONLY) return -Errno.EPERM;
    if (flags !== 0) return -Errno.EINVAL;
    return this.peekElem(outAddr);
  }

  override sysUpdate(_keyAddr: number, valueAddr: number, flags: number): number {
    return this.checkUserWrite() || this.pushElem(valueAddr, flags);
  }

  override sysDelete(): number {
    return this.checkUserWrite() || -Errno.EINVAL;
  }

  override sysLookupAndDelete(_keyAddr: number, outAddr: number, flags: number): number {
    if (this.flags & BPF_F_WRONLY) return -Errno.EPERM;
    if (flags !== 0) return -Errno.EINVAL;
    return this.checkUserWrite() || this.popElem(outAddr);
  }
}
