// Assembler for the uBPF / bpf_conformance syntax used by the conformance suite
// and the benchmark programs: `mov32 %r0, 0`, `ldxb %r0, [%r1+0x2]`,
// `jne %r0, 15, failed`, `lddw %r0, 0x1122334455667788`, `call 5`,
// `call %r2` (callx), `call local label`, `lock fetch add [%r10-8], %r1`,
// `be16 %r0`, `movsx832 %r0, %r1`, `ja32 label`. Comments start with `#`;
// `label:` defines a label; the first `exit` is also the label `exit`.
import { ld64Imm } from "../build.ts";
import { insn, type Insn } from "../insn.ts";
import * as op from "../opcodes.ts";
import { Labels } from "./labels.ts";
import { imm32, imm64, off16 } from "./numbers.ts";
import { splitLines, splitOperands, Where, type Line, type Token } from "./source.ts";
import { UBPF_ATOMIC_OPS, UBPF_MNEMONICS, type UbpfShape } from "./ubpf-mnemonics.ts";

const LABEL_RE = /^([A-Za-z_.$][\w.$]*):/;
/** uBPF accepts %r0..%r15 so negative tests can name invalid registers; validation rejects r11+. */
const REG_RE = /^%r(\d+)$/;
const MEM_RE = /^\[\s*(%\w+)\s*(?:([+-])\s*([0-9a-fA-FxX]+))?\s*\]$/;

/** Per-line assembly state: the line being assembled and the error sink. */
class UbpfLine {
  constructor(
    readonly where: Where,
    readonly line: Line,
    readonly mnemonic: Token,
  ) {}

  fail(tok: Token | undefined, reason: string): never {
    return this.where.at(this.line, tok ?? this.mnemonic, reason);
  }

  reg(tok: Token): number {
    const m = REG_RE.exec(tok.text);
    const n = m ? Number(m[1]) : NaN;
    if (!(n <= 15)) this.fail(tok, `invalid register '${tok.text}'`);
    return n;
  }

  isReg(tok: Token): boolean {
    return tok.text.startsWith("%");
  }

  imm(tok: Token): number {
    const v = imm32(tok.text);
    if (typeof v === "string") this.fail(tok, v);
    return v;
  }

  mem(tok: Token): { reg: number; off: number } {
    const m = MEM_RE.exec(tok.text);
    if (!m) this.fail(tok, `expected a memory operand [%rN+off], got '${tok.text}'`);
    const reg = this.reg({ text: m[1]!, col: tok.col + tok.text.indexOf(m[1]!) });
    if (m[3] === undefined) return { reg, off: 0 };
    const off = off16(m[2]! + m[3]);
    if (typeof off === "string") this.fail(tok, off);
    return { reg, off };
  }
}

export function assembleUbpf(text: string, file?: string): Insn[] {
  const where = new Where(file);
  const labels = new Labels(where);
  const out: Insn[] = [];
  for (const line of splitLines(text, ["#"])) {
    let body = line.text;
    let col = 1;
    // Leading blanks, then any number of `label:` prefixes.
    for (;;) {
      const lead = /^\s*/.exec(body)![0].length;
      body = body.slice(lead);
      col += lead;
      const m = LABEL_RE.exec(body);
      if (!m) break;
      labels.define(m[1]!, out.length, line.no, col);
      body = body.slice(m[0].length);
      col += m[0].length;
    }
    if (body === "") continue;
    const sp = /^\S+/.exec(body)![0];
    const mnemonic: Token = { text: sp, col };
    const operands = splitOperands(body.slice(sp.length), col + sp.length, where, line.no);
    const l: UbpfLine = new UbpfLine(where, line, mnemonic);
    if (sp === "lock") {
      out.push(assembleLock(l, operands));
      continue;
    }
    const shape = UBPF_MNEMONICS.get(sp);
    if (!shape) l.fail(mnemonic, `invalid mnemonic '${sp}'`);
    if (shape.kind === "exit") labels.defineDefault("exit", out.length, line.no);
    for (const x of assembleOne(l, shape, operands, out.length, labels)) out.push(x);
  }
  labels.resolve(out);
  return out;
}

const OPERAND_COUNT: Record<UbpfShape["kind"], number> = {
  alu: 2,
  neg: 1,
  end: 1,
  movsx: 2,
  ldx: 2,
  st: 2,
  stx: 2,
  lddw: 2,
  ldabs: 1,
  ldind: 2,
  ja: 1,
  ja32: 1,
  jcond: 3,
  call: 1,
  exit: 0,
};

