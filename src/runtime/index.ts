// Public surface of the runtime (outside the maps, which src/runtime/maps/
// exports): Runtime, Collection, Program, test-run types, contexts, helpers.
export { Runtime, type RuntimeOptions, type LoadProgramOptions } from "./runtime.ts";
export { Collection } from "./collection.ts";
export { Program } from "./program.ts";
export { LoadError, TestRunError } from "./errors.ts";
export { TestRunNoSpaceError } from "./test-run.ts";
export type { LoadCollectionOptions, GlobalValue } from "./load/options.ts";
export { Variable, type VariableSpec } from "./load/globals.ts";
export type { FakeTask, TracePrintkRecord, TraceSink, RedirectRecord, RunState } from "./kernel.ts";
export {
  runnerFor,
  RUNNABLE_PROG_TYPES,
  ptRegs,
  u64Args,
  PT_REGS,
  PacketType,
  SkbContext,
  XdpContext,
  type PtReg,
  type TestRunOptions,
  type TestRunResult,
} from "./progtypes/index.ts";
export {
  IMPLEMENTED_HELPERS,
  isHelperImplemented,
  helperLabel,
  bprintf,
  type MemReader,
} from "./helpers/index.ts";
export type { EngineChoice } from "./engines.ts";
export {
  frame,
  inetChecksum,
  parseIpv4,
  parseIpv6,
  parseMac,
  IPPROTO,
  TCP_FLAGS,
  type FrameSpec,
} from "./packets.ts";
