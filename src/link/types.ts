// What the link layer needs of the objects it connects, as plain interfaces:
// the runtime's Program implements them, and tests can build them straight
// from an engine's prepared program.
import type { Btf } from "../btf/btf.ts";
import type { PreparedProgram } from "../interp/env.ts";
import type { ProgStats } from "./stats.ts";

/** A tracing program (fentry/fexit) as the trampoline calls it. */
export interface TracingProgram {
  readonly name: string;
  /** BPF_TRACE_FENTRY (24) or BPF_TRACE_FEXIT (25). */
  readonly attachType: number;
  /** The program as an engine prepared it (the JIT's programs are called directly). */
  readonly prepared: PreparedProgram;
  /** Where run statistics go; the link layer keeps one per program when absent. */
  readonly stats?: ProgStats;
}

/** One func_info record, in the prepared program's instruction indexes. */
export interface FuncInfoEntry {
  insnOff: number;
  /** BTF id of the FUNC. */
  typeId: number;
}

/** A BPF program that tracing programs may attach to (its main function or a subprogram). */
export interface BpfTargetProgram {
  readonly name: string;
  /** BPF_PROG_TYPE_* (tells which struct is its context). */
  readonly progType: number;
  /** Must be compiled by the JIT: attaching swaps a function table slot. */
  readonly prepared: PreparedProgram;
  /** The program's BTF and func_info; without them only `funcPc` targets work, conservatively. */
  readonly btf?: Btf;
  readonly funcInfo?: readonly FuncInfoEntry[];
  /**
   * Entry pcs of functions whose BTF prototype disagrees with what the
   * verifier saw; tracing programs see their arguments as u64 scalars.
   */
  readonly unreliable?: ReadonlySet<number>;
  /** Tracing programs themselves cannot be targets (no recursion of trampolines). */
  readonly isTracing?: boolean;
  /**
   * Its ctx accesses were converted to the runtime-side structure, so the
   * memory behind its context pointer is not the UAPI struct its BTF names:
   * tracing programs see that pointer as a plain value.
   */
  readonly ctxConverted?: boolean;
}
