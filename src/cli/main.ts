// CLI entry: builds the commander program from the per-command modules and maps
// outcomes to the house exit codes (0 ok/accepted, 1 rejected/check failed,
// 2 bad input or usage).
import { Command, CommanderError } from "commander";
import { TsbpfError, UsageError } from "../errors.ts";
import { commands } from "./commands/index.ts";
import { EXIT_USAGE, type CommandContext } from "./context.ts";

export async function main(argv: string[], ctx: Partial<CommandContext> = {}): Promise<number> {
  const out = ctx.out ?? ((s: string) => process.stdout.write(s));
  const err = ctx.err ?? ((s: string) => process.stderr.write(s));
  const context: CommandContext = { out, err, exitCode: 0 };
  const program = new Command("tsbpf")
    .description(
      "The Linux BPF subsystem as a userspace runtime: load, verify, rewrite, JIT and run BPF programs.",
    )
    .exitOverride()
    .configureOutput({ writeOut: out, writeErr: err })
    .showHelpAfterError();
  for (const register of commands) register(program, context);
  try {
    await program.parseAsync(argv, { from: "user" });
    return context.exitCode;
  } catch (e) {
    if (e instanceof CommanderError) {
      // --help and --version end with code 0; parse errors with 1 -> usage (2).
      return e.exitCode === 0 ? 0 : EXIT_USAGE;
    }
    if (e instanceof UsageError) {
      err(`tsbpf: ${e.message}\n`);
      return EXIT_USAGE;
    }
    if (e instanceof TsbpfError) {
      err(`tsbpf: ${e.name}: ${e.message}\n`);
      return EXIT_USAGE;
    }
    if (e instanceof Error && "code" in e && (e as NodeJS.ErrnoException).code === "ENOENT") {
      err(`tsbpf: ${e.message}\n`);
      return EXIT_USAGE;
    }
    throw e;
  }
}
