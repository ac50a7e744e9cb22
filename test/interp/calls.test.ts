// Calls: helpers (BigInt boundary, register values after the call, faults),
// BPF-to-BPF calls (callee-saved r6..r9, fresh frames, the 8-frame limit),
// callx in both encodings, kfuncs, callbacks from helpers, tail calls
// (MAX_TAIL_CALL_CNT, fall-through), may_goto, ld_abs / ld_ind.
import { describe, expect, it } from "vitest";
import { ExecError, InsnError } from "../../src/errors.ts";
import {
  build,
  BPF_ADD,
  BPF_CALL,
  BPF_JMP,
  BPF_PSEUDO_FUNC,
  BPF_X,
  insn,
  type Insn,
} from "../../src/isa/index.ts";
import {
  BPF_MAX_LOOPS,
  funcAddress,
  interpreter,
  makeEnv,
  ProgramExit,
  runProgram,
  type ExecProgram,
  type HelperFn,
} from "../../src/interp/index.ts";
import { VmMemory } from "../../src/memory/index.ts";
import { asm, r0 } from "./run.ts";

const lines = (s: string): string => s.split(";").join("\n");

describe("helper calls", () => {
  it("passes r1..r5 as unsigned BigInts and returns r0 modulo 2^64", () => {
    const seen: bigint[] = [];
    const h: HelperFn = (a, b, c, d, e) => {
      seen.push(a, b, c, d, e);
      return -1n;
    };
    const prog = lines(
      "mov %r1, -1; mov %r2, 2; mov %r3, 3; mov %r4, 4; lddw %r5, 0x100000000; call 9; exit",
    );
    expect(r0(prog, { helpers: { 9: h } })).toBe((1n << 64n) - 1n);
    expect(seen).toEqual([(1n << 64n) - 1n, 2n, 3n, 4n, 0x100000000n]);
  });
  it("leaves r1..r5 and r6..r9 with the caller's values", () => {
    const h: HelperFn = () => 100n;
    const prog = lines(
      "mov %r1, 1; mov %r2, 2; mov %r3, 3; mov %r4, 4; mov %r5, 5; mov %r6, 6; mov %r9, 9; call 1;" +
        "add %r0, %r1; add %r0, %r2; add %r0, %r3; add %r0, %r4; add %r0, %r5; add %r0, %r6; add %r0, %r9; exit",
    );
    expect(r0(prog, { helpers: { 1: h } })).toBe(100n + 15n + 15n);
  });
  it("tells the helper its call site", () => {
    let pc = -1;
    let name: string | undefined;
    const h: HelperFn = (_a, _b, _c, _d, _e, info) => {
      pc = info.pc;
      name = info.program.name;
      return 0n;
    };
    const mem = new VmMemory();
    const env = makeEnv(mem, { 3: h });
    interpreter.prepare({ insns: asm("mov %r0, 0\ncall 3\nexit"), name: "p" }, env).run();
    expect([pc, name]).toEqual([1, "p"]);
  });
  it("an unknown helper faults at the call", () => {
    expect(() => r0("mov %r0, 0\ncall 42\nexit")).toThrow(/unknown helper 42 \(pc 1\)/);
  });
  it("ProgramExit thrown by a helper ends the program with its r0", () => {
    const h: HelperFn = () => {
      throw new ProgramExit(0x55n);
    };
    expect(r0("call 1\nmov %r0, 1\nexit", { helpers: { 1: h } })).toBe(0x55n);
  });
  it("a helper's plain exception becomes an ExecError at the call", () => {
    const h: HelperFn = () => {
      throw new RangeError("boom");
    };
    const e = (() => {
      try {
        r0("mov %r0, 0\ncall 1\nexit", { helpers: { 1: h } });
      } catch (x) {
        return x;
      }
    })();
    expect(e).toBeInstanceOf(ExecError);
    expect((e as ExecError).pc).toBe(1);
    expect((e as ExecError).message).toMatch(/helper 1 failed: boom/);
  });
  it("a helper returning a non-bigint is a typed fault", () => {
    const h = (() => 5) as unknown as HelperFn;
    expect(() => r0("call 1\nexit", { helpers: { 1: h } })).toThrow(ExecError);
  });
});

