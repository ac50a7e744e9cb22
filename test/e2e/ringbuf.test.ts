// A ring buffer producer delivers to a JS consumer in order: cilium/ebpf's
// ringbuffer example (a kprobe reserving {pid, comm} records and submitting
// them) runs once per simulated process; RingBufReader reads the records back
// in the order they were committed, both by polling and as an async stream.
// Perf event output goes the same way through PerfReader (xdp_sample_pkts
// appends packet bytes to its samples with BPF_F_CTXLEN_MASK).
import { describe, expect, it } from "vitest";
import { frame, Runtime } from "../../src/runtime/index.ts";
import { PerfReader, RingBufReader } from "../../src/runtime/maps/index.ts";
import { ENGINES, sample, u32le } from "./support.ts";

const comm = (b: Uint8Array): string => new TextDecoder().decode(b.subarray(4, b.indexOf(0, 4)));

describe.each(ENGINES)("ring buffer producer on %s", (engine) => {
  it("delivers records in order to RingBufReader", async () => {
    const rt = new Runtime({ engine });
    const c = rt.loadCollection(sample("cilium-examples/ringbuffer_bpf_bpfel.o"));
    const reader = new RingBufReader(c.map("events"));
    const prog = c.program("kprobe_execve");
    const procs = Array.from({ length: 10 }, (_, i) => ({ tgid: 4000 + i, comm: `worker-${i}` }));
    for (const p of procs.slice(0, 5)) {
      rt.task.tgid = p.tgid;
      rt.task.comm = p.comm;
      expect(prog.testRun().retval).toBe(0);
    }
    const got: { pid: number; comm: string }[] = [];
    reader.consume((s) => {
      expect(s.length).toBe(20);
      got.push({ pid: u32le(s), comm: comm(s) });
    });
    expect(got).toEqual(procs.slice(0, 5).map((p) => ({ pid: p.tgid, comm: p.comm })));
    expect(reader.read()).toBeUndefined();

    // The rest arrive through the async iterator as they are produced.
    const stream = reader.samples();
    const next = stream.next();
    for (const p of procs.slice(5)) {
      rt.task.tgid = p.tgid;
      rt.task.comm = p.comm;
      prog.testRun();
    }
    const streamed = [u32le((await next).value!)];
    for (let i = 0; i < 4; i++) streamed.push(u32le((await stream.next()).value!));
    expect(streamed).toEqual(procs.slice(5).map((p) => p.tgid));
    reader.close();
    rt.close();
  });
});

describe("perf event output", () => {
  it("xdp_sample_pkts appends the packet to its samples in order", () => {
    const rt = new Runtime({ engine: "interp" });
    const c = rt.loadCollection(sample("linux/xdp_sample_pkts_kern.o"));
    const map = [...c.maps.values()].find((h) => h.info().type === 4)!;
    const reader = new PerfReader(map);
    const pkts = [60, 80, 100].map((n) =>
      frame({
        ipv4: { src: "10.0.0.1", dst: "10.0.0.2" },
        udp: { sport: n, dport: 9 },
        payload: n - 42,
      }),
    );
    for (const p of pkts) expect(c.program("xdp_sample_prog").testRun({ data: p }).retval).toBe(2);
    for (const p of pkts) {
      const rec = reader.read()!;
      expect(rec.lostSamples).toBe(0);
      const s = rec.sample!;
      // struct { u16 cookie; u16 pkt_len; } then the packet's first SAMPLE_SIZE (64) bytes.
      const dv = new DataView(s.buffer, s.byteOffset);
      expect(dv.getUint16(0, true)).toBe(0xdead);
      expect(dv.getUint16(2, true)).toBe(p.length);
      const n = Math.min(p.length, 64);
      expect(s.subarray(4, 4 + n)).toEqual(p.subarray(0, n));
      // The raw record is padded so that its u32 size field plus the data is 8-aligned.
      expect(s.length).toBe(((4 + n + 4 + 7) & ~7) - 4);
    }
    expect(reader.read()).toBeUndefined();
    reader.close();
    rt.close();
  });
});
