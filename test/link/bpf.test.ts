// fentry/fexit on BPF programs: the main function and subprograms of a
// JIT-compiled XDP program, for a program with only its main function and
// one with several (Linux once crashed on exactly that difference).
import { describe, expect, it } from "vitest";
import { interpreter } from "../../src/interp/index.ts";
import { AttachTargetError, LinkError, type BpfTargetProgram } from "../../src/link/index.ts";
import { JitProgram } from "../../src/jit/index.ts";
import { deepChain, singleFunction, threeFunctions, xdpCtx } from "./bpf-target.ts";
import { FENTRY, FEXIT, setup, tags } from "./setup.ts";

const run = (t: BpfTargetProgram, ctx: number): bigint =>
  t.prepared.run({ args: [BigInt(ctx)] }).r0;

/** A fexit program counting verdicts: buf[ret] += 1 (ctx[1] is the return value of a 1-arg function). */
const verdictCounter = (s: ReturnType<typeof setup>, buf: number) =>
  s.prog(
    [
      "r2 = *(u64 *)(r1 + 8)",
      "r2 &= 7",
      "r2 <<= 3",
      `r3 = ${buf} ll`,
      "r3 += r2",
      "r4 = *(u64 *)(r3 + 0)",
      "r4 += 1",
      "*(u64 *)(r3 + 0) = r4",
      "r0 = 0",
      "exit",
    ].join(";"),
    FEXIT,
  );

describe("trampolines on a program with only a main function", () => {
  it("fentry sees the context pointer; fexit records every XDP verdict", () => {
    const s = setup();
    const t = singleFunction(s);
    const args = s.buffer();
    const verdicts = s.buffer();
    s.tramps.attachBpf(s.copier(args.addr, 1, FENTRY), t);
    s.tramps.attachBpf(verdictCounter(s, verdicts.addr), t);
    const ctxs = [1, 2, 3, 5, 8].map((i) => xdpCtx(s, i));
    const rets = ctxs.map((c) => run(t, c));
    expect(rets).toEqual([1n, 2n, 1n, 1n, 2n]);
    expect(args.u64(0)).toBe(BigInt(ctxs[4]!));
    expect(args.u64(31)).toBe(5n);
    expect([verdicts.u64(1), verdicts.u64(2)]).toEqual([3n, 2n]);
  });

  it("finds the main function through func_info by name and by BTF id (one trampoline)", () => {
    // Linux once crashed here: a BTF id lookup on a program with no subprograms.
    const s = setup();
    const t = singleFunction(s);
    const log = s.buffer();
    const byName = s.tramps.attachBpf(s.tagger(log.addr, 1, FENTRY), t, { name: "xdp_verdict" });
    const byId = s.tramps.attachBpf(s.tagger(log.addr, 2, FEXIT), t, {
      btfId: t.btf!.find("xdp_verdict")!,
    });
    const implicit = s.tramps.attachBpf(s.tagger(log.addr, 3, FEXIT), t);
    expect(byName.trampoline).toBe(byId.trampoline);
    expect(implicit.trampoline).toBe(byId.trampoline);
    expect(run(t, xdpCtx(s, 7))).toBe(1n);
    expect(tags(log)).toEqual([1, 2, 3]);
  });

  it("restores the original slot on detach and the program runs as before", () => {
    const s = setup();
    const t = singleFunction(s);
    const jp = t.prepared as JitProgram;
    const before = jp.slotFunction(jp.mainSlot);
    const buf = s.buffer();
    const l1 = s.tramps.attachBpf(s.copier(buf.addr, 2, FEXIT), t);
    expect(jp.slotFunction(jp.mainSlot)).not.toBe(before);
    expect(run(t, xdpCtx(s, 3))).toBe(1n);
    expect(buf.u64(1)).toBe(1n);
    expect(s.tramps.pool.levels).toBe(0); // ran on the target's stack, no pool frame
    l1.detach();
    expect(jp.slotFunction(jp.mainSlot)).toBe(before);
    expect(run(t, xdpCtx(s, 4))).toBe(2n);
    expect(buf.u64(31)).toBe(1n);
  });

  it("runs interpreter-prepared and unverified tracing programs too", () => {
    const s = setup();
    const t = singleFunction(s);
    const log = s.buffer();
    s.tramps.attachBpf(s.tagger(log.addr, 1, FENTRY, { engine: interpreter }), t);
    s.tramps.attachBpf(s.tagger(log.addr, 2, FENTRY, { verified: false }), t);
    s.tramps.attachBpf(s.tagger(log.addr, 3, FEXIT), t);
    expect(run(t, xdpCtx(s, 6))).toBe(2n);
    expect(tags(log)).toEqual([1, 2, 3]);
  });
});