describe("BPF-to-BPF calls", () => {
  it("r6..r9 are callee-saved, r1..r5 reach the callee, r0 comes back", () => {
    const prog = lines(
      "mov %r6, 6; mov %r7, 7; mov %r8, 8; mov %r9, 9; mov %r1, 10; mov %r2, 20; call local f;" +
        "add %r0, %r6; add %r0, %r7; add %r0, %r8; add %r0, %r9; exit;" +
        "f:; mov %r0, %r1; add %r0, %r2; mov %r6, 0; mov %r7, 0; mov %r8, 0; mov %r9, 0; exit",
    );
    expect(r0(prog)).toBe(30n + 30n);
  });
  it("the caller's r1..r5 survive the call", () => {
    const prog = lines(
      "mov %r1, 1; mov %r5, 5; call local f; add %r0, %r1; add %r0, %r5; exit; f:; mov %r1, 100; mov %r5, 100; mov %r0, 0; exit",
    );
    expect(r0(prog)).toBe(6n);
  });
  it("each frame has its own 512-byte stack and r10 comes back", () => {
    const prog = lines(
      "stdw [%r10-8], 1; mov %r6, %r10; call local f; ldxdw %r0, [%r10-8]; jne %r6, %r10, bad; exit;" +
        "bad:; mov %r0, -1; exit;" +
        "f:; stdw [%r10-8], 2; mov %r1, %r10; add %r1, 512; ldxdw %r0, [%r1-8]; exit",
    );
    // The callee writes its own slot and reads the caller's through a pointer 512 bytes up.
    expect(r0(prog)).toBe(1n);
  });
  // Recursion to a given depth: f(n) calls f(n-1) until n = 0.
  const recurse = (n: number): string =>
    lines(
      `mov %r1, ${n}; call local f; exit; f:; mov %r0, 0; jeq %r1, 0, out; sub %r1, 1; call local f; add %r0, 1; out:; exit`,
    );
  it("allows 8 frames (main + 7 nested)", () => {
    expect(r0(recurse(6))).toBe(6n);
  });
  it("faults on a ninth frame", () => {
    expect(() => r0(recurse(7))).toThrow(/call stack too deep: more than 8 frames/);
  });
});

describe("callx", () => {
  // r2 = address of f (lddw src=BPF_PSEUDO_FUNC: target = lddw pc + imm + 1, as in the kernel).
  const body = (callx: Insn): Insn[] => [
    ...build.ld64Imm(2, 4n, BPF_PSEUDO_FUNC), // pc 0-1: f is at 0 + 4 + 1 = 5
    build.mov64Imm(1, 41),
    callx,
    build.exit(),
    build.mov64Reg(0, 1), // f: r0 = r1 + 1
    build.alu64Imm(BPF_ADD, 0, 1),
    build.exit(),
  ];
  it("calls a function by address, register in dst (LLVM >= 19, GCC)", () => {
    expect(runProgram(body(insn(BPF_JMP | BPF_CALL | BPF_X, 2))).r0).toBe(42n);
  });
  it("calls a function by address, register in imm (LLVM < 19)", () => {
    expect(runProgram(body(insn(BPF_JMP | BPF_CALL | BPF_X, 0, 0, 0, 2))).r0).toBe(42n);
  });
  it("the function address is funcAddress(pc)", () => {
    const p = [...build.ld64Imm(0, 1n, BPF_PSEUDO_FUNC), build.exit(), build.exit()];
    expect(runProgram(p).r0).toBe(funcAddress(2));
  });
  it("a value below 2^32 calls the helper of that id (the conformance suite's meaning)", () => {
    const p = [build.mov64Imm(3, 7), insn(BPF_JMP | BPF_CALL | BPF_X, 3), build.exit()];
    expect(runProgram(p, { helpers: { 7: () => 77n } }).r0).toBe(77n);
  });
  it("anything else faults", () => {
    const p = [
      ...build.ld64Imm(3, 0x500000000n),
      insn(BPF_JMP | BPF_CALL | BPF_X, 3),
      build.exit(),
    ];
    expect(() => runProgram(p)).toThrow(/callx target 0x500000000/);
    const notStart = [
      ...build.ld64Imm(3, funcAddress(1)),
      insn(BPF_JMP | BPF_CALL | BPF_X, 3),
      build.exit(),
    ];
    expect(() => runProgram(notStart)).toThrow(ExecError);
  });
});

