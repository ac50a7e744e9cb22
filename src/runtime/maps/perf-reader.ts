// User-space consumer of a perf_event_array, like cilium/ebpf's perf.Reader:
// it opens one BPF_OUTPUT perf event with its own ring per CPU, stores each in
// the map slot of its CPU, and reads samples and lost-sample counts back.
import { MapType } from "../../uapi/index.ts";
import { MapError } from "./errors.ts";
import { PAGE_SIZE } from "./flags.ts";
import type { MapHandle } from "./handle.ts";
import { Notifier } from "./notifier.ts";
import { PerfEventArrayMap, PerfEventBuffer, type PerfRecord } from "./perf-event-array.ts";
import type { ReaderIterateOptions } from "./ringbuf-reader.ts";

export interface PerfReaderOptions {
  /** Ring size per CPU in bytes, rounded up to a power-of-two number of pages (default 64 KiB). */
  perCpuBytes?: number;
}

export class PerfReader {
  private readonly handle: MapHandle;
  private readonly map: PerfEventArrayMap;
  private readonly events: PerfEventBuffer[] = [];
  private readonly notifier = new Notifier();
  private readonly unsubscribes: Array<() => void> = [];
  /** Next CPU to read from, so one busy CPU doesn't starve the others. */
  private next = 0;

  constructor(handle: MapHandle, opts: PerfReaderOptions = {}) {
    const map = handle.map;
    if (map.type !== MapType.PERF_EVENT_ARRAY || !(map instanceof PerfEventArrayMap))
      throw new MapError("EINVAL", `${map.describe()}: not a perf_event_array`);
    let size = PAGE_SIZE;
    while (size < (opts.perCpuBytes ?? 64 << 10)) size *= 2;
    this.handle = handle.clone();
    this.map = map;
    const cpus = Math.min(map.ncpus, map.maxEntries);
    for (let cpu = 0; cpu < cpus; cpu++) {
      // The reader keeps the event's first reference; the map slot takes another.
      const ev = new PerfEventBuffer(map.registry, cpu, size);
      const rc = map.put(cpu, ev);
      if (rc < 0) {
        ev.release();
        this.close();
        throw MapError.fromReturn(rc, `${map.describe()}: install perf event for cpu ${cpu}`);
      }
      this.events.push(ev);
      this.unsubscribes.push(ev.onWakeup(() => this.notifier.notify()));
    }
  }

  get closed(): boolean {
    return this.handle.closed;
  }

  /** Samples dropped so far on all CPUs. */
  get lostSamples(): number {
    return this.events.reduce((n, ev) => n + ev.totalLost, 0);
  }

  /** The next record from any CPU, or undefined when all rings are empty. */
  read(): PerfRecord | undefined {
    if (this.closed) return undefined;
    for (let i = 0; i < this.events.length; i++) {
      const ev = this.events[(this.next + i) % this.events.length]!;
      const rec = ev.readRecord();
      if (rec) {
        this.next = (this.next + i + 1) % this.events.length;
        return rec;
      }
    }
    return undefined;
  }

  /** Hand every ready record to `fn`; returns how many. */
  consume(fn: (rec: PerfRecord) => void): number {
    let n = 0;
    for (let rec = this.read(); rec; rec = this.read()) {
      fn(rec);
      n++;
    }
    return n;
  }

  wait(timeoutMs?: number): Promise<boolean> {
    if (this.closed) return Promise.resolve(false);
    return this.notifier.wait(timeoutMs);
  }

  async *records(opts: ReaderIterateOptions = {}): AsyncGenerator<PerfRecord> {
    while (!this.closed) {
      const r = this.read();
      if (r) {
        yield r;
        continue;
      }
      await this.wait(opts.pollMs);
    }
  }

  [Symbol.asyncIterator](): AsyncGenerator<PerfRecord> {
    return this.records();
  }

  /** Remove this reader's events from the map and drop them. */
  close(): void {
    if (this.closed) return;
    for (const u of this.unsubscribes) u();
    this.events.forEach((ev) => {
      if (this.map.at(ev.cpu) === ev) this.map.remove(ev.cpu);
      ev.release();
    });
    this.events.length = 0;
    this.handle.close();
    this.notifier.cancel();
  }
}
