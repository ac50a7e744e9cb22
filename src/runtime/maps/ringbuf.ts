// BPF_MAP_TYPE_RINGBUF with the kernel's memory layout (kernel/bpf/ringbuf.c),
// so a program writing a reserved record and a JS consumer see the same bytes:
//
//   base + 0      consumer_pos (u64; its own page, the consumer writes it)
//   base + 4096   producer_pos (u64; its own page)
//   base + 8192   data: max_entries bytes (a power-of-two number of pages)
//   ...           a second max_entries bytes (see below)
//
// Records: an 8-byte header { u32 len | BUSY_BIT | DISCARD_BIT; u32 pg_off }
// then the sample, the whole rounded up to 8 bytes. Positions only grow; a
// record sits at data + (pos & mask). pg_off counts pages from the start of
// the kernel's struct bpf_ringbuf, which is one page before consumer_pos.
//
// The kernel maps the data pages twice in a row so a record that runs past the
// end stays contiguous. WebAssembly memory can't alias pages, so the second
// copy is a spill area: a reserved record may run into it, and commit
// (submit/discard) folds the spilled tail back to the start of the ring before
// clearing the busy bit. Consumers read the ring (first copy) with wraparound.
import { BPF_F_NUMA_NODE } from "../../uapi/index.ts";
import { problem, type AttrProblem, type MapAttrs } from "./attrs.ts";
import { Errno } from "./errors.ts";
import {
  BPF_RB_AVAIL_DATA,
  BPF_RB_CONS_POS,
  BPF_RB_FORCE_WAKEUP,
  BPF_RB_NO_WAKEUP,
  BPF_RB_PROD_POS,
  BPF_RB_RING_SIZE,
  BPF_RINGBUF_BUSY_BIT,
  BPF_RINGBUF_DISCARD_BIT,
  BPF_RINGBUF_HDR_SZ,
  PAGE_SIZE,
  round8,
} from "./flags.ts";
import { BpfMap, isFlagWord } from "./map.ts";

const RINGBUF_CREATE_FLAG_MASK = BPF_F_NUMA_NODE;
const RINGBUF_MAX_RECORD_SZ = Math.floor(0xffff_ffff / 4);
/** Consumer and producer pages; the kernel's struct also has one non-mmapable page before them. */
const RINGBUF_POS_PAGES = 2;
const RINGBUF_PGOFF = 1;
const RINGBUF_MAX_DATA_SZ = (2 ** 24 - RINGBUF_POS_PAGES - RINGBUF_PGOFF) * PAGE_SIZE;
const WORD = 0x1_0000_0000;

function isPow2(n: number): boolean {
  return n > 0 && (n & (n - 1)) === 0;
}

export class RingBufMap extends BpfMap {
  consumerPosAddr = 0;
  producerPosAddr = 0;
  dataAddr = 0;
  private readonly listeners = new Set<() => void>();

  static check(a: MapAttrs): AttrProblem | undefined {
    const flags = a.flags ?? 0;
    if (flags & ~RINGBUF_CREATE_FLAG_MASK)
      return problem(
        "EINVAL",
        `unsupported flags 0x${(flags & ~RINGBUF_CREATE_FLAG_MASK).toString(16)}`,
      );
    if (a.keySize !== 0 || a.valueSize !== 0)
      return problem("EINVAL", "ringbuf key_size and value_size must be 0");
    if (!isPow2(a.maxEntries) || a.maxEntries % PAGE_SIZE !== 0)
      return problem(
        "EINVAL",
        `ringbuf max_entries must be a power of 2 multiple of ${PAGE_SIZE}, got ${a.maxEntries}`,
      );
    if (a.maxEntries > RINGBUF_MAX_DATA_SZ)
      return problem("E2BIG", `ringbuf max_entries ${a.maxEntries} is too large`);
    return undefined;
  }

  /** Data area size (max_entries). */
  get size(): number {
    return this.maxEntries;
  }

  /** The address the kernel's struct bpf_ringbuf would start at (pg_off origin). */
  get ringBase(): number {
    return this.consumerPosAddr - RINGBUF_PGOFF * PAGE_SIZE;
  }

  protected initStorage(): void {
    const base = this.allocTracked(RINGBUF_POS_PAGES * PAGE_SIZE + 2 * this.size, PAGE_SIZE);
    this.consumerPosAddr = base;
    this.producerPosAddr = base + PAGE_SIZE;
    this.dataAddr = base + RINGBUF_POS_PAGES * PAGE_SIZE;
    this.registry.registerRingbuf(this);
  }

  protected override destroy(): void {
    this.registry.unregisterRingbuf(this);
    super.destroy();
  }

  private readPos(addr: number): number {
    const dv = this.mem.dv;
    return dv.getUint32(addr + 4, true) * WORD + dv.getUint32(addr, true);
  }

  private writePos(addr: number, pos: number): void {
    const dv = this.mem.dv;
    dv.setUint32(addr, pos % WORD, true);
    dv.setUint32(addr + 4, Math.floor(pos / WORD), true);
  }

