// Pre-decoding for the interpreter: turns Insn[] into one flat Int32Array
// (STRIDE words per instruction) with jump targets resolved to absolute pcs and
// the opcode variants that depend on other fields (sdiv/smod, movsx, the kinds
// of call, atomics) mapped to their own internal op numbers, so the hot loop is
// a single dense switch over small integers and never touches an object.
//
// Decoding also rejects what cannot be executed at all (unknown opcodes,
// registers above r10, writes to r10, jumps out of the program or into the
// middle of an lddw, unresolved pseudo lddw sources). Reserved-field checks are
// the ISA validator's and the verifier's job, not the interpreter's.
import { InsnError } from "../errors.ts";
import type { Insn } from "../isa/index.ts";
import * as op from "../isa/opcodes.ts";
import { FUNC_ADDR_TAG } from "./env.ts";
import { isValidOpcode, Op } from "./ops.ts";

/** Words per decoded instruction: op, dst, src, off, imm, aux, original opcode, (spare). */
export const STRIDE = 8;
export const F_OP = 0;
export const F_DST = 1;
export const F_SRC = 2;
export const F_OFF = 3;
export const F_IMM = 4;
/** Absolute target pc (jumps, local calls), high imm word (lddw), size in bytes (loads/stores). */
export const F_AUX = 5;
/** The original opcode byte (internal ops lose it). */
export const F_CODE = 6;

/** A program in the interpreter's form. */
export interface Decoded {
  readonly code: Int32Array;
  readonly length: number;
  /** pcs where a function starts: 0, every BPF-to-BPF call target, every lddw-func target. */
  readonly funcStarts: ReadonlySet<number>;
}

const fail = (msg: string, pc: number): never => {
  throw new InsnError(`${msg} at insn ${pc}`, pc);
};

function checkReg(r: number, what: string, pc: number): void {
  if (r > op.BPF_REG_FP) fail(`invalid ${what} register r${r}`, pc);
}

function checkWritable(r: number, pc: number): void {
  checkReg(r, "destination", pc);
  if (r === op.BPF_REG_FP) fail("frame pointer r10 is read only", pc);
}

/** Decode and check a program; throws InsnError naming the first bad instruction. */
export function decodeProgram(insns: readonly Insn[]): Decoded {
  const n = insns.length;
  if (n === 0) throw new InsnError("empty program");
  // One extra slot past the end: a sentinel that faults if execution falls off
  // the last instruction (unverified programs may).
  const code = new Int32Array((n + 1) * STRIDE);
  code[n * STRIDE + F_OP] = Op.INVALID;
  const funcStarts = new Set<number>([0]);
  // pcs that are the second half of an lddw: no jump may land there.
  const lddwTail = new Uint8Array(n);
  const targets: Array<[from: number, to: number]> = [];

  const target = (pc: number, rel: number): number => {
    const t = pc + rel + 1;
    targets.push([pc, t]);
    return t;
  };

  for (let pc = 0; pc < n; pc++) {
    const x = insns[pc]!;
    const b = pc * STRIDE;
    const c = x.code & 0xff;
    if (!isValidOpcode(c)) fail(`unknown opcode 0x${c.toString(16).padStart(2, "0")}`, pc);
    code[b + F_DST] = x.dst;
    code[b + F_SRC] = x.src;
    code[b + F_OFF] = x.off;
    code[b + F_IMM] = x.imm;
    code[b + F_OP] = c;
    code[b + F_CODE] = c;
    const cls = op.opClass(c);
    switch (cls) {
      case op.BPF_ALU:
      case op.BPF_ALU64:
        code[b + F_OP] = decodeAlu(x, c, pc);
        break;
      case op.BPF_LDX:
        checkWritable(x.dst, pc);
        checkReg(x.src, "source", pc);
        code[b + F_AUX] = op.sizeBytes(op.opSize(c));
        break;
      case op.BPF_ST:
        checkReg(x.dst, "destination", pc);
        code[b + F_AUX] = op.sizeBytes(op.opSize(c));
        break;
      case op.BPF_STX:
        checkReg(x.dst, "destination", pc);
        checkReg(x.src, "source", pc);
        code[b + F_AUX] = op.sizeBytes(op.opSize(c));
        if (op.opMode(c) === op.BPF_ATOMIC) code[b + F_OP] = decodeAtomic(x, c, pc);
        break;
      case op.BPF_LD:
        if (c === op.LDDW) {
          pc = decodeLddw(insns, pc, code, lddwTail, funcStarts, target);
        } else {
          // ld_abs / ld_ind: r0 = ntoh(packet[imm (+ src)]).
          if (op.opMode(c) === op.BPF_IND) checkReg(x.src, "source", pc);
          code[b + F_OP] = Op.LD_PKT;
          code[b + F_AUX] = op.sizeBytes(op.opSize(c));
        }
        break;
      case op.BPF_JMP:
      case op.BPF_JMP32:
        code[b + F_OP] = decodeJump(x, c, pc, code, funcStarts, target);
        break;
    }
  }
  for (const [from, to] of targets) {
    if (to < 0 || to >= n) fail(`jump out of range (to ${to})`, from);
    if (lddwTail[to]) fail(`jump into the middle of lddw (to ${to})`, from);
  }
  return { code, length: n, funcStarts };
}

