// How the Runtime (src/runtime/) uses the link layer, kept here so the
// runtime's own files only call in: what a loaded program brings (its BTF
// and func_info, so it can be a target; for an fentry/fexit program, the
// target resolved at load time), the views the trampolines take of a
// program, attaching, and releasing a program's links when it goes away.
import type { Btf } from "../btf/btf.ts";
import type { PreparedProgram } from "../interp/env.ts";
import { AttachType, ProgType } from "../uapi/prog-types.ts";
import type { InsnAux } from "../verifier/aux.ts";
import type { Insn } from "../isa/insn.ts";
import { LinkError } from "./errors.ts";
import type { HostKernel } from "./kernel/host-kernel.ts";
import type { Link } from "./link.ts";
import { probeMemRewrite } from "./probe-mem.ts";
import { unreliableFunctions } from "./reliability.ts";
import { newStats, type ProgStats } from "./stats.ts";
import type { Trampolines } from "./trampolines.ts";
import type { BpfTargetProgram, FuncInfoEntry, TracingProgram } from "./types.ts";
import { resolveForLoad, type TracingLoad } from "./verifier-target.ts";

/** What the link layer needs of a runtime Program. */
export interface LoadedProgram {
  readonly name: string;
  /** BPF_PROG_TYPE_*. */
  readonly type: number;
  readonly expectedAttachType: number;
  /** The engine's prepared program (compiles on first use). */
  prepare(): PreparedProgram;
  /** ctx accesses were converted to the runtime-side structure. */
  readonly ctxConverted?: boolean;
  /** The instructions the engine runs (func_info indexes refer to them). */
  readonly exec?: { readonly insns: readonly Insn[] };
}

interface Notes {
  btf?: Btf;
  funcInfo?: readonly FuncInfoEntry[];
  tracing?: TracingLoad;
  stats: ProgStats;
  view?: TracingProgram;
  target?: BpfTargetProgram;
}

const notes = new WeakMap<LoadedProgram, Notes>();

function notesOf(p: LoadedProgram): Notes {
  let n = notes.get(p);
  if (!n) notes.set(p, (n = { stats: newStats() }));
  return n;
}

/** BPF_PROG_TYPE_TRACING with expected attach type fentry or fexit. */
export function isFentryFexit(type: number, expectedAttachType: number): boolean {
  return (
    type === ProgType.TRACING &&
    (expectedAttachType === AttachType.TRACE_FENTRY ||
      expectedAttachType === AttachType.TRACE_FEXIT)
  );
}

/**
 * Resolve an fentry/fexit program's target before verification: the host
 * function `attachTo` names (the section's "fentry/NAME"), or a function of
 * `targetProgram` (its main function when `attachTo` is empty).
 */
export function resolveTracingTarget(
  kernel: HostKernel,
  attachTo: string,
  targetProgram?: LoadedProgram,
): TracingLoad {
  const spec = attachTo ? { name: attachTo } : {};
  return resolveForLoad(kernel, spec, targetProgram ? bpfTargetOf(targetProgram) : undefined);
}

/**
 * After verification: PTR_TO_BTF_ID loads become safe reads
 * (probe-mem.ts). `insns` are the engine's instructions, one slot per aux.
 */
export function tracingRewrite(insns: readonly Insn[], aux: readonly InsnAux[]): Insn[] {
  return probeMemRewrite({ insns, aux }).insns;
}

/** Record what a loaded program brings: its BTF and func_info (final instruction indexes). */
export function noteProgram(
  p: LoadedProgram,
  info: { btf?: Btf; funcInfo?: readonly FuncInfoEntry[]; tracing?: TracingLoad },
): void {
  const n = notesOf(p);
  n.btf = info.btf;
  n.funcInfo = info.funcInfo;
  n.tracing = info.tracing;
}

/** Run statistics the trampolines recorded for a program. */
export function statsOfLoaded(p: LoadedProgram): ProgStats {
  return notesOf(p).stats;
}

/** The trampolines' view of a tracing program (one per program, so EBUSY works). */
export function tracingViewOf(p: LoadedProgram): TracingProgram {
  const n = notesOf(p);
  n.view ??= {
    name: p.name,
    attachType: p.expectedAttachType,
    prepared: p.prepare(),
    stats: n.stats,
  };
  return n.view;
}

/** A program as a target of tracing programs. */
export function bpfTargetOf(p: LoadedProgram): BpfTargetProgram {
  const n = notesOf(p);
  n.target ??= {
    name: p.name,
    progType: p.type,
    prepared: p.prepare(),
    btf: n.btf,
    funcInfo: n.funcInfo,
    isTracing: p.type === ProgType.TRACING,
    ctxConverted: p.ctxConverted === true,
    unreliable:
      n.btf && n.funcInfo && p.exec
        ? unreliableFunctions(p.exec.insns, n.funcInfo, n.btf)
        : undefined,
  };
  return n.target;
}

/** Attach an fentry/fexit program to the target it was loaded against. */
export function attachLoaded(tramps: Trampolines, p: LoadedProgram): Link {
  if (!isFentryFexit(p.type, p.expectedAttachType)) {
    throw new LinkError("EINVAL", `program ${p.name} is not an fentry/fexit program`);
  }
  const t = notesOf(p).tracing;
  if (!t) throw new LinkError("EINVAL", `program ${p.name} was loaded without an attach target`);
  if (!t.resolved) throw new LinkError("EINVAL", t.attach.error ?? "no attach target");
  return tramps.attachResolved(tracingViewOf(p), t.resolved);
}

/** A program is going away: its links, and those of programs tracing it, are released. */
export function releaseLoaded(tramps: Trampolines, p: LoadedProgram): void {
  const n = notes.get(p);
  if (!n) return;
  if (n.view) tramps.releaseProgram(n.view.prepared);
  else if (n.target) tramps.releaseProgram(n.target.prepared);
}
