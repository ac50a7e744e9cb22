// Which engine runs a runtime's programs. The JIT is the default, as in the
// CLI (src/cli/engines.ts holds the CLI's registry; the runtime sits below the
// CLI and takes the engines straight from their folders).
import { UsageError } from "../errors.ts";
import { interpreter, type Engine } from "../interp/index.ts";
import { jit } from "../jit/index.ts";

export type EngineChoice = "interp" | "jit" | Engine;

export function pickEngine(choice: EngineChoice | undefined): Engine {
  if (choice === undefined || choice === "jit") return jit;
  if (choice === "interp") return interpreter;
  if (typeof choice === "object" && typeof choice.prepare === "function") return choice;
  throw new UsageError(`unknown engine '${String(choice)}' (available: interp, jit)`);
}
