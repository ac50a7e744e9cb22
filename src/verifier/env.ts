// The verification environment (the kernel's `struct bpf_verifier_env`): the
// program, options, the current state and the exploration stack, counters,
// and the log with its bookkeeping. Checks receive it and report failures
// through `fail()`, which logs the kernel's message and aborts the path.
import type { Insn } from "../isa/insn.ts";
import { BPF_COMPLEXITY_LIMIT_INSNS } from "../isa/opcodes.ts";
import { newInsnAux, type InsnAux } from "./aux.ts";
import { ctxLayoutFor, type CtxLayout } from "./ctx/index.ts";
import { Reject } from "./errors.ts";
import { helpersForProgType } from "./helpers/availability.ts";
import { AttachType, ProgType } from "../uapi/prog-types.ts";
import { newScratch, VerifierLog, type Scratch } from "./log.ts";
import { mapResolver, type MapResolver } from "./map-info.ts";
import type { InsnPrinter, VerifyOptions } from "./options.ts";
import { BPF_ADD_CONST, type RegState } from "./regs.ts";
import { RegType } from "./reg-types.ts";
import { tnumIsConst } from "./domain.ts";
import { getSpi } from "./stack.ts";
import { JmpHistory } from "./history.ts";
import type { FuncState, VerifierState } from "./state.ts";
import type { Mismatch } from "./prune.ts";
import type { TracingAttach } from "./tracing.ts";
import type { KfuncTable } from "./kfuncs/types.ts";
import type { KfuncInstance } from "./kernel-value.ts";

export interface SubprogInfo {
  start: number;
  stackDepth: number;
  hasTailCall: boolean;
  hasLdAbs: boolean;
}

/** A branch waiting to be explored (bpf_verifier_stack_elem). */
export interface PendingBranch {
  state: VerifierState;
  insnIdx: number;
  prevInsnIdx: number;
  /** Log length when pushed: level 1 rewinds here when the branch is popped. */
  logPos: number;
}

/** A checkpoint kept for pruning (bpf_verifier_state_list). */
export interface ExploredState {
  state: VerifierState;
  hitCnt: number;
  missCnt: number;
  /** Where the last comparison with it found a difference (prune.ts), tried first next time. */
  mismatch: Mismatch;
}

export class Env {
  readonly insns: readonly Insn[];
  readonly aux: InsnAux[];
  readonly log: VerifierLog;
  readonly progType: number;
  readonly expectedAttachType: number;
  readonly ctxLayout: CtxLayout | undefined;
  readonly helpers: ReadonlySet<string>;
  readonly maps: MapResolver;
  readonly printInsn: InsnPrinter;
  readonly gplCompatible: boolean;
  readonly strictAlignment: boolean;
  /** CAP_BPF. */
  readonly bpfCapable: boolean;
  /** CAP_PERFMON-derived permissions. */
  readonly allowPtrLeaks: boolean;
  readonly allowUninitStack: boolean;
  readonly bypassSpecV1: boolean;
  readonly bypassSpecV4: boolean;
  /** CPUs of the runtime: bounds bpf_get_smp_processor_id(). */
  readonly nrCpuIds: number;
  readonly insnLimit: number;
  /** fentry/fexit: the traced function (tracing.ts). */
  readonly attachTarget: TracingAttach | undefined;
  /** BPF_F_TEST_STATE_FREQ (explore.ts). */
  readonly testStateFreq: boolean;
  /** kfuncs the program may call (check-kfunc.ts). */
  readonly kfuncs: KfuncTable | undefined;
  /** CAP_SYS_BOOT (KF_DESTRUCTIVE kfuncs). */
  readonly sysBootCapable: boolean;
  /** Inlinable kfunc call sites and their instance bodies (kernel-value.ts). */
  readonly kfuncInstances = new Map<number, KfuncInstance>();

  subprogs: SubprogInfo[] = [];
  cur!: VerifierState;
  insnIdx = 0;
  prevInsnIdx = -1;
  readonly pending: PendingBranch[] = [];
  readonly explored = new Map<number, ExploredState[]>();

  insnProcessed = 0;
  jmpsProcessed = 0;
  prevInsnProcessed = 0;
  prevJmpsProcessed = 0;
  totalStates = 0;
  peakStates = 0;
  exploredStatesSize = 0;
  maxStatesPerInsn = 0;
  idGen = 0;
  seenDirectWrite = false;
  /** Jump history of every path (history.ts). */
  readonly hist = new JmpHistory();
  /** Longest walk up the checkpoint chain marking a read (`mark_read` in the stats line). */
  longestMarkReadWalk = 0;

