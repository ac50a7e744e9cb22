// Engine registry: the CLI, benches and tests pick an execution engine by
// name. The interpreter is always here; the JIT registers itself in this table
// (and becomes the default once it passes the conformance suite).
import { UsageError } from "../errors.ts";
import { interpreter, type Engine } from "../interp/index.ts";
import { jit } from "../jit/index.ts";

export type EngineName = "interp" | "jit";

const engines = new Map<EngineName, Engine>([
  ["interp", interpreter],
  ["jit", jit],
]);

/** The engine used when none is named: the JIT (it passes the conformance suite, test/jit/). */
export const DEFAULT_ENGINE: EngineName = "jit";

export function engineByName(name: string): Engine {
  const e = engines.get(name as EngineName);
  if (!e) {
    const known = [...engines.keys()].join(", ");
    throw new UsageError(`unknown engine '${name}' (available: ${known})`);
  }
  return e;
}

/** Names of the registered engines, in registration order. */
export const engineNames = (): EngineName[] => [...engines.keys()];
