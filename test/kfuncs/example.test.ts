// examples/kfunc-module: a module of inlinable kfuncs whose bodies come from a
// clang-built object (flowstats.bpf.o) and an XDP program calling them
// (counter.bpf.o). Inlined or called, on either engine, the program counts
// the same; every call site's body is simplified for its constant mode; the
// host implementations equal the bodies on runtime inputs.
import { readFileSync } from "node:fs";
import { afterAll, describe, expect, it } from "vitest";
import { Runtime } from "../../src/runtime/index.ts";
import { u64Args } from "../../src/runtime/progtypes/index.ts";
import { CollectionSpec } from "../../src/spec/index.ts";
import { ProgType } from "../../src/uapi/index.ts";
import { flowstatsModule } from "../../examples/kfunc-module/flowstats.ts";
import { expectAllAgree, outcomes } from "./support.ts";

const dir = new URL("../../examples/kfunc-module/", import.meta.url);
const counter = CollectionSpec.fromBuffer(readFileSync(new URL("counter.bpf.o", dir)));
const bodies = CollectionSpec.fromBuffer(readFileSync(new URL("flowstats.bpf.o", dir)));

const rt = new Runtime();
rt.kfuncs.register(flowstatsModule());
afterAll(() => rt.close());

function ethFrame(ethertype: number, len: number): Uint8Array {
  const f = new Uint8Array(len);
  f[12] = ethertype >> 8;
  f[13] = ethertype & 0xff;
  return f;
}
const FRAMES = [
  ethFrame(0x0800, 60),
  ethFrame(0x86dd, 114),
  ethFrame(0x0806, 42),
  ethFrame(0x0800, 1014),
];

describe("examples/kfunc-module", () => {
  it("loads the bodies from the object", () => {
    const fs = bodies.programs.find((p) => p.name === "fs_update")!;
    expect(rt.kfuncs.body("fs_update")).toEqual(fs.insns);
    // fs_be16's call to bpf_dynptr_slice was resolved to its kfunc id.
    const call = rt.kfuncs.body("fs_be16")!.find((x) => x.code === 0x85)!;
    expect(call.src).toBe(2);
    expect(call.imm).toBe(rt.kfuncs.id("bpf_dynptr_slice"));
  });

  it("counts the same inlined and called, on both engines", () => {
    const seen: string[] = [];
    for (const inline of [true, false])
      for (const engine of ["interp", "jit"] as const) {
        const c = rt.loadCollection(counter, { verify: true, inlineKfuncs: inline, engine });
        for (const f of FRAMES) expect(c.program("count").testRun({ data: f }).retval).toBe(2);
        const v = c.map("stats").lookup(new Uint8Array(4))!;
        seen.push(Buffer.from(v).toString("hex"));
        c.close();
      }
    expect(new Set(seen).size).toBe(1);
    const dv = new DataView(Uint8Array.from(Buffer.from(seen[0]!, "hex")).buffer);
    const u64 = (i: number): bigint => dv.getBigUint64(i * 8, true);
    // packets, bytes, max, min, ipv4, ipv6, other
    expect([0, 1, 2, 3, 4, 5, 6].map(u64)).toEqual([4n, 1230n, 1014n, 42n, 2n, 1n, 1n]);
  });

  it("inlines every flowstats call, each simplified for its mode", () => {
    const c = rt.loadCollection(counter, { verify: true });
    const insns = c.program("count").exec.insns;
    const kfuncCalls = insns.filter((x) => x.code === 0x85 && x.src === 2).map((x) => x.imm);
    // Left: bpf_dynptr_from_xdp (no body) and the slice inside fs_be16's body.
    expect(kfuncCalls.sort()).toEqual(
      [rt.kfuncs.id("bpf_dynptr_from_xdp")!, rt.kfuncs.id("bpf_dynptr_slice")!].sort(),
    );
    // fs_update's body tests its mode with `if r3 == 2`, `if r3 == 1`, `if r3 != 0`:
    // every call passes a constant mode, so none of those tests is left.
    const modeTests = insns.filter((x) => (x.code === 0x15 || x.code === 0x55) && x.dst === 3);
    expect(modeTests).toEqual([]);
    c.close();
  });

  it("host implementations equal the bodies on runtime inputs", () => {
    const asm = `
      r6 = r1
      r1 = *(u64 *)(r6 + 0)
      *(u64 *)(r10 - 8) = r1
      r1 = r10
      r1 += -8
      r2 = *(u64 *)(r6 + 8)
      r3 = *(u64 *)(r6 + 16)
      call fs_update
      r7 = *(u64 *)(r10 - 8)
      r7 ^= r0
      r1 = *(u64 *)(r6 + 0)
      r2 = *(u64 *)(r6 + 8)
      r3 = *(u64 *)(r6 + 24)
      call fs_ewma
      r0 ^= r7
      exit`;
    const inputs = [];
    for (const slot of [0n, 5n, 100n, 0xffff_ffff_ffff_fff0n])
      for (const value of [0n, 3n, 100n, 0x1_0000_0007n])
        for (const mode of [0n, 1n, 2n, 3n, 0x1_0000_0001n])
          inputs.push({ ctx: u64Args(slot, value, mode, mode & 7n) });
    expectAllAgree(outcomes(rt, asm, ProgType.KPROBE, inputs));
  });
});