  get consumerPos(): number {
    return this.readPos(this.consumerPosAddr);
  }

  set consumerPos(pos: number) {
    this.writePos(this.consumerPosAddr, pos);
  }

  get producerPos(): number {
    return this.readPos(this.producerPosAddr);
  }

  /** Call `fn` whenever a commit wakes consumers up (the epoll notification). */
  onWakeup(fn: () => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  private wake(): void {
    for (const fn of [...this.listeners]) fn();
  }

  private reserveRecord(size: number): number {
    if (!Number.isInteger(size) || size < 0 || size > RINGBUF_MAX_RECORD_SZ) return 0;
    const len = round8(size + BPF_RINGBUF_HDR_SZ);
    if (len > this.size) return 0;
    const cons = this.consumerPos;
    const prod = this.producerPos;
    const next = prod + len;
    // The producer may run at most size-1 bytes ahead of the consumer.
    if (next - cons > this.size - 1) return 0;
    const hdr = this.dataAddr + (prod % this.size);
    const dv = this.mem.dv;
    dv.setUint32(hdr, (size | BPF_RINGBUF_BUSY_BIT) >>> 0, true);
    dv.setUint32(hdr + 4, (hdr - this.ringBase) >>> 12, true);
    this.writePos(this.producerPosAddr, next);
    return hdr + BPF_RINGBUF_HDR_SZ;
  }

  /** bpf_ringbuf_reserve: address of the sample, or 0 (no space, bad size, flags ≠ 0). */
  reserve(size: number, flags: number): number {
    if (flags !== 0) return 0;
    return this.reserveRecord(size);
  }

  /** Is `sample` the data address of a reserved (busy) record of this ring? */
  ownsSample(sample: number): boolean {
    const off = sample - BPF_RINGBUF_HDR_SZ - this.dataAddr;
    if (off < 0 || off >= this.size || off % 8 !== 0) return false;
    return (this.mem.dv.getUint32(sample - BPF_RINGBUF_HDR_SZ, true) & BPF_RINGBUF_BUSY_BIT) !== 0;
  }

  /** bpf_ringbuf_submit / bpf_ringbuf_discard: 0, or -EINVAL for a pointer that is no reserved record. */
  commit(sample: number, flags: number, discard: boolean): number {
    if (!this.ownsSample(sample)) return -Errno.EINVAL;
    const hdr = sample - BPF_RINGBUF_HDR_SZ;
    const dv = this.mem.dv;
    const len = dv.getUint32(hdr, true);
    const recOff = hdr - this.dataAddr;
    const end = recOff + round8((len & ~BPF_RINGBUF_BUSY_BIT) + BPF_RINGBUF_HDR_SZ);
    if (end > this.size) {
      // Fold the part written into the spill area back to the ring's start.
      const spill = this.dataAddr + this.size;
      this.mem.u8.copyWithin(this.dataAddr, spill, spill + (end - this.size));
    }
    let newLen = (len ^ BPF_RINGBUF_BUSY_BIT) >>> 0;
    if (discard) newLen = (newLen | BPF_RINGBUF_DISCARD_BIT) >>> 0;
    dv.setUint32(hdr, newLen, true);
    const consOff = this.consumerPos % this.size;
    if (flags & BPF_RB_FORCE_WAKEUP) this.wake();
    else if (consOff === recOff && !(flags & BPF_RB_NO_WAKEUP)) this.wake();
    return 0;
  }

  submit(sample: number, flags: number): number {
    return this.commit(sample, flags, false);
  }

  discard(sample: number, flags: number): number {
    return this.commit(sample, flags, true);
  }

  /** bpf_ringbuf_output: copy `size` bytes at dataAddr into a new record. 0, -EINVAL or -EAGAIN. */
  output(dataAddr: number, size: number, flags: number): number {
    if (!isFlagWord(flags) || flags & ~(BPF_RB_NO_WAKEUP | BPF_RB_FORCE_WAKEUP))
      return -Errno.EINVAL;
    const rec = this.reserveRecord(size);
    if (rec === 0) return -Errno.EAGAIN;
    this.mem.u8.copyWithin(rec, dataAddr, dataAddr + size);
    return this.commit(rec, flags, false);
  }

  /** bpf_ringbuf_query. Unknown flags answer 0, as in the kernel. */
  query(flags: number): number {
    switch (flags) {
      case BPF_RB_AVAIL_DATA:
        return this.producerPos - this.consumerPos;
      case BPF_RB_RING_SIZE:
        return this.size;
      case BPF_RB_CONS_POS:
        return this.consumerPos;
      case BPF_RB_PROD_POS:
        return this.producerPos;
      default:
        return 0;
    }
  }

  // The ring has no elements: every element operation is unsupported (ringbuf_map_*_elem).
  override sysLookup(): number {
    return -Errno.ENOTSUPP;
  }

  override sysUpdate(): number {
    return -Errno.ENOTSUPP;
  }

  override sysDelete(): number {
    return -Errno.ENOTSUPP;
  }
}
