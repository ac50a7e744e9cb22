// Public surface of the instruction set: opcodes, Insn, encode/decode, builders.
export * from "./opcodes.ts";
export * from "./insn.ts";
export * as build from "./build.ts";
export { assembleUbpf } from "./asm/ubpf.ts";
export * from "./forms.ts";
export * from "./validate.ts";
export * from "./disasm.ts";
