// `tsbpf btf dump FILE [--format raw|c]`: the BTF of an object file (its .BTF
// section) or of a raw .BTF blob, as bpftool prints it: "raw" lists every type,
// "c" writes a header that compiles. Exit 0, or 2 on bad input.
import { readFileSync } from "node:fs";
import type { Command } from "commander";
import type { Btf } from "../../btf/btf.ts";
import { dumpC } from "../../btf/dump-c.ts";
import { dumpRaw } from "../../btf/dump-raw.ts";
import { parseBtf } from "../../btf/parse.ts";
import { BTF_MAGIC } from "../../btf/types.ts";
import { UsageError } from "../../errors.ts";
import { dumpRuntimeBtf } from "../../link/kernel/header.ts";
import { CollectionSpec } from "../../spec/index.ts";
import type { CommandContext } from "../context.ts";

interface DumpFlags {
  format: string;
  runtime?: boolean;
  kernel?: string;
}

/** BTF from an ELF object (fixed up as the loader uses it) or from a raw .BTF file. */
export function readBtfFile(file: string): Btf {
  const bytes = new Uint8Array(readFileSync(file));
  if (bytes.length >= 2 && (bytes[0]! | (bytes[1]! << 8)) === BTF_MAGIC) return parseBtf(bytes);
  const spec = CollectionSpec.fromBuffer(bytes);
  if (!spec.btf) throw new UsageError(`${file}: the object has no .BTF section`);
  return spec.btf;
}

export function registerBtf(program: Command, ctx: CommandContext): void {
  const btf = program.command("btf").description("Work with BTF type information.");
  btf
    .command("dump")
    .description(
      "Print the BTF of FILE (an ELF object, or a raw .BTF blob). --format raw lists every type " +
        "as bpftool does; --format c prints a C header that compiles (forward declarations, " +
        "definition order, padding). --runtime prints the runtime's own BTF (the host functions " +
        "fentry/fexit programs attach to; --kernel MODULE defines them first). Exit 0, or 2 on bad input.",
    )
    .argument("[FILE]", "ELF object or raw .BTF file")
    .option("--format <format>", "raw or c", "raw")
    .option(
      "--runtime",
      "dump the runtime's kernel BTF (attachable host functions) instead of FILE",
    )
    .option(
      "--kernel <module>",
      "with --runtime: a module whose default export defines host functions",
    )
    .action(async (file: string | undefined, flags: DumpFlags) => {
      if (flags.format !== "raw" && flags.format !== "c") {
        throw new UsageError(`--format must be raw or c, not '${flags.format}'`);
      }
      if (flags.runtime) {
        if (file) throw new UsageError("give either FILE or --runtime, not both");
        ctx.out(await dumpRuntimeBtf(flags.format, flags.kernel));
        return;
      }
      if (flags.kernel) throw new UsageError("--kernel needs --runtime");
      if (!file) throw new UsageError("missing FILE (or --runtime)");
      const types = readBtfFile(file);
      ctx.out(flags.format === "c" ? dumpC(types) : dumpRaw(types));
    });
}
