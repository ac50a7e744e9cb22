// Tokens of the kernel / llvm-objdump assembly syntax: registers (r0..r10,
// w0..w10), unsigned numbers (a sign is its own token), identifiers, and
// operators. `s>`, `s>=`, `s/=`, `s%=`, `s>>=` are single signed operators.
import type { Where } from "./source.ts";

export type KTok =
  | { kind: "reg"; text: string; col: number; n: number; wide: boolean }
  | { kind: "num"; text: string; col: number }
  | { kind: "ident"; text: string; col: number }
  | { kind: "op"; text: string; col: number };

/** Longest first, so `>>=` wins over `>>` and `>=`. */
const OPERATORS = [
  ">>>=",
  "s>>=",
  "<<=",
  ">>=",
  "s/=",
  "s%=",
  "s>=",
  "s<=",
  "+=",
  "-=",
  "*=",
  "/=",
  "|=",
  "&=",
  "%=",
  "^=",
  "==",
  "!=",
  ">=",
  "<=",
  "s>",
  "s<",
  ">",
  "<",
  "=",
  "&",
  "(",
  ")",
  "[",
  "]",
  ",",
  "+",
  "-",
  "*",
  ":",
  "#",
  "?",
];

/** Operators by their first character, longest first. */
const OPERATORS_BY_FIRST = new Map<string, string[]>();
for (const o of OPERATORS) {
  const list = OPERATORS_BY_FIRST.get(o[0]!);
  if (list) list.push(o);
  else OPERATORS_BY_FIRST.set(o[0]!, [o]);
}

function operatorAt(text: string, i: number): string | undefined {
  for (const o of OPERATORS_BY_FIRST.get(text[i]!) ?? []) if (text.startsWith(o, i)) return o;
  return undefined;
}

const REG_RE = /^([rw])(\d+)$/;
// Sticky regexes read in place (no slicing per token).
const NUM_Y = /0[xX][0-9a-fA-F]+|[0-9]+/y;
const SIGNED_OP_Y = /s(?:>>=|\/=|%=|>=|<=|>|<)/y;
// Identifiers may contain `-` between letters (`kernel-function`), never before a digit (`pc-8`).
const IDENT_Y = /[A-Za-z_.$][\w.$]*(?:-[A-Za-z_][\w.$]*)*/y;

function sticky(re: RegExp, text: string, i: number): string | undefined {
  re.lastIndex = i;
  return re.exec(text)?.[0];
}

export function lex(text: string, startCol: number, where: Where, line: number): KTok[] {
  const out: KTok[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text.charCodeAt(i);
    if (c === 32 || c === 9) {
      i++;
      continue;
    }
    const col = startCol + i;
    let t: string | undefined;
    if (c >= 48 && c <= 57) {
      t = sticky(NUM_Y, text, i)!;
      out.push({ kind: "num", text: t, col });
    } else if ((t = c === 115 ? sticky(SIGNED_OP_Y, text, i) : undefined)) {
      // A lone `s` glued to a comparison/assignment is a signed operator.
      out.push({ kind: "op", text: t, col });
    } else if ((t = sticky(IDENT_Y, text, i))) {
      const m = REG_RE.exec(t);
      const n = m ? Number(m[2]) : NaN;
      if (m && n <= 10) out.push({ kind: "reg", text: t, col, n, wide: m[1] === "r" });
      else if (m) where.fail(`invalid register '${t}'`, line, col);
      else out.push({ kind: "ident", text: t, col });
    } else {
      t = operatorAt(text, i);
      if (!t) where.fail(`unexpected character '${text[i]}'`, line, col);
      out.push({ kind: "op", text: t, col });
    }
    i += t.length;
  }
  return out;
}
