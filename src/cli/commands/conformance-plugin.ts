// `tsbpf conformance-plugin`: tsbpf as a plugin of bpf_conformance's runner
// (bpf_conformance_runner --plugin_path ...). The protocol, as the runner and
// uBPF's plugin speak it: the program arrives as hex bytes on stdin (or with
// --program HEX), the input memory as a hex string in the first argument; the
// plugin prints r0 in hex (no 0x) on stdout and exits 0, or prints the error
// on stderr and exits non-zero. --jit / --interpret pick the engine as they
// do for uBPF; --elf (programs as ELF objects) is not supported.
import { readFileSync } from "node:fs";
import type { Command } from "commander";
import { hexBytes } from "../../conformance/hex.ts";
import { executeConformance } from "../../conformance/run.ts";
import { InsnError, TsbpfError, UsageError } from "../../errors.ts";
import { decode, INSN_SIZE } from "../../isa/index.ts";
import { EXIT_FAIL, type CommandContext } from "../context.ts";
import { DEFAULT_ENGINE, engineByName, engineNames } from "../engines.ts";

interface PluginFlags {
  program?: string;
  engine?: string;
  jit?: boolean;
  interpret?: boolean;
  elf?: boolean;
}

/** Read the program's hex text: --program, else the first line of stdin. */
function programText(flags: PluginFlags, stdin: () => string): string {
  if (flags.program !== undefined) return flags.program;
  return stdin().split(/\r?\n/)[0] ?? "";
}

export function runPlugin(
  memory: string | undefined,
  flags: PluginFlags,
  ctx: CommandContext,
  stdin: () => string = () => readFileSync(0, "utf8"),
): void {
  if (flags.elf) throw new UsageError("--elf: ELF programs are not supported by this plugin");
  if ([flags.jit, flags.interpret, flags.engine !== undefined].filter(Boolean).length > 1) {
    throw new UsageError("--jit, --interpret and --engine are exclusive");
  }
  const engine = engineByName(
    flags.jit ? "jit" : flags.interpret ? "interp" : (flags.engine ?? DEFAULT_ENGINE),
  );
  const code = hexBytes(programText(flags, stdin), "program");
  if (code.length === 0 || code.length % INSN_SIZE !== 0) {
    throw new UsageError(
      `program: ${code.length} bytes is not a whole, non-empty number of instructions`,
    );
  }
  const input = hexBytes(memory ?? "", "memory");
  try {
    const r0 = executeConformance(decode(code), input, engine);
    ctx.out(`${r0.toString(16)}\n`);
  } catch (e) {
    if (!(e instanceof TsbpfError)) throw e;
    const what = e instanceof InsnError ? "Failed to load program" : "Failed to execute program";
    const where = e instanceof InsnError && e.pc !== undefined ? ` (insn ${e.pc})` : "";
    ctx.err(`${what}: ${e.message}${where}\n`);
    ctx.exitCode = EXIT_FAIL;
  }
}

export function registerConformancePlugin(program: Command, ctx: CommandContext): void {
  program
    .command("conformance-plugin")
    .description(
      "Act as a bpf_conformance plugin: read the program as hex bytes from stdin (or --program), take " +
        "the memory as a hex string argument, run it with r1/r2 = memory address/length and the uBPF " +
        "plugin's helpers, and print r0 in hex. On failure print the reason on stderr and exit 1 " +
        "(2 on malformed input).",
    )
    .argument("[MEMORY]", 'input memory as hex bytes, e.g. "aa bb cc"')
    .option("--program <HEX>", "program bytes in hex instead of stdin")
    .option("--engine <NAME>", `execution engine (${engineNames().join(", ")})`)
    .option("--jit", "use the JIT (as uBPF's plugin flag)")
    .option("--interpret", "use the interpreter (as uBPF's plugin flag)")
    .option("--elf", "programs as ELF objects (not supported)")
    .action((memory: string | undefined, flags: PluginFlags) => runPlugin(memory, flags, ctx));
}
