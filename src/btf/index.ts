// Public surface of BTF: the type model, parsing (.BTF, .BTF.ext), checking,
// building/encoding, queries and C/raw dumps.
export * from "./types.ts";
export { BtfError } from "./errors.ts";
export { Btf, MAX_RESOLVE_DEPTH, type MemberAtOffset } from "./btf.ts";
export { parseBtf, parseBtfAndExt, type ParseBtfOptions, type BtfHeader } from "./parse.ts";
export { validateBtf, type BtfMode } from "./validate.ts";
export {
  parseBtfExt,
  CoreReloKind,
  type BtfExt,
  type BtfExtSection,
  type CoreReloRecord,
  type FuncInfoRecord,
  type LineInfoRecord,
} from "./ext.ts";
export { BtfBuilder, encodeBtf, type IntOptions, type MemberSpec } from "./builder.ts";
export { cDecl, dumpC, type DumpCOptions } from "./dump-c.ts";
export { dumpRaw } from "./dump-raw.ts";
export * from "./core/index.ts";