function decodeAlu(x: Insn, c: number, pc: number): number {
  const is64 = op.opClass(c) === op.BPF_ALU64;
  const isReg = op.opSource(c) === op.BPF_X;
  const alu = op.opAlu(c);
  checkWritable(x.dst, pc);
  if (isReg && alu !== op.BPF_END) checkReg(x.src, "source", pc);
  if (alu === op.BPF_END) {
    if (x.imm !== 16 && x.imm !== 32 && x.imm !== 64) fail(`invalid byte swap width ${x.imm}`, pc);
    return c;
  }
  if ((alu === op.BPF_DIV || alu === op.BPF_MOD) && x.off === 1) {
    // sdiv / smod (Linux 6.6+): off = 1 selects the signed operation.
    const base = is64 ? Op.SDIV64_K : Op.SDIV32_K;
    return base + (alu === op.BPF_MOD ? 2 : 0) + (isReg ? 1 : 0);
  }
  if (alu === op.BPF_MOV && isReg && x.off !== 0) {
    const ok = is64 ? x.off === 8 || x.off === 16 || x.off === 32 : x.off === 8 || x.off === 16;
    if (!ok) fail(`invalid movsx width ${x.off}`, pc);
    return is64 ? Op.MOVSX64 : Op.MOVSX32;
  }
  if ((alu === op.BPF_DIV || alu === op.BPF_MOD) && x.off !== 0)
    fail(`invalid ${alu === op.BPF_DIV ? "div" : "mod"} offset ${x.off}`, pc);
  return c;
}

const ATOMIC_OPS = new Set([
  op.BPF_ADD,
  op.BPF_OR,
  op.BPF_AND,
  op.BPF_XOR,
  op.BPF_ADD | op.BPF_FETCH,
  op.BPF_OR | op.BPF_FETCH,
  op.BPF_AND | op.BPF_FETCH,
  op.BPF_XOR | op.BPF_FETCH,
  op.BPF_XCHG,
  op.BPF_CMPXCHG,
]);
/** Linux 6.15 load-acquire / store-release, encoded as atomics. */
export const BPF_LOAD_ACQ = 0x100;
export const BPF_STORE_REL = 0x110;

function decodeAtomic(x: Insn, c: number, pc: number): number {
  const size = op.opSize(c);
  const rmw = size === op.BPF_W || size === op.BPF_DW;
  if (x.imm === BPF_LOAD_ACQ) {
    checkWritable(x.dst, pc);
    return Op.LOAD_ACQ;
  }
  if (x.imm === BPF_STORE_REL) return Op.STORE_REL;
  if (!rmw || !ATOMIC_OPS.has(x.imm))
    fail(`invalid atomic operation 0x${(x.imm >>> 0).toString(16)}`, pc);
  if (x.imm & op.BPF_FETCH && x.imm !== op.BPF_CMPXCHG) checkWritable(x.src, pc);
  return Op.ATOMIC;
}

