// Assembler for the kernel's own syntax (what tsbpf's disassembler and the
// verifier log print) and for llvm-objdump / PREVAIL listings:
//   r1 = *(u32 *)(r10 -8)      *(u64 *)(r10 - 8) = r1     w0 = w1
//   if r1 > 0x1 goto pc+4      if r1 > 1 goto +4 <LBB0_2>  goto label
//   r1 = 0x1 ll                r1 = map[id:5]             r1 = map_fd 1
//   call bpf_map_lookup_elem#1 call 1   call pc+3   call label   exit
//   lock *(u32 *)(r1 + 0) += r2    r0 = atomic_fetch_add((u64 *)(r1 + 0), r0)
// Lines may carry a verifier-log index (`12: `), an opcode prefix (`(61) `,
// checked against the result), or a listing's address and raw bytes, which
// are skipped. Labels are `name:`; comments start with `;`, `//`, or a `#`
// at the start of a line or after a blank (`call foo#1` is not a comment).
import type { Insn } from "../insn.ts";
import { lex, type KTok } from "./kernel-lexer.ts";
import { match } from "./kernel-match.ts";
import { KERNEL_SYNTAX, MATCH_SETS, type BuildCtx } from "./kernel-syntax.ts";
import { Labels } from "./labels.ts";
import { Where } from "./source.ts";

/** Lines of a listing that hold no instruction: file headers, section titles, relocations, PREVAIL map lines. */
const NOISE: readonly RegExp[] = [
  /^\S.*:\s+file format /,
  /^Disassembly of section /,
  /^\s*[0-9a-f]+:\s+R_BPF_\w+/,
  /^map \d+:\s*\(/,
];
function isNoise(s: string): boolean {
  for (const re of NOISE) if (re.test(s)) return true;
  return false;
}

/** llvm-objdump's symbol line `0000000000000068 <add2>:` defines a label. */
const SYMBOL_RE = /^[0-9a-f]{8,16} <([^<>]+)>:$/;
const INDEX_RE = /^(\s*\d+:\s*)/;
const BYTES_RE = /^((?:[0-9a-f]{2} ){7}[0-9a-f]{2}(?: (?:[0-9a-f]{2} ){7}[0-9a-f]{2})?\s+)/;
const LABEL_RE = /^(\s*([A-Za-z_.$][\w.$]*):)(?=\s|$)/;
const OPCODE_RE = /^(\s*\(([0-9a-fA-F]{2})\)\s*)/;
const ANNOTATION_RE = /\s+<[^<>]*>$/;

/** The rest of a line and the column it starts at, as prefixes are eaten. */
interface Cursor {
  s: string;
  col: number;
}

function eat(cur: Cursor, re: RegExp): RegExpExecArray | null {
  const m = re.exec(cur.s);
  if (m) {
    cur.s = cur.s.slice(m[1]!.length);
    cur.col += m[1]!.length;
  }
  return m;
}

function stripComment(s: string): string {
  let cut = s.length;
  const semi = s.indexOf(";");
  if (semi >= 0) cut = semi;
  const slashes = s.indexOf("//");
  if (slashes >= 0 && slashes < cut) cut = slashes;
  const hash = /(^|\s)#/.exec(s);
  if (hash && hash.index < cut) cut = hash.index;
  return s.slice(0, cut).replace(/\s+$/, "");
}

export function assembleKernel(text: string, file?: string): Insn[] {
  const where = new Where(file);
  const labels = new Labels(where);
  const out: Insn[] = [];
  const lines = text.split(/\r?\n/);
  for (let li = 0; li < lines.length; li++) {
    const lineNo = li + 1;
    let s = stripComment(lines[li]!);
    if (s.trim() === "" || isNoise(s)) continue;
    const sym = SYMBOL_RE.exec(s.trim());
    if (sym) {
      labels.define(sym[1]!, out.length, lineNo, s.indexOf("<") + 2);
      continue;
    }
    const cur: Cursor = { s, col: 1 };
    if (eat(cur, INDEX_RE)) eat(cur, BYTES_RE);
    for (let m = eat(cur, LABEL_RE); m; m = eat(cur, LABEL_RE)) {
      labels.define(m[2]!, out.length, lineNo, cur.col - m[1]!.length + m[1]!.indexOf(m[2]!));
    }
    const prefix = eat(cur, OPCODE_RE);
    const col = cur.col;
    s = cur.s.replace(ANNOTATION_RE, "");
    if (s.trim() === "") {
      if (prefix) where.fail("opcode prefix without an instruction", lineNo, col);
      continue;
    }
    const toks = lex(s, col, where, lineNo);
    const insns = assembleTokens(toks, out.length, labels, where, lineNo);
    if (prefix && parseInt(prefix[2]!, 16) !== insns[0]!.code) {
      const got = insns[0]!.code.toString(16).padStart(2, "0");
      where.fail(
        `opcode prefix (${prefix[2]}) does not match the instruction (${got})`,
        lineNo,
        col - prefix[1]!.length + prefix[1]!.indexOf("("),
      );
    }
    out.push(...insns);
  }
  labels.resolve(out);
  return out;
}

/**
 * Which syntax entry a line matches depends only on its shape: registers and
 * numbers by kind, operators and keywords by text, other identifiers (labels,
 * function names) as one kind. Caching the entry per shape means each line is
 * matched once instead of against the whole table.
 */
const KEYWORDS = new Set<string>([
  ...KERNEL_SYNTAX.flatMap(([p]) => p.split(" ").filter((e) => !e.startsWith("$"))),
  ...MATCH_SETS.sizes,
  "pc",
]);
const shapeCache = new Map<string, number>();

function shapeOf(toks: KTok[]): string {
  let s = "";
  for (const t of toks) {
    s +=
      t.kind === "reg"
        ? "R "
        : t.kind === "num"
          ? "N "
          : t.kind === "op" || KEYWORDS.has(t.text)
            ? `${t.text} `
            : "I ";
  }
  return s;
}

class LineCtx implements BuildCtx {
  constructor(
    readonly pc: number,
    private readonly labels: Labels,
    private readonly where: Where,
    private readonly lineNo: number,
  ) {}
  fail(tok: KTok, reason: string): never {
    return this.where.fail(reason, this.lineNo, tok.col);
  }
  label(name: string, field: "off" | "imm", tok: KTok): void {
    this.labels.ref(this.pc, name, field, this.lineNo, tok.col);
  }
}

function assembleTokens(
  toks: KTok[],
  pc: number,
  labels: Labels,
  where: Where,
  lineNo: number,
): Insn[] {
  const ctx = new LineCtx(pc, labels, where, lineNo);
  const shape = shapeOf(toks);
  const known = shapeCache.get(shape);
  if (known !== undefined) {
    const [pattern, build] = KERNEL_SYNTAX[known]!;
    const r = match(toks, pattern, MATCH_SETS);
    if ("caps" in r) return build(r.caps, ctx);
  }
  let best = -1;
  for (let k = 0; k < KERNEL_SYNTAX.length; k++) {
    const [pattern, build] = KERNEL_SYNTAX[k]!;
    const r = match(toks, pattern, MATCH_SETS);
    if ("caps" in r) {
      if (shapeCache.size < 4096) shapeCache.set(shape, k);
      return build(r.caps, ctx);
    }
    best = Math.max(best, r.failAt);
  }
  const at = toks[best];
  if (!at)
    return where.fail("incomplete instruction", lineNo, (toks[toks.length - 1]?.col ?? 1) + 1);
  return where.fail(`cannot parse instruction: unexpected '${at.text}'`, lineNo, at.col);
}
