// A small reader of C declarations, enough to describe host functions and the
// structs they take in the notation users already know from C headers:
// `long handle_request(u32 method, struct request *req)`, `u64 start`,
// `char path[64]`. It produces a syntax tree only; the HostKernel turns types
// into BTF. Errors are UsageErrors naming the offending text.
import { UsageError } from "../../errors.ts";

/** A type as written: a base type, then pointer levels. */
export interface CType {
  /** "struct"/"union"/"enum" with a tag, a builtin ("unsigned int"), or a typedef name. */
  base: { kind: "struct" | "union" | "enum" | "name"; name: string };
  /** Number of `*`. */
  ptr: number;
  /** `const` on the innermost type (e.g. `const char *`). */
  isConst: boolean;
}

/** One declarator: a type, an optional name and array dimension. */
export interface CDecl {
  type: CType;
  name: string;
  /** `name[N]`: element count. */
  array?: number;
}

export interface CFuncDecl {
  ret: CType;
  name: string;
  params: CDecl[];
}

/** Words that make up builtin type names (`unsigned long long`, `_Bool`, ...). */
const BUILTIN_WORDS = new Set([
  "void",
  "char",
  "short",
  "int",
  "long",
  "signed",
  "unsigned",
  "_Bool",
]);
const QUALIFIERS = new Set(["const", "volatile", "restrict", "__restrict"]);

const TOKEN = /\s*(?:([A-Za-z_][A-Za-z0-9_]*)|(\d+|0x[0-9a-fA-F]+)|([*()[\],;]))/y;

function tokenize(text: string): string[] {
  const out: string[] = [];
  TOKEN.lastIndex = 0;
  let at = 0;
  while (at < text.length) {
    if (/^\s*$/.test(text.slice(at))) break;
    TOKEN.lastIndex = at;
    const m = TOKEN.exec(text);
    if (!m)
      throw new UsageError(`cannot read C declaration '${text}' at '${text.slice(at).trim()}'`);
    out.push(m[1] ?? m[2] ?? m[3]!);
    at = TOKEN.lastIndex;
  }
  return out;
}

class Reader {
  private i = 0;
  constructor(
    private readonly toks: string[],
    private readonly text: string,
  ) {}

  peek(k = 0): string | undefined {
    return this.toks[this.i + k];
  }
  next(): string {
    const t = this.toks[this.i++];
    if (t === undefined) this.fail("unexpected end");
    return t;
  }
  expect(t: string): void {
    const got = this.next();
    if (got !== t) this.fail(`expected '${t}', found '${got}'`);
  }
  get done(): boolean {
    return this.i >= this.toks.length;
  }
  fail(why: string): never {
    throw new UsageError(`cannot read C declaration '${this.text}': ${why}`);
  }

  /** A type up to (not including) the declarator name. */
  type(): CType {
    let isConst = false;
    const words: string[] = [];
    let base: CType["base"] | undefined;
    for (;;) {
      const t = this.peek();
      if (t === undefined) break;
      if (QUALIFIERS.has(t)) {
        if (t === "const") isConst = true;
        this.i++;
        continue;
      }
      if (t === "struct" || t === "union" || t === "enum") {
        if (base || words.length) this.fail(`unexpected '${t}'`);
        this.i++;
        const tag = this.next();
        if (!/^[A-Za-z_]/.test(tag)) this.fail(`'${t}' needs a tag name`);
        base = { kind: t, name: tag };
        continue;
      }
      if (BUILTIN_WORDS.has(t)) {
        if (base) this.fail(`unexpected '${t}'`);
        words.push(t);
        this.i++;
        continue;
      }
      // A typedef name, unless a type was already read (then it is the declarator).
      if (!base && words.length === 0 && /^[A-Za-z_]/.test(t)) {
        base = { kind: "name", name: t };
        this.i++;
        continue;
      }
      break;
    }
    if (words.length) base = { kind: "name", name: canonicalBuiltin(words, this) };
    if (!base) this.fail("missing type");
    let ptr = 0;
    while (this.peek() === "*" || (this.peek() !== undefined && QUALIFIERS.has(this.peek()!))) {
      if (this.next() === "*") ptr++;
    }
    return { base, ptr, isConst };
  }

  /** type [name] [ '[' N ']' ] */
  decl(requireName: boolean): CDecl {
    const type = this.type();
    let name = "";
    const t = this.peek();
    if (t !== undefined && /^[A-Za-z_]/.test(t)) name = this.next();
    else if (requireName) this.fail("missing a name");
    let array: number | undefined;
    if (this.peek() === "[") {
      this.i++;
      const n = Number(this.next());
      if (!Number.isInteger(n) || n < 0) this.fail("bad array size");
      this.expect("]");
      array = n;
    }
    return { type, name, array };
  }
}

/** `unsigned` → `unsigned int`, `long int` → `long`, ... (the names clang gives BTF ints). */
function canonicalBuiltin(words: string[], r: Reader): string {
  const count = (w: string): number => words.filter((x) => x === w).length;
  const unsigned = count("unsigned") > 0;
  const signed = count("signed") > 0;
  if (unsigned && signed) r.fail("both signed and unsigned");
  const longs = count("long");
  if (count("void")) {
    if (words.length !== 1) r.fail("bad use of void");
    return "void";
  }
  if (count("_Bool")) {
    if (words.length !== 1) r.fail("bad use of _Bool");
    return "_Bool";
  }
  if (count("char")) {
    if (longs || count("short") || count("int")) r.fail("bad char type");
    return unsigned ? "unsigned char" : signed ? "signed char" : "char";
  }
  if (count("short")) {
    if (longs) r.fail("bad short type");
    return unsigned ? "unsigned short" : "short";
  }
  if (longs > 2) r.fail("too many 'long'");
  const base = longs === 2 ? "long long" : longs === 1 ? "long" : "int";
  return unsigned ? `unsigned ${base}` : base;
}

/** A single type, e.g. `struct request *` or `unsigned long`. */
export function parseCType(text: string): CType {
  const r = new Reader(tokenize(text), text);
  const t = r.type();
  if (!r.done) r.fail(`unexpected '${r.peek()}'`);
  return t;
}

/** One declaration with a name, e.g. `u64 start` or `char path[64]`. */
export function parseCDecl(text: string): CDecl {
  const r = new Reader(tokenize(text), text);
  const d = r.decl(true);
  if (!r.done) r.fail(`unexpected '${r.peek()}'`);
  return d;
}

/** A struct body: `u32 method; u64 start; char path[64];`. */
export function parseCFields(text: string): CDecl[] {
  const r = new Reader(tokenize(text), text);
  const out: CDecl[] = [];
  while (!r.done) {
    out.push(r.decl(true));
    if (!r.done) r.expect(";");
  }
  return out;
}

/** A prototype: `long handle(u32 method, struct req *r)`; the name may be left out. */
export function parseCFunc(text: string): CFuncDecl {
  const r = new Reader(tokenize(text), text);
  const ret = r.type();
  let name = "";
  if (r.peek() !== "(") name = r.next();
  r.expect("(");
  const params: CDecl[] = [];
  if (r.peek() === "void" && r.peek(1) === ")") r.next();
  while (r.peek() !== ")") {
    if (params.length) r.expect(",");
    params.push(r.decl(false));
  }
  r.expect(")");
  if (!r.done) r.fail(`unexpected '${r.peek()}'`);
  return { ret, name, params };
}
