// The list of CLI commands. Each module adds one subcommand to the program.
import type { RegisterCommand } from "../context.ts";
import { registerAsm } from "./asm.ts";
import { registerBtf } from "./btf.ts";
import { registerConformance } from "./conformance.ts";
import { registerConformancePlugin } from "./conformance-plugin.ts";
import { registerDisasm } from "./disasm.ts";
import { registerInspect } from "./inspect.ts";
import { registerJit } from "./jit.ts";
import { registerRun } from "./run.ts";
import { registerTestRun } from "./test-run.ts";
import { registerVerify } from "./verify.ts";

export const commands: RegisterCommand[] = [
  registerAsm,
  registerDisasm,
  registerConformance,
  registerConformancePlugin,
  registerRun,
  registerJit,
  registerTestRun,
  registerVerify,
  registerInspect,
  registerBtf,
];
