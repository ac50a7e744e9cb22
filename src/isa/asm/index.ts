// One entry for both assembly syntaxes: the uBPF / conformance syntax
// (`mov32 %r0, 1`) and the kernel / llvm-objdump syntax (`w0 = 1`).
import type { Insn } from "../insn.ts";
import { assembleKernel } from "./kernel.ts";
import { assembleUbpf } from "./ubpf.ts";
import { UBPF_MNEMONICS } from "./ubpf-mnemonics.ts";

export type AsmSyntax = "ubpf" | "kernel";

export interface AssembleOptions {
  /** File name for error messages. */
  file?: string;
  /** Force a syntax; by default it is detected from the text. */
  syntax?: AsmSyntax;
}

/**
 * uBPF syntax names registers `%rN` and starts lines with a mnemonic taking
 * comma-separated operands (`add32 %r1, 2`, `ja +1`, `lock add [...]`); kernel
 * syntax writes assignments (`r1 += 2`). Lines both read the same way
 * (`exit`, `call 5`) do not decide.
 */
export function detectSyntax(text: string): AsmSyntax {
  for (const raw of text.split(/\r?\n/)) {
    const line = raw
      .replace(/(^|\s)[#;].*$/, "")
      .replace(/\/\/.*$/, "")
      .trim();
    if (line === "") continue;
    if (/%r\d/.test(line)) return "ubpf";
    if (line.includes("=")) return "kernel";
    const first = /^(?:[A-Za-z_.$][\w.$]*:\s*)*(\S+)/.exec(line)?.[1];
    if (
      first === "lock" ||
      (first && first !== "call" && first !== "exit" && UBPF_MNEMONICS.has(first))
    ) {
      return "ubpf";
    }
    if (
      first === "if" ||
      first === "goto" ||
      first === "gotol" ||
      first === "callx" ||
      first === "may_goto"
    ) {
      return "kernel";
    }
  }
  return "kernel";
}

/** Assemble text in either syntax to instructions (an lddw is two Insns). */
export function assemble(text: string, opts: AssembleOptions = {}): Insn[] {
  const syntax = opts.syntax ?? detectSyntax(text);
  return syntax === "ubpf" ? assembleUbpf(text, opts.file) : assembleKernel(text, opts.file);
}

export { assembleKernel, assembleUbpf };
