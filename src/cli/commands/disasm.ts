// `tsbpf disasm FILE`: print instructions in the kernel's syntax (as the
// verifier log and bpftool do): `0: (61) r1 = *(u32 *)(r10 -8)`. FILE is raw
// bytecode (any name), hex text (--hex, or *.hex), or assembly (*.s, *.asm),
// which is assembled first. ELF objects are the loader's business (see
// disasmElf below).
import { existsSync, readFileSync } from "node:fs";
import type { Command } from "commander";
import { hexBytes } from "../../conformance/hex.ts";
import { UsageError } from "../../errors.ts";
import { assemble, decode, disasm, INSN_SIZE, type Insn } from "../../isa/index.ts";
import type { CommandContext } from "../context.ts";
import { disasmObject } from "./disasm-object.ts";

interface DisasmFlags {
  opcodes: boolean;
  index: boolean;
  hex?: boolean;
  section?: string;
  program?: string;
  source: boolean;
}

const ELF_MAGIC = [0x7f, 0x45, 0x4c, 0x46];

function decodeWhole(bytes: Uint8Array, what: string): Insn[] {
  if (bytes.length % INSN_SIZE !== 0) {
    throw new UsageError(
      `${what}: ${bytes.length} bytes is not a whole number of 8-byte instructions`,
    );
  }
  return decode(bytes);
}

function disasmFile(file: string, flags: DisasmFlags, ctx: CommandContext): void {
  let insns: Insn[];
  if (flags.hex) {
    // A hex argument that names no file is the hex text itself.
    const text = existsSync(file) ? readFileSync(file, "utf8") : file;
    insns = decodeWhole(hexBytes(text, file), file);
  } else {
    const bytes = readFileSync(file);
    // ELF objects: the loader's listing (src/cli/commands/disasm-object.ts).
    if (ELF_MAGIC.every((b, i) => bytes[i] === b))
      return disasmObject(file, new Uint8Array(bytes), flags, ctx);
    if (/\.(s|asm)$/i.test(file)) insns = assemble(bytes.toString("utf8"), { file });
    else if (/\.hex$/i.test(file))
      insns = decodeWhole(hexBytes(bytes.toString("utf8"), file), file);
    else insns = decodeWhole(bytes, file);
  }
  for (const line of disasm(insns, { opcodes: flags.opcodes, index: flags.index }))
    ctx.out(`${line}\n`);
}

export function registerDisasm(program: Command, ctx: CommandContext): void {
  program
    .command("disasm")
    .description(
      "Disassemble BPF instructions into the kernel's syntax, e.g. `0: (61) r1 = *(u32 *)(r10 -8)`. " +
        "FILE is raw little-endian bytecode, hex text (--hex or *.hex), assembly (*.s, *.asm), " +
        "or an ELF object (programs relocated, with C source lines from BTF). " +
        "Exit 0 on success, 2 on bad input.",
    )
    .argument("<FILE>", "bytecode, hex text, or assembly; with --hex also a hex string itself")
    .option("--no-opcodes", "omit the (op) opcode prefix")
    .option("--no-index", "omit the instruction index")
    .option("--hex", "FILE holds hex bytes (or is the hex string itself)")
    .option("--section <name>", "ELF objects: only programs in this section")
    .option("--program <name>", "ELF objects: only the program (function) with this name")
    .option("--no-source", "ELF objects: omit the C source lines from BTF line_info")
    .action((file: string, flags: DisasmFlags) => disasmFile(file, flags, ctx));
}
