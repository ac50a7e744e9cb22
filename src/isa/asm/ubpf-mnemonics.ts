// The uBPF / bpf_conformance assembly mnemonics as data: each name maps to the
// shape of its operands and the opcode bits it sets. `mov32 %r0, 1`,
// `ldxw %r0, [%r1+4]`, `jne %r1, 5, label`, `lock fetch add [%r10-8], %r1`.
import * as op from "../opcodes.ts";

export type UbpfShape =
  /** dst, src-register-or-imm; `off` is preset for sdiv/smod. */
  | { kind: "alu"; code: number; off: number }
  /** dst only (neg). */
  | { kind: "neg"; code: number }
  /** dst only; imm is the width (be16, le32, swap64/bswap64). */
  | { kind: "end"; code: number; width: number }
  /** dst, src-register; off is the source width (movsx832, movsx3264). */
  | { kind: "movsx"; code: number; width: number }
  | { kind: "ldx"; code: number }
  | { kind: "st"; code: number }
  | { kind: "stx"; code: number }
  | { kind: "lddw" }
  /** ldabsw imm / ldindw %src, imm: legacy packet loads. */
  | { kind: "ldabs"; code: number }
  | { kind: "ldind"; code: number }
  | { kind: "ja" }
  | { kind: "ja32" }
  | { kind: "jcond"; code: number }
  | { kind: "call" }
  | { kind: "exit" };

const ALU_OPS: ReadonlyArray<[string, number, number]> = [
  ["add", op.BPF_ADD, 0],
  ["sub", op.BPF_SUB, 0],
  ["mul", op.BPF_MUL, 0],
  ["div", op.BPF_DIV, 0],
  ["sdiv", op.BPF_DIV, 1],
  ["or", op.BPF_OR, 0],
  ["and", op.BPF_AND, 0],
  ["lsh", op.BPF_LSH, 0],
  ["rsh", op.BPF_RSH, 0],
  ["mod", op.BPF_MOD, 0],
  ["smod", op.BPF_MOD, 1],
  ["xor", op.BPF_XOR, 0],
  ["mov", op.BPF_MOV, 0],
  ["arsh", op.BPF_ARSH, 0],
];

const JMP_OPS: ReadonlyArray<[string, number]> = [
  ["jeq", op.BPF_JEQ],
  ["jgt", op.BPF_JGT],
  ["jge", op.BPF_JGE],
  ["jset", op.BPF_JSET],
  ["jne", op.BPF_JNE],
  ["jsgt", op.BPF_JSGT],
  ["jsge", op.BPF_JSGE],
  ["jlt", op.BPF_JLT],
  ["jle", op.BPF_JLE],
  ["jslt", op.BPF_JSLT],
  ["jsle", op.BPF_JSLE],
];

const SIZES: ReadonlyArray<[string, number]> = [
  ["b", op.BPF_B],
  ["h", op.BPF_H],
  ["w", op.BPF_W],
  ["dw", op.BPF_DW],
];

function buildTable(): Map<string, UbpfShape> {
  const t = new Map<string, UbpfShape>();
  for (const [name, aluOp, off] of ALU_OPS) {
    const alu64: UbpfShape = { kind: "alu", code: op.BPF_ALU64 | aluOp, off };
    t.set(name, alu64);
    t.set(`${name}64`, alu64);
    t.set(`${name}32`, { kind: "alu", code: op.BPF_ALU | aluOp, off });
  }
  t.set("neg", { kind: "neg", code: op.BPF_ALU64 | op.BPF_NEG });
  t.set("neg64", { kind: "neg", code: op.BPF_ALU64 | op.BPF_NEG });
  t.set("neg32", { kind: "neg", code: op.BPF_ALU | op.BPF_NEG });
  for (const width of [16, 32, 64]) {
    t.set(`be${width}`, { kind: "end", code: op.BPF_ALU | op.BPF_END | op.BPF_TO_BE, width });
    t.set(`le${width}`, { kind: "end", code: op.BPF_ALU | op.BPF_END | op.BPF_TO_LE, width });
    const bswap: UbpfShape = { kind: "end", code: op.BPF_ALU64 | op.BPF_END, width };
    t.set(`swap${width}`, bswap);
    t.set(`bswap${width}`, bswap);
  }
  // movsx<from><to>: ALU64 takes 8/16/32-bit sources, ALU (32-bit) 8/16.
  for (const width of [8, 16, 32]) {
    t.set(`movsx${width}64`, { kind: "movsx", code: op.BPF_ALU64 | op.BPF_MOV | op.BPF_X, width });
    if (width < 32) {
      t.set(`movsx${width}32`, { kind: "movsx", code: op.BPF_ALU | op.BPF_MOV | op.BPF_X, width });
    }
  }
  for (const [suffix, size] of SIZES) {
    t.set(`ldx${suffix}`, { kind: "ldx", code: op.BPF_LDX | op.BPF_MEM | size });
    if (size !== op.BPF_DW)
      t.set(`ldxs${suffix}`, { kind: "ldx", code: op.BPF_LDX | op.BPF_MEMSX | size });
    t.set(`st${suffix}`, { kind: "st", code: op.BPF_ST | op.BPF_MEM | size });
    t.set(`stx${suffix}`, { kind: "stx", code: op.BPF_STX | op.BPF_MEM | size });
    t.set(`ldabs${suffix}`, { kind: "ldabs", code: op.BPF_LD | op.BPF_ABS | size });
    t.set(`ldind${suffix}`, { kind: "ldind", code: op.BPF_LD | op.BPF_IND | size });
  }
  t.set("lddw", { kind: "lddw" });
  t.set("ja", { kind: "ja" });
  t.set("ja32", { kind: "ja32" });
  t.set("gotol", { kind: "ja32" });
  for (const [name, jmpOp] of JMP_OPS) {
    t.set(name, { kind: "jcond", code: op.BPF_JMP | jmpOp });
    t.set(`${name}32`, { kind: "jcond", code: op.BPF_JMP32 | jmpOp });
  }
  t.set("call", { kind: "call" });
  t.set("exit", { kind: "exit" });
  return t;
}

export const UBPF_MNEMONICS: ReadonlyMap<string, UbpfShape> = buildTable();

/** Atomic operations after `lock [fetch]`: name → imm (the fetch bit is added by `fetch`). */
export const UBPF_ATOMIC_OPS: ReadonlyMap<string, { imm: number; alwaysFetch: boolean }> = new Map([
  ["add", { imm: op.BPF_ADD, alwaysFetch: false }],
  ["or", { imm: op.BPF_OR, alwaysFetch: false }],
  ["and", { imm: op.BPF_AND, alwaysFetch: false }],
  ["xor", { imm: op.BPF_XOR, alwaysFetch: false }],
  ["xchg", { imm: op.BPF_XCHG, alwaysFetch: true }],
  ["cmpxchg", { imm: op.BPF_CMPXCHG, alwaysFetch: true }],
]);
