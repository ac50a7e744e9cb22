// The execution contract shared by the reference interpreter and the JIT: what
// a program needs from its environment (memory, helpers, tail-call targets) and
// how it is run. Both engines implement exactly this, so the runtime can switch
// engines and the differential tests can compare them.
import type { Insn } from "../isa/index.ts";
import type { VmMemory } from "../memory/index.ts";

/**
 * A helper or kfunc implementation. Arguments are r1..r5 as unsigned 64-bit
 * BigInts; the result becomes r0 (taken modulo 2^64). A helper may throw
 * `ProgramExit` to end the program immediately with a given r0 (uBPF's
 * "unwind" helper, bpf_tail_call's fall-through is NOT this), or an ExecError
 * to fault.
 */
export type HelperFn = (
  r1: bigint,
  r2: bigint,
  r3: bigint,
  r4: bigint,
  r5: bigint,
  call: HelperCallInfo,
) => bigint;

/** What a helper learns about the call site. */
export interface HelperCallInfo {
  /** BPF pc of the call instruction in the running program. */
  pc: number;
  /** The program being run (the tail-call target once a chain has moved on). */
  program: ExecProgram;
}

/** Thrown by a helper to end the program now with r0 = value. */
export class ProgramExit {
  constructor(readonly r0: bigint) {}
}

/** A program ready to run: resolved instructions (no pseudo map fds left in lddw). */
export interface ExecProgram {
  readonly insns: readonly Insn[];
  readonly name?: string;
  /**
   * Verified programs run without per-access checks (the verifier proved them
   * safe). Unverified programs have every load/store checked against live
   * runtime memory and run under an instruction budget.
   */
  readonly verified?: boolean;
}

export interface ExecEnv {
  readonly mem: VmMemory;
  /** Helper by id (BPF_CALL with src=0); undefined → the call faults. */
  helper(id: number): HelperFn | undefined;
  /** kfunc by BTF id (BPF_CALL with src=2); undefined → the call faults. */
  kfunc?(btfId: number): HelperFn | undefined;
  /**
   * bpf_tail_call (helper 12): the program in slot `index` of the prog_array
   * whose map pointer is `mapAddr`, or undefined (the call then falls through,
   * as in the kernel). The engine enforces MAX_TAIL_CALL_CNT (33).
   */
  tailCallTarget?(mapAddr: number, index: number): ExecProgram | undefined;
}

export interface RunOptions {
  /** Initial r1..r5 (missing ones are 0). */
  args?: readonly bigint[];
  /** Instruction budget for unverified programs (default 10,000,000). */
  budget?: number;
}

export interface RunResult {
  r0: bigint;
  /** Instructions executed (interpreter only; undefined when not counted). */
  insnCount?: number;
}

/** A program prepared (decoded / compiled) by an engine for one environment. */
export interface PreparedProgram {
  run(opts?: RunOptions): RunResult;
}

/**
 * An execution engine: the interpreter or the JIT. `prepare` does the one-time
 * work (the JIT compiles here); engines cache per (program, env) so tail-call
 * targets are prepared once.
 */
export interface Engine {
  readonly name: "interp" | "jit";
  prepare(program: ExecProgram, env: ExecEnv): PreparedProgram;
}

export const DEFAULT_BUDGET = 10_000_000;
