// Disassembler printing the Linux kernel's own syntax (kernel/bpf/disasm.c),
// so verifier logs, xlated dumps and selftest expectations compare as text:
//   (61) r1 = *(u32 *)(r10 -8)        (15) if r1 == 0x0 goto pc+4
//   (85) call bpf_map_lookup_elem#1   (18) r1 = map[id:5]
// How each form prints is the table FORM_PRINTERS below, keyed by form kind.
import { HELPER_NAMES } from "../uapi/helper-ids.ts";
import { formOf, type FormKind } from "./forms.ts";
import { lddwImm64, type Insn } from "./insn.ts";
import * as op from "./opcodes.ts";

export interface DisasmOptions {
  /** Print the `(61) ` opcode prefix (default true). */
  opcodes?: boolean;
  /** Print the `12: ` instruction index prefix (default false). */
  index?: boolean;
  /** Name of a helper id; default `bpf_<name>` from enum bpf_func_id, `unknown` when out of range. */
  helperName?: (id: number) => string | undefined;
  /** Name of the kfunc a BPF_PSEUDO_KFUNC_CALL calls; default `kernel-function`. */
  kfuncName?: (insn: Insn) => string | undefined;
  /**
   * Text of an lddw's operand (bpftool's print_imm analogue), e.g. a map name
   * for BPF_PSEUDO_MAP_FD. Return undefined to use the default form.
   */
  lddwText?: (insn: Insn, next: Insn, value: bigint) => string | undefined;
}

const SIZE_NAMES: Record<number, string> = {
  [op.BPF_W]: "u32",
  [op.BPF_H]: "u16",
  [op.BPF_B]: "u8",
  [op.BPF_DW]: "u64",
};
const SX_SIZE_NAMES: Record<number, string> = {
  [op.BPF_W]: "s32",
  [op.BPF_H]: "s16",
  [op.BPF_B]: "s8",
};

/** Kernel bpf_alu_string: the compound assignment of each ALU op. */
export const ALU_OP_TEXT: Record<number, string> = {
  [op.BPF_ADD]: "+=",
  [op.BPF_SUB]: "-=",
  [op.BPF_MUL]: "*=",
  [op.BPF_DIV]: "/=",
  [op.BPF_OR]: "|=",
  [op.BPF_AND]: "&=",
  [op.BPF_LSH]: "<<=",
  [op.BPF_RSH]: ">>=",
  [op.BPF_MOD]: "%=",
  [op.BPF_XOR]: "^=",
  [op.BPF_MOV]: "=",
  [op.BPF_ARSH]: "s>>=",
};
/** sdiv/smod (off=1) print with an `s` prefix. */
export const SIGNED_ALU_OP_TEXT: Record<number, string> = {
  [op.BPF_DIV]: "s/=",
  [op.BPF_MOD]: "s%=",
};

/** Kernel bpf_jmp_string: the comparison of each conditional jump. */
export const JMP_OP_TEXT: Record<number, string> = {
  [op.BPF_JEQ]: "==",
  [op.BPF_JGT]: ">",
  [op.BPF_JLT]: "<",
  [op.BPF_JGE]: ">=",
  [op.BPF_JLE]: "<=",
  [op.BPF_JSET]: "&",
  [op.BPF_JNE]: "!=",
  [op.BPF_JSGT]: "s>",
  [op.BPF_JSLT]: "s<",
  [op.BPF_JSGE]: "s>=",
  [op.BPF_JSLE]: "s<=",
};

export const ATOMIC_OP_NAMES: Record<number, string> = {
  [op.BPF_ADD]: "add",
  [op.BPF_AND]: "and",
  [op.BPF_OR]: "or",
  [op.BPF_XOR]: "xor",
};

