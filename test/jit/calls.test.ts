// Calls in JIT-ed code: helpers and kfuncs across the BigInt boundary,
// BPF-to-BPF calls through table slots (callee-saved registers, frames, the
// 8-frame limit), callx, callbacks from helpers, tail calls (the 33 limit,
// fall-through, frame reuse, a flat host stack), may_goto and ld_abs/ld_ind.
import { describe, expect, it } from "vitest";
import { ExecError } from "../../src/errors.ts";
import {
  BPF_ADD,
  BPF_CALL,
  BPF_JMP,
  BPF_PSEUDO_FUNC,
  BPF_X,
  build,
  insn,
} from "../../src/isa/index.ts";
import {
  BPF_MAX_LOOPS,
  funcAddress,
  makeEnv,
  ProgramExit,
  type ExecProgram,
  type HelperFn,
} from "../../src/interp/index.ts";
import { createJit, jit, JitProgram } from "../../src/jit/index.ts";
import { VmMemory } from "../../src/memory/index.ts";
import { asm, both, jitR0, runJit, thrown } from "./run.ts";

describe("helper calls", () => {
  it("passes r1..r5 as unsigned BigInts and takes r0 modulo 2^64", () => {
    const seen: bigint[] = [];
    const h: HelperFn = (a, b, c, d, e) => {
      seen.push(a, b, c, d, e);
      return -1n;
    };
    const prog =
      "mov %r1, -1; mov %r2, 2; mov %r3, 3; mov %r4, 4; lddw %r5, 0x100000000; call 9; exit";
    expect(jitR0(prog, { helpers: { 9: h } })).toBe((1n << 64n) - 1n);
    expect(seen).toEqual([(1n << 64n) - 1n, 2n, 3n, 4n, 0x100000000n]);
  });
  it("keeps r1..r9 with the caller's values", () => {
    const prog =
      "mov %r1, 1; mov %r2, 2; mov %r3, 3; mov %r4, 4; mov %r5, 5; mov %r6, 6; mov %r9, 9; call 1;" +
      "add %r0, %r1; add %r0, %r2; add %r0, %r3; add %r0, %r4; add %r0, %r5; add %r0, %r6; add %r0, %r9; exit";
    expect(jitR0(prog, { helpers: { 1: () => 100n } })).toBe(130n);
  });
  it("tells the helper its pc and program", () => {
    let pc = -1;
    let name: string | undefined;
    const h: HelperFn = (_a, _b, _c, _d, _e, info) => {
      pc = info.pc;
      name = info.program.name;
      return 0n;
    };
    const env = makeEnv(new VmMemory(), { 3: h });
    jit.prepare({ insns: asm("mov %r0, 0; mov %r0, 0; call 3; exit"), name: "p" }, env).run();
    expect([pc, name]).toEqual([2, "p"]);
  });
  it("an unknown helper faults at its call, as in the interpreter", () => {
    const e = thrown(() => jitR0("mov %r0, 0; call 42; exit"));
    expect(e).toBeInstanceOf(ExecError);
    expect((e as ExecError).message).toBe("unknown helper 42 (pc 1)");
  });
  it("ProgramExit from a helper ends the run with its r0, even from a subprogram", () => {
    const h: HelperFn = () => {
      throw new ProgramExit(0x55n);
    };
    expect(jitR0("call 1; mov %r0, 1; exit", { helpers: { 1: h } })).toBe(0x55n);
    expect(jitR0("call local f; mov %r0, 1; exit; f:; call 1; exit", { helpers: { 1: h } })).toBe(
      0x55n,
    );
  });
  it("a helper's exception or non-BigInt result is a typed fault at the call", () => {
    const boom: HelperFn = () => {
      throw new RangeError("boom");
    };
    const e = thrown(() => jitR0("mov %r0, 0; call 1; exit", { helpers: { 1: boom } }));
    expect(e).toBeInstanceOf(ExecError);
    expect((e as ExecError).message).toBe("helper 1 failed: boom (pc 1)");
    const five = (() => 5) as unknown as HelperFn;
    expect(() => jitR0("call 1; exit", { helpers: { 1: five } })).toThrow(
      "helper 1 returned number, not a bigint (pc 0)",
    );
  });
  it("kfuncs by BTF id, and an unknown one faults", () => {
    const kfunc = (id: number): HelperFn | undefined => (id === 1234 ? (a) => a * 3n : undefined);
    expect(
      jitR0([build.mov64Imm(1, 5), build.callKfunc(1234), build.exit()], { env: { kfunc } }),
    ).toBe(15n);
    expect(() => jitR0([build.callKfunc(1), build.exit()], { env: { kfunc } })).toThrow(
      "unknown kfunc (BTF id 1) (pc 0)",
    );
  });
});

