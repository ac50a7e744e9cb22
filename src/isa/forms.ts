// Every defined instruction form as data: the opcode, which fields select the
// form among forms sharing that opcode (e.g. off=1 makes div an sdiv, imm picks
// the atomic operation, src picks the lddw pseudo source), the rule each field
// must obey, and the kernel verifier's message when a field breaks it. The
// validator, the disassembler and the assemblers' tests all read this table.
import * as op from "./opcodes.ts";

/** What a field may hold: must be 0, any value, a register (0..10), or one of a set. */
export type FieldRule = "zero" | "any" | "reg";

export type FormKind =
  | "alu"
  | "neg"
  | "mov"
  | "movsx"
  | "end"
  | "bswap"
  | "ldx"
  | "ldxsx"
  | "st"
  | "stx"
  | "atomic"
  | "atomic_fetch"
  | "xchg"
  | "cmpxchg"
  | "load_acquire"
  | "store_release"
  | "lddw"
  | "ldabs"
  | "ldind"
  | "ja"
  | "gotol"
  | "jcond"
  | "call_helper"
  | "call_local"
  | "call_kfunc"
  | "callx"
  | "exit"
  | "may_goto";

export interface InsnForm {
  /** Unique name in uBPF style: add64_imm, sdiv32_reg, ldxw, lock_fetch_add32, lddw_map_fd, call_local. */
  name: string;
  kind: FormKind;
  code: number;
  /** Field values that select this form among the forms sharing `code`. */
  match: { src?: number; off?: number; imm?: number };
  dst: FieldRule;
  src: FieldRule;
  off: FieldRule;
  imm: FieldRule;
  /** Kernel verifier message when a field breaks its rule (`%d` → imm). */
  reserved: string;
  /** Kernel message when no form of this opcode matches the selecting fields. */
  nomatch?: string;
  /** Not a Linux instruction: accepted only where the caller allows it (callx, from uBPF/LLVM). */
  ext?: "callx";
}

interface FormSpec extends Partial<Omit<InsnForm, "name" | "kind" | "code">> {
  reserved: string;
}

const forms: InsnForm[] = [];
function add(name: string, kind: FormKind, code: number, spec: FormSpec): void {
  forms.push({
    name,
    kind,
    code,
    match: spec.match ?? {},
    dst: spec.dst ?? "reg",
    src: spec.src ?? "zero",
    off: spec.off ?? "zero",
    imm: spec.imm ?? "zero",
    reserved: spec.reserved,
    nomatch: spec.nomatch,
    ext: spec.ext,
  });
}

const ALU_MSG = "BPF_ALU uses reserved fields";
const MOV_MSG = "BPF_MOV uses reserved fields";
const END_MSG = "BPF_END uses reserved fields";
const JMP_MSG = "BPF_JMP/JMP32 uses reserved fields";
const CALL_MSG = "BPF_CALL uses reserved fields";
const ATOMIC_NOMATCH = "BPF_ATOMIC uses invalid atomic opcode %02x";

/** Binary ALU operations; `signed` ones have an off=1 twin (sdiv, smod). */
export const ALU_BINARY: ReadonlyArray<{ name: string; op: number; signed?: string }> = [
  { name: "add", op: op.BPF_ADD },
  { name: "sub", op: op.BPF_SUB },
  { name: "mul", op: op.BPF_MUL },
  { name: "div", op: op.BPF_DIV, signed: "sdiv" },
  { name: "or", op: op.BPF_OR },
  { name: "and", op: op.BPF_AND },
  { name: "lsh", op: op.BPF_LSH },
  { name: "rsh", op: op.BPF_RSH },
  { name: "mod", op: op.BPF_MOD, signed: "smod" },
  { name: "xor", op: op.BPF_XOR },
  { name: "arsh", op: op.BPF_ARSH },
];

export const JMP_CONDS: ReadonlyArray<{ name: string; op: number }> = [
  { name: "jeq", op: op.BPF_JEQ },
  { name: "jgt", op: op.BPF_JGT },
  { name: "jge", op: op.BPF_JGE },
  { name: "jset", op: op.BPF_JSET },
  { name: "jne", op: op.BPF_JNE },
  { name: "jsgt", op: op.BPF_JSGT },
  { name: "jsge", op: op.BPF_JSGE },
  { name: "jlt", op: op.BPF_JLT },
  { name: "jle", op: op.BPF_JLE },
  { name: "jslt", op: op.BPF_JSLT },
  { name: "jsle", op: op.BPF_JSLE },
];

const SIZES: ReadonlyArray<[string, number]> = [
  ["b", op.BPF_B],
  ["h", op.BPF_H],
  ["w", op.BPF_W],
  ["dw", op.BPF_DW],
];

