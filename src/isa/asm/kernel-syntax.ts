// The kernel / llvm-objdump / PREVAIL assembly syntax as data: each entry is a
// token pattern (see kernel-match.ts) and the instruction(s) it builds. Entries
// are tried in order; the first full match wins.
import { HELPER_NAMES } from "../../uapi/helper-ids.ts";
import { ld64Imm } from "../build.ts";
import { ALU_OP_TEXT, ATOMIC_OP_NAMES, JMP_OP_TEXT, SIGNED_ALU_OP_TEXT } from "../disasm.ts";
import { insn, type Insn } from "../insn.ts";
import * as op from "../opcodes.ts";
import type { KTok } from "./kernel-lexer.ts";
import type { Caps, MatchSets, MemCap, NumCap, RegCap, TargetCap } from "./kernel-match.ts";
import { imm32, imm64, off16, u32 } from "./numbers.ts";

export interface BuildCtx {
  /** Index of the instruction being built. */
  pc: number;
  fail(tok: KTok, reason: string): never;
  /** Resolve `name` later into the off (16-bit) or imm (32-bit) field of insn `pc`. */
  label(name: string, field: "off" | "imm", tok: KTok): void;
}

type Builder = (c: Caps, x: BuildCtx) => Insn[];

const invert = (m: Record<number, string>): Map<string, number> =>
  new Map(Object.entries(m).map(([k, v]) => [v, Number(k)]));

/** Compound assignment → ALU op; `>>>=` is PREVAIL's arithmetic shift. */
const ALU_OPS = invert(ALU_OP_TEXT).set(">>>=", op.BPF_ARSH);
const SIGNED_ALU_OPS = invert(SIGNED_ALU_OP_TEXT);
const CMP_OPS = invert(JMP_OP_TEXT);
const SIZES: Record<string, { size: number; sx: boolean }> = {
  u8: { size: op.BPF_B, sx: false },
  u16: { size: op.BPF_H, sx: false },
  u32: { size: op.BPF_W, sx: false },
  u64: { size: op.BPF_DW, sx: false },
  s8: { size: op.BPF_B, sx: true },
  s16: { size: op.BPF_H, sx: true },
  s32: { size: op.BPF_W, sx: true },
};
const END_OPS: Record<string, { code: number; width: number }> = {};
for (const width of [16, 32, 64]) {
  END_OPS[`be${width}`] = { code: op.BPF_ALU | op.BPF_END | op.BPF_TO_BE, width };
  END_OPS[`le${width}`] = { code: op.BPF_ALU | op.BPF_END | op.BPF_TO_LE, width };
  END_OPS[`bswap${width}`] = { code: op.BPF_ALU64 | op.BPF_END, width };
}
const ATOMIC_BY_NAME = invert(ATOMIC_OP_NAMES);

export const MATCH_SETS: MatchSets = {
  aluops: new Set([...ALU_OPS.keys(), ...SIGNED_ALU_OPS.keys()]),
  cmps: new Set(CMP_OPS.keys()),
  sizes: new Set(Object.keys(SIZES)),
};

// ---- capture accessors -------------------------------------------------------
const reg = (c: Caps, k: string): RegCap => c[k] as RegCap;
const num = (c: Caps, k: string): NumCap => c[k] as NumCap;
const text = (c: Caps, k: string): { text: string; tok: KTok } =>
  c[k] as { text: string; tok: KTok };
const mem = (c: Caps, k: string): MemCap => c[k] as MemCap;

function imm(x: BuildCtx, n: NumCap): number {
  const v = imm32(n.text);
  return typeof v === "string" ? x.fail(n.tok, v) : v;
}

function memOff(x: BuildCtx, m: MemCap): number {
  if (!m.off) return 0;
  const v = off16(m.off.text);
  return typeof v === "string" ? x.fail(m.off.tok, v) : v;
}

function target(x: BuildCtx, t: TargetCap, field: "off" | "imm"): number {
  if ("label" in t) {
    x.label(t.label, field, t.tok);
    return 0;
  }
  const v = field === "off" ? off16(t.rel.text) : imm32(t.rel.text);
  return typeof v === "string" ? x.fail(t.rel.tok, v) : v;
}

