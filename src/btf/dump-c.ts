// BTF as a C header, like `bpftool btf dump file X format c`: every named
// struct, union, enum and typedef, ordered so the header compiles — a type
// used by value is defined before its user, a type reached only through a
// pointer gets a forward declaration — with explicit padding (anonymous
// bitfields) and `__attribute__((packed))` where the BTF layout differs from
// what a C compiler would do on its own, so sizes and offsets match.
import type { Btf } from "./btf.ts";
import {
  BtfKind,
  isComposite,
  isRef,
  type BtfMember,
  type BtfStruct,
  type BtfType,
  type BtfUnion,
} from "./types.ts";

export interface DumpCOptions {
  /** Include-guard macro (default __VMLINUX_H__); "" for none. */
  guard?: string;
  /** Wrap in clang's preserve_access_index pragma, as bpftool does for CO-RE (default true). */
  preserveAccessIndex?: boolean;
}

const enum State {
  None,
  Declared,
  InProgress,
  Defined,
}

class CDumper {
  private readonly out: string[] = [];
  private readonly state: Uint8Array;
  /** Names after making them unique per C namespace (tags / ordinary identifiers). */
  private readonly names: string[];
  /** Enum constant names, unique across all enums and typedefs. */
  private readonly enumValueNames: Map<number, string[]>;

  constructor(private readonly btf: Btf) {
    this.state = new Uint8Array(btf.count);
    ({ names: this.names, enumValues: this.enumValueNames } = uniqueNames(btf));
  }

  /** A single declarator, for use outside a full dump. */
  declaration(id: number, name: string): string {
    return this.decl(id, name, 0);
  }

  run(): string[] {
    for (let id = 1; id < this.btf.count; id++) {
      const t = this.btf.types[id]!;
      switch (t.kind) {
        case BtfKind.STRUCT:
        case BtfKind.UNION:
          if (t.name) this.define(id);
          break;
        case BtfKind.ENUM:
        case BtfKind.ENUM64:
          // Anonymous enums at top level are how C spells constants; emit them once.
          if (t.name || !this.referenced().has(id)) this.defineEnum(id);
          break;
        case BtfKind.TYPEDEF:
          this.typedef(id);
          break;
        case BtfKind.FWD:
          this.declare(id);
          break;
        default:
          break;
      }
    }
    return this.out;
  }

  private refs: Set<number> | undefined;
  /** Ids some other type refers to (anonymous ones of these are printed inline where used). */
  private referenced(): Set<number> {
    if (this.refs) return this.refs;
    const r = new Set<number>();
    for (const t of this.btf.types) for (const id of references(t)) r.add(id);
    return (this.refs = r);
  }

  private tagName(id: number): string {
    const t = this.btf.types[id]!;
    const kw =
      t.kind === BtfKind.UNION || (t.kind === BtfKind.FWD && t.union)
        ? "union"
        : t.kind === BtfKind.ENUM || t.kind === BtfKind.ENUM64
          ? "enum"
          : "struct";
    return `${kw} ${this.names[id]}`;
  }

  /** `struct foo;` unless foo is already declared or defined. */
  private declare(id: number): void {
    const t = this.btf.types[id]!;
    if (!t.name || this.state[id] === State.Declared || this.state[id] === State.Defined) return;
    if (t.kind === BtfKind.ENUM || t.kind === BtfKind.ENUM64) return this.defineEnum(id);
    this.out.push(`${this.tagName(id)};`, "");
    if (this.state[id] === State.None) this.state[id] = State.Declared;
    // A FWD shares its name with the struct it stands for: both are declared now.
    if (t.kind === BtfKind.FWD) {
      for (const other of this.btf.findAll(t.name)) {
        const o = this.btf.types[other]!;
        if (
          isComposite(o) &&
          (o.kind === BtfKind.UNION) === t.union &&
          this.state[other] === State.None
        ) {
          this.state[other] = State.Declared;
        }
      }
    }
  }

