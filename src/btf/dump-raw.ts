// BTF as bpftool's "raw" listing (`bpftool btf dump file X format raw`): one
// line per type with its kind, quoted name and fields, members indented below.
import type { Btf } from "./btf.ts";
import {
  BTF_INT_BOOL,
  BTF_INT_CHAR,
  BTF_INT_SIGNED,
  BtfKind,
  isRef,
  kindName,
  type BtfType,
} from "./types.ts";

const LINKAGE = ["static", "global", "extern"];

function intEncoding(e: number): string {
  if (e & BTF_INT_SIGNED) return "SIGNED";
  if (e & BTF_INT_CHAR) return "CHAR";
  if (e & BTF_INT_BOOL) return "BOOL";
  return "(none)";
}

const q = (name: string): string => `'${name || "(anon)"}'`;

function typeLines(btf: Btf, id: number, t: BtfType): string[] {
  const head = `[${id}] ${kindName(t.kind)} ${q(t.name)}`;
  if (isRef(t)) return [`${head} type_id=${t.type}`];
  switch (t.kind) {
    case BtfKind.INT:
      return [
        `${head} size=${t.size} bits_offset=${t.bitOffset} nr_bits=${t.bits} encoding=${intEncoding(t.encoding)}`,
      ];
    case BtfKind.ARRAY:
      return [`${head} type_id=${t.type} index_type_id=${t.indexType} nr_elems=${t.nelems}`];
    case BtfKind.STRUCT:
    case BtfKind.UNION:
      return [
        `${head} size=${t.size} vlen=${t.members.length}`,
        ...t.members.map(
          (m) =>
            `\t${q(m.name)} type_id=${m.type} bits_offset=${m.bitOffset}${m.bitfieldSize ? ` bitfield_size=${m.bitfieldSize}` : ""}`,
        ),
      ];
    case BtfKind.ENUM:
    case BtfKind.ENUM64:
      return [
        `${head} encoding=${t.signed ? "SIGNED" : "UNSIGNED"} size=${t.size} vlen=${t.values.length}`,
        ...t.values.map((v) => `\t${q(v.name)} val=${v.value}`),
      ];
    case BtfKind.FWD:
      return [`${head} fwd_kind=${t.union ? "union" : "struct"}`];
    case BtfKind.FUNC:
      return [`${head} type_id=${t.type} linkage=${LINKAGE[t.linkage] ?? t.linkage}`];
    case BtfKind.FUNC_PROTO:
      return [
        `${head} ret_type_id=${t.type} vlen=${t.params.length}`,
        ...t.params.map((p) => `\t${q(p.name)} type_id=${p.type}`),
      ];
    case BtfKind.VAR:
      return [`${head} type_id=${t.type}, linkage=${LINKAGE[t.linkage] ?? t.linkage}`];
    case BtfKind.DATASEC:
      return [
        `${head} size=${t.size} vlen=${t.vars.length}`,
        ...t.vars.map((v) => {
          const target = btf.has(v.type) ? btf.type(v.type) : undefined;
          const what = target ? ` (${kindName(target.kind)} ${q(target.name)})` : "";
          return `\ttype_id=${v.type} offset=${v.offset} size=${v.size}${what}`;
        }),
      ];
    case BtfKind.FLOAT:
      return [`${head} size=${t.size}`];
    case BtfKind.DECL_TAG:
      return [`${head} type_id=${t.type} component_idx=${t.componentIdx}`];
    default:
      return [head];
  }
}

export function dumpRaw(btf: Btf): string {
  const lines: string[] = [];
  for (let id = 1; id < btf.count; id++) lines.push(...typeLines(btf, id, btf.type(id)));
  return lines.join("\n") + "\n";
}
