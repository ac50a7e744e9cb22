// Which 8-bit opcodes exist (RFC 9669 plus the Linux extensions), as data, and
// the interpreter's internal op numbers for instructions whose meaning depends
// on more than the opcode byte. Internal ops start at 0x100 so they never
// collide with a real opcode in the interpreter's switch.
import * as op from "../isa/opcodes.ts";

export const Op = {
  /** lddw with its constant resolved (imm = low word, aux = high word). */
  LDDW: 0x100,
  /** call of helper 12 (bpf_tail_call). */
  TAIL_CALL: 0x101,
  /** BPF-to-BPF call (src = BPF_PSEUDO_CALL), target in aux. */
  CALL_LOCAL: 0x102,
  /** kfunc call (src = BPF_PSEUDO_KFUNC_CALL), BTF id in imm. */
  CALL_KFUNC: 0x103,
  /** sdiv/smod, 32 and 64 bit, K and X: SDIV32_K + (mod ? 2 : 0) + (reg ? 1 : 0). */
  SDIV32_K: 0x104,
  SDIV32_X: 0x105,
  SMOD32_K: 0x106,
  SMOD32_X: 0x107,
  SDIV64_K: 0x108,
  SDIV64_X: 0x109,
  SMOD64_K: 0x10a,
  SMOD64_X: 0x10b,
  /** movsx: sign-extending register moves (width in off). */
  MOVSX32: 0x10c,
  MOVSX64: 0x10d,
  /** ld_abs / ld_ind (mode from the opcode, size in aux). */
  LD_PKT: 0x10e,
  /** Read-modify-write atomics (operation in imm, size in aux). */
  ATOMIC: 0x10f,
  LOAD_ACQ: 0x110,
  STORE_REL: 0x111,
  MAY_GOTO: 0x112,
  /** The second slot of an lddw, and the sentinel past the last instruction: faults. */
  INVALID: 0x113,
} as const;

const ALU_OPS = [
  op.BPF_ADD,
  op.BPF_SUB,
  op.BPF_MUL,
  op.BPF_DIV,
  op.BPF_OR,
  op.BPF_AND,
  op.BPF_LSH,
  op.BPF_RSH,
  op.BPF_MOD,
  op.BPF_XOR,
  op.BPF_MOV,
  op.BPF_ARSH,
];
const COND_JMP_OPS = [
  op.BPF_JEQ,
  op.BPF_JGT,
  op.BPF_JGE,
  op.BPF_JSET,
  op.BPF_JNE,
  op.BPF_JSGT,
  op.BPF_JSGE,
  op.BPF_JLT,
  op.BPF_JLE,
  op.BPF_JSLT,
  op.BPF_JSLE,
];
const SIZES = [op.BPF_B, op.BPF_H, op.BPF_W, op.BPF_DW];

function buildValid(): Uint8Array {
  const v = new Uint8Array(256);
  const add = (c: number): void => void (v[c] = 1);
  for (const cls of [op.BPF_ALU, op.BPF_ALU64]) {
    for (const a of ALU_OPS) for (const s of [op.BPF_K, op.BPF_X]) add(cls | a | s);
    add(cls | op.BPF_NEG | op.BPF_K);
  }
  add(op.BPF_ALU | op.BPF_END | op.BPF_TO_LE);
  add(op.BPF_ALU | op.BPF_END | op.BPF_TO_BE);
  add(op.BPF_ALU64 | op.BPF_END | op.BPF_TO_LE); // bswap
  for (const s of SIZES) {
    add(op.BPF_LDX | op.BPF_MEM | s);
    add(op.BPF_ST | op.BPF_MEM | s);
    add(op.BPF_STX | op.BPF_MEM | s);
    // All sizes: W/DW for read-modify-write, B/H too for load-acquire/store-release.
    add(op.BPF_STX | op.BPF_ATOMIC | s);
    if (s !== op.BPF_DW) {
      add(op.BPF_LDX | op.BPF_MEMSX | s);
      add(op.BPF_LD | op.BPF_ABS | s);
      add(op.BPF_LD | op.BPF_IND | s);
    }
  }
  add(op.LDDW);
  for (const cls of [op.BPF_JMP, op.BPF_JMP32]) {
    add(cls | op.BPF_JA);
    for (const j of COND_JMP_OPS) for (const s of [op.BPF_K, op.BPF_X]) add(cls | j | s);
  }
  add(op.BPF_JMP | op.BPF_CALL | op.BPF_K);
  add(op.BPF_JMP | op.BPF_CALL | op.BPF_X);
  add(op.BPF_JMP | op.BPF_EXIT);
  add(op.BPF_JMP | op.BPF_JCOND);
  return v;
}

const VALID = buildValid();

export const isValidOpcode = (code: number): boolean => VALID[code & 0xff] === 1;
