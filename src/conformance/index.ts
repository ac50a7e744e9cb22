// Public surface of the conformance tooling: the `.data` parser and the runner.
export { parseConformanceFile, conformanceProgram, type ConformanceFile } from "./parse.ts";
export { ConformanceFormatError } from "./errors.ts";
