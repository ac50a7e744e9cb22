// `tsbpf run FILE`: run an assembly file (uBPF or kernel syntax, detected from
// the text) or raw bytecode (.bin)
// once and print r0. Memory given with --mem / --mem-file is placed in runtime
// memory and passed as r1 = address, r2 = length (the conformance suite's
// convention). Exit 0 on a clean run, 1 on an execution fault, 2 on bad input.
import { readFileSync } from "node:fs";
import type { Command } from "commander";
import { ExecError, UsageError } from "../../errors.ts";
import { assemble, decode, type Insn } from "../../isa/index.ts";
import { VmMemory } from "../../memory/index.ts";
import { EXIT_FAIL, type CommandContext } from "../context.ts";
import { DEFAULT_ENGINE, engineByName, engineNames } from "../engines.ts";

interface RunFlags {
  mem?: string;
  memFile?: string;
  engine: string;
  budget?: string;
  verbose?: boolean;
}

/** Instructions of FILE: raw little-endian bytecode for .bin, assembly text otherwise. */
export function readProgram(file: string): Insn[] {
  const bytes = readFileSync(file);
  if (file.endsWith(".bin")) {
    if (bytes.length % 8 !== 0) {
      throw new UsageError(`${file}: ${bytes.length} bytes is not a whole number of instructions`);
    }
    return decode(bytes);
  }
  return assemble(bytes.toString("utf8"), { file });
}

/** Bytes of a --mem argument: hex digits, optionally separated by blanks. */
export function parseHexBytes(text: string): Uint8Array {
  const digits = text.replace(/\s+/g, "");
  if (!/^(?:[0-9a-fA-F]{2})*$/.test(digits)) {
    throw new UsageError(`--mem: expected hex bytes (e.g. "01 02 ff"), got '${text}'`);
  }
  return Uint8Array.from(digits.match(/../g) ?? [], (h) => parseInt(h, 16));
}

function parseBudget(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const n = Number(text);
  if (!Number.isSafeInteger(n) || n <= 0) {
    throw new UsageError(`--budget: expected a positive integer, got '${text}'`);
  }
  return n;
}

function runFile(file: string, flags: RunFlags, ctx: CommandContext): void {
  if (flags.mem !== undefined && flags.memFile !== undefined) {
    throw new UsageError("--mem and --mem-file are exclusive");
  }
  const engine = engineByName(flags.engine);
  const budget = parseBudget(flags.budget);
  const insns = readProgram(file);
  const bytes =
    flags.memFile !== undefined
      ? new Uint8Array(readFileSync(flags.memFile))
      : flags.mem !== undefined
        ? parseHexBytes(flags.mem)
        : new Uint8Array(0);
  const mem = new VmMemory({ initialBytes: bytes.length + (1 << 20) });
  let addr = 0;
  if (bytes.length > 0) {
    addr = mem.alloc(bytes.length);
    mem.write(addr, bytes);
  }
  const env = { mem, helper: () => undefined };
  const prepared = engine.prepare({ insns, name: file }, env);
  try {
    const r = prepared.run({ args: [BigInt(addr), BigInt(bytes.length)], budget });
    ctx.out(`0x${r.r0.toString(16)}\n`);
    if (flags.verbose) {
      ctx.out(`r0 = ${r.r0} (signed ${BigInt.asIntN(64, r.r0)})\n`);
      if (r.insnCount !== undefined) ctx.out(`executed ${r.insnCount} instructions\n`);
      ctx.out(`engine ${engine.name}\n`);
    }
  } catch (e) {
    if (!(e instanceof ExecError)) throw e;
    ctx.err(`tsbpf: execution fault: ${e.message}\n`);
    ctx.exitCode = EXIT_FAIL;
  }
}

export function registerRun(program: Command, ctx: CommandContext): void {
  program
    .command("run")
    .description(
      "Run a BPF program once and print r0 in hex. FILE is assembly, in uBPF syntax " +
        "(as in the conformance suite) or kernel syntax (r0 = 1), or raw bytecode (*.bin). Memory from --mem or " +
        "--mem-file is passed as r1 = address, r2 = length. Exit 0 on a clean run, " +
        "1 on an execution fault, 2 on bad input.",
    )
    .argument("<FILE>", "assembly file, or .bin with little-endian bytecode")
    .option("--mem <HEX>", 'memory bytes in hex, e.g. "aa bb cc dd"')
    .option("--mem-file <F>", "memory bytes from a binary file")
    .option("--engine <NAME>", `execution engine (${engineNames().join(", ")})`, DEFAULT_ENGINE)
    .option("--budget <N>", "instruction budget (default 10,000,000)")
    .option("--verbose", "also print r0 in decimal and the executed instruction count")
    .action((file: string, flags: RunFlags) => runFile(file, flags, ctx));
}
