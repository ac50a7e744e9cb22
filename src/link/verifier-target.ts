// From the link layer's view of a target to what the verifier needs to type a
// tracing program's context (src/verifier/tracing.ts): the BTF and prototype
// of the traced function, whether its types are the kernel's, and for a BPF
// program target its program type. A target that could not be resolved
// becomes the kernel's refusal message, which the verifier reports.
import type { Btf } from "../btf/btf.ts";
import { BtfKind } from "../btf/types.ts";
import { NO_BTF_ID, type TracingAttach } from "../verifier/tracing.ts";
import {
  AttachTargetError,
  resolveBpfTarget,
  resolveHostTarget,
  type ResolvedTarget,
  type TargetSpec,
} from "./attach-target.ts";
import { contextTypeOf } from "./kernel/context-types.ts";
import type { HostKernel } from "./kernel/host-kernel.ts";
import type { BpfTargetProgram } from "./types.ts";

/** The kernel BTF's runtime-side context structure of a program type. */
function kernelCtx(
  kernel: HostKernel | undefined,
  progType: number,
): TracingAttach["targetKernelCtx"] {
  const id = kernel && contextTypeOf(kernel, progType);
  return kernel && id !== undefined ? { btf: kernel.btf, id } : undefined;
}

/** The FUNC_PROTO of a FUNC. */
function protoOf(btf: Btf, funcId: number): number {
  const t = btf.type(funcId);
  return t.kind === BtfKind.FUNC ? t.type : funcId;
}

/**
 * The verifier's view of a resolved target. `kernel` supplies the
 * runtime-side context structures a converted BPF target runs on.
 */
export function tracingAttachOf(r: ResolvedTarget, kernel?: HostKernel): TracingAttach {
  if (r.kind === "host") {
    return { name: r.name, btf: r.btf, protoId: protoOf(r.btf, r.funcId), kernel: true };
  }
  const typed = r.btf && r.funcId !== undefined && !r.model.conservative;
  return {
    name: r.name,
    btf: r.btf,
    protoId: typed ? protoOf(r.btf!, r.funcId!) : undefined,
    kernel: false,
    targetProgType: r.program.progType,
    targetCtxConverted: r.program.ctxConverted === true,
    targetKernelCtx: kernelCtx(kernel, r.program.progType),
  };
}

/** Where a tracing program attaches, for loading: the target and the verifier's view of it. */
export interface TracingLoad {
  /** Undefined when the target was refused (`attach.error` says why). */
  resolved: ResolvedTarget | undefined;
  attach: TracingAttach;
}

/**
 * Resolve a tracing program's target at load time: a function of
 * `targetProgram` when one is given (libbpf's attach_prog_fd), else a host
 * function of the kernel. A refusal does not throw: the verifier reports it.
 */
export function resolveForLoad(
  kernel: HostKernel,
  spec: TargetSpec,
  targetProgram?: BpfTargetProgram,
): TracingLoad {
  try {
    if (targetProgram) {
      const r = resolveBpfTarget(targetProgram, spec);
      return { resolved: r, attach: tracingAttachOf(r, kernel) };
    }
    if (spec.btfId === undefined && !spec.name) {
      return { resolved: undefined, attach: { name: "", error: NO_BTF_ID } };
    }
    const r = resolveHostTarget(kernel, spec);
    return { resolved: r, attach: tracingAttachOf(r) };
  } catch (e) {
    if (e instanceof AttachTargetError) {
      return { resolved: undefined, attach: { name: spec.name ?? "", error: e.reason } };
    }
    throw e;
  }
}