// f(n) calls f(n-1) until n = 0, so n + 1 frames are live at the bottom.
const recurse = (n: number): string =>
  `mov %r1, ${n}; call local f; exit; f:; mov %r0, 0; jeq %r1, 0, out; sub %r1, 1; call local f; add %r0, 1; out:; exit`;

describe("BPF-to-BPF calls", () => {
  it("r6..r9 are callee-saved, r1..r5 reach the callee and survive, r0 comes back", () => {
    const prog =
      "mov %r6, 6; mov %r7, 7; mov %r8, 8; mov %r9, 9; mov %r1, 10; mov %r2, 20; call local f;" +
      "add %r0, %r6; add %r0, %r7; add %r0, %r8; add %r0, %r9; add %r0, %r1; exit;" +
      "f:; mov %r0, %r1; add %r0, %r2; mov %r6, 0; mov %r7, 0; mov %r8, 0; mov %r9, 0; mov %r1, 0; exit";
    expect(jitR0(prog)).toBe(30n + 30n + 10n);
  });
  it("each frame has its own 512-byte stack directly below the caller's", () => {
    const prog =
      "stdw [%r10-8], 1; mov %r6, %r10; call local f; ldxdw %r0, [%r10-8]; jne %r6, %r10, bad; exit;" +
      "bad:; mov %r0, -1; exit;" +
      "f:; stdw [%r10-8], 2; mov %r1, %r10; add %r1, 512; ldxdw %r0, [%r1-8]; exit";
    expect(jitR0(prog)).toBe(1n);
  });
  it("allows 8 frames and faults on a ninth, naming the call's pc", () => {
    expect(jitR0(recurse(6))).toBe(6n);
    const e = thrown(() => jitR0(recurse(7)));
    expect(e).toBeInstanceOf(ExecError);
    expect((e as ExecError).message).toBe("call stack too deep: more than 8 frames (pc 6)");
    expect(both(recurse(7))[0]).toBe(both(recurse(7))[1]);
  });
  it("verified programs call through the same slots (no depth check needed)", () => {
    expect(jitR0(recurse(6), { verified: true })).toBe(6n);
  });
  it("direct calls (the measurement option) compute the same", () => {
    const env = makeEnv(new VmMemory());
    const direct = createJit({ directCalls: true });
    expect(direct.prepare({ insns: asm(recurse(5)) }, env).run().r0).toBe(5n);
  });
});

