// Public surface of the reference interpreter and the execution contract.
export * from "./env.ts";
export { interpreter, runProgram, makeEnv, type RunProgramOptions } from "./engine.ts";
export { decodeProgram } from "./decode.ts";
