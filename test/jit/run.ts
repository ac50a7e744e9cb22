// Test plumbing for the JIT: the JIT counterpart of the interpreter's
// runProgram(), and a runner that executes the same program on both engines.
import { assembleUbpf, type Insn } from "../../src/isa/index.ts";
import {
  interpreter,
  makeEnv,
  type Engine,
  type RunProgramOptions,
  type RunResult,
} from "../../src/interp/index.ts";
import { jit } from "../../src/jit/index.ts";
import { VmMemory } from "../../src/memory/index.ts";

export const asm = (text: string): Insn[] => assembleUbpf(text.split(";").join("\n"));

export function runOn(
  engine: Engine,
  prog: string | Insn[],
  opts: RunProgramOptions = {},
): RunResult {
  const insns = typeof prog === "string" ? asm(prog) : prog;
  const mem = opts.mem ?? new VmMemory();
  const env = makeEnv(mem, opts.helpers, opts.env);
  return engine.prepare({ insns, verified: opts.verified }, env).run(opts);
}

/** Run on the JIT. */
export const runJit = (prog: string | Insn[], opts: RunProgramOptions = {}): RunResult =>
  runOn(jit, prog, opts);

/** r0 on the JIT. */
export const jitR0 = (prog: string | Insn[], opts: RunProgramOptions = {}): bigint =>
  runJit(prog, opts).r0;

/** The error a run throws (or undefined). */
export function thrown(f: () => unknown): unknown {
  try {
    f();
  } catch (e) {
    return e;
  }
  return undefined;
}

/** Same program on both engines (fresh memories): the results, or the error messages. */
export function both(prog: string | Insn[], opts: Omit<RunProgramOptions, "mem"> = {}): unknown[] {
  return [interpreter, jit].map((e) => {
    try {
      return runOn(e, prog, opts);
    } catch (x) {
      return x instanceof Error ? `${x.name}: ${x.message}` : x;
    }
  });
}