describe("kfuncs and callbacks", () => {
  it("calls kfuncs by BTF id through env.kfunc", () => {
    const prog = [build.mov64Imm(1, 5), build.callKfunc(1234), build.exit()];
    const kfunc = (id: number): HelperFn | undefined => (id === 1234 ? (a) => a * 3n : undefined);
    expect(runProgram(prog, { env: { kfunc } }).r0).toBe(15n);
    expect(() => runProgram([build.callKfunc(1), build.exit()], { env: { kfunc } })).toThrow(
      /unknown kfunc \(BTF id 1\)/,
    );
  });
  it("a helper can call back into the program (bpf_loop style), in a fresh frame", () => {
    // loop(n = r1, fn = r2): sum of fn(i) for i < n. fn(i) = i * 10, using its own stack slot.
    const loop: HelperFn = (n, fn, _c, _d, _e, info) => {
      let sum = 0n;
      for (let i = 0n; i < n; i++) sum += info.callFunc!(fn, i);
      return sum;
    };
    const prog = [
      build.stMem(0x18, 10, -8, 1000), // main's slot survives the callbacks
      build.mov64Imm(1, 4),
      ...build.ld64Imm(2, 6n, BPF_PSEUDO_FUNC), // pc 2-3: fn at 2 + 6 + 1 = 9
      build.mov64Imm(6, 1),
      build.callHelper(1),
      build.ldxMem(0x18, 1, 10, -8),
      build.alu64Reg(BPF_ADD, 0, 1),
      build.exit(),
      // fn (pc 9): r0 = r1 * 10 through the stack
      build.stxMem(0x18, 10, 1, -8),
      build.ldxMem(0x18, 0, 10, -8),
      build.alu64Imm(0x20, 0, 10),
      build.exit(),
    ];
    expect(runProgram(prog, { helpers: { 1: loop } }).r0).toBe(1000n + 60n);
  });
  it("callFunc rejects an address that is not a function of the program", () => {
    const h: HelperFn = (_a, _b, _c, _d, _e, info) => info.callFunc!(funcAddress(1), 0n);
    expect(() => r0("call 1\nexit", { helpers: { 1: h } })).toThrow(
      /not a function of this program/,
    );
  });
});

describe("tail calls", () => {
  const counterProg = (mem: VmMemory, counter: number, index: number): ExecProgram => ({
    name: "self",
    insns: [
      ...build.ld64Imm(6, BigInt(counter)),
      build.ldxMem(0x18, 7, 6, 0),
      build.alu64Imm(BPF_ADD, 7, 1),
      build.stxMem(0x18, 6, 7, 0),
      build.mov64Imm(0, 77), // r0 survives a failed tail call
      ...build.ld64Imm(2, 0x1000n), // the "map"
      build.mov64Imm(3, index),
      build.callHelper(12),
      build.exit(),
    ],
  });

  it("a program can tail-call itself exactly MAX_TAIL_CALL_CNT (33) times; then calls fall through", () => {
    const mem = new VmMemory();
    const counter = mem.alloc(8);
    const self = counterProg(mem, counter, 0);
    const env = makeEnv(
      mem,
      {},
      { tailCallTarget: (map, i) => (map === 0x1000 && i === 0 ? self : undefined) },
    );
    expect(interpreter.prepare(self, env).run().r0).toBe(77n);
    expect(mem.dv.getUint32(counter, true)).toBe(34);
  });
  it("the count restarts with every run", () => {
    const mem = new VmMemory();
    const counter = mem.alloc(8);
    const self = counterProg(mem, counter, 0);
    const env = makeEnv(mem, {}, { tailCallTarget: () => self });
    const p = interpreter.prepare(self, env);
    p.run();
    p.run();
    expect(mem.dv.getUint32(counter, true)).toBe(68);
  });
  it("an empty slot falls through with r0 unchanged and counts; an index past max_entries does not count", () => {
    const mem = new VmMemory();
    const counter = mem.alloc(8);
    let lookups = 0;
    // Slot 5 is empty, max_entries is 4: never counted, never looked up.
    const env5 = makeEnv(
      mem,
      {},
      {
        tailCallTarget: () => (lookups++, undefined),
        tailCallMaxEntries: () => 4,
      },
    );
    expect(interpreter.prepare(counterProg(mem, counter, 5), env5).run().r0).toBe(77n);
    expect(lookups).toBe(0);
    const env1 = makeEnv(
      mem,
      {},
      { tailCallTarget: () => (lookups++, undefined), tailCallMaxEntries: () => 4 },
    );
    expect(interpreter.prepare(counterProg(mem, counter, 1), env1).run().r0).toBe(77n);
    expect(lookups).toBe(1);
  });
  it("no tailCallTarget hook: every tail call falls through", () => {
    const mem = new VmMemory();
    const counter = mem.alloc(8);
    expect(interpreter.prepare(counterProg(mem, counter, 0), makeEnv(mem)).run().r0).toBe(77n);
  });
  it("the target reuses the frame (stack contents and r1 = ctx) and its exit ends the run", () => {
    const target: ExecProgram = {
      insns: [build.ldxMem(0x18, 0, 10, -8), build.alu64Reg(BPF_ADD, 0, 1), build.exit()],
    };
    const first: ExecProgram = {
      insns: asm(lines("stdw [%r10-8], 1000; mov %r3, 0; call 12; mov %r0, -1; exit")),
    };
    const mem = new VmMemory();
    const env = makeEnv(mem, {}, { tailCallTarget: () => target });
    expect(interpreter.prepare(first, env).run({ args: [5n] }).r0).toBe(1005n);
  });
  it("a tail call from a subprogram returns to that subprogram's caller", () => {
    const target: ExecProgram = { insns: [build.mov64Imm(0, 40), build.exit()] };
    const main: ExecProgram = {
      insns: asm(
        lines(
          "mov %r6, 2; call local f; add %r0, %r6; exit; f:; mov %r3, 0; call 12; mov %r0, -1; exit",
        ),
      ),
    };
    const env = makeEnv(new VmMemory(), {}, { tailCallTarget: () => target });
    expect(interpreter.prepare(main, env).run().r0).toBe(42n);
  });
});

