// What a caller tells the verifier about the program and the "kernel" it is
// loaded into, and what the verifier returns.
import type { Insn } from "../isa/insn.ts";
import type { InsnAux } from "./aux.ts";
import type { TracingAttach } from "./tracing.ts";
import type { Btf } from "../btf/btf.ts";
import type { FuncInfoEntry } from "./func-info.ts";
import type { MapInfo, MapResolver } from "./map-info.ts";
import type { KfuncTable } from "./kfuncs/types.ts";
import type { KfuncInstanceInfo } from "./kfunc-instances.ts";

/** Capabilities of the loader, as in the kernel (root has both). */
export interface VerifierCaps {
  /** CAP_BPF: bounded loops, BPF-to-BPF calls, scalar precision, spin locks. */
  bpf: boolean;
  /** CAP_PERFMON: pointer leaks, uninitialised stack reads, Spectre v1/v4 bypass. */
  perfmon: boolean;
  /**
   * The kernel runs with `mitigations=off`: Spectre v1/v4 checks are bypassed
   * even without CAP_PERFMON (variable stack offsets allowed), while pointer
   * leaks and uninitialised stack reads stay forbidden.
   */
  mitigationsOff?: boolean;
  /** CAP_SYS_BOOT: KF_DESTRUCTIVE kfuncs (default: root has it). */
  sysBoot?: boolean;
}

/** Kernel-syntax text of one instruction for the log (without the `N: ` prefix). */
export type InsnPrinter = (insns: readonly Insn[], idx: number) => string;

export interface VerifyOptions {
  /** `enum bpf_prog_type` (src/uapi/prog-types.ts). */
  progType: number;
  /** `enum bpf_attach_type`, for types whose rules depend on it. */
  expectedAttachType?: number;
  /** Maps referenced by pseudo-map lddw instructions, by `imm`. */
  maps?: MapResolver | readonly MapInfo[] | ReadonlyMap<number, MapInfo>;
  /** 0 (errors only), 1 (error path) or 2 (every insn with state); 4 adds time/stack stats. */
  logLevel?: number;
  /** Verify as an unprivileged user (no CAP_BPF / CAP_PERFMON). */
  unprivileged?: boolean;
  /** Fine-grained capabilities; overrides `unprivileged`. */
  caps?: Partial<VerifierCaps>;
  /** The program's license is GPL-compatible (default true). */
  gplCompatible?: boolean;
  /** BPF_F_STRICT_ALIGNMENT. */
  strictAlignment?: boolean;
  /**
   * Instructions the verifier may process before giving up (the kernel's
   * BPF_COMPLEXITY_LIMIT_INSNS, 1M). Lower it for tests and tools.
   */
  insnLimit?: number;
  /** CPUs of the runtime (bounds bpf_get_smp_processor_id(); default 1). */
  nrCpuIds?: number;
  /** Prints instructions in the log; defaults to the ISA disassembler. */
  insnPrinter?: InsnPrinter;
  /**
   * fentry/fexit programs: the function they attach to (its BTF prototype
   * types the context array), or why it was refused. See tracing.ts.
   */
  attachTarget?: TracingAttach;
  /**
   * BPF_F_TEST_STATE_FREQ: a checkpoint at every prune point, as the kernel's
   * selftests ask for, so small programs exercise pruning.
   */
  testStateFreq?: boolean;
  /** The program's BTF (prog_btf_fd): func_info and arg tags refer to it. */
  btf?: Btf;
  /**
   * BTF func_info, one record per function in instruction order (the
   * kernel's func_info): names, static/global linkage and prototypes of
   * subprograms. Global functions are verified on their own against their
   * prototype; callbacks (BPF_PSEUDO_FUNC) need it.
   */
  funcInfo?: readonly FuncInfoEntry[];
  /**
   * The JIT supports tail calls from programs with BPF-to-BPF calls (x86-64
   * and arm64 do; default true). When false such programs are rejected with
   * "mixing of tail_calls and bpf-to-bpf calls is not supported".
   */
  subprogTailCalls?: boolean;
  /** kfuncs `call` instructions with src BPF_PSEUDO_KFUNC_CALL may name (check-kfunc.ts). */
  kfuncs?: KfuncTable;
  /**
   * Give each call of an inlinable kfunc its own copy of the body, verified in
   * its call's context (default true; kernel-value.ts). Never changes a verdict.
   */
  inlineKfuncs?: boolean;
}

export interface VerifyStats {
  insnsProcessed: number;
  maxStatesPerInsn: number;
  totalStates: number;
  peakStates: number;
  markRead: number;
  /** Stack depth of each subprogram (bytes). */
  stackDepth: number[];
  /** Wall-clock verification time in milliseconds. */
  ms: number;
}

export interface VerifyResult {
  accepted: boolean;
  /** The reason (last error line of the log) when rejected. */
  error?: string;
  /** Instruction being checked when rejected, -1 for whole-program errors. */
  errorInsn?: number;
  /** The log at the requested level (always ends with the `processed ...` line when level > 0). */
  log: string;
  /** Facts per instruction for later passes. */
  aux: InsnAux[];
  stats: VerifyStats;
  /**
   * Entry instructions of functions whose BTF prototype disagrees with a call
   * (the kernel's func_info_aux unreliable): tracing must treat their
   * arguments as plain u64s.
   */
  unreliableFuncs?: number[];
  /**
   * The program as verified when inlinable kfunc instances were appended to it
   * (`aux` covers these); undefined when it is the input itself.
   */
  insns?: Insn[];
  /** The instances (hidden subprograms) appended, for the rewrite passes. */
  kfuncInstances?: KfuncInstanceInfo[];
}
