// Control flow: structured code from arbitrary jumps. Reducible graphs go
// through the stackifier; irreducible ones get a dispatch node first; code
// shared by two functions (unverified programs may jump anywhere) is compiled
// into each; very deep nesting and very large programs compile.
import { describe, expect, it } from "vitest";
import { build, type Insn } from "../../src/isa/index.ts";
import { compileProgram } from "../../src/jit/index.ts";
import { largeProgram, renderProgram } from "../support/random-programs.ts";
import { Rig, difference } from "./differential.ts";
import { asm, both, jitR0, runJit } from "./run.ts";
import { interpreter } from "../../src/interp/index.ts";
import { jit } from "../../src/jit/index.ts";

// A loop entered at its top (r1 != 0) or in its middle (r1 == 0): irreducible.
const twoEntryLoop =
  "mov %r0, 0; mov %r2, 5; jeq %r1, 0, b; a:; add %r0, 1; b:; add %r0, 10; sub %r2, 1; jne %r2, 0, a; exit";

describe("irreducible control flow", () => {
  it("a loop with two entries runs from either entry", () => {
    expect(jitR0(twoEntryLoop, { args: [1n] })).toBe(55n);
    expect(jitR0(twoEntryLoop, { args: [0n] })).toBe(54n);
    expect(compileProgram(asm(twoEntryLoop)).irreducible).toEqual([0]);
  });
  it("nested irreducible loops, and the function entry inside an irreducible loop", () => {
    // Outer loop entered at o1 or o2, with an inner two-entry loop in its body.
    const prog =
      "mov %r0, 0; mov %r3, 3; jeq %r1, 0, o2;" +
      "o1:; add %r0, 1; mov %r2, 4; jeq %r1, 1, i2;" +
      "i1:; add %r0, 100; i2:; add %r0, 1000; sub %r2, 1; jne %r2, 0, i1;" +
      "o2:; add %r0, 10000; sub %r3, 1; jne %r3, 0, o1; exit";
    for (const a of [0n, 1n, 2n]) {
      const [i, j] = both(prog, { args: [a] });
      expect(j).toEqual(i);
    }
    // A backward jump to pc 0 that skips part of the entry block: pc 0 is in a two-entry cycle.
    const entryLoop: Insn[] = [
      build.alu64Imm(0x00, 0, 1), // 0: r0 += 1
      build.alu64Imm(0x00, 0, 2), // 1: r0 += 2
      build.jmpImm(0x20, 0, 50, 1), // 2: if r0 > 50 goto 4
      build.ja(-4), // 3: goto 0
      build.exit(), // 4
    ];
    expect(jitR0(entryLoop)).toBe(51n);
  });
  it("random irreducible programs agree with the interpreter (also covered by the differential test)", () => {
    const prog =
      "mov %r0, 1; mov %r4, 6; jgt %r1, 3, c; a:; mul %r0, 3; jset %r0, 4, c; b:; add %r0, 7; c:; xor %r0, 5;" +
      "sub %r4, 1; jeq %r4, 0, out; jslt %r0, 40, a; ja b; out:; exit";
    for (const a of [0n, 5n]) {
      const [i, j] = both(prog, { args: [a] });
      expect(j).toEqual(i);
    }
  });
});

describe("unverified jumps", () => {
  it("a subprogram may jump into code after main's exit; each function gets its own copy", () => {
    // f jumps back into the block at `shared`, which main can also reach.
    const prog =
      "mov %r1, 0; call local f; add %r0, 100; jeq %r0, 0, shared; exit;" +
      "shared:; mov %r0, 7; exit;" +
      "f:; mov %r0, 1; ja shared";
    expect(jitR0(prog)).toBe(107n);
    const [i, j] = both(prog);
    expect(j).toEqual(i);
  });
  it("falling off the end faults with the interpreter's message", () => {
    expect(() => jitR0([build.mov64Imm(0, 1), build.mov64Imm(0, 2)])).toThrow(
      "execution ran past the last instruction (pc 2)",
    );
  });
});

describe("size and depth", () => {
  it("10,000 merge points under one block nest 10,000 deep and compile (no host stack overflow)", () => {
    // A switch with fall-through: every case label is a merge point dominated by the first test.
    const n = 10_000;
    // Test k sits at pc 1 + k and jumps to label k at pc n + 2 + k: offset n.
    const tests = Array.from({ length: n }, (_, k) => build.jmpImm(0x10, 1, k, n));
    const prog: Insn[] = [
      build.mov64Imm(0, 0),
      ...tests,
      build.exit(),
      ...Array.from({ length: n }, () => build.alu64Imm(0x00, 0, 1)),
      build.exit(),
    ];
    // r1 = k jumps to label k and falls through the n - k increments that follow.
    const r = runJit(prog, { args: [BigInt(n - 3)] });
    expect(r.r0).toBe(3n);
    expect(runJit(prog, { args: [BigInt(n + 5)] }).r0).toBe(0n);
  });
  // Verified at full size (V8's baseline compiler is the slow part of a first
  // run: unverified code with its checks is 2.3x larger), unverified at 20,000.
  it.each([
    [100_000, true],
    [20_000, false],
  ])(
    "a %i-instruction program (verified: %s) compiles and runs like the interpreter",
    (n, verified) => {
      const insns = renderProgram(largeProgram(n));
      expect(insns.length).toBeGreaterThanOrEqual(n);
      const a = new Rig(interpreter).run(insns, verified);
      const b = new Rig(jit).run(insns, verified);
      expect(a.error).toBeUndefined();
      expect(a.r0).toBeDefined();
      expect(difference(a, b)).toBeUndefined();
    },
  );
});
