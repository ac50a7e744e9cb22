// BPF_MAP_TYPE_PERF_EVENT_ARRAY and the perf events it holds.
//
// In the kernel the slots hold perf events (a BPF_OUTPUT software event per
// CPU, each with an mmap'ed ring). Here a PerfEventBuffer is that event: bound
// to one CPU, owning a ring of records in the kernel's perf format:
//   PERF_RECORD_SAMPLE: { u32 type = 9; u16 misc; u16 size } u32 raw_size; raw data
//     (raw_size is the sample size rounded so 4 + raw_size is a multiple of 8; the
//     padding is zero)
//   PERF_RECORD_LOST:   { u32 type = 2; u16 misc; u16 size = 24 } u64 id; u64 lost
// A sample that does not fit is dropped and counted; the count is delivered as
// a LOST record ahead of the next sample that fits (as perf_output_begin does).
// bpf_perf_event_output answers -ENOSPC for a dropped sample.
//
// The rings live in JS memory: programs never address them, they only copy
// into them through the helper.
import { RefCounted } from "../object.ts";
import { Errno } from "./errors.ts";
import { FdArrayMap } from "./fd-array.ts";
import { BPF_F_CURRENT_CPU, BPF_F_INDEX_MASK, BPF_F_PRESERVE_ELEMS, PAGE_SIZE } from "./flags.ts";
import type { MapRegistry } from "./registry.ts";

export const PERF_RECORD_LOST = 2;
export const PERF_RECORD_SAMPLE = 9;
const HEADER_SIZE = 8;
const LOST_RECORD_SIZE = 24;
/** perf_event_header.size is a u16: no record can be larger. */
const MAX_RECORD_SIZE = 0xffff;

/** One record read from a perf ring. */
export interface PerfRecord {
  cpu: number;
  /** PERF_RECORD_SAMPLE: the raw sample (padded as the kernel stores it). */
  sample?: Uint8Array;
  /** PERF_RECORD_LOST: how many samples were dropped. 0 for samples. */
  lostSamples: number;
}

export class PerfEventBuffer extends RefCounted {
  readonly id: number;
  private readonly ring: Uint8Array;
  private readonly dv: DataView;
  private head = 0;
  private tail = 0;
  /** Drops not yet reported by a LOST record. */
  private pendingLost = 0;
  /** Drops since creation. */
  totalLost = 0;
  private readonly listeners = new Set<() => void>();

  constructor(
    private readonly registry: MapRegistry,
    readonly cpu: number,
    /** Ring size in bytes: a power-of-two number of pages. */
    readonly size: number,
  ) {
    super();
    if (!Number.isInteger(size) || size < PAGE_SIZE || size & (size - 1))
      throw new RangeError(`perf ring size must be a power-of-two multiple of ${PAGE_SIZE}`);
    this.ring = new Uint8Array(size);
    this.dv = new DataView(this.ring.buffer);
    this.id = registry.registerPerfEvent(this);
  }

  describe(): string {
    return `perf event ${this.id} (cpu ${this.cpu})`;
  }

  protected destroy(): void {
    this.registry.unregisterPerfEvent(this);
  }

  get bytesAvailable(): number {
    return this.head - this.tail;
  }

