// Random valid BPF programs for differential testing (interpreter vs JIT, and
// anyone else who wants programs that terminate and stay in bounds).
//
// A program is generated as a small tree (statements, if/else, bounded loops,
// an irreducible two-entry loop, calls to subprograms directly or by callx,
// helper and kfunc calls, may_goto, gotol, load-acquire/store-release) and then
// rendered to instructions; shrinking works on the tree, so a failing program
// can be reduced to a few statements and printed as assembly.
//
// Validity by construction:
//  - r9 holds the buffer pointer (passed in r1) and r10 the frame pointer;
//    neither is ever an ALU operand, so no address leaks into results, and a
//    temporary that held a computed address is overwritten right after use;
//  - loads/stores use r9 + [0, BUF_SIZE - size] or r10 - [8, STACK_USED], or
//    a masked index added to r9;
//  - loops count down a stack slot the body never writes, so they terminate;
//  - subprograms initialise r0 and r6..r9 before use, as the verifier demands;
//  - with `faults` on, a few accesses go out of bounds on purpose (unverified
//    runs must then fault identically in every engine).
import * as op from "../../src/isa/opcodes.ts";
import {
  ALU_BINARY,
  ATOMIC_OPS,
  insn,
  JMP_CONDS,
  splitImm64,
  type Insn,
} from "../../src/isa/index.ts";

/** Bytes of the buffer passed in r1 (r2 = its length). */
export const BUF_SIZE = 256;
/** Stack bytes below r10 that statements read and write. */
const STACK_USED = 128;
/** Loop counters live below the data area, one slot per nesting level. */
const COUNTER_BASE = -(STACK_USED + 8);
/** Helper ids the generated programs call (see `differentialHelpers`). */
export const HELPER_IDS = [1, 2, 3] as const;
/** The kfunc BTF id generated programs call. */
export const KFUNC_ID = 1000;