/** Default operand text of each lddw pseudo source (bpftool style), by src. */
const LDDW_DEFAULT: Array<(lo: Insn, hi: Insn, v: bigint) => string> = [
  (_lo, _hi, v) => `0x${v.toString(16)}`,
  (lo) => `map[id:${lo.imm >>> 0}]`,
  (lo, hi) => `map[id:${lo.imm >>> 0}][0]+${hi.imm >>> 0}`,
  (lo, hi) =>
    hi.imm === 0 ? `btf_id[${lo.imm >>> 0}]` : `btf_id[${lo.imm >>> 0}][${hi.imm >>> 0}]`,
  (lo) => `subprog[${signed(lo.imm)}]`,
  (lo) => `map[idx:${lo.imm >>> 0}]`,
  (lo, hi) => `map[idx:${lo.imm >>> 0}]+${hi.imm >>> 0}`,
];

const signed = (n: number): string => (n < 0 ? `${n}` : `+${n}`);
const reg = (wide: boolean, n: number): string => `${wide ? "r" : "w"}${n}`;
const mem = (x: Insn, base: number): string => `(r${base} ${signed(x.off)})`;

interface PrintCtx {
  x: Insn;
  next: Insn | undefined;
  opts: DisasmOptions;
}

/** One printer per form kind: the kernel's format for that kind of instruction. */
const FORM_PRINTERS: Record<FormKind, (c: PrintCtx) => string> = {
  alu: ({ x }) => {
    const wide = op.opClass(x.code) === op.BPF_ALU64;
    const text = (x.off === 1 ? SIGNED_ALU_OP_TEXT : ALU_OP_TEXT)[op.opAlu(x.code)];
    const rhs = op.opSource(x.code) === op.BPF_X ? reg(wide, x.src) : String(x.imm);
    return `${reg(wide, x.dst)} ${text} ${rhs}`;
  },
  neg: ({ x }) => {
    const wide = op.opClass(x.code) === op.BPF_ALU64;
    return `${reg(wide, x.dst)} = -${reg(wide, x.dst)}`;
  },
  mov: ({ x }) => {
    const wide = op.opClass(x.code) === op.BPF_ALU64;
    const rhs = op.opSource(x.code) === op.BPF_X ? reg(wide, x.src) : String(x.imm);
    return `${reg(wide, x.dst)} = ${rhs}`;
  },
  movsx: ({ x }) => {
    const wide = op.opClass(x.code) === op.BPF_ALU64;
    return `${reg(wide, x.dst)} = (s${x.off})${reg(wide, x.src)}`;
  },
  end: ({ x }) =>
    `r${x.dst} = ${op.opSource(x.code) === op.BPF_TO_BE ? "be" : "le"}${x.imm} r${x.dst}`,
  bswap: ({ x }) => `r${x.dst} = bswap${x.imm} r${x.dst}`,
  ldx: ({ x }) => `r${x.dst} = *(${SIZE_NAMES[op.opSize(x.code)]} *)${mem(x, x.src)}`,
  ldxsx: ({ x }) => `r${x.dst} = *(${SX_SIZE_NAMES[op.opSize(x.code)]} *)${mem(x, x.src)}`,
  st: ({ x }) => `*(${SIZE_NAMES[op.opSize(x.code)]} *)${mem(x, x.dst)} = ${x.imm}`,
  stx: ({ x }) => `*(${SIZE_NAMES[op.opSize(x.code)]} *)${mem(x, x.dst)} = r${x.src}`,
  atomic: ({ x }) =>
    `lock *(${SIZE_NAMES[op.opSize(x.code)]} *)${mem(x, x.dst)} ${ALU_OP_TEXT[x.imm & 0xf0]} r${x.src}`,
  atomic_fetch: ({ x }) =>
    `r${x.src} = ${atomicFn(x, `fetch_${ATOMIC_OP_NAMES[x.imm & 0xf0]}`)}((${SIZE_NAMES[op.opSize(x.code)]} *)${mem(x, x.dst)}, r${x.src})`,
  xchg: ({ x }) =>
    `r${x.src} = ${atomicFn(x, "xchg")}((${SIZE_NAMES[op.opSize(x.code)]} *)${mem(x, x.dst)}, r${x.src})`,
  cmpxchg: ({ x }) =>
    `r0 = ${atomicFn(x, "cmpxchg")}((${SIZE_NAMES[op.opSize(x.code)]} *)${mem(x, x.dst)}, r0, r${x.src})`,
  load_acquire: ({ x }) =>
    `r${x.dst} = load_acquire((${SIZE_NAMES[op.opSize(x.code)]} *)${mem(x, x.src)})`,
  store_release: ({ x }) =>
    `store_release((${SIZE_NAMES[op.opSize(x.code)]} *)${mem(x, x.dst)}, r${x.src})`,
  lddw: ({ x, next, opts }) => {
    if (!next) return `r${x.dst} = <incomplete lddw>`;
    const v = lddwImm64(x, next);
    return `r${x.dst} = ${opts.lddwText?.(x, next, v) ?? LDDW_DEFAULT[x.src]!(x, next, v)}`;
  },
  ldabs: ({ x }) => `r0 = *(${SIZE_NAMES[op.opSize(x.code)]} *)skb[${x.imm}]`,
  ldind: ({ x }) => `r0 = *(${SIZE_NAMES[op.opSize(x.code)]} *)skb[r${x.src} + ${x.imm}]`,
  ja: ({ x }) => `goto pc${signed(x.off)}`,
  gotol: ({ x }) => `gotol pc${signed(x.imm)}`,
  jcond: ({ x }) => {
    const wide = op.opClass(x.code) === op.BPF_JMP;
    const rhs =
      op.opSource(x.code) === op.BPF_X ? reg(wide, x.src) : `0x${(x.imm >>> 0).toString(16)}`;
    return `if ${reg(wide, x.dst)} ${JMP_OP_TEXT[op.opJmp(x.code)]} ${rhs} goto pc${signed(x.off)}`;
  },
  call_helper: ({ x, opts }) => {
    const name = opts.helperName ? opts.helperName(x.imm) : defaultHelperName(x.imm);
    return `call ${name ?? "unknown"}#${x.imm}`;
  },
  call_local: ({ x }) => `call pc${signed(x.imm)}`,
  call_kfunc: ({ x, opts }) => `call ${opts.kfuncName?.(x) ?? "kernel-function"}#${x.imm}`,
  callx: ({ x }) => `callx r${x.dst}`,
  exit: () => "exit",
  may_goto: ({ x }) => `may_goto pc${signed(x.off)}`,
};

