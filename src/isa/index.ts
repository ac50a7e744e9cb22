// Public surface of the instruction set: opcodes, Insn, encode/decode, builders,
// the form table, validation, the disassembler and both assemblers.
export * from "./opcodes.ts";
export * from "./insn.ts";
export * as build from "./build.ts";
export * from "./forms.ts";
export * from "./validate.ts";
export * from "./disasm.ts";
export * from "./asm/index.ts";