function decodeLddw(
  insns: readonly Insn[],
  pc: number,
  code: Int32Array,
  lddwTail: Uint8Array,
  funcStarts: Set<number>,
  target: (pc: number, rel: number) => number,
): number {
  const x = insns[pc]!;
  const b = pc * STRIDE;
  checkWritable(x.dst, pc);
  const next = insns[pc + 1];
  if (!next) fail("lddw is missing its second half", pc);
  if (next!.code !== 0) fail("lddw second half has a non-zero opcode", pc + 1);
  lddwTail[pc + 1] = 1;
  code[b + F_OP] = Op.LDDW;
  if (x.src === 0) {
    code[b + F_IMM] = x.imm;
    code[b + F_AUX] = next!.imm;
  } else if (x.src === op.BPF_PSEUDO_FUNC) {
    // The program-relative address of a function: resolvable right here.
    const t = target(pc, x.imm);
    funcStarts.add(t);
    code[b + F_IMM] = t;
    code[b + F_AUX] = FUNC_ADDR_TAG | 0;
  } else {
    fail(`unresolved lddw pseudo source ${x.src} (the runtime must resolve it before running)`, pc);
  }
  // The second slot is never executed (the pc skips it) but decode it as a no-op guard.
  code[(pc + 1) * STRIDE + F_OP] = Op.INVALID;
  return pc + 1;
}

function decodeJump(
  x: Insn,
  c: number,
  pc: number,
  code: Int32Array,
  funcStarts: Set<number>,
  target: (pc: number, rel: number) => number,
): number {
  const b = pc * STRIDE;
  const jop = op.opJmp(c);
  const is32 = op.opClass(c) === op.BPF_JMP32;
  switch (jop) {
    case op.BPF_JA:
      code[b + F_AUX] = target(pc, is32 ? x.imm : x.off);
      return c;
    case op.BPF_EXIT:
      return c;
    case op.BPF_CALL:
      if (op.opSource(c) === op.BPF_X) {
        // callx: LLVM >= 19, GCC and bpf_conformance put the register in dst;
        // LLVM < 19 put it in imm (dst 0).
        const reg = x.dst !== 0 ? x.dst : x.imm;
        if (reg < 0 || reg > op.BPF_REG_FP) fail(`invalid callx register ${reg}`, pc);
        code[b + F_DST] = reg;
        return c;
      }
      if (x.src === op.BPF_PSEUDO_CALL) {
        const t = target(pc, x.imm);
        funcStarts.add(t);
        code[b + F_AUX] = t;
        return Op.CALL_LOCAL;
      }
      if (x.src === op.BPF_PSEUDO_KFUNC_CALL) return Op.CALL_KFUNC;
      if (x.src !== op.BPF_HELPER_CALL) fail(`invalid call source ${x.src}`, pc);
      if (x.imm !== TAIL_CALL_HELPER) return c;
      // A direct tail call site (src/fixup/tail-calls.ts) carries poke index + 1 in off.
      if (x.off > 0) code[b + F_AUX] = x.off;
      return Op.TAIL_CALL;
    case op.BPF_JCOND:
      if (x.src !== op.BPF_MAY_GOTO) fail(`invalid jcond source ${x.src}`, pc);
      code[b + F_AUX] = target(pc, x.off);
      return Op.MAY_GOTO;
    default:
      checkReg(x.dst, "destination", pc);
      if (op.opSource(c) === op.BPF_X) checkReg(x.src, "source", pc);
      code[b + F_AUX] = target(pc, x.off);
      return c;
  }
}

/** bpf_tail_call's helper id. */
export const TAIL_CALL_HELPER = 12;