function wide(x: BuildCtx, r: RegCap, want: boolean, what: string): void {
  if (r.wide !== want)
    x.fail(r.tok, `${what} must be ${want ? "an r" : "a w"} register, got '${r.tok.text}'`);
}

function size(x: BuildCtx, c: Caps, k: string, allowSx: boolean): { size: number; sx: boolean } {
  const z = text(c, k);
  const s = SIZES[z.text]!;
  if (s.sx && !allowSx) x.fail(z.tok, `'${z.text}' is only valid for sign-extending loads`);
  return s;
}

/** A data register of a load/store: r, or w for accesses of at most 32 bits (LLVM's alu32 style). */
function dataReg(x: BuildCtx, r: RegCap, sz: number): number {
  if (!r.wide && sz === op.BPF_DW)
    x.fail(r.tok, `64-bit access needs an r register, got '${r.tok.text}'`);
  return r.n;
}

function sameReg(x: BuildCtx, a: RegCap, b: RegCap, what: string): void {
  if (a.n !== b.n || a.wide !== b.wide)
    x.fail(b.tok, `${what} must name the same register on both sides`);
}

/** BPF_STX | BPF_ATOMIC of `size` on memory operand `m` with source register `s`. */
function atomicInsn(x: BuildCtx, c: Caps, size: number, imm: number): Insn[] {
  const m = mem(c, "m");
  return [
    insn(
      op.BPF_STX | op.BPF_ATOMIC | size,
      m.reg.n,
      dataReg(x, reg(c, "s"), size),
      memOff(x, m),
      imm,
    ),
  ];
}

function lddw(dst: RegCap, x: BuildCtx, value: bigint, src = 0): Insn[] {
  wide(x, dst, true, "lddw destination");
  return ld64Imm(dst.n, value, src);
}

function unsigned32(x: BuildCtx, n: NumCap): number {
  const v = u32(n.text);
  return typeof v === "string" ? x.fail(n.tok, v) : v;
}

/** Two 32-bit fields of a pseudo lddw: lo in imm of the first half, hi in the second. */
function pseudo(x: BuildCtx, c: Caps, src: number, hiKey?: string): Insn[] {
  const lo = BigInt(unsigned32(x, num(c, "i")) >>> 0);
  const hi = hiKey ? BigInt(unsigned32(x, num(c, hiKey)) >>> 0) : 0n;
  return lddw(reg(c, "d"), x, (hi << 32n) | lo, src);
}

function aluOp(x: BuildCtx, c: Caps): { code: number; off: number } {
  const o = text(c, "o");
  const signed = SIGNED_ALU_OPS.get(o.text);
  if (signed !== undefined) return { code: signed, off: 1 };
  return { code: ALU_OPS.get(o.text)!, off: 0 };
}

function helperOrLocal(x: BuildCtx, name: string, tok: KTok): Insn {
  const bare = name.startsWith("bpf_") ? name.slice(4) : undefined;
  const id = bare === undefined ? -1 : HELPER_NAMES.indexOf(bare as (typeof HELPER_NAMES)[number]);
  if (id >= 0) return insn(op.BPF_JMP | op.BPF_CALL, 0, op.BPF_HELPER_CALL, 0, id);
  x.label(name, "imm", tok);
  return insn(op.BPF_JMP | op.BPF_CALL, 0, op.BPF_PSEUDO_CALL);
}

/** Kernel atomics: atomic[64]_fetch_<op>, atomic[64]_xchg (LLVM: atomic_fetch_<op> for both sizes). */
function atomicRmw(c: Caps, x: BuildCtx): Insn[] {
  const f = text(c, "f");
  const m = /^atomic(64)?_(?:fetch_(add|and|or|xor)|(xchg))$/.exec(f.text);
  if (!m) x.fail(f.tok, `unknown atomic operation '${f.text}'`);
  const s = size(x, c, "z", false);
  if (s.size !== op.BPF_W && s.size !== op.BPF_DW)
    x.fail(text(c, "z").tok, "atomic operations are 32 or 64 bits wide");
  if (m[1] && s.size !== op.BPF_DW) x.fail(f.tok, `'${f.text}' needs a u64 operand`);
  const d = reg(c, "d");
  const src = reg(c, "s");
  sameReg(x, d, src, "an atomic fetch");
  const code = m[3] ? op.BPF_XCHG : ATOMIC_BY_NAME.get(m[2]!)! | op.BPF_FETCH;
  return atomicInsn(x, c, s.size, code);
}

