// Public surface of the link layer: host functions the runtime exposes to
// tracing programs (HostKernel), function models, trampolines and links.
export {
  LinkError,
  LinkErrno,
  FuncModelError,
  TrampolineError,
  type LinkErrnoName,
} from "./errors.ts";
export {
  distillFuncProto,
  conservativeModel,
  MAX_BPF_FUNC_ARGS,
  MAX_BPF_FUNC_REG_ARGS,
  type FuncModel,
  type ValueModel,
} from "./model.ts";
export {
  HostKernel,
  type HostTarget,
  type ProtoSpec,
  type FieldSpec,
} from "./kernel/host-kernel.ts";
export { HostFunction, type HostImpl } from "./kernel/host-function.ts";
export { CallbackSlot } from "./kernel/callback-slot.ts";
export { parseCType, parseCFunc, parseCFields, type CType, type CDecl } from "./kernel/c-decl.ts";
export {
  AttachTargetError,
  resolveBpfTarget,
  resolveHostTarget,
  type ResolvedTarget,
  type TargetSpec,
} from "./attach-target.ts";
export { Trampolines } from "./trampolines.ts";
export { Trampoline, BPF_MAX_TRAMP_LINKS } from "./trampoline.ts";
export { Link, type LinkKind } from "./link.ts";
export { MAX_TRAMP_DEPTH } from "./frames.ts";
export type { ProgStats } from "./stats.ts";
export type { TracingProgram, BpfTargetProgram, FuncInfoEntry } from "./types.ts";
export { createRuntimeKernel, declareContextTypes } from "./kernel/context-types.ts";
export { runtimeHeader } from "./kernel/header.ts";
export { probeMemRewrite, probeMemPass } from "./probe-mem.ts";
export { unreliableFunctions } from "./reliability.ts";
export { resolveForLoad, tracingAttachOf, type TracingLoad } from "./verifier-target.ts";
