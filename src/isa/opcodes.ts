// Opcode fields of the BPF instruction set (RFC 9669 plus Linux extensions).
// Values are the UAPI ones from include/uapi/linux/bpf_common.h and bpf.h.

/** Instruction classes: the low 3 bits of the opcode. */
export const BPF_LD = 0x00;
export const BPF_LDX = 0x01;
export const BPF_ST = 0x02;
export const BPF_STX = 0x03;
export const BPF_ALU = 0x04;
export const BPF_JMP = 0x05;
export const BPF_JMP32 = 0x06;
export const BPF_ALU64 = 0x07;

/** Source operand: the 0x08 bit of ALU/JMP opcodes. */
export const BPF_K = 0x00;
export const BPF_X = 0x08;

/** ALU operations: the high 4 bits of ALU/ALU64 opcodes. */
export const BPF_ADD = 0x00;
export const BPF_SUB = 0x10;
export const BPF_MUL = 0x20;
export const BPF_DIV = 0x30;
export const BPF_OR = 0x40;
export const BPF_AND = 0x50;
export const BPF_LSH = 0x60;
export const BPF_RSH = 0x70;
export const BPF_NEG = 0x80;
export const BPF_MOD = 0x90;
export const BPF_XOR = 0xa0;
export const BPF_MOV = 0xb0;
export const BPF_ARSH = 0xc0;
export const BPF_END = 0xd0;

/** Byte order for BPF_END: BPF_TO_LE = BPF_K, BPF_TO_BE = BPF_X; in ALU64 it is bswap. */
export const BPF_TO_LE = 0x00;
export const BPF_TO_BE = 0x08;

/** Jump operations: the high 4 bits of JMP/JMP32 opcodes. */
export const BPF_JA = 0x00;
export const BPF_JEQ = 0x10;
export const BPF_JGT = 0x20;
export const BPF_JGE = 0x30;
export const BPF_JSET = 0x40;
export const BPF_JNE = 0x50;
export const BPF_JSGT = 0x60;
export const BPF_JSGE = 0x70;
export const BPF_CALL = 0x80;
export const BPF_EXIT = 0x90;
export const BPF_JLT = 0xa0;
export const BPF_JLE = 0xb0;
export const BPF_JSLT = 0xc0;
export const BPF_JSLE = 0xd0;
/** `may_goto` (Linux 6.9+): BPF_JMP | BPF_JCOND with src = BPF_MAY_GOTO. */
export const BPF_JCOND = 0xe0;
export const BPF_MAY_GOTO = 0;

/** Load/store size: bits 3-4. */
export const BPF_W = 0x00;
export const BPF_H = 0x08;
export const BPF_B = 0x10;
export const BPF_DW = 0x18;

/** Load/store mode: bits 5-7. */
export const BPF_IMM = 0x00;
export const BPF_ABS = 0x20;
export const BPF_IND = 0x40;
export const BPF_MEM = 0x60;
export const BPF_MEMSX = 0x80;
export const BPF_ATOMIC = 0xc0;

/** Atomic operations (the imm field of BPF_STX | BPF_ATOMIC). */
export const BPF_FETCH = 0x01;
export const BPF_XCHG = 0xe0 | BPF_FETCH;
export const BPF_CMPXCHG = 0xf0 | BPF_FETCH;
/** Load-acquire / store-release (Linux 6.15+): BPF_STX | BPF_ATOMIC of any size with this imm. */
export const BPF_LOAD_ACQ = 0x100;
export const BPF_STORE_REL = 0x110;

/** Pseudo sources of `lddw` (src field of BPF_LD | BPF_IMM | BPF_DW). */
export const BPF_PSEUDO_MAP_FD = 1;
export const BPF_PSEUDO_MAP_VALUE = 2;
export const BPF_PSEUDO_BTF_ID = 3;
export const BPF_PSEUDO_FUNC = 4;
export const BPF_PSEUDO_MAP_IDX = 5;
export const BPF_PSEUDO_MAP_IDX_VALUE = 6;

/** Pseudo sources of `call` (src field of BPF_JMP | BPF_CALL). */
export const BPF_HELPER_CALL = 0;
export const BPF_PSEUDO_CALL = 1;
export const BPF_PSEUDO_KFUNC_CALL = 2;

/** Registers. */
export const BPF_REG_0 = 0;
export const BPF_REG_1 = 1;
export const BPF_REG_5 = 5;
export const BPF_REG_6 = 6;
export const BPF_REG_9 = 9;
export const BPF_REG_FP = 10;
/** Number of registers a program may name (r0..r10). */
export const MAX_BPF_REG = 11;

/** Limits shared by the interpreter, the JIT and the verifier (Linux values). */
export const MAX_BPF_STACK = 512;
export const MAX_CALL_FRAMES = 8;
export const MAX_TAIL_CALL_CNT = 33;
export const BPF_COMPLEXITY_LIMIT_INSNS = 1_000_000;

export const opClass = (code: number): number => code & 0x07;
export const opSource = (code: number): number => code & 0x08;
export const opAlu = (code: number): number => code & 0xf0;
export const opJmp = (code: number): number => code & 0xf0;
export const opSize = (code: number): number => code & 0x18;
export const opMode = (code: number): number => code & 0xe0;

/** Bytes accessed by a load/store of the given size field. */
export const sizeBytes = (size: number): 1 | 2 | 4 | 8 =>
  size === BPF_B ? 1 : size === BPF_H ? 2 : size === BPF_W ? 4 : 8;

/** The `lddw` opcode (first half of a 16-byte instruction). */
export const LDDW = BPF_LD | BPF_IMM | BPF_DW;