describe("function table slots (what trampolines swap)", () => {
  it("every function has a slot; calls go through it, so a swapped slot takes effect", () => {
    const env = makeEnv(new VmMemory());
    const prog = jit.prepare(
      { insns: asm("mov %r1, 20; call local f; add %r0, 1; exit; f:; mov %r0, %r1; exit") },
      env,
    ) as JitProgram;
    expect([...prog.funcSlots.keys()]).toEqual([0, 4]);
    expect(prog.funcSlots.get(0)).toBe(prog.mainSlot);
    expect(prog.run().r0).toBe(21n);
    // Another program's function with the same signature: r0 = r1 * 2.
    const other = jit.prepare({ insns: asm("mov %r0, %r1; lsh %r0, 1; exit") }, env) as JitProgram;
    const table = other.slotTable();
    const slot = prog.funcSlots.get(4)!;
    const original = table.get(slot);
    table.set(slot, table.get(other.mainSlot));
    expect(prog.run().r0).toBe(41n);
    table.set(slot, original);
    expect(prog.run().r0).toBe(21n);
  });
  it("runFunction runs any function of the program as a run of its own", () => {
    const env = makeEnv(new VmMemory());
    const p = jit.prepare(
      { insns: asm("call local f; exit; f:; mov %r0, %r1; add %r0, %r5; exit") },
      env,
    ) as JitProgram;
    expect(p.runFunction(2, { args: [40n, 0n, 0n, 0n, 2n] })).toEqual({ r0: 42n, insnCount: 3 });
    expect(() => p.runFunction(1)).toThrow("no function of this program starts at pc 1");
  });
  it("a raw slot function takes (r1..r5, fp) while a run is in progress", () => {
    const env = makeEnv(new VmMemory());
    const callee = jit.prepare(
      { insns: asm("mov %r0, %r1; add %r0, %r5; exit"), verified: true },
      env,
    ) as JitProgram;
    // Helper 1 calls the callee's slot directly, one frame below the caller's.
    const h: HelperFn = (a) => callee.slotFunction(callee.mainSlot)(a, 0n, 0n, 0n, 2n, 0x30000);
    const env2 = { ...env, helper: (id: number) => (id === 1 ? h : undefined) };
    expect(jit.prepare({ insns: asm("mov %r1, 40; call 1; exit") }, env2).run().r0).toBe(42n);
  });
});

describe("disposing a program", () => {
  it("empties its slots for reuse, forgets it, and refuses to run it", () => {
    const env = makeEnv(new VmMemory());
    const insns = { insns: asm("call local f; exit; f:; mov %r0, 3; exit") };
    const a = jit.prepare(insns, env) as JitProgram;
    const slots = [...a.funcSlots.values()];
    a.dispose();
    a.dispose();
    expect(slots.map((s) => a.slotTable().get(s))).toEqual([null, null]);
    expect(() => a.run()).toThrow("the program was disposed");
    // The next program of the same size gets the slots; the same ExecProgram compiles anew.
    const b = jit.prepare(
      { insns: asm("call local f; exit; f:; mov %r0, 4; exit") },
      env,
    ) as JitProgram;
    expect([...b.funcSlots.values()]).toEqual(slots);
    expect(b.run().r0).toBe(4n);
    const c = jit.prepare(insns, env) as JitProgram;
    expect(c).not.toBe(a);
    expect(c.run().r0).toBe(3n);
  });
});

describe("callx", () => {
  const body = (callx: ReturnType<typeof insn>) => [
    ...build.ld64Imm(2, 4n, BPF_PSEUDO_FUNC),
    build.mov64Imm(1, 41),
    callx,
    build.exit(),
    build.mov64Reg(0, 1),
    build.alu64Imm(BPF_ADD, 0, 1),
    build.exit(),
  ];
  it("calls a function by address, register in dst or in imm", () => {
    expect(jitR0(body(insn(BPF_JMP | BPF_CALL | BPF_X, 2)))).toBe(42n);
    expect(jitR0(body(insn(BPF_JMP | BPF_CALL | BPF_X, 0, 0, 0, 2)))).toBe(42n);
  });
  it("a value below 2^32 calls that helper; anything else faults", () => {
    const p = [build.mov64Imm(3, 7), insn(BPF_JMP | BPF_CALL | BPF_X, 3), build.exit()];
    expect(jitR0(p, { helpers: { 7: () => 77n } })).toBe(77n);
    const bad = [
      ...build.ld64Imm(3, 0x500000000n),
      insn(BPF_JMP | BPF_CALL | BPF_X, 3),
      build.exit(),
    ];
    expect(() => jitR0(bad)).toThrow(
      "callx target 0x500000000 is neither a function nor a helper id (pc 2)",
    );
    const notStart = [
      ...build.ld64Imm(3, funcAddress(1)),
      insn(BPF_JMP | BPF_CALL | BPF_X, 3),
      build.exit(),
    ];
    expect(both(notStart)[1]).toBe(both(notStart)[0]);
  });
});

