// Reading a kfunc's BTF prototype the way check_kfunc_args does: types through
// modifiers and typedefs, the parameter-name suffixes that carry meaning
// (`buf__sz`, `len__szk`, `p__nullable`, `d__uninit`, `x__k`, `y__ign`), and
// the kind names the kernel's messages print.
import type { Btf } from "../../btf/btf.ts";
import { BTF_KIND_NAMES, BtfKind, type BtfParam, type BtfType } from "../../btf/types.ts";

/** btf_type_skip_modifiers(): through const/volatile/restrict/type tags and typedefs. */
export function skipModifiers(btf: Btf, id: number): { id: number; t: BtfType } {
  const r = btf.skipModsAndTypedefs(id);
  return { id: r, t: btf.type(r) };
}

/** btf_type_is_scalar(): integers and enums (what a register can hold as a plain value). */
export const isScalarType = (t: BtfType): boolean =>
  t.kind === BtfKind.INT || t.kind === BtfKind.ENUM || t.kind === BtfKind.ENUM64;

export const isPtrType = (t: BtfType): boolean => t.kind === BtfKind.PTR;
export const isStructType = (t: BtfType): boolean =>
  t.kind === BtfKind.STRUCT || t.kind === BtfKind.UNION;
export const isVoidType = (id: number): boolean => id === 0;

/** btf_type_str(): the kind's name, as the kernel's messages print it. */
export const btfTypeStr = (t: BtfType): string => BTF_KIND_NAMES[t.kind] ?? "UNKNOWN";

/** btf_param_match_suffix(): the parameter's name ends in `suffix` (and is longer than it). */
export const paramHasSuffix = (p: BtfParam, suffix: string): boolean =>
  p.name.length > suffix.length && p.name.endsWith(suffix);

/**
 * `__nullable` (and the older spelling `__opt`, which bpf_dynptr_slice's
 * `buffer__opt` uses in 6.x kernels): NULL is a valid argument.
 */
export const isNullableParam = (p: BtfParam): boolean =>
  paramHasSuffix(p, "__nullable") || paramHasSuffix(p, "__opt");

/** A pointer parameter's target (modifiers skipped), or undefined for non-pointers. */
export function pointee(btf: Btf, p: BtfParam): { id: number; t: BtfType } | undefined {
  const { t } = skipModifiers(btf, p.type);
  if (!isPtrType(t)) return undefined;
  return skipModifiers(btf, (t as { type: number }).type);
}

/**
 * A struct (or union) made of scalars only, nested at most 4 deep
 * (__btf_type_is_scalar_struct): kfuncs may take pointers to those as memory.
 */
export function isScalarStruct(btf: Btf, id: number, depth = 0): boolean {
  const t = btf.type(id);
  if (!isStructType(t)) return false;
  for (const m of (t as { members: { type: number }[] }).members) {
    const { id: mid, t: mt } = skipModifiers(btf, m.type);
    if (isStructType(mt)) {
      if (depth >= 3 || !isScalarStruct(btf, mid, depth + 1)) return false;
      continue;
    }
    if (mt.kind === BtfKind.ARRAY) {
      const a = mt as { type: number; nelems: number };
      if (!a.nelems || !isScalarType(skipModifiers(btf, a.type).t)) return false;
      continue;
    }
    if (!isScalarType(mt)) return false;
  }
  return true;
}

/** Byte size of a scalar type (INT/ENUM), for the 32-bit result marking. */
export function scalarSize(btf: Btf, id: number): number {
  return btf.sizeof(id);
}
