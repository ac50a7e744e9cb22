import { describe, expect, it } from "vitest";
import { MapType } from "../../../src/uapi/index.ts";
import {
  BPF_RB_AVAIL_DATA,
  BPF_RB_CONS_POS,
  BPF_RB_FORCE_WAKEUP,
  BPF_RB_NO_WAKEUP,
  BPF_RB_PROD_POS,
  BPF_RB_RING_SIZE,
  BPF_RINGBUF_BUSY_BIT,
  BPF_RINGBUF_DISCARD_BIT,
  RingBufMap,
  RingBufReader,
} from "../../../src/runtime/maps/index.ts";
import { place, setup } from "./setup.ts";

const rbAttrs = { type: MapType.RINGBUF, keySize: 0, valueSize: 0, maxEntries: 4096 };

function ring() {
  const s = setup();
  const h = s.open(rbAttrs);
  return { ...s, h, rb: h.map as RingBufMap };
}

function bytes(n: number, fill: number): Uint8Array {
  return new Uint8Array(n).fill(fill);
}

describe("ring buffer", () => {
  it("uses the kernel layout: positions on their own pages, 8-byte headers, 8-aligned records", () => {
    const { mem, rb } = ring();
    expect(rb.producerPosAddr - rb.consumerPosAddr).toBe(4096);
    expect(rb.dataAddr - rb.producerPosAddr).toBe(4096);
    const s = rb.reserve(5, 0);
    expect(s).toBe(rb.dataAddr + 8);
    // Header: len with the busy bit, then pg_off counted from one page before consumer_pos.
    expect(mem.dv.getUint32(rb.dataAddr, true)).toBe((5 | BPF_RINGBUF_BUSY_BIT) >>> 0);
    expect(mem.dv.getUint32(rb.dataAddr + 4, true)).toBe(3);
    expect(rb.producerPos).toBe(16);
    expect(mem.dv.getUint32(rb.producerPosAddr, true)).toBe(16);
    expect(rb.submit(s, 0)).toBe(0);
    expect(mem.dv.getUint32(rb.dataAddr, true)).toBe(5);
  });

  it("a program's record and the JS consumer see the same bytes", () => {
    const { mem, rb, h } = ring();
    const r = new RingBufReader(h);
    const s = rb.reserve(12, 0);
    mem.write(s, new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]));
    expect(r.read()).toBeUndefined(); // still busy
    rb.submit(s, 0);
    expect([...r.read()!]).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
    expect(r.read()).toBeUndefined();
    expect(rb.consumerPos).toBe(rb.producerPos);
    expect(mem.dv.getUint32(rb.consumerPosAddr, true)).toBe(24);
  });

  it("a busy record blocks later committed ones; discarded records are skipped", () => {
    const { mem, rb, h } = ring();
    const r = new RingBufReader(h);
    const a = rb.reserve(8, 0);
    const b = rb.reserve(8, 0);
    const c = rb.reserve(8, 0);
    mem.write(b, bytes(8, 2));
    mem.write(c, bytes(8, 3));
    rb.submit(c, 0);
    rb.discard(b, 0);
    expect(mem.dv.getUint32(b - 8, true)).toBe((8 | BPF_RINGBUF_DISCARD_BIT) >>> 0);
    expect(r.read()).toBeUndefined();
    rb.submit(a, 0);
    const got: number[] = [];
    r.consume((s) => got.push(s[0]!));
    expect(got).toEqual([0, 3]);
  });

  it("refuses records that don't fit; output answers -EAGAIN", () => {
    const { mem, rb } = ring();
    expect(rb.reserve(4096, 0)).toBe(0); // 4096 + 8 > ring size
    expect(rb.reserve(8, 1)).toBe(0); // flags must be 0
    const s = rb.reserve(4096 - 16, 0); // a 4088-byte record: fewer than 8 bytes stay free
    expect(s).not.toBe(0);
    expect(rb.reserve(0, 0)).toBe(0);
    const src = place(mem, bytes(8, 1));
    expect(rb.output(src, 8, 0)).toBe(-11);
    expect(rb.output(src, 8, 4)).toBe(-22);
  });

  it("wraps around: a record spanning the end reads back whole", () => {
    const { mem, rb, h } = ring();
    const r = new RingBufReader(h);
    // Advance positions to 4096 - 24 so the next record straddles the end.
    for (let i = 0; i < 4; i++) {
      const s = rb.reserve(1000, 0);
      rb.submit(s, 0);
      expect(r.read()!.length).toBe(1000);
    }
    const pos = rb.producerPos;
    expect(pos).toBe(4032);
    const payload = new Uint8Array(100).map((_, i) => i + 1);
    const s = rb.reserve(100, 0);
    mem.write(s, payload);
    rb.submit(s, 0);
    expect([...r.read()!]).toEqual([...payload]);
    // The tail that ran past the end is at the start of the ring.
    expect(mem.u8[rb.dataAddr]).toBe(payload[100 - (4032 + 8 + 100 - 4096)]);
    // Many more rounds through the ring.
    for (let i = 0; i < 200; i++) {
      const p = place(mem, bytes(37 + (i % 50), i & 0xff));
      expect(rb.output(p, 37 + (i % 50), 0)).toBe(0);
      const got = r.read()!;
      expect(got.length).toBe(37 + (i % 50));
      expect(got.every((x) => x === (i & 0xff))).toBe(true);
    }
    expect(rb.consumerPos).toBeGreaterThan(3 * 4096);
  });

  it("bpf_ringbuf_query reports sizes and positions", () => {
    const { mem, rb } = ring();
    rb.output(place(mem, bytes(8, 0)), 8, 0);
    expect(rb.query(BPF_RB_AVAIL_DATA)).toBe(16);
    expect(rb.query(BPF_RB_RING_SIZE)).toBe(4096);
    expect(rb.query(BPF_RB_CONS_POS)).toBe(0);
    expect(rb.query(BPF_RB_PROD_POS)).toBe(16);
    expect(rb.query(99)).toBe(0);
  });

  it("submit/discard find the ring from the sample pointer alone", () => {
    const { reg, rb } = ring();
    const s = rb.reserve(8, 0);
    expect(reg.ringbufOfSample(s)).toBe(rb);
    expect(reg.ringbufOfSample(s + 8)).toBeUndefined();
    expect(rb.submit(s + 8, 0)).toBe(-22);
    rb.submit(s, 0);
    expect(reg.ringbufOfSample(s)).toBeUndefined(); // no longer reserved
  });

  it("wakes the consumer when it has caught up, unless told not to", async () => {
    const { mem, rb, h } = ring();
    const r = new RingBufReader(h);
    let wakeups = 0;
    rb.onWakeup(() => wakeups++);
    const p = place(mem, bytes(8, 1));
    rb.output(p, 8, 0); // consumer at this record: wake
    rb.output(p, 8, 0); // consumer still at the first: no wake
    rb.output(p, 8, BPF_RB_FORCE_WAKEUP);
    expect(wakeups).toBe(2);
    r.consume(() => {});
    rb.output(p, 8, BPF_RB_NO_WAKEUP);
    expect(wakeups).toBe(2);
    // The async iterator delivers records as programs commit them.
    const got: number[] = [];
    const done = (async () => {
      for await (const s of r) {
        got.push(s[0]!);
        if (got.length === 3) break;
      }
    })();
    await new Promise((res) => setTimeout(res, 5));
    rb.output(place(mem, bytes(8, 7)), 8, 0);
    rb.output(place(mem, bytes(8, 9)), 8, 0);
    await done;
    expect(got).toEqual([1, 7, 9]);
    r.close();
    expect(await r.wait()).toBe(false);
  });

  it("element operations are unsupported", () => {
    const { h } = ring();
    expect(() => h.lookup()).toThrow(expect.objectContaining({ errno: "ENOTSUPP" }));
    expect(() => h.nextKey()).toThrow(expect.objectContaining({ errno: "ENOTSUPP" }));
  });
});
