// End to end through the runtime: a program verified at load gets the
// rewrite passes (its ctx accesses then read the runtime-side structure, its
// array lookups are inline); the same program loaded unverified runs as
// written on the user-visible context. Both must give the same results on
// both engines.
import { describe, expect, it } from "vitest";
import { assemble } from "../../src/isa/index.ts";
import { frame, Runtime } from "../../src/runtime/index.ts";
import { MapType, ProgType } from "../../src/uapi/index.ts";
import { ENGINES } from "../e2e/support.ts";

const PKT = frame({ ipv4: { src: "10.1.2.3", dst: "10.0.0.2" }, udp: { sport: 1, dport: 2 } });

/** Sum of user-visible fields read in several widths; stores that read back. */
const SKB_PROG = `
  r6 = r1
  r0 = *(u32 *)(r6 +0)
  r2 = *(u16 *)(r6 +16)
  r0 += r2
  r2 = *(u8 *)(r6 +17)
  r2 <<= 8
  r0 += r2
  r2 = *(u16 *)(r6 +18)
  r0 += r2
  r2 = *(u32 *)(r6 +4)
  r2 <<= 16
  r0 += r2
  r2 = 0x5a5a
  *(u32 *)(r6 +8) = r2
  *(u32 *)(r6 +48) = 0x11
  *(u16 *)(r6 +52) = 0x22
  r2 = *(u32 *)(r6 +8)
  r0 += r2
  r2 = *(u8 *)(r6 +52)
  r0 += r2
  r2 = *(u32 *)(r6 +76)
  r3 = *(u32 *)(r6 +80)
  r3 -= r2
  r3 <<= 24
  r0 += r3
  exit`;

const XDP_PROG = `
  r2 = *(u32 *)(r1 +0)
  r3 = *(u32 *)(r1 +4)
  r4 = *(u32 *)(r1 +8)
  r0 = r3
  r0 -= r2
  r2 -= r4
  r0 += r2
  r2 = *(u32 *)(r1 +12)
  r2 <<= 16
  r0 += r2
  r2 = *(u32 *)(r1 +16)
  r0 += r2
  exit`;

describe.each(ENGINES)("rewritten and as-written programs agree on %s", (engine) => {
  it("skb: field loads (narrow too), stores to mark and cb[], packet length", () => {
    const rt = new Runtime({ engine });
    const insns = assemble(SKB_PROG);
    const conv = rt.loadProgram({ insns, type: ProgType.SCHED_CLS, verify: true });
    const plain = rt.loadProgram({ insns, type: ProgType.SCHED_CLS });
    expect(conv.ctxConverted).toBe(true);
    expect(plain.ctxConverted).toBe(false);
    const a = conv.testRun({ data: PKT });
    const b = plain.testRun({ data: PKT });
    expect(a.r0).toBe(b.r0);
    expect(a.ctx).toEqual(b.ctx);
    // Independent check: len + protocol (0x0008 as stored: its u8 at +17 and u16 at +18
    // are 0) + pkt_type (PACKET_OTHERHOST, 3: the frame is not for lo's MAC) + mark +
    // the cb byte + the packet length from data_end - data.
    const len = BigInt(PKT.length);
    expect(b.r0).toBe(len + 8n + (3n << 16n) + 0x5a5an + 0x22n + (len << 24n));
    // mark (offset 8) and cb[0..1] come back in the ctx.
    const dv = new DataView(a.ctx!.buffer);
    expect(dv.getUint32(8, true)).toBe(0x5a5a);
    expect(dv.getUint32(48, true)).toBe(0x11);
    expect(dv.getUint16(52, true)).toBe(0x22);
    rt.close();
  });

  it("xdp: packet pointers, metadata, ingress device and queue", () => {
    const rt = new Runtime({ engine });
    const insns = assemble(XDP_PROG);
    const conv = rt.loadProgram({ insns, type: ProgType.XDP, verify: true });
    const plain = rt.loadProgram({ insns, type: ProgType.XDP });
    expect(conv.ctxConverted).toBe(true);
    const meta = new Uint8Array(8);
    const data = new Uint8Array([...meta, ...PKT]);
    const ctx = new Uint8Array(24);
    const dv = new DataView(ctx.buffer);
    dv.setUint32(0, 8, true); // data: metadata length
    dv.setUint32(4, data.length, true);
    dv.setUint32(12, 5, true); // ingress_ifindex (a queue other than 0 only exists off lo)
    dv.setUint32(16, 3, true);
    const a = conv.testRun({ data, ctx });
    const b = plain.testRun({ data, ctx });
    expect(a.r0).toBe(b.r0);
    expect(b.r0).toBe(BigInt(PKT.length) + 8n + (5n << 16n) + 3n);
    rt.close();
  });

  it("array lookups inline: same values, and the call is gone", () => {
    const rt = new Runtime({ engine });
    const h = rt.createMap({ type: MapType.ARRAY, keySize: 4, valueSize: 12, maxEntries: 4 });
    h.update(2, Uint8Array.of(7, 0, 0, 0, 9, 0, 0, 0, 0, 0, 0, 0));
    const src = (key: number) => `
      r2 = r10
      r2 += -4
      r1 = ${key}
      *(u32 *)(r10 -4) = r1
      r1 = map[id:${h.id}]
      call bpf_map_lookup_elem
      if r0 == 0 goto miss
      r1 = *(u32 *)(r0 +4)
      r0 = *(u32 *)(r0 +0)
      r0 += r1
      exit
    miss:
      r0 = 99
      exit`;
    for (const key of [2, 3, 4]) {
      const insns = assemble(src(key));
      const conv = rt.loadProgram({ insns, type: ProgType.XDP, verify: true });
      const plain = rt.loadProgram({ insns, type: ProgType.XDP });
      expect(conv.exec.insns.some((x) => x.code === 0x85 && x.imm === 1)).toBe(false);
      const a = conv.testRun({ data: PKT });
      expect(a.r0).toBe(plain.testRun({ data: PKT }).r0);
      expect(a.r0).toBe(key === 2 ? 16n : key === 3 ? 0n : 99n);
      conv.close();
      plain.close();
    }
    rt.close();
  });

  it("a prog_array takes converted or unconverted programs, not both", () => {
    const rt = new Runtime({ engine });
    const pa = rt.createMap({ type: MapType.PROG_ARRAY, keySize: 4, valueSize: 4, maxEntries: 2 });
    const insns = assemble("r0 = *(u32 *)(r1 +0)\nexit");
    const conv = rt.loadProgram({ insns, type: ProgType.SCHED_CLS, verify: true });
    const plain = rt.loadProgram({ insns, type: ProgType.SCHED_CLS });
    pa.setProgram(0, conv);
    expect(() => pa.setProgram(1, plain)).toThrow(/EINVAL/);
    rt.close();
  });
});
