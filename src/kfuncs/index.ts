// kfuncs: kernel functions BPF programs call by BTF id. A module of kfuncs
// (name, C prototype, KF_* flags, host implementation, optional inlinable BPF
// body) is registered in a runtime's registry (`runtime.kfuncs`); the
// built-in dynptr kfuncs are a module every runtime registers.
export { KF } from "./flags.ts";
export { KfuncError } from "./errors.ts";
export { KfuncModule, defineKfuncModule } from "./module.ts";
export { KfuncRegistry } from "./registry.ts";
export type { KfuncBody, KfuncDef, KfuncImpl } from "./types.ts";
export { DYNPTR_KFUNCS } from "./dynptr/module.ts";
export { DYNPTR_HELPERS } from "./dynptr/helpers.ts";
export { sliceOf as dynptrSlice } from "./dynptr/ops.ts";
export { ptrArg, u32Arg } from "./args.ts";