function atomicFn(x: Insn, name: string): string {
  return `atomic${op.opSize(x.code) === op.BPF_DW ? "64" : ""}_${name}`;
}

/** The kernel's func_id_str: `bpf_<name>` for every id of enum bpf_func_id (0 is bpf_unspec). */
function defaultHelperName(id: number): string | undefined {
  const n = id >= 0 ? HELPER_NAMES[id] : undefined;
  return n === undefined ? undefined : `bpf_${n}`;
}

const hex2 = (n: number): string => n.toString(16).padStart(2, "0");

/** The text of insns[pc] (an lddw consumes insns[pc+1] too). */
export function disasmInsn(insns: readonly Insn[], pc: number, opts: DisasmOptions = {}): string {
  const x = insns[pc]!;
  const form = formOf(x);
  const body = form
    ? FORM_PRINTERS[form.kind]({ x, next: insns[pc + 1], opts })
    : `invalid opcode ${hex2(x.code)}`;
  const prefix =
    (opts.index ? `${pc}: ` : "") + (opts.opcodes === false ? "" : `(${hex2(x.code)}) `);
  return prefix + body;
}

/** One line per instruction (an lddw pair is one line; the index then advances by 2). */
export function disasm(insns: readonly Insn[], opts: DisasmOptions = {}): string[] {
  const out: string[] = [];
  for (let pc = 0; pc < insns.length; pc++) {
    out.push(disasmInsn(insns, pc, opts));
    if (insns[pc]!.code === op.LDDW) pc++;
  }
  return out;
}
