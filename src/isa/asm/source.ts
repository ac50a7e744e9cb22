// Source positions and operand tokens shared by both assembler syntaxes: every
// error names the file, the 1-based line and column, and the reason, so a user
// can jump straight to the offending text.
import { AsmError } from "../../errors.ts";

/** One piece of an instruction line with its 1-based column. */
export interface Token {
  text: string;
  col: number;
}

/** One source line stripped of its comment, with its 1-based number. */
export interface Line {
  no: number;
  /** The text before the comment, trailing blanks removed; leading blanks kept so columns stay true. */
  text: string;
}

/** Throws AsmError for a position; `never` so callers can use it in expressions. */
export class Where {
  constructor(readonly file?: string) {}
  fail(reason: string, line: number, col: number): never {
    throw new AsmError(reason, line, col, this.file);
  }
  at(line: Line, tok: Token | undefined, reason: string): never {
    return this.fail(reason, line.no, tok?.col ?? firstColumn(line.text));
  }
}

export function firstColumn(text: string): number {
  const m = /\S/.exec(text);
  return m ? m.index + 1 : 1;
}

/**
 * Split text into lines, cutting each at the first comment marker found outside
 * brackets. `markers` lists the comment starts of the syntax (e.g. `#`, `;`, `//`).
 */
export function splitLines(text: string, markers: readonly string[]): Line[] {
  const out: Line[] = [];
  const raw = text.split(/\r?\n/);
  for (let i = 0; i < raw.length; i++) {
    let s = raw[i]!;
    let cut = s.length;
    for (const m of markers) {
      const k = s.indexOf(m);
      if (k >= 0 && k < cut) cut = k;
    }
    s = s.slice(0, cut).replace(/\s+$/, "");
    out.push({ no: i + 1, text: s });
  }
  return out;
}

/**
 * Split an operand list on commas and blanks; a `[...]` group stays one token
 * even with blanks inside (`[%r1 + 2]`). Returns tokens with their columns.
 */
export function splitOperands(
  text: string,
  startCol: number,
  where: Where,
  lineNo: number,
): Token[] {
  const toks: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text[i]!;
    if (c === " " || c === "\t" || c === ",") {
      i++;
      continue;
    }
    const begin = i;
    if (c === "[") {
      const close = text.indexOf("]", i);
      if (close < 0) where.fail("missing ']' in memory operand", lineNo, startCol + i);
      i = close + 1;
    } else {
      while (i < text.length && !" \t,".includes(text[i]!)) i++;
    }
    toks.push({ text: text.slice(begin, i), col: startCol + begin });
  }
  return toks;
}
