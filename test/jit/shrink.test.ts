// The differential test's reproducer minimisation: shrinking keeps a failure
// while removing everything it does not need, and the result still renders to
// a program that terminates on both engines.
import { describe, expect, it } from "vitest";
import * as op from "../../src/isa/opcodes.ts";
import type { Insn } from "../../src/isa/index.ts";
import { interpreter } from "../../src/interp/index.ts";
import {
  randomProgram,
  renderProgram,
  shrinkProgram,
  type RandomProgram,
} from "../support/random-programs.ts";
import { Rig } from "./differential.ts";

// A stand-in for an engine bug: "fails" whenever the program has a 64-bit
// multiply by a register and a JMP32 jset.
const isMul64X = (x: Insn): boolean => x.code === (op.BPF_ALU64 | op.BPF_MUL | op.BPF_X);
const isJset32 = (x: Insn): boolean => (x.code & 0xf7) === (op.BPF_JMP32 | op.BPF_JSET);
const trigger = (p: RandomProgram): boolean => {
  const insns = renderProgram(p);
  return insns.some(isMul64X) && insns.some(isJset32);
};

describe("shrinking random programs", () => {
  it("reduces a failing program to the statements that matter", () => {
    let seed = 1;
    let prog = randomProgram(seed, { size: 20 });
    while (!trigger(prog)) prog = randomProgram(++seed, { size: 20 });
    const before = renderProgram(prog).length;
    const small = shrinkProgram(prog, trigger);
    const insns = renderProgram(small);
    expect(trigger(small)).toBe(true);
    expect(insns.length).toBeLessThan(before);
    // Only the fixed scaffolding (prologue, fold, exit) plus the two trigger
    // instructions and what encloses the jset remain.
    expect(small.subs.length).toBe(0);
    expect(insns.length).toBeLessThanOrEqual(renderProgram({ ...small, main: [] }).length + 4);
    // The reproducer is still a valid program.
    expect(new Rig(interpreter).run(insns, false).error).toBeUndefined();
  });
});
