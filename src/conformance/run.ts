// Running one conformance test on an Engine, the way bpf_conformance runs its
// plugin: r1 points at a copy of the `-- mem` bytes in runtime memory and r2
// holds their length (both 0 without `-- mem`); the test passes when r0 equals
// `-- result`, or, for `-- error <text>`, when loading or running fails.
//
// An assembler error or a malformed file is never the expected error: as in
// bpf_conformance, where the runner (not the plugin) assembles, it means the
// test itself is broken, so the file fails.
import { AsmError, InsnError, TsbpfError } from "../errors.ts";
import type { Engine } from "../interp/env.ts";
import type { Insn } from "../isa/insn.ts";
import { validate } from "../isa/validate.ts";
import { VmMemory } from "../memory/index.ts";
import { ConformanceFormatError } from "./errors.ts";
import { conformanceHelpers } from "./helpers.ts";
import { conformanceProgram, parseConformanceFile, type ConformanceFile } from "./parse.ts";

export interface ConformanceOutcome {
  pass: boolean;
  /** Why the test failed, or (verbose detail) how it passed. */
  reason: string;
  /** r0 when the program ran to completion. */
  r0?: bigint;
}

const hex = (v: bigint): string => `0x${v.toString(16)}`;

function describeError(e: unknown): string {
  if (e instanceof InsnError) return e.pc === undefined ? e.message : `${e.message} (insn ${e.pc})`;
  if (e instanceof TsbpfError) return `${e.name}: ${e.message}`;
  return e instanceof Error ? `${e.name}: ${e.message}` : String(e);
}

/**
 * Validate and run a program on `engine` the way the conformance plugin does:
 * the input bytes copied into fresh runtime memory, r1 = their address and
 * r2 = their length (both 0 when there are none), the uBPF plugin's helpers.
 * Returns r0; throws InsnError when the program is rejected, or the engine's
 * error when the run faults.
 */
export function executeConformance(
  insns: Insn[],
  input: Uint8Array,
  engine: Engine,
  name?: string,
): bigint {
  validate(insns, { callx: true });
  const mem = new VmMemory({ initialBytes: Math.max(1 << 17, input.length + (1 << 16)) });
  let r1 = 0n;
  if (input.length > 0) {
    const addr = mem.alloc(input.length);
    mem.write(addr, input);
    r1 = BigInt(addr);
  }
  const helpers = conformanceHelpers(mem);
  const env = { mem, helper: (id: number) => helpers.get(id) };
  const prepared = engine.prepare({ insns, name }, env);
  return prepared.run({ args: [r1, BigInt(input.length)] }).r0;
}

/** Run a parsed test file on `engine`. */
export function runParsedConformance(t: ConformanceFile, engine: Engine): ConformanceOutcome {
  let insns: Insn[];
  try {
    insns = conformanceProgram(t);
  } catch (e) {
    if (e instanceof AsmError) return { pass: false, reason: `assembler error: ${e.message}` };
    throw e;
  }
  if (insns.length === 0) return { pass: false, reason: "no instructions ('-- asm' or '-- raw')" };
  if (t.result === undefined && t.error === undefined) {
    return { pass: false, reason: "no expectation ('-- result' or '-- error')" };
  }
  let r0: bigint;
  try {
    r0 = executeConformance(insns, t.mem, engine, t.file);
  } catch (e) {
    const why = describeError(e);
    if (t.error)
      return { pass: true, reason: `failed as expected (${why}; file expects '${t.error}')` };
    if (t.error === "")
      return { pass: false, reason: `${why}; '-- error' names no expected error` };
    return { pass: false, reason: why };
  }
  if (t.error !== undefined) {
    return {
      pass: false,
      r0,
      reason: `expected an error${t.error ? ` ('${t.error}')` : ""}, got r0 = ${hex(r0)}`,
    };
  }
  if (r0 !== t.result)
    return { pass: false, r0, reason: `r0 = ${hex(r0)}, expected ${hex(t.result!)}` };
  return { pass: true, r0, reason: `r0 = ${hex(r0)}` };
}

/** Parse and run the text of a `.data` file on `engine`; a malformed file fails. */
export function runConformance(text: string, engine: Engine, file?: string): ConformanceOutcome {
  let t: ConformanceFile;
  try {
    t = parseConformanceFile(text, file);
  } catch (e) {
    if (e instanceof ConformanceFormatError)
      return { pass: false, reason: `bad test file: ${e.message}` };
    throw e;
  }
  return runParsedConformance(t, engine);
}
