// CO-RE: relocating field offsets, sizes, existence, type and enum facts
// against the runtime's BTF.
export {
  applyCoreRelocations,
  CORE_POISON_IMM,
  type CoreOptions,
  type CoreRelocationResult,
} from "./apply.ts";
export { essentialName, fieldsAreCompat, typesAreCompat, typesMatch } from "./compat.ts";
export { matchCoreSpec } from "./match.ts";
export {
  coreKindName,
  formatCoreSpec,
  parseCoreSpec,
  type CoreAccessor,
  type CoreSpec,
} from "./spec.ts";
