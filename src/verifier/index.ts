// Public surface of the verifier: verify() / verifyOrThrow(), their options
// and results, the map description the caller provides, the per-insn facts,
// and the data tables (helper prototypes, context layouts) other stages read.
export { verify, verifyOrThrow, defaultInsnPrinter } from "./verify.ts";
export { VerifierError } from "./errors.ts";
export type {
  VerifyOptions,
  VerifyResult,
  VerifyStats,
  VerifierCaps,
  InsnPrinter,
} from "./options.ts";
export type { MapInfo, MapResolver } from "./map-info.ts";
export { mapResolver } from "./map-info.ts";
export type { InsnAux } from "./aux.ts";
export { HELPER_PROTOS, helperProtoById } from "./helpers/protos.ts";
export type { HelperProto } from "./helpers/proto-types.ts";
export { helpersForProgType } from "./helpers/availability.ts";
export { ctxLayoutFor, checkCtxAccess } from "./ctx/index.ts";
export type { CtxLayout, CtxField, CtxAccessMode } from "./ctx/index.ts";
export { RegType, TypeFlag, regTypeStr } from "./reg-types.ts";
