import { describe, expect, it } from "vitest";
import { BPF_F_INNER_MAP, MapType, ProgType } from "../../src/uapi/index.ts";
import type { MapInfo } from "../../src/verifier/index.ts";
import { fixup, xlated } from "./support.ts";

const XDP = { type: ProgType.XDP, fix: { convertCtx: true } };
const TC = { type: ProgType.SCHED_CLS, fix: { convertCtx: true } };

describe("ctx access conversion", () => {
  it("XDP: data pointers become u64 loads from tsbpf_xdp_buff, ifindex/queue go through rxq", () => {
    const src = `
      r2 = *(u32 *)(r1 +0)
      r3 = *(u32 *)(r1 +4)
      r4 = *(u32 *)(r1 +8)
      r5 = *(u32 *)(r1 +12)
      r0 = *(u32 *)(r1 +16)
      exit`;
    expect(xlated(src, XDP)).toEqual([
      "(79) r2 = *(u64 *)(r1 +0)",
      "(79) r3 = *(u64 *)(r1 +8)",
      "(79) r4 = *(u64 *)(r1 +16)",
      "(79) r5 = *(u64 *)(r1 +32)",
      "(61) r5 = *(u32 *)(r5 +0)",
      "(79) r0 = *(u64 *)(r1 +32)",
      "(61) r0 = *(u32 *)(r0 +4)",
      "(95) exit",
    ]);
  });

  it("unconverted (convertCtx off) the user-visible offsets stay", () => {
    const src = `
      r0 = *(u32 *)(r1 +4)
      exit`;
    expect(xlated(src, { type: ProgType.XDP })).toEqual(["(61) r0 = *(u32 *)(r1 +4)", "(95) exit"]);
  });

  it("skb: values move and change width; narrow loads shift and mask; bytes beyond a narrower field are zero", () => {
    const src = `
      r2 = *(u32 *)(r1 +0)
      r3 = *(u32 *)(r1 +16)
      r4 = *(u8 *)(r1 +17)
      r5 = *(u16 *)(r1 +18)
      r6 = *(u16 *)(r1 +2)
      r7 = *(u32 *)(r1 +4)
      r0 = *(u32 *)(r1 +76)
      exit`;
    expect(xlated(src, TC)).toEqual([
      "(61) r2 = *(u32 *)(r1 +48)",
      "(69) r3 = *(u16 *)(r1 +100)",
      "(69) r4 = *(u16 *)(r1 +100)",
      "(74) w4 >>= 8",
      "(54) w4 &= 255",
      "(b4) w5 = 0",
      "(61) r6 = *(u32 *)(r1 +48)",
      "(74) w6 >>= 16",
      "(54) w6 &= 65535",
      "(71) r7 = *(u8 *)(r1 +106)",
      "(79) r0 = *(u64 *)(r1 +0)",
      "(95) exit",
    ]);
  });

  it("skb: stores to writable fields and cb[] (register and immediate)", () => {
    const src = `
      r2 = 7
      *(u32 *)(r1 +8) = r2
      *(u32 *)(r1 +32) = 3
      *(u32 *)(r1 +52) = r2
      *(u16 *)(r1 +50) = 9
      r0 = *(u8 *)(r1 +53)
      exit`;
    expect(xlated(src, TC)).toEqual([
      "(b7) r2 = 7",
      "(63) *(u32 *)(r1 +52) = r2",
      "(62) *(u32 *)(r1 +56) = 3",
      "(63) *(u32 *)(r1 +116) = r2",
      "(6a) *(u16 *)(r1 +114) = 9",
      "(71) r0 = *(u8 *)(r1 +117)",
      "(95) exit",
    ]);
  });

  it("kinds without a runtime-side structure are left alone", () => {
    const src = `
      r0 = *(u64 *)(r1 +8)
      exit`;
    expect(xlated(src, { type: ProgType.KPROBE, fix: { convertCtx: true } })).toEqual([
      "(79) r0 = *(u64 *)(r1 +8)",
      "(95) exit",
    ]);
  });
});

const array = (over: Partial<MapInfo> = {}): MapInfo => ({
  type: MapType.ARRAY,
  keySize: 4,
  valueSize: 12,
  maxEntries: 5,
  flags: 0,
  ...over,
});

const LOOKUP = `
  r2 = r10
  r2 += -4
  r1 = 0
  *(u32 *)(r10 -4) = r1
  r1 = map[id:1]
  call bpf_map_lookup_elem
  if r0 == 0 goto l1
  r0 = *(u32 *)(r0 +0)
l1:
  exit`;

