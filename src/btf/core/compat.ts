// Compatibility relations between a local (program) type and a target
// (runtime "kernel") type, as CO-RE defines them:
// - essential names: "sock___v2" is a flavor of "sock" (the part before the last "___");
// - kind compatibility: same kind, or ENUM vs ENUM64;
// - typesAreCompat: TYPE_* relocations' structural check (pointers, arrays and
//   prototypes recursively; composites, enums, FWDs by kind only);
// - fieldsAreCompat: the type of a field found by name must be usable the same way;
// - typesMatch: TYPE_MATCHES' stricter check (members by name, sizes, signedness).
import type { Btf } from "../btf.ts";
import { BtfKind, isComposite, isEnum, type BtfType } from "../types.ts";

const MAX_DEPTH = 32;

function isFlavorSep(s: string, i: number): boolean {
  return s[i] !== "_" && s.startsWith("___", i + 1) && s[i + 4] !== "_";
}

/** The name without its flavor suffix: "task_struct___old" -> "task_struct". */
export function essentialName(name: string): string {
  for (let i = name.length - 5; i >= 0; i--) if (isFlavorSep(name, i)) return name.slice(0, i + 1);
  return name;
}

export function kindsCompat(a: BtfType, b: BtfType): boolean {
  return a.kind === b.kind || (isEnum(a) && isEnum(b));
}

const intOffset = (t: BtfType): number => (t.kind === BtfKind.INT ? t.bitOffset : 0);

/** bpf_core_types_are_compat. Returns false for incompatible types, throws nothing. */
export function typesAreCompat(
  local: Btf,
  localId: number,
  targ: Btf,
  targId: number,
  level = MAX_DEPTH,
): boolean {
  if (!kindsCompat(local.type(localId), targ.type(targId))) return false;
  for (let depth = 0; depth < MAX_DEPTH; depth++) {
    localId = local.skipModsAndTypedefs(localId);
    targId = targ.skipModsAndTypedefs(targId);
    const l = local.type(localId);
    const t = targ.type(targId);
    if (!kindsCompat(l, t)) return false;
    switch (l.kind) {
      case BtfKind.UNKN:
      case BtfKind.STRUCT:
      case BtfKind.UNION:
      case BtfKind.ENUM:
      case BtfKind.ENUM64:
      case BtfKind.FWD:
        return true;
      case BtfKind.INT:
        return intOffset(l) === 0 && intOffset(t) === 0;
      case BtfKind.PTR:
        localId = l.type;
        targId = (t as typeof l).type;
        break;
      case BtfKind.ARRAY:
        localId = l.type;
        targId = (t as typeof l).type;
        break;
      case BtfKind.FUNC_PROTO: {
        const tp = t as typeof l;
        if (l.params.length !== tp.params.length || level <= 0) return false;
        for (let i = 0; i < l.params.length; i++) {
          if (
            !typesAreCompat(
              local,
              local.skipModsAndTypedefs(l.params[i]!.type),
              targ,
              targ.skipModsAndTypedefs(tp.params[i]!.type),
              level - 1,
            )
          ) {
            return false;
          }
        }
        localId = l.type;
        targId = tp.type;
        break;
      }
      default:
        return false;
    }
  }
  return false;
}

/** bpf_core_fields_are_compat. */
export function fieldsAreCompat(local: Btf, localId: number, targ: Btf, targId: number): boolean {
  for (let depth = 0; depth < MAX_DEPTH; depth++) {
    const l = local.resolve(localId);
    const t = targ.resolve(targId);
    if (isComposite(l) && isComposite(t)) return true;
    if (!kindsCompat(l, t)) return false;
    switch (l.kind) {
      case BtfKind.PTR:
      case BtfKind.FLOAT:
        return true;
      case BtfKind.FWD:
      case BtfKind.ENUM:
      case BtfKind.ENUM64: {
        const ln = essentialName(l.name);
        const tn = essentialName(t.name);
        return ln === "" || tn === "" || ln === tn;
      }
      case BtfKind.INT:
        return intOffset(l) === 0 && intOffset(t) === 0;
      case BtfKind.ARRAY:
        localId = l.type;
        targId = (t as typeof l).type;
        break;
      default:
        return false;
    }
  }
  return false;
}

function namesMatch(local: string, targ: string): boolean {
  if (targ === "") return local === "";
  return essentialName(local) === essentialName(targ);
}

/**
 * bpf_core_types_match (TYPE_MATCHES): kinds equal after stripping modifiers
 * (a struct/union behind a pointer may match a FWD, ENUM may match ENUM64);
 * ints by size and signedness; pointers and arrays recursively; composites need
 * every local member in the target by name (recursively unless behind a pointer);
 * enums need every local enumerator by name and the same size; prototypes need
 * equal arity and matching parameter and return types.
 */
export function typesMatch(
  local: Btf,
  localId: number,
  targ: Btf,
  targId: number,
  behindPtr = false,
  level = MAX_DEPTH,
): boolean {
  if (level <= 0) return false;
  localId = local.skipModsAndTypedefs(localId);
  targId = targ.skipModsAndTypedefs(targId);
  const l = local.type(localId);
  const t = targ.type(targId);
  if (!namesMatch(l.name, t.name)) return false;
  if (behindPtr) {
    const fwdOk =
      (l.kind === BtfKind.FWD && isComposite(t) && l.union === (t.kind === BtfKind.UNION)) ||
      (t.kind === BtfKind.FWD && isComposite(l) && t.union === (l.kind === BtfKind.UNION));
    if (fwdOk) return true;
  }
  if (!kindsCompat(l, t)) return false;
  switch (l.kind) {
    case BtfKind.UNKN:
    case BtfKind.FLOAT:
    case BtfKind.FWD:
      return l.kind !== BtfKind.FLOAT || l.size === (t as typeof l).size;
    case BtfKind.INT: {
      const ti = t as typeof l;
      return l.size === ti.size && (l.encoding & 1) === (ti.encoding & 1);
    }
    case BtfKind.ENUM:
    case BtfKind.ENUM64: {
      if (!isEnum(t) || l.size !== t.size || l.values.length > t.values.length) return false;
      return l.values.every((lv) => t.values.some((tv) => namesMatch(lv.name, tv.name)));
    }
    case BtfKind.STRUCT:
    case BtfKind.UNION: {
      const tc = t as typeof l;
      if (l.members.length > tc.members.length) return false;
      return l.members.every((lm) =>
        tc.members.some(
          (tm) =>
            namesMatch(lm.name, tm.name) &&
            typesMatch(local, lm.type, targ, tm.type, behindPtr, level - 1),
        ),
      );
    }
    case BtfKind.PTR:
      return typesMatch(local, l.type, targ, (t as typeof l).type, true, level - 1);
    case BtfKind.ARRAY: {
      const ta = t as typeof l;
      return (
        l.nelems === ta.nelems && typesMatch(local, l.type, targ, ta.type, behindPtr, level - 1)
      );
    }
    case BtfKind.FUNC_PROTO: {
      const tp = t as typeof l;
      if (l.params.length !== tp.params.length) return false;
      for (let i = 0; i < l.params.length; i++) {
        if (!typesMatch(local, l.params[i]!.type, targ, tp.params[i]!.type, behindPtr, level - 1))
          return false;
      }
      return typesMatch(local, l.type, targ, tp.type, behindPtr, level - 1);
    }
    default:
      return false;
  }
}
