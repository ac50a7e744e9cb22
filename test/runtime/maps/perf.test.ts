import { describe, expect, it } from "vitest";
import { MapType } from "../../../src/uapi/index.ts";
import {
  BPF_F_CURRENT_CPU,
  BPF_F_PRESERVE_ELEMS,
  MapHandle,
  PerfEventArrayMap,
  PerfEventBuffer,
  PerfReader,
} from "../../../src/runtime/maps/index.ts";
import { place, readU32, setup, u32 } from "./setup.ts";

const perfAttrs = { type: MapType.PERF_EVENT_ARRAY, keySize: 4, valueSize: 4, maxEntries: 4 };

describe("perf event array", () => {
  it("delivers samples per CPU to the reader", () => {
    const { mem, reg, open } = setup(2);
    const h = open(perfAttrs);
    const r = new PerfReader(h, { perCpuBytes: 4096 });
    const m = h.map as PerfEventArrayMap;
    reg.currentCpu = 1;
    expect(m.output(BPF_F_CURRENT_CPU, place(mem, u32(0xabcd)), 4)).toBe(0);
    reg.currentCpu = 0;
    expect(m.output(BPF_F_CURRENT_CPU, place(mem, new Uint8Array([1, 2, 3, 4, 5])), 5)).toBe(0);
    const recs = [r.read()!, r.read()!];
    expect(r.read()).toBeUndefined();
    const byCpu = new Map(recs.map((x) => [x.cpu, x]));
    // Raw samples are padded so that 4 + size is a multiple of 8.
    expect(byCpu.get(1)!.sample!.length).toBe(4);
    expect(readU32(byCpu.get(1)!.sample!)).toBe(0xabcd);
    expect([...byCpu.get(0)!.sample!]).toEqual([1, 2, 3, 4, 5, 0, 0, 0, 0, 0, 0, 0]);
  });

  it("checks the slot index and the CPU like bpf_perf_event_output", () => {
    const { mem, reg, open } = setup(2);
    const h = open(perfAttrs);
    const m = h.map as PerfEventArrayMap;
    const d = place(mem, u32(1));
    expect(m.output(0, d, 4)).toBe(-2); // empty slot
    const r = new PerfReader(h);
    expect(m.output(4, d, 4)).toBe(-7); // index >= max_entries
    expect(m.output(1, d, 4)).toBe(-95); // CPU 1's event while running on CPU 0
    expect(m.output(2 ** 33, d, 4)).toBe(-22); // unknown flag bits
    reg.currentCpu = 1;
    expect(m.output(1, d, 4)).toBe(0);
    expect(r.read()!.cpu).toBe(1);
  });

  it("counts lost samples when a ring is full and reports them in order", () => {
    const { mem, open } = setup(1);
    const h = open(perfAttrs);
    const r = new PerfReader(h, { perCpuBytes: 4096 });
    const m = h.map as PerfEventArrayMap;
    const d = place(mem, new Uint8Array(1000));
    let ok = 0;
    let dropped = 0;
    for (let i = 0; i < 6; i++) {
      if (m.output(BPF_F_CURRENT_CPU, d, 1000) === 0) ok++;
      else dropped++;
    }
    expect(ok).toBe(4); // 4 × 1016 bytes fit in 4096
    expect(dropped).toBe(2);
    expect(r.lostSamples).toBe(2);
    for (let i = 0; i < 4; i++) expect(r.read()!.sample!.length).toBe(1004);
    expect(m.output(BPF_F_CURRENT_CPU, d, 8)).toBe(0);
    const lost = r.read()!;
    expect(lost.sample).toBeUndefined();
    expect(lost.lostSamples).toBe(2);
    expect(r.read()!.sample!.length).toBe(12);
  });

  it("the async iterator yields records as programs output them", async () => {
    const { mem, open } = setup(1);
    const h = open(perfAttrs);
    const r = new PerfReader(h);
    const m = h.map as PerfEventArrayMap;
    const got: number[] = [];
    const done = (async () => {
      for await (const rec of r) {
        got.push(readU32(rec.sample!));
        if (got.length === 2) break;
      }
    })();
    await new Promise((res) => setTimeout(res, 5));
    m.output(BPF_F_CURRENT_CPU, place(mem, u32(41)), 4);
    m.output(BPF_F_CURRENT_CPU, place(mem, u32(42)), 4);
    await done;
    expect(got).toEqual([41, 42]);
    r.close();
    expect(await r.wait(1000)).toBe(false);
  });

  it("close() empties the slots; events are freed", () => {
    const { reg, open } = setup(2);
    const h = open(perfAttrs);
    const r = new PerfReader(h);
    const m = h.map as PerfEventArrayMap;
    const ev = m.at(0)!;
    expect(ev).toBeInstanceOf(PerfEventBuffer);
    expect(reg.perfEvent(ev.id)).toBe(ev);
    r.close();
    expect(m.at(0)).toBeUndefined();
    expect(ev.freed).toBe(true);
    expect(reg.perfEvent(ev.id)).toBeUndefined();
  });

  it("user space stores perf events by id; lookups are unsupported", () => {
    const { reg, open } = setup(1);
    const h = open(perfAttrs);
    const ev = new PerfEventBuffer(reg, 0, 4096);
    h.update(0, u32(ev.id));
    expect(ev.refCount).toBe(2);
    expect(() => h.lookup(0)).toThrow(expect.objectContaining({ errno: "ENOTSUPP" }));
    expect(() => h.update(1, u32(9999))).toThrow(expect.objectContaining({ errno: "EBADF" }));
    h.delete(0);
    expect(() => h.delete(0)).toThrow(expect.objectContaining({ errno: "ENOENT" }));
    expect(ev.refCount).toBe(1);
    ev.release();
  });

  it("the last user handle clears the slots unless BPF_F_PRESERVE_ELEMS", () => {
    for (const [flags, kept] of [
      [0, false],
      [BPF_F_PRESERVE_ELEMS, true],
    ] as const) {
      const { reg } = setup(1);
      const map = reg.create({ ...perfAttrs, flags }) as PerfEventArrayMap;
      const h = new MapHandle(map);
      const ev = new PerfEventBuffer(reg, 0, 4096);
      h.update(0, u32(ev.id));
      h.close();
      expect(map.at(0) !== undefined).toBe(kept);
      map.release();
      expect(ev.refCount).toBe(1);
      ev.release();
    }
  });
});