describe("callbacks from helpers (bpf_loop style)", () => {
  it("callFunc runs a function of the program in a fresh frame", () => {
    const loop: HelperFn = (n, fn, _c, _d, _e, info) => {
      let sum = 0n;
      for (let i = 0n; i < n; i++) sum += info.callFunc!(fn, i);
      return sum;
    };
    const prog = [
      build.stMem(0x18, 10, -8, 1000),
      build.mov64Imm(1, 4),
      ...build.ld64Imm(2, 6n, BPF_PSEUDO_FUNC),
      build.mov64Imm(6, 1),
      build.callHelper(1),
      build.ldxMem(0x18, 1, 10, -8),
      build.alu64Reg(BPF_ADD, 0, 1),
      build.exit(),
      build.stxMem(0x18, 10, 1, -8),
      build.ldxMem(0x18, 0, 10, -8),
      build.alu64Imm(0x20, 0, 10),
      build.exit(),
    ];
    expect(jitR0(prog, { helpers: { 1: loop } })).toBe(1060n);
    const r = both(prog, { helpers: { 1: loop } }) as Array<{ r0: bigint; insnCount: number }>;
    expect(r[1]).toEqual(r[0]);
  });
  it("rejects an address that is not a function of the program", () => {
    const h: HelperFn = (_a, _b, _c, _d, _e, info) => info.callFunc!(funcAddress(1), 0n);
    expect(() => jitR0("call 1; exit", { helpers: { 1: h } })).toThrow(
      /not a function of this program/,
    );
  });
});

describe("tail calls", () => {
  const counterProg = (counter: number, index: number): ExecProgram => ({
    name: "self",
    insns: [
      ...build.ld64Imm(6, BigInt(counter)),
      build.ldxMem(0x18, 7, 6, 0),
      build.alu64Imm(BPF_ADD, 7, 1),
      build.stxMem(0x18, 6, 7, 0),
      build.mov64Imm(0, 77),
      ...build.ld64Imm(2, 0x1000n),
      build.mov64Imm(3, index),
      build.callHelper(12),
      build.exit(),
    ],
  });

  it("a program tail-calls itself exactly 33 times, then falls through with r0 unchanged; per run", () => {
    const mem = new VmMemory();
    const counter = mem.alloc(8);
    const self = counterProg(counter, 0);
    const env = makeEnv(
      mem,
      {},
      { tailCallTarget: (m, i) => (m === 0x1000 && i === 0 ? self : undefined) },
    );
    const p = jit.prepare(self, env);
    expect(p.run().r0).toBe(77n);
    expect(mem.dv.getUint32(counter, true)).toBe(34);
    p.run();
    expect(mem.dv.getUint32(counter, true)).toBe(68);
  });
  it("an empty slot counts, an index past max_entries does not", () => {
    const mem = new VmMemory();
    const counter = mem.alloc(8);
    let lookups = 0;
    const hooks = { tailCallTarget: () => (lookups++, undefined), tailCallMaxEntries: () => 4 };
    expect(jit.prepare(counterProg(counter, 5), makeEnv(mem, {}, hooks)).run().r0).toBe(77n);
    expect(lookups).toBe(0);
    expect(jit.prepare(counterProg(counter, 1), makeEnv(mem, {}, hooks)).run().r0).toBe(77n);
    expect(lookups).toBe(1);
  });
  it("the target reuses the frame (stack and r1) and its exit ends the run", () => {
    const target: ExecProgram = {
      insns: [build.ldxMem(0x18, 0, 10, -8), build.alu64Reg(BPF_ADD, 0, 1), build.exit()],
    };
    const first: ExecProgram = {
      insns: asm("stdw [%r10-8], 1000; mov %r3, 0; call 12; mov %r0, -1; exit"),
    };
    const env = makeEnv(new VmMemory(), {}, { tailCallTarget: () => target });
    expect(jit.prepare(first, env).run({ args: [5n] }).r0).toBe(1005n);
  });
  it("a tail call from a subprogram returns to that subprogram's caller", () => {
    const target: ExecProgram = { insns: [build.mov64Imm(0, 40), build.exit()] };
    const main: ExecProgram = {
      insns: asm(
        "mov %r6, 2; call local f; add %r0, %r6; exit; f:; mov %r3, 0; call 12; mov %r0, -1; exit",
      ),
    };
    const env = makeEnv(new VmMemory(), {}, { tailCallTarget: () => target });
    expect(jit.prepare(main, env).run().r0).toBe(42n);
  });
  it("a chain of 33 tail calls keeps the host stack flat (WebAssembly return_call)", () => {
    // Helper 1 (called by the last program of the chain) counts the wasm frames on the stack.
    let frames = -1;
    const probe: HelperFn = () => {
      const limit = Error.stackTraceLimit;
      Error.stackTraceLimit = Infinity;
      frames = (new Error().stack ?? "").split("\n").filter((l) => l.includes("wasm")).length;
      Error.stackTraceLimit = limit;
      return 0n;
    };
    const mem = new VmMemory();
    const counter = mem.alloc(8);
    // Tail-calls itself while *counter < 33, then calls the probe.
    const chain: ExecProgram = {
      insns: [
        ...build.ld64Imm(6, BigInt(counter)),
        build.ldxMem(0x18, 7, 6, 0),
        build.alu64Imm(BPF_ADD, 7, 1),
        build.stxMem(0x18, 6, 7, 0),
        build.jmpImm(0xa0, 7, 34, 2), // if r7 < 34 goto tail
        build.callHelper(1),
        build.exit(),
        build.mov64Imm(3, 0),
        build.callHelper(12),
        build.exit(),
      ],
    };
    const env = makeEnv(mem, { 1: probe }, { tailCallTarget: () => chain });
    jit.prepare(chain, env).run();
    expect(mem.dv.getUint32(counter, true)).toBe(34);
    // entry + the one live BPF frame (each tail call replaced its caller).
    expect(frames).toBeGreaterThan(0);
    expect(frames).toBeLessThanOrEqual(3);
  });
});

