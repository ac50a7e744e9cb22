// Public surface of the conformance tooling: the `.data` parser and the runner.
export { parseConformanceFile, conformanceProgram, type ConformanceFile } from "./parse.ts";
export { ConformanceFormatError } from "./errors.ts";
export { runConformance, runParsedConformance, type ConformanceOutcome } from "./run.ts";
export { conformanceHelpers, UNWIND_HELPER_ID } from "./helpers.ts";
