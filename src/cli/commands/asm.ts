// `tsbpf asm FILE`: assemble uBPF or kernel syntax (detected from the text, or
// forced with --syntax) to raw little-endian bytecode. With -o the bytes go to
// a file; otherwise (or with --hex) they are printed as hex, one instruction
// per line. An assembler error names file:line:column and exits 2.
import { readFileSync, writeFileSync } from "node:fs";
import type { Command } from "commander";
import { toHex } from "../../conformance/hex.ts";
import { UsageError } from "../../errors.ts";
import { assemble, encode, INSN_SIZE, type AsmSyntax } from "../../isa/index.ts";
import type { CommandContext } from "../context.ts";

interface AsmFlags {
  output?: string;
  hex?: boolean;
  syntax?: string;
}

/** Hex text of bytecode, one 8-byte instruction per line. */
export function hexLines(bytes: Uint8Array): string {
  let s = "";
  for (let p = 0; p < bytes.length; p += INSN_SIZE)
    s += `${toHex(bytes.subarray(p, p + INSN_SIZE))}\n`;
  return s;
}

function asmFile(file: string, flags: AsmFlags, ctx: CommandContext): void {
  if (flags.syntax !== undefined && flags.syntax !== "ubpf" && flags.syntax !== "kernel") {
    throw new UsageError(`--syntax: expected 'ubpf' or 'kernel', got '${flags.syntax}'`);
  }
  const text = readFileSync(file, "utf8");
  const bytes = encode(assemble(text, { file, syntax: flags.syntax as AsmSyntax | undefined }));
  if (flags.output === undefined) {
    ctx.out(hexLines(bytes));
  } else {
    writeFileSync(flags.output, flags.hex ? hexLines(bytes) : bytes);
  }
}

export function registerAsm(program: Command, ctx: CommandContext): void {
  program
    .command("asm")
    .description(
      "Assemble a BPF program to raw bytecode. FILE is uBPF syntax (mov32 %r0, 1) or kernel / " +
        "llvm-objdump syntax (w0 = 1), detected from the text. Without -o, prints the bytes as hex " +
        "(one instruction per line). Exit 0 on success, 2 on an assembler error (file:line:column: reason).",
    )
    .argument("<FILE>", "assembly source")
    .option("-o, --output <OUT>", "write the bytecode to OUT (raw bytes, or hex text with --hex)")
    .option("--hex", "write hex text instead of raw bytes")
    .option("--syntax <S>", "force the syntax: ubpf or kernel")
    .action((file: string, flags: AsmFlags) => asmFile(file, flags, ctx));
}
