// BPF_PROG_TEST_RUN for XDP: the frame after 256 bytes of headroom in a page,
// xdp_md in/out (metadata in front of the packet), the limits of
// adjust_head/meta/tail, redirects, and input checks.
import { describe, expect, it } from "vitest";
import { frame, Runtime, TestRunError } from "../../src/runtime/index.ts";
import { MapType, ProgType } from "../../src/uapi/index.ts";
import { asmProgram, ENGINES, rdU32, u32 } from "./support.ts";

const PKT = frame({
  ipv4: { src: "10.0.0.1", dst: "10.0.0.2" },
  udp: { sport: 1, dport: 2 },
  payload: 18,
});
const s = (r: { r0: bigint }): number => Number(BigInt.asIntN(64, r.r0));
const ctxOut = (ctx: Uint8Array) => ({
  data: rdU32(ctx, 0),
  dataEnd: rdU32(ctx, 4),
  ifindex: rdU32(ctx, 12),
  queue: rdU32(ctx, 16),
});

describe.each(ENGINES)("xdp test runs on %s", (engine) => {
  const xdp = (rt: Runtime, text: string) => asmProgram(rt, text, ProgType.XDP);

  it("gives the frame with headroom, and xdp_md back relative to data_meta", () => {
    const rt = new Runtime({ engine });
    // Headroom seen by the program: data - data_meta is 0, data_end - data the length.
    const r = xdp(rt, "r2 = *(u32 *)(r1 +0)\nr0 = *(u32 *)(r1 +4)\nr0 -= r2\nexit").testRun({
      data: PKT,
    });
    expect(r.retval).toBe(PKT.length);
    expect(r.data).toEqual(PKT);
    expect(ctxOut(r.ctx!)).toEqual({ data: 0, dataEnd: PKT.length, ifindex: 1, queue: 0 });
    rt.close();
  });

  it("adjust_head moves data within [xdp_frame end + meta, data_end - ETH_HLEN]", () => {
    const rt = new Runtime({ engine });
    const head = (d: number) =>
      xdp(rt, `r2 = ${d}\ncall bpf_xdp_adjust_head\nexit`).testRun({ data: PKT });
    const pulled = head(14);
    expect(s(pulled)).toBe(0);
    expect(pulled.data).toEqual(PKT.subarray(14));
    const pushed = head(-20);
    expect(pushed.data!.length).toBe(PKT.length + 20);
    expect(pushed.data!.subarray(20)).toEqual(PKT);
    expect(s(head(-216))).toBe(0); // down to the end of struct xdp_frame (256 - 40)
    expect(s(head(-217))).toBe(-22);
    expect(s(head(PKT.length - 14))).toBe(0);
    expect(s(head(PKT.length - 13))).toBe(-22);
    rt.close();
  });

  it("adjust_tail grows with zeros up to the shared-info reserve and never below 14 bytes", () => {
    const rt = new Runtime({ engine });
    const tail = (d: number) =>
      xdp(rt, `r2 = ${d}\ncall bpf_xdp_adjust_tail\nexit`).testRun({ data: PKT });
    const grown = tail(10);
    expect(grown.data!.length).toBe(PKT.length + 10);
    expect(grown.data!.subarray(PKT.length)).toEqual(new Uint8Array(10));
    expect(tail(-(PKT.length - 14)).data).toEqual(PKT.subarray(0, 14));
    expect(s(tail(-(PKT.length - 13)))).toBe(-22);
    const room = 4096 - 256 - 320 - PKT.length;
    expect(s(tail(room))).toBe(0);
    expect(s(tail(room + 1))).toBe(-22);
    rt.close();
  });

  it("adjust_meta reserves metadata in 4-byte steps up to 32 bytes, returned in front of the data", () => {
    const rt = new Runtime({ engine });
    const meta = (d: number) =>
      xdp(
        rt,
        `r6 = r1
        r2 = ${d}
        call bpf_xdp_adjust_meta
        if r0 != 0x0 goto +5
        r2 = *(u32 *)(r6 +8)
        r3 = *(u32 *)(r6 +0)
        if r2 >= r3 goto +1
        *(u32 *)(r2 +0) = 0x11223344
        r0 = 0
        exit`,
      ).testRun({ data: PKT });
    const ok = meta(-8);
    expect(s(ok)).toBe(0);
    expect(ok.data!.length).toBe(PKT.length + 8);
    expect(rdU32(ok.data!, 0)).toBe(0x11223344);
    expect(ok.data!.subarray(8)).toEqual(PKT);
    expect(ctxOut(ok.ctx!)).toMatchObject({ data: 8, dataEnd: PKT.length + 8 });
    expect(s(meta(-6))).toBe(-13); // EACCES: not a multiple of 4
    expect(s(meta(-36))).toBe(-13); // more than 32 bytes
    expect(s(meta(4))).toBe(-22); // past data
    rt.close();
  });

  it("takes metadata and the receive queue from the input ctx", () => {
    const rt = new Runtime({ engine });
    const input = new Uint8Array(4 + PKT.length);
    input.set(u32(0xcafe), 0);
    input.set(PKT, 4);
    const ctx = new Uint8Array(24);
    ctx.set(u32(4), 0);
    ctx.set(u32(input.length), 4);
    ctx.set(u32(3), 12);
    const p = xdp(rt, "r2 = *(u32 *)(r1 +8)\nr0 = *(u32 *)(r2 +0)\nexit");
    const r = p.testRun({ data: input, ctx });
    expect(r.retval).toBe(0xcafe);
    expect(r.data).toEqual(input);
    expect(ctxOut(r.ctx!)).toEqual({ data: 4, dataEnd: input.length, ifindex: 3, queue: 0 });
    const bad = ctx.slice();
    bad.set(u32(2), 0); // metadata must be a multiple of 4
    expect(() => p.testRun({ data: input, ctx: bad })).toThrow(TestRunError);
    const egress = ctx.slice();
    egress.set(u32(1), 20);
    expect(() => p.testRun({ data: input, ctx: egress })).toThrow(/egress_ifindex/);
    expect(() => p.testRun({ data: new Uint8Array(10) })).toThrow(/14\.\.3520/);
    expect(() => p.testRun({ data: new Uint8Array(3521) })).toThrow(TestRunError);
    rt.close();
  });

  it("records redirects: by ifindex, and through a devmap whose lookup finds the key", () => {
    const rt = new Runtime({ engine });
    const r = xdp(rt, "r1 = 5\nr2 = 0\ncall bpf_redirect\nexit").testRun({ data: PKT });
    expect(r.retval).toBe(4); // XDP_REDIRECT
    expect(r.redirect).toEqual({ kind: "ifindex", ifindex: 5, flags: 0 });
    expect(xdp(rt, "r1 = 5\nr2 = 1\ncall bpf_redirect\nexit").testRun({ data: PKT }).retval).toBe(
      0,
    );
    const eth1 = rt.maps.devices.add({ name: "eth1", ifindex: 12 });
    const targets = rt.createMap({
      type: MapType.DEVMAP_HASH,
      keySize: 4,
      valueSize: 4,
      maxEntries: 8,
      name: "tx_port",
    });
    targets.update(7, u32(eth1.ifindex));
    const viaMap = (key: number) =>
      xdp(
        rt,
        `r1 = map_fd ${targets.id}\nr2 = ${key}\nr3 = 2\ncall bpf_redirect_map\nexit`,
      ).testRun({ data: PKT });
    const hit = viaMap(7);
    expect(hit.retval).toBe(4);
    expect(hit.redirect).toEqual({
      kind: "map",
      mapId: targets.id,
      mapName: "tx_port",
      mapType: MapType.DEVMAP_HASH,
      key: 7,
      flags: 2,
      toIfindex: 12,
    });
    const miss = viaMap(8);
    expect(miss.retval).toBe(2); // the fallback action in the flags: XDP_PASS
    expect(miss.redirect).toBeUndefined();
    rt.close();
  });
});