  onWakeup(fn: () => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  private putBytes(pos: number, bytes: Uint8Array): void {
    const off = pos % this.size;
    const first = Math.min(bytes.length, this.size - off);
    this.ring.set(bytes.subarray(0, first), off);
    if (first < bytes.length) this.ring.set(bytes.subarray(first), 0);
  }

  private getBytes(pos: number, len: number): Uint8Array {
    const out = new Uint8Array(len);
    const off = pos % this.size;
    const first = Math.min(len, this.size - off);
    out.set(this.ring.subarray(off, off + first));
    if (first < len) out.set(this.ring.subarray(0, len - first), first);
    return out;
  }

  private putHeader(pos: number, type: number, size: number): void {
    const h = new Uint8Array(HEADER_SIZE);
    const dv = new DataView(h.buffer);
    dv.setUint32(0, type, true);
    dv.setUint16(4, 0, true);
    dv.setUint16(6, size, true);
    this.putBytes(pos, h);
  }

  /** Append a sample made of `parts` (concatenated). 0, -ENOSPC (dropped) or -E2BIG. */
  writeSample(parts: readonly Uint8Array[]): number {
    let size = 0;
    for (const p of parts) size += p.length;
    const rawSize = ((size + 4 + 7) & ~7) - 4;
    const total = HEADER_SIZE + 4 + rawSize;
    if (total > MAX_RECORD_SIZE) return -Errno.E2BIG;
    const need = total + (this.pendingLost > 0 ? LOST_RECORD_SIZE : 0);
    if (need > this.size - (this.head - this.tail)) {
      this.pendingLost++;
      this.totalLost++;
      return -Errno.ENOSPC;
    }
    if (this.pendingLost > 0) {
      this.putHeader(this.head, PERF_RECORD_LOST, LOST_RECORD_SIZE);
      const body = new Uint8Array(16);
      const dv = new DataView(body.buffer);
      dv.setUint32(0, this.id, true);
      dv.setUint32(8, this.pendingLost % 0x1_0000_0000, true);
      dv.setUint32(12, Math.floor(this.pendingLost / 0x1_0000_0000), true);
      this.putBytes(this.head + HEADER_SIZE, body);
      this.head += LOST_RECORD_SIZE;
      this.pendingLost = 0;
    }
    this.putHeader(this.head, PERF_RECORD_SAMPLE, total);
    const sz = new Uint8Array(4);
    new DataView(sz.buffer).setUint32(0, rawSize, true);
    let pos = this.head + HEADER_SIZE;
    this.putBytes(pos, sz);
    pos += 4;
    for (const p of parts) {
      this.putBytes(pos, p);
      pos += p.length;
    }
    this.putBytes(pos, new Uint8Array(rawSize - size));
    this.head += total;
    for (const fn of [...this.listeners]) fn();
    return 0;
  }

  /** Consume the next record, or undefined when the ring is empty. */
  readRecord(): PerfRecord | undefined {
    if (this.tail === this.head) return undefined;
    const hdr = this.getBytes(this.tail, HEADER_SIZE);
    const hv = new DataView(hdr.buffer);
    const type = hv.getUint32(0, true);
    const size = hv.getUint16(6, true);
    let rec: PerfRecord;
    if (type === PERF_RECORD_SAMPLE) {
      const raw = new DataView(this.getBytes(this.tail + HEADER_SIZE, 4).buffer).getUint32(0, true);
      rec = {
        cpu: this.cpu,
        sample: this.getBytes(this.tail + HEADER_SIZE + 4, raw),
        lostSamples: 0,
      };
    } else {
      const body = new DataView(this.getBytes(this.tail + HEADER_SIZE, 16).buffer);
      const lost = body.getUint32(12, true) * 0x1_0000_0000 + body.getUint32(8, true);
      rec = { cpu: this.cpu, lostSamples: lost };
    }
    this.tail += size;
    return rec;
  }
}

export class PerfEventArrayMap extends FdArrayMap<PerfEventBuffer> {
  protected resolve(id: number): PerfEventBuffer | number {
    return this.registry.perfEvent(id) ?? -Errno.EBADF;
  }

  /** User space can't read perf event slots back (no map_fd_sys_lookup_elem). */
  override sysLookup(): number {
    return -Errno.ENOTSUPP;
  }

  /**
   * bpf_perf_event_output: `flags` selects the slot (BPF_F_CURRENT_CPU for the
   * current CPU's); the event must be bound to the current CPU.
   */
  outputBytes(flags: number, parts: readonly Uint8Array[]): number {
    if (!Number.isInteger(flags) || flags < 0 || flags > BPF_F_INDEX_MASK) return -Errno.EINVAL;
    const cpu = this.registry.currentCpu;
    const index = flags === BPF_F_CURRENT_CPU ? cpu : flags;
    if (index >= this.maxEntries) return -Errno.E2BIG;
    const ev = this.slots[index];
    if (!ev) return -Errno.ENOENT;
    if (ev.cpu !== cpu) return -Errno.EOPNOTSUPP;
    return ev.writeSample(parts);
  }

  /** bpf_perf_event_output with the sample in runtime memory. */
  output(flags: number, dataAddr: number, size: number): number {
    return this.outputBytes(flags, [this.mem.u8.subarray(dataAddr, dataAddr + size)]);
  }

  protected override onLastUserRef(): void {
    if (!(this.flags & BPF_F_PRESERVE_ELEMS)) this.clear();
  }
}