describe("may_goto and ld_abs / ld_ind", () => {
  it("may_goto falls through BPF_MAX_LOOPS times per frame, then jumps", () => {
    const prog = [
      build.mov64Imm(0, 0),
      insn(BPF_JMP | 0xe0, 0, 0, 2),
      build.alu64Imm(BPF_ADD, 0, 1),
      build.ja(-3),
      build.exit(),
    ];
    const r = runJit(prog, { budget: 4 * BPF_MAX_LOOPS });
    expect(r.r0).toBe(BigInt(BPF_MAX_LOOPS));
    expect(r.insnCount).toBe(1 + 3 * BPF_MAX_LOOPS + 2);
  });
  const pkt = [0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88];
  function run(text: string, withHook = true): bigint {
    const mem = new VmMemory();
    const data = mem.alloc(pkt.length);
    mem.write(data, Uint8Array.from(pkt));
    const ctx = mem.alloc(16);
    const packetData = (c: number) => (c === ctx ? { addr: data, len: pkt.length } : undefined);
    return jitR0(text, { mem, args: [BigInt(ctx)], env: withHook ? { packetData } : {} });
  }
  it("ld_abs / ld_ind load big-endian packet bytes; out of range ends with r0 = 0", () => {
    expect(run("mov %r6, %r1; ldabsb 1; exit")).toBe(0x22n);
    expect(run("mov %r6, %r1; ldabsh 2; exit")).toBe(0x3344n);
    expect(run("mov %r6, %r1; ldabsw 4; exit")).toBe(0x55667788n);
    expect(run("mov %r6, %r1; mov %r2, 3; ldindh %r2, 1; exit")).toBe(0x5566n);
    expect(run("mov %r6, %r1; ldabsw 5; mov %r0, 9; exit")).toBe(0n);
    expect(run("mov %r6, %r1; mov %r2, -1; ldindb %r2, 0; mov %r0, 9; exit")).toBe(0n);
    expect(() => run("mov %r6, %r1; ldabsb 0; exit", false)).toThrow(/no packet data/);
  });
});
