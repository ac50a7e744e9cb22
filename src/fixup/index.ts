// The rewrite passes after verification (dead code, ctx conversion, helper
// inlining, zero extension) on the shared patch list, and the xlated dump.
export { fixupProgram, type FixupInput, type FixupResult } from "./pipeline.ts";
export type { FixupOptions, FixupStats } from "./types.ts";
export { FixupError } from "./errors.ts";
export { kernCtxFor, SK_BUFF, XDP_BUFF, type KernCtxLayout, type KernField } from "./ctx/index.ts";
export { ARRAY_VALUES_OFFSET, dumpXlated, xlatedOfVerified, type XlatedOptions } from "./xlated.ts";
