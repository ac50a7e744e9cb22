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
  /**
   * Run a function of the running program (a callback such as bpf_loop's
   * `callback_fn`) given its address as the program computed it (an `lddw`
   * with src BPF_PSEUDO_FUNC, see `funcAddress`), with r1..r5 = args, in a
   * fresh stack frame; returns its r0. Optional: engines that provide it
   * count the frame against MAX_CALL_FRAMES and the run's budget.
   */
  callFunc?(funcAddr: bigint, ...args: bigint[]): bigint;
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
  /**
   * Direct tail calls (src/fixup/tail-calls.ts): a `call bpf_tail_call` with
   * off = i + 1 jumps through `tailCallPokes[i]` instead of looking the
   * prog_array up. Count and fall-through rules are the map-lookup form's.
   */
  readonly tailCallPokes?: readonly TailCallPoke[];
}

/**
 * The target slot of a direct tail call site: the program in the prog_array
 * slot the verifier proved constant, kept current by the map (the kernel's
 * poke descriptor). Engines that cache the target (the JIT's table slot)
 * watch it for changes.
 */
export interface TailCallPoke {
  /** The program the site jumps to; undefined falls through (still counted). */
  readonly target: ExecProgram | undefined;
  /** Call `fn` after every change of `target`; returns the function that stops it. */
  watch(fn: () => void): () => void;
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
  /**
   * max_entries of the prog_array at `mapAddr` (optional). As in the kernel, a
   * tail call with index >= max_entries falls through without counting
   * against MAX_TAIL_CALL_CNT, while one that reaches an empty slot counts.
   * Without this hook every failed attempt is taken as an empty slot.
   */
  tailCallMaxEntries?(mapAddr: number): number | undefined;
  /**
   * Packet bytes for the legacy `ld_abs`/`ld_ind` loads: given the ctx (r6),
   * the packet's address and length in runtime memory. Absent or undefined →
   * those instructions fault.
   */
  packetData?(ctxAddr: number): { addr: number; len: number } | undefined;
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

/*
 * Register values after a call, identical in every engine so differential
 * tests can compare them: after a helper, kfunc, BPF-to-BPF call or callx,
 * r0 holds the result, r6..r9 and r10 are the caller's, and r1..r5 also keep
 * the caller's values (as in the kernel's interpreter; the verifier forbids
 * reading them anyway). `ld_abs`/`ld_ind` likewise leave r1..r5 unchanged.
 * A failed bpf_tail_call (falls through) leaves r0 unchanged, as the kernel's
 * interpreter does (the helper is RET_VOID).
 */

/**
 * Address of a function of a program (what `lddw rX, func` with src
 * BPF_PSEUDO_FUNC loads, and what `callx` accepts): the high 32 bits are
 * FUNC_ADDR_TAG, the low 32 bits the function's first instruction index in
 * that program. Runtime memory pointers are below 2^32, so the two never mix.
 * `callx` with a value below 2^32 calls the helper of that id instead (the
 * conformance suite's meaning of `call %rN`).
 */
export const FUNC_ADDR_TAG = 0xbfc0de00;

export const funcAddress = (pc: number): bigint => (BigInt(FUNC_ADDR_TAG) << 32n) | BigInt(pc);

/**
 * may_goto budget, as the kernel's rewrite of it: every function invocation
 * (each frame, and each program entered by a tail call) starts a counter at
 * BPF_MAX_LOOPS; a may_goto falls through and decrements it while it is
 * non-zero, and jumps once it reaches zero.
 */
export const BPF_MAX_LOOPS = 8 * 1024 * 1024;
