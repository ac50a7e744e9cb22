// Callback slots (indirect calls) and the trampoline's fallback code.
import { describe, expect, it } from "vitest";
import type { TracingProgram } from "../../src/link/index.ts";
import { FENTRY, FEXIT, setup, tags } from "./setup.ts";

describe("callback slots", () => {
  it("replaces a callback table entry with a trampoline and puts it back on detach", () => {
    const s = setup();
    const original = (acked: number, cwnd: number) => cwnd + acked;
    const ops = { name: "reno", congAvoid: original };
    s.kernel.slot(ops, "congAvoid", "u32 cong_avoid(u32 acked, u32 cwnd)", { name: "cong_avoid" });
    const buf = s.buffer();
    const link = s.tramps.attachHost(s.copier(buf.addr, 3, FEXIT), { name: "cong_avoid" });
    expect(ops.congAvoid).not.toBe(original);
    // Code calls through the table, as the kernel calls ops->cong_avoid().
    expect(ops.congAvoid(3, 10)).toBe(13);
    expect([buf.u64(0), buf.u64(1), buf.u64(2)]).toEqual([3n, 10n, 13n]);
    link.detach();
    expect(ops.congAvoid).toBe(original);
  });

  it("can run the programs without the original, or over an empty slot", () => {
    const s = setup();
    let called = 0;
    const ops: { check?: (x: number) => number } = { check: () => ++called };
    const empty: { hook?: (x: number) => void } = {};
    s.kernel.slot(ops, "check", "int check(int x)", { callOriginal: false });
    s.kernel.slot(empty, "hook", "void hook(int x)");
    const log = s.buffer();
    s.tramps.attachHost(s.tagger(log.addr, 1, FENTRY), { name: "check" });
    s.tramps.attachHost(s.tagger(log.addr, 2, FENTRY), { name: "hook" });
    expect(ops.check!(5)).toBe(0);
    expect(called).toBe(0);
    expect(empty.hook!(1)).toBeUndefined();
    expect(tags(log)).toEqual([1, 2]);
  });
});

describe("fallback", () => {
  it("keeps the function working when regeneration fails during a detach", () => {
    const s = setup();
    const f = s.kernel.define("fb", "int fb(int x)", (x: number) => x + 1);
    const log = s.buffer();
    const a = s.tagger(log.addr, 1, FENTRY);
    // A program whose stats record cannot be read once armed: regeneration throws.
    let armed = false;
    const stats = { runCount: 0, runTimeNs: 0 };
    const b: TracingProgram = {
      ...s.tagger(log.addr, 2, FEXIT),
      get stats() {
        if (armed) throw new Error("boom");
        return stats;
      },
    };
    const c = s.tagger(log.addr, 3, FEXIT);
    s.tramps.attachHost(b, { name: "fb" });
    const la = s.tramps.attachHost(a, { name: "fb" });
    s.tramps.attachHost(c, { name: "fb" });
    armed = true;
    // Detaching `a` regenerates for [b, c]: reading b's stats throws, the generic code takes over.
    la.detach();
    const t = s.tramps.links(c)[0]!.trampoline;
    expect(t.usingFallback).toBe(true);
    armed = false;
    expect(f(1)).toBe(2);
    expect(tags(log)).toEqual([2, 3]);
    expect(s.tramps.pool.depth).toBe(0);
  });

  it("leaves the trampoline as it was when attaching fails", () => {
    const s = setup();
    const f = s.kernel.define("fa", "int fa(int x)", (x: number) => x * 3);
    const log = s.buffer();
    s.tramps.attachHost(s.tagger(log.addr, 1, FENTRY), { name: "fa" });
    const broken: TracingProgram = {
      ...s.tagger(log.addr, 2, FENTRY),
      get stats(): never {
        throw new Error("cannot generate");
      },
    };
    expect(() => s.tramps.attachHost(broken, { name: "fa" })).toThrow("cannot generate");
    expect(f(2)).toBe(6);
    expect(tags(log)).toEqual([1]);
  });
});
