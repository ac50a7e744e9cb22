// A small pattern matcher over kernel-syntax tokens. A pattern is a string of
// space-separated elements: literal token texts, or captures `$name:type`
// (`$d:reg`, `$v:num`, `$o:aluop`, `$c:cmp`, `$z:size`, `$t:target`,
// `$m:mem`, `$a:addr`, `$f:ident`, `$r:rest`). The syntax table in
// kernel-syntax.ts is a list of such patterns with the instruction each builds.
import type { KTok } from "./kernel-lexer.ts";

export interface RegCap {
  n: number;
  wide: boolean;
  tok: KTok;
}
export interface NumCap {
  /** Sign and digits as written (`-8`, `0x10`, `+4`). */
  text: string;
  value: bigint;
  hex: boolean;
  tok: KTok;
}
export interface MemCap {
  reg: RegCap;
  off: NumCap | undefined;
  tok: KTok;
}
export type TargetCap = { rel: NumCap; tok: KTok } | { label: string; tok: KTok };

export type Cap =
  RegCap | NumCap | MemCap | TargetCap | { text: string; tok: KTok } | { rest: KTok[] };

export type Caps = Record<string, Cap>;

type Elem = { lit: string } | { name: string; type: string };

const cache = new Map<string, Elem[]>();
function compile(pattern: string): Elem[] {
  let elems = cache.get(pattern);
  if (!elems) {
    elems = pattern.split(" ").map((p) => {
      const m = /^\$(\w+):(\w+)$/.exec(p);
      return m ? { name: m[1]!, type: m[2]! } : { lit: p };
    });
    cache.set(pattern, elems);
  }
  return elems;
}

/**
 * Capture-type readers: each consumes tokens at `i` and returns [capture, next
 * index], or how far it got before failing (for the error position).
 */
type Reader = (t: KTok[], i: number, sets: MatchSets) => [Cap, number] | number | undefined;

export interface MatchSets {
  aluops: ReadonlySet<string>;
  cmps: ReadonlySet<string>;
  sizes: ReadonlySet<string>;
}

function readNum(t: KTok[], i: number): [NumCap, number] | undefined {
  let sign = "";
  const first = t[i];
  if (first?.kind === "op" && (first.text === "+" || first.text === "-")) {
    sign = first.text;
    i++;
  }
  const n = t[i];
  if (n?.kind !== "num") return undefined;
  const mag = BigInt(n.text);
  return [
    {
      text: sign + n.text,
      value: sign === "-" ? -mag : mag,
      hex: /^0[xX]/.test(n.text),
      tok: first!,
    },
    i + 1,
  ];
}

function readReg(t: KTok[], i: number): [RegCap, number] | undefined {
  const r = t[i];
  return r?.kind === "reg" ? [{ n: r.n, wide: r.wide, tok: r }, i + 1] : undefined;
}

/** `reg`, `reg + n`, `reg - n`, `reg +n`: the base and offset of a memory operand. */
function readAddr(t: KTok[], i: number): [MemCap, number] | undefined {
  const r = readReg(t, i);
  if (!r) return undefined;
  const off = readNum(t, r[1]);
  if (off && off[0].text[0] !== "+" && off[0].text[0] !== "-") return undefined;
  return off
    ? [{ reg: r[0], off: off[0], tok: t[i]! }, off[1]]
    : [{ reg: r[0], off: undefined, tok: t[i]! }, r[1]];
}

const READERS: Record<string, Reader> = {
  reg: readReg,
  num: readNum,
  ident: (t, i) => (t[i]?.kind === "ident" ? [{ text: t[i]!.text, tok: t[i]! }, i + 1] : undefined),
  aluop: (t, i, s) =>
    t[i]?.kind === "op" && s.aluops.has(t[i]!.text)
      ? [{ text: t[i]!.text, tok: t[i]! }, i + 1]
      : undefined,
  cmp: (t, i, s) =>
    t[i]?.kind === "op" && s.cmps.has(t[i]!.text)
      ? [{ text: t[i]!.text, tok: t[i]! }, i + 1]
      : undefined,
  size: (t, i, s) =>
    t[i]?.kind === "ident" && s.sizes.has(t[i]!.text)
      ? [{ text: t[i]!.text, tok: t[i]! }, i + 1]
      : undefined,
  addr: readAddr,
  mem: (t, i) => {
    if (t[i]?.text !== "(") return undefined;
    const a = readAddr(t, i + 1);
    if (!a) return i + 1;
    if (t[a[1]]?.text !== ")") return a[1];
    return [{ ...a[0], tok: t[i]! }, a[1] + 1];
  },
  target: (t, i) => {
    const tok = t[i];
    if (!tok) return undefined;
    if (tok.kind === "ident" && tok.text === "pc") {
      const n = readNum(t, i + 1);
      return n && /^[+-]/.test(n[0].text) ? [{ rel: n[0], tok }, n[1]] : undefined;
    }
    if (tok.kind === "ident") return [{ label: tok.text, tok }, i + 1];
    const n = readNum(t, i);
    return n ? [{ rel: n[0], tok }, n[1]] : undefined;
  },
  rest: (t, i) => [{ rest: t.slice(i) }, t.length],
};

export type MatchResult = { caps: Caps } | { failAt: number };

/** Match the whole token list against a pattern; on failure, how far it got. */
export function match(tokens: KTok[], pattern: string, sets: MatchSets): MatchResult {
  const caps: Caps = {};
  let i = 0;
  for (const e of compile(pattern)) {
    if ("lit" in e) {
      if (tokens[i]?.text !== e.lit) return { failAt: i };
      i++;
      continue;
    }
    const reader = READERS[e.type];
    if (!reader) throw new Error(`bad pattern element type ${e.type}`);
    const r = reader(tokens, i, sets);
    if (r === undefined) return { failAt: i };
    if (typeof r === "number") return { failAt: r };
    caps[e.name] = r[0];
    i = r[1];
  }
  return i === tokens.length ? { caps } : { failAt: i };
}