  /**
   * Makes sure the type `id` can be used: "complete" when used by value (its
   * definition must come first), "decl" when behind a pointer or in a prototype.
   */
  private need(id: number, mode: "complete" | "decl", depth = 0): void {
    if (depth > 64) return;
    const t = this.btf.types[id]!;
    switch (t.kind) {
      case BtfKind.PTR: {
        const target = this.btf.types[t.type]!;
        this.need(t.type, target.kind === BtfKind.FUNC_PROTO ? "complete" : "decl", depth + 1);
        return;
      }
      case BtfKind.CONST:
      case BtfKind.VOLATILE:
      case BtfKind.RESTRICT:
      case BtfKind.TYPE_TAG:
        return this.need(t.type, mode, depth + 1);
      case BtfKind.ARRAY:
        return this.need(t.type, "complete", depth + 1);
      case BtfKind.FUNC_PROTO:
        this.need(t.type, "decl", depth + 1);
        for (const p of t.params) if (p.type) this.need(p.type, "decl", depth + 1);
        return;
      case BtfKind.TYPEDEF:
        this.typedef(id);
        if (mode === "complete") this.need(t.type, "complete", depth + 1);
        return;
      case BtfKind.STRUCT:
      case BtfKind.UNION:
        if (!t.name) {
          for (const m of t.members) this.need(m.type, "complete", depth + 1);
          return;
        }
        if (mode === "decl") return this.declare(id);
        if (this.state[id] === State.InProgress) return this.declare(id); // by-value cycle: cannot happen in valid BTF
        return this.define(id);
      case BtfKind.ENUM:
      case BtfKind.ENUM64:
        if (t.name) this.defineEnum(id);
        return;
      case BtfKind.FWD:
        return this.declare(id);
      default:
        return;
    }
  }

  private define(id: number): void {
    const st = this.state[id];
    if (st === State.Defined || st === State.InProgress) return;
    const t = this.btf.types[id] as BtfStruct | BtfUnion;
    this.state[id] = State.InProgress;
    for (const m of t.members) this.need(m.type, m.type === id ? "decl" : "complete");
    this.out.push(`${this.body(id, 0)};`, "");
    this.state[id] = State.Defined;
  }

  private defineEnum(id: number): void {
    if (this.state[id] === State.Defined) return;
    this.state[id] = State.Defined;
    this.out.push(`${this.enumBody(id, 0)};`, "");
  }

  private typedef(id: number): void {
    if (this.state[id] !== State.None) return;
    const t = this.btf.types[id]!;
    if (t.kind !== BtfKind.TYPEDEF) return;
    this.state[id] = State.InProgress;
    this.need(t.type, "decl");
    // An array or anonymous aggregate in a typedef is a definition: its parts must be complete.
    const target = this.btf.types[this.btf.skipQualifiers(t.type)]!;
    if (target.kind === BtfKind.ARRAY || (isComposite(target) && !target.name))
      this.need(t.type, "complete");
    this.out.push(`typedef ${this.decl(t.type, this.names[id]!, 0)};`, "");
    this.state[id] = State.Defined;
  }

  /** A struct/union body: `struct name {\n ... }` (anonymous ones inline). */
  /** Anonymous aggregates being printed inline (unvalidated BTF may nest one in itself). */
  private readonly inline = new Set<number>();

  private body(id: number, indent: number): string {
    const t = this.btf.types[id] as BtfStruct | BtfUnion;
    const kw = t.kind === BtfKind.UNION ? "union" : "struct";
    const head = t.name ? `${kw} ${this.names[id]}` : kw;
    if (!t.name && this.inline.has(id)) return `${kw} /* [${id}] contains itself */`;
    this.inline.add(id);
    try {
      return this.bodyLines(t, id, head, indent);
    } finally {
      this.inline.delete(id);
    }
  }

  private bodyLines(t: BtfStruct | BtfUnion, id: number, head: string, indent: number): string {
    if (t.members.length === 0 && t.size === 0) return `${head} {}`;
    const pad = "\t".repeat(indent + 1);
    const lines: string[] = [];
    const packed = t.kind === BtfKind.STRUCT && this.isPacked(t);
    let off = 0; // bits laid out so far (struct only)
    for (const m of t.members) {
      if (t.kind === BtfKind.STRUCT) {
        const want = m.bitOffset;
        let natural = off;
        if (!m.bitfieldSize && !packed) {
          const a = this.align(m.type) * 8;
          natural = Math.ceil(off / a) * a;
        }
        if (want > natural) lines.push(...padding(off, want, pad));
        off = want + (m.bitfieldSize || this.size(m.type) * 8);
      }
      const bits = m.bitfieldSize ? `: ${m.bitfieldSize}` : "";
      lines.push(`${pad}${this.decl(m.type, m.name, indent + 1)}${bits};`);
    }
    if (t.kind === BtfKind.STRUCT) {
      const structAlign = packed ? 8 : this.align(id) * 8;
      if (Math.ceil(off / structAlign) * structAlign < t.size * 8)
        lines.push(...padding(off, t.size * 8, pad));
    }
    return `${head} {\n${lines.join("\n")}\n${"\t".repeat(indent)}}${packed ? " __attribute__((packed))" : ""}`;
  }