describe("bpf_map_lookup_elem inlining", () => {
  it("array maps: the kernel's array_map_gen_lookup with the values address from the header", () => {
    // 20-byte values are 24 apart. The key is a constant in range, so the
    // verifier knows the result is not NULL and the NULL check goes as dead code.
    const maps = new Map([[1, array({ valueSize: 20 })]]);
    expect(xlated(LOOKUP, { maps, fix: { arrayValuesOffset: 24 } })).toEqual([
      "(bf) r2 = r10",
      "(07) r2 += -4",
      "(b7) r1 = 0",
      "(63) *(u32 *)(r10 -4) = r1",
      "(18) r1 = map[id:1]",
      "(61) r1 = *(u32 *)(r1 +24)",
      "(61) r0 = *(u32 *)(r2 +0)",
      "(35) if r0 >= 0x5 goto pc+3",
      "(27) r0 *= 24",
      "(0f) r0 += r1",
      "(05) goto pc+1",
      "(b7) r0 = 0",
      "(61) r0 = *(u32 *)(r0 +0)",
      "(95) exit",
    ]);
  });

  it("power-of-two elements shift; unprivileged programs mask the index", () => {
    const maps = new Map([[1, array({ valueSize: 8, maxEntries: 5 })]]);
    const lines = xlated(LOOKUP, { maps, unprivileged: true, fix: { arrayValuesOffset: 24 } });
    expect(lines.slice(5, 12)).toEqual([
      "(61) r1 = *(u32 *)(r1 +24)",
      "(61) r0 = *(u32 *)(r2 +0)",
      "(35) if r0 >= 0x5 goto pc+4",
      "(54) w0 &= 7",
      "(67) r0 <<= 3",
      "(0f) r0 += r1",
      "(05) goto pc+1",
    ]);
  });

  it("hash maps, BPF_F_INNER_MAP arrays and runs without a header offset keep the call", () => {
    for (const [info, off] of [
      [array({ type: MapType.HASH }), 24],
      [array({ flags: BPF_F_INNER_MAP }), 24],
      [array(), undefined],
    ] as const) {
      const lines = xlated(LOOKUP, { maps: new Map([[1, info]]), fix: { arrayValuesOffset: off } });
      expect(lines).toContain("(85) call bpf_map_lookup_elem#1");
    }
  });

  it("a call site that saw two different maps is not inlined", () => {
    const src = `
      r6 = r1
      r2 = r10
      r2 += -4
      r1 = 0
      *(u32 *)(r10 -4) = r1
      r1 = map[id:1]
      r3 = *(u32 *)(r6 +0)
      if r3 == 0 goto l1
      r1 = map[id:2]
    l1:
      call bpf_map_lookup_elem
      r0 = 0
      exit`;
    const maps = new Map([
      [1, array()],
      [2, array()],
    ]);
    const { result } = fixup(src, { maps, fix: { arrayValuesOffset: 24 } });
    expect(result.stats.lookupsInlined).toBe(0);
  });
});

describe("zero extension", () => {
  const src = `
    r1 = *(u32 *)(r1 +0)
    w1 += 1
    r0 = r1
    w2 = 3
    exit`;

  it("is not inserted by default (our engines zero-extend every 32-bit write)", () => {
    expect(xlated(src).filter((l) => l.includes("w1 = w1"))).toEqual([]);
  });

  it("zext: true inserts w = w after 32-bit definitions read as 64 bits", () => {
    const { result } = fixup(src, { fix: { zext: true } });
    expect(result.stats.zextInserted).toBe(1);
    expect(xlated(src, { fix: { zext: true } })).toEqual([
      "(61) r1 = *(u32 *)(r1 +0)",
      "(04) w1 += 1",
      "(bc) w1 = w1",
      "(bf) r0 = r1",
      "(b4) w2 = 3",
      "(95) exit",
    ]);
  });

  it("cmpxchg always gets one", () => {
    const cx = `
      r1 = 0
      *(u64 *)(r10 -8) = r1
      r2 = 1
      w0 = 0
      w0 = atomic_cmpxchg((u32 *)(r10 -8), w0, w2)
      r0 += 1
      exit`;
    const lines = xlated(cx);
    const at = lines.findIndex((l) => l.includes("cmpxchg"));
    expect(at).toBeGreaterThan(0);
    expect(lines[at + 1]).toBe("(bc) w0 = w0");
  });
});