describe("may_goto", () => {
  it("falls through BPF_MAX_LOOPS times per frame, then jumps", () => {
    // l: may_goto +2 (to out); r0 += 1; ja l; out: exit
    const prog: Insn[] = [
      build.mov64Imm(0, 0),
      insn(BPF_JMP | 0xe0, 0, 0, 2),
      build.alu64Imm(BPF_ADD, 0, 1),
      build.ja(-3),
      build.exit(),
    ];
    const r = runProgram(prog, { budget: 4 * BPF_MAX_LOOPS });
    expect(r.r0).toBe(BigInt(BPF_MAX_LOOPS));
  });
});

describe("ld_abs / ld_ind", () => {
  const pkt = [0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88];
  function run(text: string, withHook = true): bigint {
    const mem = new VmMemory();
    const data = mem.alloc(pkt.length);
    mem.write(data, Uint8Array.from(pkt));
    const ctx = mem.alloc(16);
    const packetData = (c: number) => (c === ctx ? { addr: data, len: pkt.length } : undefined);
    return runProgram(asm(lines(text)), {
      mem,
      args: [BigInt(ctx)],
      env: withHook ? { packetData } : {},
    }).r0;
  }
  it("loads big-endian bytes, halves and words from the ctx's packet", () => {
    expect(run("mov %r6, %r1; ldabsb 1; exit")).toBe(0x22n);
    expect(run("mov %r6, %r1; ldabsh 2; exit")).toBe(0x3344n);
    expect(run("mov %r6, %r1; ldabsw 4; exit")).toBe(0x55667788n);
  });
  it("ld_ind adds the source register", () => {
    expect(run("mov %r6, %r1; mov %r2, 3; ldindh %r2, 1; exit")).toBe(0x5566n);
  });
  it("an out-of-range load ends the program with r0 = 0", () => {
    expect(run("mov %r6, %r1; ldabsw 5; mov %r0, 9; exit")).toBe(0n);
    expect(run("mov %r6, %r1; mov %r2, -1; ldindb %r2, 0; mov %r0, 9; exit")).toBe(0n);
    expect(run("mov %r6, %r1; ldabsw 4; mov %r0, 9; exit")).toBe(9n);
  });
  it("without packet data it faults", () => {
    expect(() => run("mov %r6, %r1; ldabsb 0; exit", false)).toThrow(/no packet data/);
  });
});

describe("programs that cannot run", () => {
  it("falling off the end is an ExecError naming the pc past the end", () => {
    const e = (() => {
      try {
        runProgram([build.mov64Imm(0, 1), build.mov64Imm(0, 2)]);
      } catch (x) {
        return x;
      }
    })();
    expect(e).toBeInstanceOf(ExecError);
    expect((e as ExecError).message).toBe("execution ran past the last instruction (pc 2)");
  });
  it.each([
    ["unknown opcode", [insn(0xff), build.exit()], /unknown opcode 0xff at insn 0/],
    ["jump out of range", [build.ja(5), build.exit()], /jump out of range/],
    ["jump into an lddw", [build.ja(1), ...build.ld64Imm(0, 1n), build.exit()], /middle of lddw/],
    ["truncated lddw", [build.ld64Imm(0, 1n)[0]], /missing its second half/],
    [
      "unresolved map fd",
      [...build.ld64Imm(1, 3n, 1), build.exit()],
      /unresolved lddw pseudo source 1/,
    ],
    ["write to r10", [build.mov64Imm(10, 0), build.exit()], /frame pointer r10 is read only/],
    ["register r11", [build.mov64Reg(0, 11), build.exit()], /invalid source register r11/],
    ["empty", [], /empty program/],
  ])("%s is an InsnError at prepare", (_n, prog, msg) => {
    expect(() => runProgram(prog as Insn[])).toThrow(InsnError);
    expect(() => runProgram(prog as Insn[])).toThrow(msg);
  });
});