function cmpxchgInsn(x: BuildCtx, c: Caps, sz: number): Insn[] {
  const d = reg(c, "d");
  const o = reg(c, "o");
  if (d.n !== 0) x.fail(d.tok, "cmpxchg returns into r0");
  if (o.n !== 0) x.fail(o.tok, "cmpxchg compares with r0");
  return atomicInsn(x, c, sz, op.BPF_CMPXCHG);
}

export const KERNEL_SYNTAX: ReadonlyArray<readonly [string, Builder]> = [
  // 64-bit constants and pseudo sources of lddw
  ["$d:reg = $v:num ll", (c: Caps, x: BuildCtx) => lddwValue(c, x)],
  [
    "$d:reg = map [ id : $i:num ] [ 0 ] + $o:num",
    (c: Caps, x: BuildCtx) => pseudo(x, c, op.BPF_PSEUDO_MAP_VALUE, "o"),
  ],
  ["$d:reg = map [ id : $i:num ]", (c: Caps, x: BuildCtx) => pseudo(x, c, op.BPF_PSEUDO_MAP_FD)],
  [
    "$d:reg = map [ idx : $i:num ] + $o:num",
    (c: Caps, x: BuildCtx) => pseudo(x, c, op.BPF_PSEUDO_MAP_IDX_VALUE, "o"),
  ],
  ["$d:reg = map [ idx : $i:num ]", (c: Caps, x: BuildCtx) => pseudo(x, c, op.BPF_PSEUDO_MAP_IDX)],
  [
    "$d:reg = btf_id [ $i:num ] [ $o:num ]",
    (c: Caps, x: BuildCtx) => pseudo(x, c, op.BPF_PSEUDO_BTF_ID, "o"),
  ],
  ["$d:reg = btf_id [ $i:num ]", (c: Caps, x: BuildCtx) => pseudo(x, c, op.BPF_PSEUDO_BTF_ID)],
  [
    "$d:reg = subprog [ $t:target ]",
    (c: Caps, x: BuildCtx) =>
      lddw(reg(c, "d"), x, BigInt(target(x, c.t as TargetCap, "imm") >>> 0), op.BPF_PSEUDO_FUNC),
  ],
  ["$d:reg = map_fd $i:num", (c: Caps, x: BuildCtx) => pseudo(x, c, op.BPF_PSEUDO_MAP_FD)],
  // moves, negation, byte swaps
  [
    "$d:reg = $v:num",
    (c: Caps, x: BuildCtx) => {
      const d = reg(c, "d");
      const v = num(c, "v");
      // The kernel prints lddw constants in hex and mov immediates in decimal.
      if (v.hex && d.wide) return lddwValue(c, x);
      return [
        insn((d.wide ? op.BPF_ALU64 : op.BPF_ALU) | op.BPF_MOV | op.BPF_K, d.n, 0, 0, imm(x, v)),
      ];
    },
  ],
  [
    "$d:reg = ( $z:size ) $s:reg",
    (c: Caps, x: BuildCtx) => {
      const d = reg(c, "d");
      const s = reg(c, "s");
      wide(x, s, d.wide, "the source");
      const z = text(c, "z");
      const width = { s8: 8, s16: 16, s32: 32 }[z.text];
      if (!width || (!d.wide && width === 32))
        x.fail(z.tok, `invalid sign extension '(${z.text})'`);
      return [insn((d.wide ? op.BPF_ALU64 : op.BPF_ALU) | op.BPF_MOV | op.BPF_X, d.n, s.n, width)];
    },
  ],
  [
    "$d:reg = - $s:reg",
    (c: Caps, x: BuildCtx) => {
      const d = reg(c, "d");
      sameReg(x, d, reg(c, "s"), "negation");
      return [insn((d.wide ? op.BPF_ALU64 : op.BPF_ALU) | op.BPF_NEG, d.n)];
    },
  ],
  [
    "$d:reg = $e:ident $s:reg",
    (c: Caps, x: BuildCtx) => {
      const e = text(c, "e");
      const end = END_OPS[e.text];
      if (!end) x.fail(e.tok, `unknown operation '${e.text}'`);
      const d = reg(c, "d");
      wide(x, d, true, "a byte swap");
      sameReg(x, d, reg(c, "s"), "a byte swap");
      return [insn(end.code, d.n, 0, 0, end.width)];
    },
  ],
  // legacy packet loads
  [
    "$d:reg = * ( $z:size * ) skb [ $v:num ]",
    (c: Caps, x: BuildCtx) => [
      insn(op.BPF_LD | op.BPF_ABS | ldSize(c, x), 0, 0, 0, imm(x, num(c, "v"))),
    ],
  ],
  [
    "$d:reg = * ( $z:size * ) skb [ $s:reg + $v:num ]",
    (c: Caps, x: BuildCtx) => [
      insn(op.BPF_LD | op.BPF_IND | ldSize(c, x), 0, reg(c, "s").n, 0, imm(x, num(c, "v"))),
    ],
  ],
  // loads and stores
  [
    "$d:reg = * ( $z:size * ) $m:mem",
    (c: Caps, x: BuildCtx) => {
      const s = size(x, c, "z", true);
      const m = mem(c, "m");
      wide(x, m.reg, true, "a base address");
      const mode = s.sx ? op.BPF_MEMSX : op.BPF_MEM;
      return [
        insn(op.BPF_LDX | mode | s.size, dataReg(x, reg(c, "d"), s.size), m.reg.n, memOff(x, m)),
      ];
    },
  ],
  [
    "* ( $z:size * ) $m:mem = $s:reg",
    (c: Caps, x: BuildCtx) => {
      const s = size(x, c, "z", false);
      const m = mem(c, "m");
      wide(x, m.reg, true, "a base address");
      return [
        insn(
          op.BPF_STX | op.BPF_MEM | s.size,
          m.reg.n,
          dataReg(x, reg(c, "s"), s.size),
          memOff(x, m),
        ),
      ];
    },
  ],
  [
    "* ( $z:size * ) $m:mem = $v:num",
    (c: Caps, x: BuildCtx) => {
      const s = size(x, c, "z", false);
      const m = mem(c, "m");
      wide(x, m.reg, true, "a base address");
      return [insn(op.BPF_ST | op.BPF_MEM | s.size, m.reg.n, 0, memOff(x, m), imm(x, num(c, "v")))];
    },
  ],
  // atomics
  [
    "lock * ( $z:size * ) $m:mem $o:aluop $s:reg",
    (c: Caps, x: BuildCtx) => {
      const o = text(c, "o");
      const a = ALU_OPS.get(o.text);
      if (a === undefined || ATOMIC_OP_NAMES[a] === undefined)
        x.fail(o.tok, `'lock ... ${o.text}' is not an atomic operation`);
      const s = size(x, c, "z", false);
      if (s.size !== op.BPF_W && s.size !== op.BPF_DW)
        x.fail(text(c, "z").tok, "atomic operations are 32 or 64 bits wide");
      return atomicInsn(x, c, s.size, a);
    },
  ],
  ["$d:reg = $f:ident ( ( $z:size * ) $m:mem , $s:reg )", atomicRmw],
  [
    "$d:reg = $f:ident ( ( $z:size * ) $m:mem , $o:reg , $s:reg )",
    (c: Caps, x: BuildCtx) => {
      const f = text(c, "f");
      const m = /^atomic(64)?_cmpxchg$/.exec(f.text);
      if (!m) x.fail(f.tok, `unknown atomic operation '${f.text}'`);
      const s = size(x, c, "z", false);
      if (s.size !== op.BPF_W && s.size !== op.BPF_DW)
        x.fail(text(c, "z").tok, "atomic operations are 32 or 64 bits wide");
      if (m[1] && s.size !== op.BPF_DW) x.fail(f.tok, `'${f.text}' needs a u64 operand`);
      return cmpxchgInsn(x, c, s.size);
    },
  ],
  [
    "$d:reg = load_acquire ( ( $z:size * ) $m:mem )",
    (c: Caps, x: BuildCtx) => {
      const s = size(x, c, "z", false);
      const m = mem(c, "m");
      const dst = dataReg(x, reg(c, "d"), s.size);
      return [
        insn(op.BPF_STX | op.BPF_ATOMIC | s.size, dst, m.reg.n, memOff(x, m), op.BPF_LOAD_ACQ),
      ];
    },
  ],
  [
    "store_release ( ( $z:size * ) $m:mem , $s:reg )",
    (c: Caps, x: BuildCtx) => atomicInsn(x, c, size(x, c, "z", false).size, op.BPF_STORE_REL),
  ],
  // LLVM's xchg_64(r1 + 0, r0) / xchg32_32 and cmpxchg_64 / cmpxchg32_32
  [
    "$d:reg = $f:ident ( $m:addr , $s:reg )",
    (c: Caps, x: BuildCtx) => {
      const f = text(c, "f");
      const sz = { xchg_64: op.BPF_DW, xchg32_32: op.BPF_W }[f.text];
      if (sz === undefined) x.fail(f.tok, `unknown atomic operation '${f.text}'`);
      sameReg(x, reg(c, "d"), reg(c, "s"), "an atomic exchange");
      return atomicInsn(x, c, sz, op.BPF_XCHG);
    },
  ],
  [
    "$d:reg = $f:ident ( $m:addr , $o:reg , $s:reg )",
    (c: Caps, x: BuildCtx) => {
      const f = text(c, "f");
      const sz = { cmpxchg_64: op.BPF_DW, cmpxchg32_32: op.BPF_W }[f.text];
      if (sz === undefined) x.fail(f.tok, `unknown atomic operation '${f.text}'`);
      return cmpxchgInsn(x, c, sz);
    },
  ],
  // PREVAIL's helper calls: r0 = map_lookup_elem:1(map_fd r1, map_key r2)
  [
    "$d:reg = $f:ident : $i:num ( $r:rest",
    (c: Caps, x: BuildCtx) => {
      const d = reg(c, "d");
      if (d.n !== 0 || !d.wide) x.fail(d.tok, "a helper call returns into r0");
      return [insn(op.BPF_JMP | op.BPF_CALL, 0, op.BPF_HELPER_CALL, 0, imm(x, num(c, "i")))];
    },
  ],
  // ALU
  [
    "$d:reg $o:aluop $s:reg",
    (c: Caps, x: BuildCtx) => {
      const d = reg(c, "d");
      wide(x, reg(c, "s"), d.wide, "the source");
      const a = aluOp(x, c);
      return [
        insn((d.wide ? op.BPF_ALU64 : op.BPF_ALU) | a.code | op.BPF_X, d.n, reg(c, "s").n, a.off),
      ];
    },
  ],
  [
    "$d:reg $o:aluop $v:num",
    (c: Caps, x: BuildCtx) => {
      const d = reg(c, "d");
      const a = aluOp(x, c);
      return [
        insn(
          (d.wide ? op.BPF_ALU64 : op.BPF_ALU) | a.code | op.BPF_K,
          d.n,
          0,
          a.off,
          imm(x, num(c, "v")),
        ),
      ];
    },
  ],
  // jumps
  [
    "goto $t:target",
    (c: Caps, x: BuildCtx) => [
      insn(op.BPF_JMP | op.BPF_JA, 0, 0, target(x, c.t as TargetCap, "off")),
    ],
  ],
  [
    "gotol $t:target",
    (c: Caps, x: BuildCtx) => [
      insn(op.BPF_JMP32 | op.BPF_JA, 0, 0, 0, target(x, c.t as TargetCap, "imm")),
    ],
  ],
  [
    "may_goto $t:target",
    (c: Caps, x: BuildCtx) => [
      insn(op.BPF_JMP | op.BPF_JCOND, 0, op.BPF_MAY_GOTO, target(x, c.t as TargetCap, "off")),
    ],
  ],
  [
    "if $d:reg $c:cmp $s:reg goto $t:target",
    (c: Caps, x: BuildCtx) => {
      const d = reg(c, "d");
      wide(x, reg(c, "s"), d.wide, "the compared register");
      const cls = d.wide ? op.BPF_JMP : op.BPF_JMP32;
      const cmp = CMP_OPS.get(text(c, "c").text)!;
      return [insn(cls | cmp | op.BPF_X, d.n, reg(c, "s").n, target(x, c.t as TargetCap, "off"))];
    },
  ],
  [
    "if $d:reg $c:cmp $v:num goto $t:target",
    (c: Caps, x: BuildCtx) => {
      const d = reg(c, "d");
      const cls = d.wide ? op.BPF_JMP : op.BPF_JMP32;
      const cmp = CMP_OPS.get(text(c, "c").text)!;
      const v = imm(x, num(c, "v"));
      return [insn(cls | cmp | op.BPF_K, d.n, 0, target(x, c.t as TargetCap, "off"), v)];
    },
  ],
  // calls
  [
    "call pc $v:num",
    (c: Caps, x: BuildCtx) => {
      const v = num(c, "v");
      if (!/^[+-]/.test(v.text)) x.fail(v.tok, "expected pc+N or pc-N");
      return [insn(op.BPF_JMP | op.BPF_CALL, 0, op.BPF_PSEUDO_CALL, 0, imm(x, v))];
    },
  ],
  [
    "call $f:ident # $v:num",
    (c: Caps, x: BuildCtx) => {
      const f = text(c, "f");
      const id = imm(x, num(c, "v"));
      const bare = f.text.startsWith("bpf_") ? f.text.slice(4) : undefined;
      const helper =
        bare === undefined ? -1 : HELPER_NAMES.indexOf(bare as (typeof HELPER_NAMES)[number]);
      if (f.text === "unknown" || helper === id)
        return [insn(op.BPF_JMP | op.BPF_CALL, 0, 0, 0, id)];
      if (helper >= 0) x.fail(num(c, "v").tok, `helper ${f.text} has id ${helper}, not ${id}`);
      return [insn(op.BPF_JMP | op.BPF_CALL, 0, op.BPF_PSEUDO_KFUNC_CALL, 0, id)];
    },
  ],
  [
    "call $v:num",
    (c: Caps, x: BuildCtx) => {
      // llvm-objdump prints an unrelocated BPF-to-BPF call as `call -1`; helper ids are never negative.
      const v = imm(x, num(c, "v"));
      return [
        insn(op.BPF_JMP | op.BPF_CALL, 0, v < 0 ? op.BPF_PSEUDO_CALL : op.BPF_HELPER_CALL, 0, v),
      ];
    },
  ],
  [
    "call $f:ident",
    (c: Caps, x: BuildCtx) => [helperOrLocal(x, text(c, "f").text, text(c, "f").tok)],
  ],
  [
    "callx $d:reg",
    (c: Caps, x: BuildCtx) => {
      wide(x, reg(c, "d"), true, "callx");
      return [insn(op.BPF_JMP | op.BPF_CALL | op.BPF_X, reg(c, "d").n)];
    },
  ],
  ["exit", () => [insn(op.BPF_JMP | op.BPF_EXIT)]],
];

function lddwValue(c: Caps, x: BuildCtx): Insn[] {
  const v = num(c, "v");
  const value = imm64(v.text);
  if (typeof value === "string") x.fail(v.tok, value);
  return lddw(reg(c, "d"), x, value);
}

function ldSize(c: Caps, x: BuildCtx): number {
  const d = reg(c, "d");
  if (d.n !== 0 || !d.wide) x.fail(d.tok, "packet loads write r0");
  const s = size(x, c, "z", false);
  if (s.size === op.BPF_DW) x.fail(text(c, "z").tok, "packet loads are 8, 16 or 32 bits wide");
  return s.size;
}
