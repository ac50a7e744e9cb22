// User-space consumer of a BPF ring buffer, reading the shared memory the way
// libbpf's ring_buffer__consume does: from consumer_pos, stop at a record
// whose busy bit is still set, skip discarded records, advance consumer_pos
// past each record. Records wrap around the end of the data area.
import { MapType } from "../../uapi/index.ts";
import { MapError } from "./errors.ts";
import {
  BPF_RINGBUF_BUSY_BIT,
  BPF_RINGBUF_DISCARD_BIT,
  BPF_RINGBUF_HDR_SZ,
  round8,
} from "./flags.ts";
import type { MapHandle } from "./handle.ts";
import { Notifier } from "./notifier.ts";
import { RingBufMap } from "./ringbuf.ts";

export interface ReaderIterateOptions {
  /**
   * Poll interval: without it the iterator sleeps until a producer wakes it
   * (samples committed with BPF_RB_NO_WAKEUP then stay unseen until the next
   * wakeup, as with epoll); with it, it also looks every pollMs milliseconds.
   */
  pollMs?: number;
}

export class RingBufReader {
  private readonly handle: MapHandle;
  private readonly rb: RingBufMap;
  private readonly notifier = new Notifier();
  private readonly unsubscribe: () => void;

  constructor(handle: MapHandle) {
    const map = handle.map;
    if (map.type !== MapType.RINGBUF || !(map instanceof RingBufMap))
      throw new MapError("EINVAL", `${map.describe()}: not a ring buffer`);
    this.handle = handle.clone();
    this.rb = map;
    this.unsubscribe = map.onWakeup(() => this.notifier.notify());
  }

  get closed(): boolean {
    return this.handle.closed;
  }

  /** Bytes between consumer and producer (committed or not). */
  get available(): number {
    return this.rb.producerPos - this.rb.consumerPos;
  }

  /** The next committed sample (a copy), or undefined if none is ready. */
  read(): Uint8Array | undefined {
    if (this.closed) return undefined;
    const rb = this.rb;
    const mem = this.handle.map.registry.mem;
    let cons = rb.consumerPos;
    const prod = rb.producerPos;
    while (cons < prod) {
      const hdr = rb.dataAddr + (cons % rb.size);
      const word = mem.dv.getUint32(hdr, true);
      if (word & BPF_RINGBUF_BUSY_BIT) break;
      const len = word & ~(BPF_RINGBUF_BUSY_BIT | BPF_RINGBUF_DISCARD_BIT);
      const start = (cons + BPF_RINGBUF_HDR_SZ) % rb.size;
      cons += round8(len + BPF_RINGBUF_HDR_SZ);
      if (word & BPF_RINGBUF_DISCARD_BIT) {
        rb.consumerPos = cons;
        continue;
      }
      const out = new Uint8Array(len);
      const first = Math.min(len, rb.size - start);
      out.set(mem.u8.subarray(rb.dataAddr + start, rb.dataAddr + start + first));
      if (first < len) out.set(mem.u8.subarray(rb.dataAddr, rb.dataAddr + len - first), first);
      rb.consumerPos = cons;
      return out;
    }
    return undefined;
  }

  /** Hand every ready sample to `fn` (at most `max`); returns how many. */
  consume(fn: (sample: Uint8Array) => void, max = Infinity): number {
    let n = 0;
    while (n < max) {
      const s = this.read();
      if (!s) break;
      fn(s);
      n++;
    }
    return n;
  }

  /** Wait for a wakeup: true when woken, false on timeout or close. */
  wait(timeoutMs?: number): Promise<boolean> {
    if (this.closed) return Promise.resolve(false);
    return this.notifier.wait(timeoutMs);
  }

  /** Samples as they arrive, until close(). */
  async *samples(opts: ReaderIterateOptions = {}): AsyncGenerator<Uint8Array> {
    while (!this.closed) {
      const s = this.read();
      if (s) {
        yield s;
        continue;
      }
      await this.wait(opts.pollMs);
    }
  }

  [Symbol.asyncIterator](): AsyncGenerator<Uint8Array> {
    return this.samples();
  }

  close(): void {
    if (this.closed) return;
    this.unsubscribe();
    this.handle.close();
    this.notifier.cancel();
  }
}