export const ATOMIC_OPS: ReadonlyArray<{ name: string; imm: number; kind: FormKind }> = [
  { name: "add", imm: op.BPF_ADD, kind: "atomic" },
  { name: "or", imm: op.BPF_OR, kind: "atomic" },
  { name: "and", imm: op.BPF_AND, kind: "atomic" },
  { name: "xor", imm: op.BPF_XOR, kind: "atomic" },
  { name: "fetch_add", imm: op.BPF_ADD | op.BPF_FETCH, kind: "atomic_fetch" },
  { name: "fetch_or", imm: op.BPF_OR | op.BPF_FETCH, kind: "atomic_fetch" },
  { name: "fetch_and", imm: op.BPF_AND | op.BPF_FETCH, kind: "atomic_fetch" },
  { name: "fetch_xor", imm: op.BPF_XOR | op.BPF_FETCH, kind: "atomic_fetch" },
  { name: "xchg", imm: op.BPF_XCHG, kind: "xchg" },
  { name: "cmpxchg", imm: op.BPF_CMPXCHG, kind: "cmpxchg" },
];

/** lddw pseudo sources (src field), in order 0..6. */
export const LDDW_SOURCES = [
  "lddw",
  "lddw_map_fd",
  "lddw_map_value",
  "lddw_btf_id",
  "lddw_func",
  "lddw_map_idx",
  "lddw_map_idx_value",
] as const;

for (const [cls, suffix] of [
  [op.BPF_ALU, "32"],
  [op.BPF_ALU64, "64"],
] as const) {
  for (const a of ALU_BINARY) {
    const variants: Array<[string, number]> = [[a.name, 0]];
    if (a.signed) variants.push([a.signed, 1]);
    for (const [name, off] of variants) {
      add(`${name}${suffix}_imm`, "alu", cls | a.op | op.BPF_K, {
        match: { off },
        imm: "any",
        reserved: ALU_MSG,
      });
      add(`${name}${suffix}_reg`, "alu", cls | a.op | op.BPF_X, {
        match: { off },
        src: "reg",
        reserved: ALU_MSG,
      });
    }
  }
  add(`neg${suffix}`, "neg", cls | op.BPF_NEG | op.BPF_K, {
    reserved: "BPF_NEG uses reserved fields",
  });
  add(`mov${suffix}_imm`, "mov", cls | op.BPF_MOV | op.BPF_K, { imm: "any", reserved: MOV_MSG });
  add(`mov${suffix}_reg`, "mov", cls | op.BPF_MOV | op.BPF_X, {
    match: { off: 0 },
    src: "reg",
    reserved: MOV_MSG,
  });
  for (const width of cls === op.BPF_ALU ? [8, 16] : [8, 16, 32]) {
    add(`movsx${width}${suffix}`, "movsx", cls | op.BPF_MOV | op.BPF_X, {
      match: { off: width },
      src: "reg",
      reserved: MOV_MSG,
    });
  }
}
for (const width of [16, 32, 64]) {
  add(`le${width}`, "end", op.BPF_ALU | op.BPF_END | op.BPF_TO_LE, {
    match: { imm: width },
    reserved: END_MSG,
  });
  add(`be${width}`, "end", op.BPF_ALU | op.BPF_END | op.BPF_TO_BE, {
    match: { imm: width },
    reserved: END_MSG,
  });
  add(`bswap${width}`, "bswap", op.BPF_ALU64 | op.BPF_END, {
    match: { imm: width },
    reserved: END_MSG,
  });
}

