// Public surface of the conformance tooling: the `.data` parser and the runner.
export { parseConformanceFile, conformanceProgram, type ConformanceFile } from "./parse.ts";
export { ConformanceFormatError } from "./errors.ts";
export {
  executeConformance,
  runConformance,
  runParsedConformance,
  type ConformanceOutcome,
} from "./run.ts";
export { conformanceHelpers, UNWIND_HELPER_ID } from "./helpers.ts";
export { hexBytes, toHex } from "./hex.ts";