  private isPacked(t: BtfStruct): boolean {
    let max = 1;
    for (const m of t.members) {
      if (m.bitfieldSize) continue;
      const a = this.align(m.type);
      if (m.bitOffset % (a * 8) !== 0) return true;
      max = Math.max(max, a);
    }
    return t.size % max !== 0;
  }

  private align(id: number): number {
    try {
      return this.btf.alignof(id);
    } catch {
      return 1;
    }
  }

  private size(id: number): number {
    try {
      return this.btf.sizeof(id);
    } catch {
      return 0;
    }
  }

  private enumBody(id: number, indent: number): string {
    const t = this.btf.types[id]!;
    if (t.kind !== BtfKind.ENUM && t.kind !== BtfKind.ENUM64) return "";
    const head = t.name ? `enum ${this.names[id]}` : "enum";
    const pad = "\t".repeat(indent + 1);
    const vnames = this.enumValueNames.get(id)!;
    const lines = t.values.map(
      (v, i) => `${pad}${vnames[i]} = ${enumLiteral(v.value, t.signed, t.size)},`,
    );
    const packed = t.size < 4 ? " __attribute__((packed))" : "";
    if (lines.length === 0) return `${head}${packed}`;
    return `${head} {\n${lines.join("\n")}\n${"\t".repeat(indent)}}${packed}`;
  }

  /** C declarator for a value of type `id` named `name` ("" for an abstract declarator). */
  private decl(id: number, name: string, indent: number, depth = 0): string {
    const sp = name ? ` ${name}` : "";
    if (depth > 64) return `void${sp}`;
    const t = this.btf.types[id]!;
    switch (t.kind) {
      case BtfKind.UNKN:
        return `void${sp}`;
      case BtfKind.INT:
      case BtfKind.FLOAT:
        return `${t.name}${sp}`;
      case BtfKind.TYPEDEF:
        return `${this.names[id]}${sp}`;
      case BtfKind.STRUCT:
      case BtfKind.UNION:
        return `${t.name ? `${t.kind === BtfKind.UNION ? "union" : "struct"} ${this.names[id]}` : this.body(id, indent)}${sp}`;
      case BtfKind.ENUM:
      case BtfKind.ENUM64:
        return `${t.name ? `enum ${this.names[id]}` : this.enumBody(id, indent)}${sp}`;
      case BtfKind.FWD:
        return `${this.tagName(id)}${sp}`;
      case BtfKind.PTR: {
        const target = this.btf.types[t.type]!;
        const inner = `*${name}`;
        const wrap = target.kind === BtfKind.ARRAY || target.kind === BtfKind.FUNC_PROTO;
        return this.decl(t.type, wrap ? `(${inner})` : inner, indent, depth + 1);
      }
      case BtfKind.CONST:
      case BtfKind.VOLATILE:
      case BtfKind.RESTRICT: {
        const q =
          t.kind === BtfKind.CONST
            ? "const"
            : t.kind === BtfKind.VOLATILE
              ? "volatile"
              : "restrict";
        const target = this.btf.types[t.type]!;
        if (target.kind === BtfKind.PTR) return this.decl(t.type, `${q}${sp}`, indent, depth + 1);
        return `${q} ${this.decl(t.type, name, indent, depth + 1)}`;
      }
      case BtfKind.TYPE_TAG:
        return this.decl(t.type, name, indent, depth + 1);
      case BtfKind.ARRAY:
        return this.decl(t.type, `${name}[${t.nelems}]`, indent, depth + 1);
      case BtfKind.FUNC_PROTO: {
        const params = t.params.map((p) =>
          p.type === 0 ? "..." : this.decl(p.type, p.name, indent, depth + 1),
        );
        return this.decl(
          t.type,
          `${name}(${params.length ? params.join(", ") : "void"})`,
          indent,
          depth + 1,
        );
      }
      default:
        return `void${sp}`;
    }
  }
}

/** Gaps longer than this many `long: 64;` lines are filled with a char array instead. */
const MAX_PAD_LINES = 64;

/** Anonymous bitfields covering bits [from, to), never straddling their storage unit. */
function padding(from: number, to: number, pad: string): string[] {
  const out: string[] = [];
  let off = from;
  const push = (type: string, bits: number): void => {
    out.push(`${pad}${type}: ${bits};`);
    off += bits;
  };
  while (off < to && off % 8 !== 0) push("char", Math.min(8 - (off % 8), to - off));
  while (off + 8 <= to && off % 64 !== 0) push("char", 8);
  // Long gaps as one byte array (a named member) rather than thousands of lines.
  const longs = Math.floor((to - off) / 64);
  if (longs > MAX_PAD_LINES) {
    out.push(`${pad}char __pad_${off / 8}[${longs * 8}];`);
    off += longs * 64;
  }
  while (off + 64 <= to) push("long", 64);
  while (off + 8 <= to) push("char", 8);
  if (off < to) push("char", to - off);
  return out;
}