for (const [s, size] of SIZES) {
  add(`ldx${s}`, "ldx", op.BPF_LDX | op.BPF_MEM | size, {
    src: "reg",
    off: "any",
    reserved: "BPF_LDX uses reserved fields",
  });
  if (size !== op.BPF_DW) {
    add(`ldxs${s}`, "ldxsx", op.BPF_LDX | op.BPF_MEMSX | size, {
      src: "reg",
      off: "any",
      reserved: "BPF_LDX uses reserved fields",
    });
  }
  add(`st${s}`, "st", op.BPF_ST | op.BPF_MEM | size, {
    off: "any",
    imm: "any",
    reserved: "BPF_ST uses reserved fields",
  });
  add(`stx${s}`, "stx", op.BPF_STX | op.BPF_MEM | size, {
    src: "reg",
    off: "any",
    reserved: "BPF_STX uses reserved fields",
  });
  if (size !== op.BPF_DW) {
    const abs = "BPF_LD_[ABS|IND] uses reserved fields";
    add(`ldabs${s}`, "ldabs", op.BPF_LD | op.BPF_ABS | size, {
      dst: "zero",
      imm: "any",
      reserved: abs,
    });
    add(`ldind${s}`, "ldind", op.BPF_LD | op.BPF_IND | size, {
      dst: "zero",
      src: "reg",
      imm: "any",
      reserved: abs,
    });
  }
}
for (const [suffix, size] of [
  ["32", op.BPF_W],
  ["", op.BPF_DW],
] as const) {
  for (const a of ATOMIC_OPS) {
    add(`lock_${a.name}${suffix}`, a.kind, op.BPF_STX | op.BPF_ATOMIC | size, {
      match: { imm: a.imm },
      src: "reg",
      off: "any",
      reserved: "BPF_STX uses reserved fields",
      nomatch: ATOMIC_NOMATCH,
    });
  }
}
// Load-acquire and store-release come in every size, so B and H atomics exist only for them.
for (const [s, size] of SIZES) {
  const spec = {
    src: "reg",
    off: "any",
    reserved: "BPF_STX uses reserved fields",
    nomatch: ATOMIC_NOMATCH,
  } as const;
  add(`load_acquire_${s}`, "load_acquire", op.BPF_STX | op.BPF_ATOMIC | size, {
    ...spec,
    match: { imm: op.BPF_LOAD_ACQ },
  });
  add(`store_release_${s}`, "store_release", op.BPF_STX | op.BPF_ATOMIC | size, {
    ...spec,
    match: { imm: op.BPF_STORE_REL },
  });
}
LDDW_SOURCES.forEach((name, src) => {
  add(name, "lddw", op.LDDW, {
    match: { src },
    imm: "any",
    reserved: "BPF_LD_IMM64 uses reserved fields",
    nomatch: "unrecognized bpf_ld_imm64 insn",
  });
});

add("ja", "ja", op.BPF_JMP | op.BPF_JA, {
  dst: "zero",
  off: "any",
  reserved: "BPF_JA uses reserved fields",
});
add("ja32", "gotol", op.BPF_JMP32 | op.BPF_JA, {
  dst: "zero",
  imm: "any",
  reserved: "BPF_JA uses reserved fields",
});
for (const [cls, suffix] of [
  [op.BPF_JMP, ""],
  [op.BPF_JMP32, "32"],
] as const) {
  for (const j of JMP_CONDS) {
    add(`${j.name}${suffix}_imm`, "jcond", cls | j.op | op.BPF_K, {
      off: "any",
      imm: "any",
      reserved: JMP_MSG,
    });
    add(`${j.name}${suffix}_reg`, "jcond", cls | j.op | op.BPF_X, {
      src: "reg",
      off: "any",
      reserved: JMP_MSG,
    });
  }
}
const CALL = op.BPF_JMP | op.BPF_CALL;
add("call", "call_helper", CALL, {
  match: { src: 0 },
  dst: "zero",
  imm: "any",
  reserved: CALL_MSG,
});
add("call_local", "call_local", CALL, {
  match: { src: 1 },
  dst: "zero",
  imm: "any",
  reserved: CALL_MSG,
});
add("call_kfunc", "call_kfunc", CALL, {
  match: { src: 2 },
  dst: "zero",
  off: "any",
  imm: "any",
  reserved: CALL_MSG,
});
add("callx", "callx", CALL | op.BPF_X, { reserved: CALL_MSG, ext: "callx" });
add("exit", "exit", op.BPF_JMP | op.BPF_EXIT, {
  dst: "zero",
  reserved: "BPF_EXIT uses reserved fields",
});
add("may_goto", "may_goto", op.BPF_JMP | op.BPF_JCOND, {
  match: { src: op.BPF_MAY_GOTO },
  dst: "zero",
  off: "any",
  reserved: "invalid may_goto imm %d",
});

/** Every defined form, in table order. */
export const INSN_FORMS: readonly InsnForm[] = forms;

const byCode = new Map<number, InsnForm[]>();
for (const f of forms) {
  const list = byCode.get(f.code);
  if (list) list.push(f);
  else byCode.set(f.code, [f]);
}
const byName = new Map(forms.map((f) => [f.name, f]));

/** The forms sharing an opcode (empty for an undefined opcode). */
export function formsOfCode(code: number): readonly InsnForm[] {
  return byCode.get(code) ?? [];
}

export function formByName(name: string): InsnForm | undefined {
  return byName.get(name);
}

/** The form an instruction is an instance of (selecting fields only; field rules are not checked). */
export function formOf(x: {
  code: number;
  src: number;
  off: number;
  imm: number;
}): InsnForm | undefined {
  for (const f of byCode.get(x.code) ?? []) {
    if (f.match.src !== undefined && f.match.src !== x.src) continue;
    if (f.match.off !== undefined && f.match.off !== x.off) continue;
    if (f.match.imm !== undefined && f.match.imm !== x.imm) continue;
    return f;
  }
  return undefined;
}