function assembleOne(
  l: UbpfLine,
  shape: UbpfShape,
  ops: Token[],
  pc: number,
  labels: Labels,
): Insn[] {
  const want = OPERAND_COUNT[shape.kind];
  const callWithMode = shape.kind === "call" && ops.length === 2;
  if (ops.length !== want && !callWithMode) {
    l.fail(
      ops[want] ?? l.mnemonic,
      `'${l.mnemonic.text}' takes ${want} operand${want === 1 ? "" : "s"}, got ${ops.length}`,
    );
  }
  const [a, b, c] = ops as [Token, Token, Token];
  const target = (tok: Token, field: "off" | "imm"): number => {
    if (/^[+-]/.test(tok.text)) {
      const v = field === "off" ? off16(tok.text) : imm32(tok.text);
      if (typeof v === "string") l.fail(tok, v);
      return v;
    }
    if (!/^[A-Za-z_.$][\w.$]*$/.test(tok.text)) {
      l.fail(tok, `expected a label or a +/- offset, got '${tok.text}'`);
    }
    labels.ref(pc, tok.text, field, l.line.no, tok.col);
    return 0;
  };
  switch (shape.kind) {
    case "alu": {
      const dst = l.reg(a);
      if (l.isReg(b)) return [insn(shape.code | op.BPF_X, dst, l.reg(b), shape.off, 0)];
      return [insn(shape.code | op.BPF_K, dst, 0, shape.off, l.imm(b))];
    }
    case "neg":
      return [insn(shape.code, l.reg(a))];
    case "end":
      return [insn(shape.code, l.reg(a), 0, 0, shape.width)];
    case "movsx":
      if (!l.isReg(b)) l.fail(b, `'${l.mnemonic.text}' needs a register source`);
      return [insn(shape.code, l.reg(a), l.reg(b), shape.width)];
    case "ldx": {
      const m = l.mem(b);
      return [insn(shape.code, l.reg(a), m.reg, m.off)];
    }
    case "st": {
      const m = l.mem(a);
      return [insn(shape.code, m.reg, 0, m.off, l.imm(b))];
    }
    case "stx": {
      const m = l.mem(a);
      return [insn(shape.code, m.reg, l.reg(b), m.off)];
    }
    case "lddw": {
      const dst = l.reg(a);
      const v = imm64(b.text);
      if (typeof v === "string") l.fail(b, v);
      return ld64Imm(dst, v);
    }
    case "ldabs":
      return [insn(shape.code, 0, 0, 0, l.imm(a))];
    case "ldind":
      return [insn(shape.code, 0, l.reg(a), 0, l.imm(b))];
    case "ja":
      return [insn(op.BPF_JMP | op.BPF_JA, 0, 0, target(a, "off"))];
    case "ja32":
      return [insn(op.BPF_JMP32 | op.BPF_JA, 0, 0, 0, target(a, "imm"))];
    case "jcond": {
      const dst = l.reg(a);
      if (l.isReg(b)) return [insn(shape.code | op.BPF_X, dst, l.reg(b), target(c, "off"))];
      const imm = l.imm(b);
      return [insn(shape.code | op.BPF_K, dst, 0, target(c, "off"), imm)];
    }
    case "call":
      return [assembleCall(l, ops, target)];
    case "exit":
      return [insn(op.BPF_JMP | op.BPF_EXIT)];
  }
}

/** `call N`, `call %rX` (callx, register in dst as LLVM encodes it), `call helper|local|runtime X`. */
function assembleCall(
  l: UbpfLine,
  ops: Token[],
  target: (tok: Token, field: "off" | "imm") => number,
): Insn {
  const mode = ops.length === 2 ? ops[0]!.text : "helper";
  const t = ops[ops.length - 1]!;
  const CALL = op.BPF_JMP | op.BPF_CALL;
  switch (mode) {
    case "helper":
      if (l.isReg(t)) return insn(CALL | op.BPF_X, l.reg(t));
      return insn(CALL, 0, op.BPF_HELPER_CALL, 0, l.imm(t));
    case "local":
      return insn(CALL, 0, op.BPF_PSEUDO_CALL, 0, target(t, "imm"));
    case "runtime":
      return insn(CALL, 0, op.BPF_PSEUDO_KFUNC_CALL, 0, l.imm(t));
    default:
      return l.fail(ops[0], `invalid call mode '${mode}' (helper, local or runtime)`);
  }
}

/** `lock [fetch] <op>[32] [%rD+off], %rS` — atomic read-modify-write. */
function assembleLock(l: UbpfLine, ops: Token[]): Insn {
  let i = 0;
  let fetch = false;
  if (ops[i]?.text === "fetch") {
    fetch = true;
    i++;
  }
  if (ops.length - i !== 3) {
    l.fail(
      ops[ops.length - 1],
      "invalid number of operands for lock: expected lock [fetch] <op> [mem], <reg>",
    );
  }
  const name = ops[i]!;
  const is32 = name.text.endsWith("32");
  const base = is32 ? name.text.slice(0, -2) : name.text;
  const atomic = UBPF_ATOMIC_OPS.get(base);
  if (!atomic) l.fail(name, `invalid atomic operation '${name.text}'`);
  const m = l.mem(ops[i + 1]!);
  const src = l.reg(ops[i + 2]!);
  const size = is32 ? op.BPF_W : op.BPF_DW;
  const imm = atomic.imm | (fetch || atomic.alwaysFetch ? op.BPF_FETCH : 0);
  return insn(op.BPF_STX | op.BPF_ATOMIC | size, m.reg, src, m.off, imm);
}
