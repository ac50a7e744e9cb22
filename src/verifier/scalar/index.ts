// The verifier's scalar domain: tnums plus signed/unsigned 64- and 32-bit
// ranges, their synchronisation, ALU transfer functions, branch prediction
// and refinement, and the kernel's log text. See docs/architecture.md.
export * from "./tnum.ts";
export * from "./bounds.ts";
export * from "./sync.ts";
export * from "./coerce.ts";
export * from "./alu.ts";
export * from "./mov.ts";
export * from "./jmp-ops.ts";
export * from "./branch.ts";
export * from "./refine.ts";
export * from "./format.ts";
export { ScalarDomainError } from "./errors.ts";
export { S32_MAX, S32_MIN, S64_MAX, S64_MIN, U32_MAX, U64_MAX, s32, s64, u32, u64 } from "./int.ts";
