// A CO-RE access specification: what a relocation's access string ("0:1:2")
// means in a BTF. The raw spec is one index per access-string element; the
// accessors keep only the meaningful steps (named fields, array indexes, the
// enumerator), each with the type it indexes into, and bitOffset is where the
// accessed field starts. Field relocations match target types accessor by
// accessor (see match.ts).
import type { Btf } from "../btf.ts";
import { BtfError } from "../errors.ts";
import { CoreReloKind } from "../ext.ts";
import { BtfKind, isComposite, isEnum, kindName } from "../types.ts";

/** Deepest access chain accepted (libbpf's BPF_CORE_SPEC_MAX_LEN). */
export const CORE_SPEC_MAX_LEN = 64;

export interface CoreAccessor {
  /** The struct/union (for named fields), the element type (arrays) or the enum. */
  typeId: number;
  idx: number;
  /** Field or enumerator name; undefined for array indexing. */
  name?: string;
}

export interface CoreSpec {
  btf: Btf;
  rootTypeId: number;
  kind: number;
  raw: number[];
  accessors: CoreAccessor[];
  bitOffset: number;
}

export const isFieldKind = (k: number): boolean =>
  k >= CoreReloKind.FIELD_BYTE_OFFSET && k <= CoreReloKind.FIELD_RSHIFT_U64;
export const isTypeKind = (k: number): boolean =>
  (k >= CoreReloKind.TYPE_ID_LOCAL && k <= CoreReloKind.TYPE_SIZE) ||
  k === CoreReloKind.TYPE_MATCHES;
export const isEnumvalKind = (k: number): boolean =>
  k === CoreReloKind.ENUMVAL_EXISTS || k === CoreReloKind.ENUMVAL_VALUE;

const KIND_NAMES: Record<number, string> = {
  0: "byte_off",
  1: "byte_sz",
  2: "field_exists",
  3: "signed",
  4: "lshift_u64",
  5: "rshift_u64",
  6: "local_type_id",
  7: "target_type_id",
  8: "type_exists",
  9: "type_size",
  10: "enumval_exists",
  11: "enumval_value",
  12: "type_matches",
};
export const coreKindName = (k: number): string => KIND_NAMES[k] ?? "unknown";

/** Size of a type, or throws the way the spec parser reports it. */
function sizeOf(btf: Btf, id: number): number {
  return btf.sizeof(id);
}

/** A flexible array member: the last member of its struct, declared with 0 elements. */
export function isFlexArray(btf: Btf, parent: CoreAccessor | undefined, nelems: number): boolean {
  if (!parent || parent.name === undefined || nelems > 0) return false;
  const t = btf.type(parent.typeId);
  return isComposite(t) && parent.idx === t.members.length - 1;
}

/** bpf_core_parse_spec: the local side of a relocation. Throws BtfError when the access string does not fit the type. */
export function parseCoreSpec(btf: Btf, typeId: number, accessStr: string, kind: number): CoreSpec {
  const bad = (why: string): never => {
    throw new BtfError(
      `parsing [${typeId}] ${btf.has(typeId) ? btf.describe(typeId) : "?"} + ${accessStr} failed: ${why}`,
      typeId,
    );
  };
  if (!btf.has(typeId)) bad("type id out of range");
  if (accessStr === "" || accessStr.startsWith(":")) bad("empty access string");
  const spec: CoreSpec = { btf, rootTypeId: typeId, kind, raw: [], accessors: [], bitOffset: 0 };
  if (isTypeKind(kind)) {
    if (accessStr !== "0") bad('type relocations take access string "0"');
    return spec;
  }
  for (const part of accessStr.split(":")) {
    if (!/^\d+$/.test(part)) bad(`'${part}' is not an index`);
    if (spec.raw.length === CORE_SPEC_MAX_LEN) bad("access chain too long");
    spec.raw.push(Number(part));
  }
  let id = btf.skipModsAndTypedefs(typeId);
  let t = btf.type(id);
  const first = spec.raw[0]!;
  if (isEnumvalKind(kind)) {
    if (!isEnum(t) || spec.raw.length > 1 || first >= t.values.length)
      bad("not an enumerator of this enum");
    if (!isEnum(t)) return bad("unreachable");
    spec.accessors.push({ typeId: id, idx: first, name: t.values[first]!.name });
    return spec;
  }
  if (!isFieldKind(kind)) bad(`unknown relocation kind ${kind}`);
  spec.accessors.push({ typeId: id, idx: first });
  spec.bitOffset = first * sizeOf(btf, id) * 8;
  for (let i = 1; i < spec.raw.length; i++) {
    id = btf.skipModsAndTypedefs(id);
    t = btf.type(id);
    const idx = spec.raw[i]!;
    if (isComposite(t)) {
      if (idx >= t.members.length) bad(`member #${idx} out of range for ${kindName(t.kind)}`);
      const m = t.members[idx]!;
      spec.bitOffset += m.bitOffset;
      if (m.name) spec.accessors.push({ typeId: id, idx, name: m.name });
      id = m.type;
    } else if (t.kind === BtfKind.ARRAY) {
      const elem = btf.skipModsAndTypedefs(t.type);
      const parent = spec.accessors[spec.accessors.length - 1];
      if (!isFlexArray(btf, parent, t.nelems) && idx >= t.nelems)
        bad(`array index ${idx} out of bounds (${t.nelems})`);
      spec.accessors.push({ typeId: elem, idx });
      spec.bitOffset += idx * sizeOf(btf, elem) * 8;
      id = elem;
    } else {
      bad(`element ${i} indexes into ${kindName(t.kind)} [${id}]`);
    }
  }
  return spec;
}

/** libbpf's bpf_core_format_spec: "<byte_off> [5] STRUCT sock.__sk_common.skc_family (0:0:2 @ offset 16)". */
export function formatCoreSpec(spec: CoreSpec): string {
  const btf = spec.btf;
  const root = btf.type(spec.rootTypeId);
  let s = `<${coreKindName(spec.kind)}> [${spec.rootTypeId}] ${kindName(root.kind)} ${root.name || "<anon>"}`;
  if (isTypeKind(spec.kind)) return s;
  if (isEnumvalKind(spec.kind)) {
    const e = btf.type(spec.accessors[0]!.typeId);
    if (isEnum(e)) {
      const v = e.values[spec.raw[0]!]!;
      s += `::${v.name} = ${v.value}`;
    }
    return s;
  }
  spec.accessors.forEach((a, i) => {
    if (a.name !== undefined) s += `.${a.name}`;
    else if (i > 0 || a.idx > 0) s += `[${a.idx}]`;
  });
  const off =
    spec.bitOffset % 8
      ? `${Math.floor(spec.bitOffset / 8)}.${spec.bitOffset % 8}`
      : `${spec.bitOffset / 8}`;
  return `${s} (${spec.raw.join(":")} @ offset ${off})`;
}
