// Shared test plumbing: assemble uBPF-syntax text (or take Insns) and run it
// on the interpreter.
import { assembleUbpf, type Insn } from "../../src/isa/index.ts";
import { runProgram, type RunProgramOptions } from "../../src/interp/index.ts";

export const asm = (text: string): Insn[] => assembleUbpf(text);

/** r0 of a program given as uBPF assembly lines or Insns. */
export function r0(prog: string | Insn[], opts: RunProgramOptions = {}): bigint {
  return runProgram(typeof prog === "string" ? asm(prog) : prog, opts).r0;
}

/** Unsigned 64-bit view of a signed value, for readable expectations. */
export const u64 = (v: bigint): bigint => BigInt.asUintN(64, v);