describe("trampolines on a program with subprograms", () => {
  it("traces the main function and each subprogram, by name and by BTF id", () => {
    const s = setup();
    const t = threeFunctions(s);
    const main = s.buffer();
    const add = s.buffer();
    const twice = s.buffer();
    s.tramps.attachBpf(s.copier(main.addr, 2, FEXIT), t);
    s.tramps.attachBpf(s.copier(add.addr, 3, FEXIT), t, { name: "add" });
    const twiceId = t.btf!.find("twice")!;
    s.tramps.attachBpf(s.copier(twice.addr, 2, FEXIT), t, { btfId: twiceId });
    const ctx = xdpCtx(s, 5);
    // twice(add(5, 7)) & 3 = 24 & 3 = 0
    expect(run(t, ctx)).toBe(0n);
    expect([main.u64(0), main.u64(1)]).toEqual([BigInt(ctx), 0n]);
    expect([add.u64(0), add.u64(1), add.u64(2)]).toEqual([5n, 7n, 12n]);
    expect([twice.u64(0), twice.u64(1)]).toEqual([12n, 24n]);
  });

  it("normalises arguments to their BTF types (int is sign-extended from 32 bits)", () => {
    const s = setup();
    const t = threeFunctions(s);
    const add = s.buffer();
    s.tramps.attachBpf(s.copier(add.addr, 3, FENTRY), t, { name: "add" });
    // ifindex 0xfffffffe: add(a = (int)-2, b = 7)
    run(t, xdpCtx(s, 0xfffffffe));
    expect([add.s64(0), add.u64(1)]).toEqual([-2n, 7n]);
  });

  it("falls back to five u64 scalars when the prototype is unreliable", () => {
    const s = setup();
    const t0 = threeFunctions(s);
    const t: BpfTargetProgram = { ...t0, unreliable: new Set([8]) };
    const add = s.buffer();
    s.tramps.attachBpf(s.copier(add.addr, 6, FEXIT), t, { name: "add" });
    run(t, xdpCtx(s, 0xfffffffe));
    // r1 is the full register (the u32 load zero-extended), r2 = 7, r3..r5 whatever the caller had, ret at index 5.
    expect([add.u64(0), add.u64(1), add.u64(5)]).toEqual([0xfffffffen, 7n, 0xfffffffen + 7n]);
  });

  it("shares one trampoline per function and keeps each one's programs separate", () => {
    const s = setup();
    const t = threeFunctions(s);
    const log = s.buffer(1024);
    const links = [
      s.tramps.attachBpf(s.tagger(log.addr, 1, FENTRY), t, { name: "add" }),
      s.tramps.attachBpf(s.tagger(log.addr, 2, FENTRY), t),
      s.tramps.attachBpf(s.tagger(log.addr, 3, FEXIT), t, { name: "twice" }),
      s.tramps.attachBpf(s.tagger(log.addr, 4, FEXIT), t, { name: "add" }),
      s.tramps.attachBpf(s.tagger(log.addr, 5, FEXIT), t),
    ];
    run(t, xdpCtx(s, 1));
    expect(tags(log)).toEqual([2, 1, 4, 3, 5]);
    links[3]!.detach();
    links[1]!.detach();
    log.clear();
    expect(run(t, xdpCtx(s, 1))).toBe(0n);
    expect(tags(log)).toEqual([1, 3, 5]);
    for (const l of links) l.detach();
    log.clear();
    expect(run(t, xdpCtx(s, 1))).toBe(0n);
    expect(tags(log)).toEqual([]);
  });

  it("runs the programs on a pool frame when the target leaves no stack below it", () => {
    const s = setup();
    const t = deepChain(s);
    const buf = s.buffer();
    // f7 runs in the 8th and last frame: no room below for the fentry program.
    s.tramps.attachBpf(s.copier(buf.addr, 1, FENTRY), t, { name: "f7" });
    s.tramps.attachBpf(s.copier(buf.addr + 64, 2, FEXIT), t, { name: "f6" });
    expect(run(t, 0)).toBe(107n);
    expect(buf.u64(0)).toBe(7n);
    expect([buf.u64(8), buf.u64(9)]).toEqual([6n, 107n]);
    expect(s.tramps.pool.depth).toBe(0);
    // f7's programs went to the pool; f6's ran below it directly.
    expect(s.tramps.pool.levels).toBe(1);
  });

  it("counts runs with stats on", () => {
    const s = setup();
    const t = threeFunctions(s);
    const log = s.buffer();
    const p = s.tagger(log.addr, 1, FENTRY);
    s.tramps.attachBpf(p, t, { name: "twice" });
    const off = s.tramps.enableStats();
    for (let i = 0; i < 3; i++) run(t, xdpCtx(s, i));
    off();
    run(t, xdpCtx(s, 9));
    expect(s.tramps.statsOf(p).runCount).toBe(3);
    expect(tags(log)).toEqual([1, 1, 1, 1]);
  });
});

describe("attach errors", () => {
  const reason = (f: () => unknown): [string, string] => {
    try {
      f();
    } catch (e) {
      if (e instanceof AttachTargetError) return [e.errno, e.reason];
      throw e;
    }
    throw new Error("did not throw");
  };

  it("names the kernel's reasons", () => {
    const s = setup();
    const t = threeFunctions(s);
    const p = s.copier(s.buffer().addr, 1, FENTRY);
    expect(reason(() => s.tramps.attachBpf(p, t, { name: "nope" }))).toEqual([
      "EINVAL",
      "Subprog nope doesn't exist",
    ]);
    const structId = t.btf!.find("xdp_md")!;
    expect(reason(() => s.tramps.attachBpf(p, t, { btfId: structId }))).toEqual([
      "EINVAL",
      `attach_btf_id ${structId} is not a function`,
    ]);
    expect(reason(() => s.tramps.attachBpf(p, { ...t, isTracing: true }))).toEqual([
      "EINVAL",
      "Cannot recursively attach",
    ]);
    const interp = singleFunction(s, interpreter);
    expect(reason(() => s.tramps.attachBpf(p, interp))[0]).toBe("EOPNOTSUPP");
    expect(reason(() => s.tramps.attachHost(p, { name: "missing" }))).toEqual([
      "ENOENT",
      "The address of function missing cannot be found",
    ]);
    const wrongType = { ...p, attachType: 0 };
    expect(() => s.tramps.attachBpf(wrongType, t)).toThrow(LinkError);
  });
});
