// Public API of tsbpf.
export * from "./errors.ts";
export * from "./isa/index.ts";
export * from "./uapi/index.ts";
export * from "./interp/index.ts";
export * from "./runtime/maps/index.ts";
export * from "./runtime/object.ts";
export { verify, verifyOrThrow, VerifierError } from "./verifier/index.ts";
export type {
  VerifyOptions,
  VerifyResult,
  VerifyStats,
  VerifierCaps,
  InsnAux,
  MapInfo as VerifierMapInfo,
} from "./verifier/index.ts";
export * from "./btf/index.ts";
export {
  ElfError,
  ElfFile,
  loadCollectionSpec,
  loadCollectionSpecFile,
  sectionInfo,
} from "./elf/index.ts";
export type { ElfSection, ElfSymbol, LoadOptions, SectionInfo, SectionMatch } from "./elf/index.ts";
export * from "./spec/index.ts";
export * from "./runtime/index.ts";
export {
  fixupProgram,
  FixupError,
  dumpXlated,
  kernCtxFor,
  type FixupOptions,
  type FixupResult,
} from "./fixup/index.ts";
export * from "./link/index.ts";
export {
  KF,
  KfuncError,
  KfuncModule,
  KfuncRegistry,
  defineKfuncModule,
  dynptrSlice,
  type KfuncBody,
  type KfuncDef,
  type KfuncImpl,
} from "./kfuncs/index.ts";