/** Deterministic PRNG (mulberry32). */
export class Rng {
  private s: number;
  constructor(seed: number) {
    this.s = seed >>> 0;
  }
  next(): number {
    this.s = (this.s + 0x6d2b79f5) | 0;
    let t = this.s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  int(n: number): number {
    return Math.floor(this.next() * n);
  }
  pick<T>(xs: readonly T[]): T {
    return xs[this.int(xs.length)]!;
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
  i32(): number {
    return (this.next() * 4294967296) | 0;
  }
}

/** Constants that hit the edge cases of every operation. */
const EDGE_IMMS = [
  0, 1, -1, 2, 7, 8, 15, 16, 31, 32, 33, 63, 64, 0x7f, 0x80, 0xff, 0x7fff, 0x8000, 0xffff,
  0x7fffffff, -0x80000000, -2, 3, 0x12345678, -0x1234567,
];

export type Stmt =
  | { k: "insn"; insns: Insn[] }
  | { k: "if"; cond: Insn; then: Stmt[]; else?: Stmt[]; gotol?: boolean }
  | { k: "loop"; n: number; tmp: number; body: Stmt[]; breakIf?: Insn }
  | { k: "irreducible"; n: number; tmp: number; enter: Insn; a: Stmt[]; b: Stmt[] }
  | { k: "call"; sub: number; args: number[]; callx?: number }
  | { k: "mayGoto"; body: Stmt[] }
  | { k: "helper"; id: number; kfunc: boolean };

export interface RandomProgram {
  main: Stmt[];
  subs: Stmt[][];
  /** Register initial values (r0..r8) of main, as [lo, hi] words. */
  init: Array<[number, number]>;
}

export interface GenOptions {
  /** Statements per body, roughly. */
  size?: number;
  /** Allow out-of-bounds accesses (for unverified runs). */
  faults?: boolean;
  /** Maximum number of subprograms. */
  maxSubs?: number;
  /** Helper ids calls may use (default HELPER_IDS; helper 3 may end the program). */
  helpers?: readonly number[];
}

// Every operation the ISA tables list, plus the unary and move forms.
const ALU_OPS = [...ALU_BINARY.map((x) => x.op), op.BPF_NEG, op.BPF_MOV, op.BPF_END];
const JMP_OPS = JMP_CONDS.map((x) => x.op);
const SIZES = [op.BPF_B, op.BPF_H, op.BPF_W, op.BPF_DW];
const ATOMIC_IMMS = ATOMIC_OPS.map((x) => x.imm);

/** Registers statements may read and write (r9 and r10 hold pointers). */
const dataReg = (r: Rng): number => r.int(9);
const imm = (r: Rng): number => (r.chance(0.7) ? r.pick(EDGE_IMMS) : r.i32());

function aluInsn(r: Rng): Insn[] {
  const is64 = r.chance(0.5);
  const cls = is64 ? op.BPF_ALU64 : op.BPF_ALU;
  const a = r.pick(ALU_OPS);
  const dst = dataReg(r);
  if (a === op.BPF_END) {
    const width = r.pick([16, 32, 64]);
    // ALU64|END is bswap (always swaps); ALU|END picks le or be.
    if (is64) return [insn(op.BPF_ALU64 | op.BPF_END, dst, 0, 0, width)];
    return [insn(op.BPF_ALU | op.BPF_END | (r.chance(0.5) ? op.BPF_TO_BE : 0), dst, 0, 0, width)];
  }
  if (a === op.BPF_NEG) return [insn(cls | op.BPF_NEG, dst)];
  const useReg = r.chance(0.5);
  let off = 0;
  if ((a === op.BPF_DIV || a === op.BPF_MOD) && r.chance(0.4)) off = 1; // sdiv / smod
  if (a === op.BPF_MOV && useReg && r.chance(0.3))
    off = is64 ? r.pick([8, 16, 32]) : r.pick([8, 16]);
  if (useReg) return [insn(cls | a | op.BPF_X, dst, dataReg(r), off)];
  return [insn(cls | a | op.BPF_K, dst, 0, off, imm(r))];
}

function lddw(r: Rng): Insn[] {
  const v = (BigInt(r.i32() >>> 0) << 32n) | BigInt(r.i32() >>> 0);
  const { lo, hi } = splitImm64(v);
  return [insn(op.LDDW, dataReg(r), 0, 0, lo), insn(0, 0, 0, 0, hi)];
}

function condInsn(r: Rng, off = 0): Insn {
  const cls = r.chance(0.5) ? op.BPF_JMP : op.BPF_JMP32;
  const j = r.pick(JMP_OPS);
  if (r.chance(0.5)) return insn(cls | j | op.BPF_X, dataReg(r), dataReg(r), off);
  return insn(cls | j | op.BPF_K, dataReg(r), 0, off, imm(r));
}

/** A [base, off] address of `size` bytes: buffer, stack, or a masked index into the buffer. */
function memInsns(r: Rng, faults: boolean): Insn[] {
  const size = r.pick(SIZES);
  const bytes = op.sizeBytes(size);
  const kind = r.int(10);
  const dst = dataReg(r);
  let base: number;
  let off: number;
  const pre: Insn[] = [];
  const post: Insn[] = [];
  if (faults && r.chance(0.04)) {
    base = 9;
    off = r.pick([BUF_SIZE, BUF_SIZE - bytes + 1, -bytes, -4096, 0x2000]);
  } else if (kind < 4) {
    base = 9;
    off = r.int(BUF_SIZE - bytes + 1);
  } else if (kind < 8) {
    base = 10;
    off = -(bytes + r.int(STACK_USED - bytes + 1));
  } else {
    // tmp = (src & mask) + r9; access [tmp + off]; then tmp no longer holds an address.
    const tmp = dataReg(r);
    base = tmp;
    pre.push(insn(op.BPF_ALU64 | op.BPF_MOV | op.BPF_X, tmp, dataReg(r)));
    pre.push(insn(op.BPF_ALU64 | op.BPF_AND | op.BPF_K, tmp, 0, 0, 0x7f));
    pre.push(insn(op.BPF_ALU64 | op.BPF_ADD | op.BPF_X, tmp, 9));
    off = r.int(BUF_SIZE - 0x7f - bytes + 1);
    post.push(insn(op.BPF_ALU64 | op.BPF_MOV | op.BPF_K, tmp, 0, 0, imm(r)));
  }
  const which = r.int(10);
  let body: Insn;
  if (which < 3) {
    body = insn(op.BPF_LDX | op.BPF_MEM | size, dst, base, off);
    // A load into the address register already overwrote it.
    if (dst === base) post.length = 0;
  } else if (which < 4 && size !== op.BPF_DW) {
    body = insn(op.BPF_LDX | op.BPF_MEMSX | size, dst, base, off);
    if (dst === base) post.length = 0;
  } else if (which < 6) {
    body = insn(op.BPF_ST | op.BPF_MEM | size, base, 0, off, imm(r));
  } else if (which < 8) {
    body = insn(op.BPF_STX | op.BPF_MEM | size, base, pickNot(r, base), off);
  } else {
    const asize = r.chance(0.5) ? op.BPF_W : op.BPF_DW;
    const abytes = op.sizeBytes(asize);
    if (base !== 10 && off > BUF_SIZE - abytes && off < BUF_SIZE) off = BUF_SIZE - abytes;
    if (base === 10 && off > -abytes) off = -abytes;
    if (base !== 9 && base !== 10 && off > BUF_SIZE - 0x7f - abytes) off = 0;
    const a = r.chance(0.15) ? r.pick([op.BPF_LOAD_ACQ, op.BPF_STORE_REL]) : r.pick(ATOMIC_IMMS);
    if (a === op.BPF_LOAD_ACQ) {
      // dst = *(base + off), any size; a load into the base overwrote the address.
      if (dst === base) post.length = 0;
      return [
        ...pre,
        insn(op.BPF_STX | op.BPF_ATOMIC | size, dst, base, clampOff(base, off, bytes), a),
        ...post,
      ];
    }
    if (a === op.BPF_STORE_REL) {
      const v = pickNot(r, base);
      return [
        ...pre,
        insn(op.BPF_STX | op.BPF_ATOMIC | size, base, v, clampOff(base, off, bytes), a),
        ...post,
      ];
    }
    // cmpxchg reads and writes r0, fetch ops write src: keep both off the base.
    body = insn(op.BPF_STX | op.BPF_ATOMIC | asize, base, pickNot(r, base, 0), off, a);
  }
  return [...pre, body, ...post];
}

/** An offset made valid again for an access of `bytes` (the original size may differ). */
function clampOff(base: number, off: number, bytes: number): number {
  if (base === 10) return Math.min(off, -bytes);
  if (base === 9) return off >= 0 && off <= BUF_SIZE ? Math.min(off, BUF_SIZE - bytes) : off;
  return Math.min(off, BUF_SIZE - 0x7f - bytes);
}

function pickNot(r: Rng, ...avoid: number[]): number {
  for (;;) {
    const x = dataReg(r);
    if (!avoid.includes(x)) return x;
  }
}

interface Ctx {
  r: Rng;
  faults: boolean;
  size: number;
  depth: number;
  /** Subprograms this body may call (indices greater than its own). */
  callable: number[];
  helpers: readonly number[];
}

function genBody(c: Ctx, n: number): Stmt[] {
  const out: Stmt[] = [];
  for (let i = 0; i < n; i++) out.push(genStmt(c));
  return out;
}

function genStmt(c: Ctx): Stmt {
  const r = c.r;
  const roll = r.int(100);
  const nested = c.depth < 2;
  if (roll < 40) return { k: "insn", insns: aluInsn(r) };
  if (roll < 44) return { k: "insn", insns: lddw(r) };
  if (roll < 64) return { k: "insn", insns: memInsns(r, c.faults) };
  if (roll < 74 && nested) {
    const inner = { ...c, depth: c.depth + 1 };
    const s: Stmt = { k: "if", cond: condInsn(r), then: genBody(inner, 1 + r.int(4)) };
    if (r.chance(0.4)) s.else = genBody(inner, 1 + r.int(3));
    if (s.else && r.chance(0.3)) s.gotol = true;
    return s;
  }
  if (roll < 80 && nested) {
    const inner = { ...c, depth: c.depth + 1 };
    const s: Stmt = {
      k: "loop",
      n: 1 + r.int(4),
      tmp: dataReg(r),
      body: genBody(inner, 1 + r.int(4)),
    };
    if (r.chance(0.3)) s.breakIf = condInsn(r);
    return s;
  }
  if (roll < 83 && nested) {
    const inner = { ...c, depth: c.depth + 1 };
    return {
      k: "irreducible",
      n: 1 + r.int(3),
      tmp: dataReg(r),
      enter: condInsn(r),
      a: genBody(inner, 1 + r.int(3)),
      b: genBody(inner, 1 + r.int(3)),
    };
  }
  if (roll < 89 && c.callable.length > 0) {
    const s: Stmt = { k: "call", sub: r.pick(c.callable), args: [r.i32(), r.i32()] };
    // Through a function address in a register (lddw src=4, then callx).
    if (r.chance(0.3)) s.callx = pickNot(r, 1, 2, 3);
    return s;
  }
  if (roll < 90 && nested) {
    return { k: "mayGoto", body: genBody({ ...c, depth: c.depth + 1 }, 1 + r.int(2)) };
  }
  if (roll < 93) return { k: "helper", id: r.pick(c.helpers), kfunc: r.chance(0.2) };
  return { k: "insn", insns: aluInsn(r) };
}

export function randomProgram(seed: number, opts: GenOptions = {}): RandomProgram {
  const r = new Rng(seed);
  const size = opts.size ?? 12;
  const helpers = opts.helpers ?? HELPER_IDS;
  const nsubs = r.int((opts.maxSubs ?? 2) + 1);
  const subs: Stmt[][] = [];
  for (let i = 0; i < nsubs; i++) {
    const callable = Array.from({ length: nsubs - i - 1 }, (_, k) => i + 1 + k);
    const ctx = { r, faults: !!opts.faults, size, depth: 0, callable, helpers };
    subs.push(genBody(ctx, 1 + r.int(size / 2)));
  }
  const callable = Array.from({ length: nsubs }, (_, k) => k);
  const main = genBody(
    { r, faults: !!opts.faults, size, depth: 0, callable, helpers },
    1 + r.int(size),
  );
  const init = Array.from({ length: 9 }, (): [number, number] => [
    imm(r),
    r.chance(0.5) ? 0 : r.i32(),
  ]);
  return { main, subs, init };
}

/**
 * A program of at least `minInsns` instructions made of random statements
 * (no subprograms): for compile-throughput measurements and the large-program
 * tests. It runs to completion like any generated program.
 */
export function largeProgram(minInsns: number, seed = 1): RandomProgram {
  const r = new Rng(seed);
  const init = Array.from({ length: 9 }, (): [number, number] => [imm(r), 0]);
  const main: Stmt[] = [];
  const base = renderProgram({ main: [], subs: [], init }).length;
  let total = base;
  while (total < minInsns) {
    // Helpers 1 and 2 only: helper 3 would end the program early.
    const ctx = { r, faults: false, size: 12, depth: 0, callable: [], helpers: [1, 2] };
    const chunk = genBody(ctx, 64);
    main.push(...chunk);
    total += renderProgram({ main: chunk, subs: [], init }).length - base;
  }
  return { main, subs: [], init };
}

// ---- rendering ----

class Out {
  readonly insns: Insn[] = [];
  /** Jumps to patch: [index of the jump, label]. */
  private readonly fix: Array<[number, number]> = [];
  private readonly labels: number[] = [];
  readonly calls: Array<[number, number]> = [];

  label(): number {
    this.labels.push(-1);
    return this.labels.length - 1;
  }
  place(l: number): void {
    this.labels[l] = this.insns.length;
  }
  emit(...xs: Insn[]): void {
    for (const x of xs) this.insns.push({ ...x });
  }
  jump(x: Insn, l: number): void {
    this.fix.push([this.insns.length, l]);
    this.insns.push({ ...x });
  }
  resolve(): void {
    for (const [at, l] of this.fix) {
      const x = this.insns[at]!;
      const rel = this.labels[l]! - at - 1;
      // gotol (JMP32|JA) keeps its offset in imm.
      if (x.code === (op.BPF_JMP32 | op.BPF_JA)) x.imm = rel;
      else x.off = rel;
    }
  }
}

const mov64 = (dst: number, v: number): Insn =>
  insn(op.BPF_ALU64 | op.BPF_MOV | op.BPF_K, dst, 0, 0, v);
const movReg = (dst: number, src: number): Insn =>
  insn(op.BPF_ALU64 | op.BPF_MOV | op.BPF_X, dst, src);
const ja = (): Insn => insn(op.BPF_JMP | op.BPF_JA);
const stCounter = (slot: number, n: number): Insn =>
  insn(op.BPF_ST | op.BPF_MEM | op.BPF_DW, 10, 0, slot, n);

/** Counter decrement and back edge: tmp = *slot - 1; *slot = tmp; if tmp != 0 goto top. */
function latch(o: Out, slot: number, tmp: number, top: number): void {
  o.emit(insn(op.BPF_LDX | op.BPF_MEM | op.BPF_DW, tmp, 10, slot));
  o.emit(insn(op.BPF_ALU64 | op.BPF_SUB | op.BPF_K, tmp, 0, 0, 1));
  o.emit(insn(op.BPF_STX | op.BPF_MEM | op.BPF_DW, 10, tmp, slot));
  o.jump(insn(op.BPF_JMP | op.BPF_JNE | op.BPF_K, tmp, 0, 0, 0), top);
}

function renderBody(o: Out, body: readonly Stmt[], depth: number): void {
  for (const s of body) {
    switch (s.k) {
      case "insn":
        o.emit(...s.insns);
        break;
      case "if": {
        const elseL = o.label();
        const end = o.label();
        o.jump(s.cond, elseL);
        renderBody(o, s.then, depth + 1);
        if (s.else) o.jump(s.gotol ? insn(op.BPF_JMP32 | op.BPF_JA) : ja(), end);
        o.place(elseL);
        if (s.else) renderBody(o, s.else, depth + 1);
        o.place(end);
        break;
      }
      case "loop": {
        const slot = COUNTER_BASE - 8 * depth;
        const top = o.label();
        const end = o.label();
        o.emit(stCounter(slot, s.n));
        o.place(top);
        renderBody(o, s.body, depth + 1);
        if (s.breakIf) o.jump(s.breakIf, end);
        latch(o, slot, s.tmp, top);
        o.place(end);
        break;
      }
      case "irreducible": {
        // Two entries into one cycle: fall into A, or jump straight to B.
        const slot = COUNTER_BASE - 8 * depth;
        const a = o.label();
        const b = o.label();
        o.emit(stCounter(slot, s.n));
        o.jump(s.enter, b);
        o.place(a);
        renderBody(o, s.a, depth + 1);
        o.place(b);
        renderBody(o, s.b, depth + 1);
        latch(o, slot, s.tmp, a);
        break;
      }
      case "call":
        // r1 = buffer, r2/r3 = arguments; r1 must not keep the pointer afterwards.
        o.emit(movReg(1, 9), mov64(2, s.args[0]!), mov64(3, s.args[1]!));
        o.calls.push([o.insns.length, s.sub]);
        if (s.callx === undefined) {
          o.emit(insn(op.BPF_JMP | op.BPF_CALL, 0, op.BPF_PSEUDO_CALL, 0, 0));
        } else {
          // The function's address (same in every engine: a tag and the pc) stays in the register.
          o.emit(insn(op.LDDW, s.callx, op.BPF_PSEUDO_FUNC, 0, 0), insn(0, 0, 0, 0, 0));
          o.emit(insn(op.BPF_JMP | op.BPF_CALL | op.BPF_X, s.callx));
        }
        o.emit(mov64(1, s.args[1]!));
        break;
      case "mayGoto": {
        // Falls through (the per-frame counter starts at 8M), skipping the body once exhausted.
        const end = o.label();
        o.jump(insn(op.BPF_JMP | op.BPF_JCOND, 0, op.BPF_MAY_GOTO), end);
        renderBody(o, s.body, depth + 1);
        o.place(end);
        break;
      }
      case "helper":
        if (s.kfunc)
          o.emit(insn(op.BPF_JMP | op.BPF_CALL, 0, op.BPF_PSEUDO_KFUNC_CALL, 0, KFUNC_ID));
        else o.emit(insn(op.BPF_JMP | op.BPF_CALL, 0, 0, 0, s.id));
        break;
    }
  }
}

/** Zero the data stack area, so reads never see a previous run's bytes. */
function zeroStack(o: Out): void {
  for (let off = -8; off >= -STACK_USED; off -= 8) o.emit(stCounter(off, 0));
}

/** Fold r1..r8 into r0 so every register's final value shows in the result. */
function foldAndExit(o: Out): void {
  for (let reg = 1; reg <= 8; reg++) {
    o.emit(insn(op.BPF_ALU64 | op.BPF_MUL | op.BPF_K, 0, 0, 0, 31));
    o.emit(insn(op.BPF_ALU64 | op.BPF_XOR | op.BPF_X, 0, reg));
  }
  o.emit(insn(op.BPF_JMP | op.BPF_EXIT));
}

export function renderProgram(p: RandomProgram): Insn[] {
  const o = new Out();
  o.emit(movReg(9, 1));
  zeroStack(o);
  p.init.forEach(([lo, hi], reg) => {
    if (hi === 0) o.emit(mov64(reg, lo));
    else {
      const { lo: l, hi: h } = splitImm64((BigInt(hi >>> 0) << 32n) | BigInt(lo >>> 0));
      o.emit(insn(op.LDDW, reg, 0, 0, l), insn(0, 0, 0, 0, h));
    }
  });
  renderBody(o, p.main, 0);
  foldAndExit(o);
  const starts: number[] = [];
  p.subs.forEach((body, i) => {
    starts.push(o.insns.length);
    // The callee gets r1 = buffer, r2/r3 = arguments; r0, r6..r9 start undefined.
    o.emit(movReg(9, 1), mov64(1, 0x55 + i), movReg(0, 2), movReg(6, 3));
    o.emit(mov64(7, 7 * i + 1), movReg(8, 2));
    zeroStack(o);
    renderBody(o, body, 0);
    foldAndExit(o);
  });
  o.resolve();
  // Calls and function-address lddws are both relative to their own pc.
  for (const [at, sub] of o.calls) o.insns[at]!.imm = starts[sub]! - at - 1;
  return o.insns;
}

// ---- shrinking ----

function* bodyVariants(body: readonly Stmt[]): Generator<Stmt[]> {
  for (let i = 0; i < body.length; i++) {
    // Drop a statement.
    yield [...body.slice(0, i), ...body.slice(i + 1)];
  }
  for (let i = 0; i < body.length; i++) {
    const s = body[i]!;
    const at = (repl: Stmt[]): Stmt[] => [...body.slice(0, i), ...repl, ...body.slice(i + 1)];
    switch (s.k) {
      case "if":
        yield at(s.then);
        if (s.else) yield at(s.else);
        if (s.else) yield at([{ ...s, else: undefined }]);
        for (const t of bodyVariants(s.then)) yield at([{ ...s, then: t }]);
        if (s.else) for (const e of bodyVariants(s.else)) yield at([{ ...s, else: e }]);
        break;
      case "loop":
        yield at(s.body);
        if (s.n > 1) yield at([{ ...s, n: 1 }]);
        if (s.breakIf) yield at([{ ...s, breakIf: undefined }]);
        for (const b of bodyVariants(s.body)) yield at([{ ...s, body: b }]);
        break;
      case "irreducible":
        yield at([...s.a, ...s.b]);
        for (const a of bodyVariants(s.a)) yield at([{ ...s, a }]);
        for (const b of bodyVariants(s.b)) yield at([{ ...s, b }]);
        break;
      case "mayGoto":
        yield at(s.body);
        for (const b of bodyVariants(s.body)) yield at([{ ...s, body: b }]);
        break;
      case "call":
        if (s.callx !== undefined) yield at([{ ...s, callx: undefined }]);
        break;
      case "insn":
        if (s.insns.length > 1) {
          for (let k = 0; k < s.insns.length; k++) {
            const x = s.insns[k]!;
            // Keep lddw pairs whole; single instructions of a group may go.
            if (x.code === op.LDDW || (k > 0 && s.insns[k - 1]!.code === op.LDDW)) continue;
            yield at([{ k: "insn", insns: [...s.insns.slice(0, k), ...s.insns.slice(k + 1)] }]);
          }
        }
        break;
      default:
        break;
    }
  }
}

function* programVariants(p: RandomProgram): Generator<RandomProgram> {
  for (let i = p.subs.length - 1; i >= 0; i--) {
    // Drop subprogram i: calls to it go, later indices shift down.
    const fixCalls = (body: readonly Stmt[]): Stmt[] =>
      body.flatMap((s): Stmt[] => {
        if (s.k === "call")
          return s.sub === i ? [] : [{ ...s, sub: s.sub > i ? s.sub - 1 : s.sub }];
        if (s.k === "if")
          return [{ ...s, then: fixCalls(s.then), else: s.else && fixCalls(s.else) }];
        if (s.k === "loop") return [{ ...s, body: fixCalls(s.body) }];
        if (s.k === "irreducible") return [{ ...s, a: fixCalls(s.a), b: fixCalls(s.b) }];
        if (s.k === "mayGoto") return [{ ...s, body: fixCalls(s.body) }];
        return [s];
      });
    yield {
      ...p,
      main: fixCalls(p.main),
      subs: p.subs.filter((_, k) => k !== i).map(fixCalls),
    };
  }
  for (const m of bodyVariants(p.main)) yield { ...p, main: m };
  for (let i = 0; i < p.subs.length; i++) {
    for (const b of bodyVariants(p.subs[i]!)) {
      yield { ...p, subs: p.subs.map((s, k) => (k === i ? b : s)) };
    }
  }
}

/**
 * Greedy shrinking: keep taking the first smaller variant that still fails
 * until none does. `fails` must be deterministic.
 */
export function shrinkProgram(
  p: RandomProgram,
  fails: (p: RandomProgram) => boolean,
  maxSteps = 2000,
): RandomProgram {
  let cur = p;
  let steps = 0;
  outer: while (steps < maxSteps) {
    for (const v of programVariants(cur)) {
      if (++steps > maxSteps) break outer;
      if (fails(v)) {
        cur = v;
        continue outer;
      }
    }
    break;
  }
  return cur;
}