  readonly scratch: Scratch = newScratch();
  prevLogPos = 0;
  prevInsnPrintPos = 0;

  constructor(insns: readonly Insn[], opts: VerifyOptions, printInsn: InsnPrinter) {
    this.insns = insns;
    this.aux = insns.map(() => newInsnAux());
    this.log = new VerifierLog(opts.logLevel ?? 0);
    this.progType = opts.progType;
    // bpf_prog_load_fixup_attach_type(): cgroup/sock programs loaded without an
    // attach type are socket-create hooks.
    this.expectedAttachType =
      opts.expectedAttachType ||
      (opts.progType === ProgType.CGROUP_SOCK ? AttachType.CGROUP_INET_SOCK_CREATE : 0);
    this.ctxLayout = ctxLayoutFor(opts.progType);
    const bpf = opts.caps?.bpf ?? !opts.unprivileged;
    const perfmon = opts.caps?.perfmon ?? !opts.unprivileged;
    this.bpfCapable = bpf;
    this.allowPtrLeaks = perfmon;
    this.allowUninitStack = perfmon;
    const mitigationsOff = opts.caps?.mitigationsOff ?? false;
    this.bypassSpecV1 = perfmon || mitigationsOff;
    this.bypassSpecV4 = perfmon || mitigationsOff;
    this.helpers = helpersForProgType(opts.progType, { bpfCapable: bpf, perfmonCapable: perfmon });
    const m = opts.maps;
    this.maps = typeof m === "function" ? m : m ? mapResolver(m) : () => undefined;
    this.printInsn = opts.insnPrinter ?? printInsn;
    this.gplCompatible = opts.gplCompatible ?? true;
    this.strictAlignment = opts.strictAlignment ?? false;
    this.nrCpuIds = opts.nrCpuIds ?? 1;
    this.insnLimit = opts.insnLimit ?? BPF_COMPLEXITY_LIMIT_INSNS;
    this.attachTarget = opts.attachTarget;
    this.testStateFreq = opts.testStateFreq ?? false;
    this.kfuncs = opts.kfuncs;
    this.sysBootCapable = opts.caps?.sysBoot ?? !opts.unprivileged;
  }

  /** Write to the log (no-op at level 0). */
  verbose(s: string): void {
    this.log.write(s);
  }

  /** Error lines logged while checking the current instruction (kept even at log level 0). */
  errLines: string[] = [];

  /** Log one line of an error report (the kernel prints some errors in several lines). */
  errorLine(msg: string): void {
    this.log.write(msg + "\n");
    this.errLines.push(msg);
  }

  /** Reject the program with the error lines logged so far for this instruction. */
  abort(): never {
    throw new Reject(this.errLines.join("\n"));
  }

  /** Log the kernel's error line and reject the program. */
  fail(msg: string): never {
    this.errorLine(msg);
    throw new Reject(this.errLines.join("\n"));
  }

  get frame(): FuncState {
    return this.cur.frames[this.cur.curframe]!;
  }

  get regs(): RegState[] {
    return this.frame.regs;
  }

  markRegScratched(regno: number): void {
    this.scratch.regs |= 1 << regno;
    this.scratch.any = true;
  }

  markStackSlotScratched(spi: number): void {
    if (spi >= 0 && spi < this.scratch.slots.length) this.scratch.slots[spi] = 1;
    this.scratch.any = true;
  }

  markStackOffScratched(off: number): void {
    this.markStackSlotScratched(getSpi(off));
  }

  /**
   * assign_scalar_id_before_mov(): give an unknown scalar an id before it is
   * copied, so that bounds learnt later on either copy apply to both.
   */
  assignScalarIdBeforeMov(src: RegState): void {
    if (src.type !== RegType.SCALAR_VALUE) return;
    if (src.id & BPF_ADD_CONST) {
      // rX = rY where rY = rZ + K: a second constant cannot be tracked.
      src.id = 0;
      src.off = 0;
    }
    if (!src.id && !tnumIsConst(src.varOff)) src.id = ++this.idGen;
  }

  /** Frame a PTR_TO_STACK register points into. */
  frameOf(reg: RegState): FuncState {
    return this.cur.frames[reg.frameno]!;
  }
}