function enumLiteral(v: number | bigint, signed: boolean, size: number): string {
  if (typeof v === "bigint") {
    if (signed) return v < 0n ? `${v}LL` : `${v}LL`;
    return `${v}ULL`;
  }
  if (!signed && size >= 4 && v > 0x7fffffff) return `${v}U`;
  return String(v);
}

/** Ids a type refers to. */
function references(t: BtfType): number[] {
  if (isRef(t)) return [t.type];
  switch (t.kind) {
    case BtfKind.STRUCT:
    case BtfKind.UNION:
      return t.members.map((m: BtfMember) => m.type);
    case BtfKind.FUNC_PROTO:
      return [t.type, ...t.params.map((p) => p.type)];
    case BtfKind.ARRAY:
      return [t.type, t.indexType];
    case BtfKind.DATASEC:
      return t.vars.map((v) => v.type);
    case BtfKind.FUNC:
    case BtfKind.VAR:
    case BtfKind.DECL_TAG:
      return [t.type];
    default:
      return [];
  }
}

/**
 * C names per id: a second type with the same name in the same namespace
 * (struct/union/enum tags, or typedefs and enum constants) becomes name___2,
 * name___3, ... as bpftool does. FWDs reuse their struct's name.
 */
function uniqueNames(btf: Btf): { names: string[]; enumValues: Map<number, string[]> } {
  const names: string[] = new Array(btf.count).fill("");
  const enumValues = new Map<number, string[]>();
  const tags = new Map<string, number>();
  const idents = new Map<string, number>();
  const unique = (ns: Map<string, number>, name: string): string => {
    const n = (ns.get(name) ?? 0) + 1;
    ns.set(name, n);
    return n === 1 ? name : `${name}___${n}`;
  };
  const seenFwd = new Set<string>();
  for (let id = 1; id < btf.count; id++) {
    const t = btf.types[id]!;
    if (t.kind === BtfKind.ENUM || t.kind === BtfKind.ENUM64) {
      enumValues.set(
        id,
        t.values.map((v) => unique(idents, v.name)),
      );
    }
    if (!t.name) continue;
    if (isComposite(t) || t.kind === BtfKind.ENUM || t.kind === BtfKind.ENUM64)
      names[id] = unique(tags, t.name);
    else if (t.kind === BtfKind.TYPEDEF) names[id] = unique(idents, t.name);
    else names[id] = t.name;
  }
  // A FWD names the first struct/union of that name; without one it takes its own tag.
  for (let id = 1; id < btf.count; id++) {
    const t = btf.types[id]!;
    if (t.kind !== BtfKind.FWD || seenFwd.has(t.name)) continue;
    seenFwd.add(t.name);
    if (!tags.has(t.name)) names[id] = unique(tags, t.name);
  }
  return { names, enumValues };
}

/** The BTF as a C header. */
export function dumpC(btf: Btf, opts: DumpCOptions = {}): string {
  const guard = opts.guard ?? "__VMLINUX_H__";
  const pai = opts.preserveAccessIndex ?? true;
  const lines: string[] = [];
  if (guard) lines.push(`#ifndef ${guard}`, `#define ${guard}`, "");
  if (pai) {
    lines.push(
      "#ifndef BPF_NO_PRESERVE_ACCESS_INDEX",
      "#pragma clang attribute push (__attribute__((preserve_access_index)), apply_to = record)",
      "#endif",
      "",
    );
  }
  lines.push(...new CDumper(btf).run());
  if (pai)
    lines.push("#ifndef BPF_NO_PRESERVE_ACCESS_INDEX", "#pragma clang attribute pop", "#endif", "");
  if (guard) lines.push(`#endif /* ${guard} */`);
  return lines.join("\n") + "\n";
}

/**
 * One C declaration: `cDecl(btf, funcProtoId, "f")` gives `int f(void *ctx)`;
 * a FUNC id gives its prototype under the FUNC's name when `name` is omitted.
 */
export function cDecl(btf: Btf, typeId: number, name?: string): string {
  const t = btf.type(typeId);
  if (t.kind === BtfKind.FUNC) return new CDumper(btf).declaration(t.type, name ?? t.name);
  return new CDumper(btf).declaration(typeId, name ?? "");
}
