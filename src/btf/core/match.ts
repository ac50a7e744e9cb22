// Matching a local access spec against one candidate target type
// (libbpf's bpf_core_spec_match): named fields are looked up by name in the
// target, descending into anonymous structs/unions, array indexes must stay in
// bounds, and field types must stay compatible. The result is the target's
// spec (accessors and bit offset), or undefined when the candidate does not fit.
import type { Btf } from "../btf.ts";
import { BtfError } from "../errors.ts";
import { CoreReloKind } from "../ext.ts";
import { BtfKind, isComposite, isEnum } from "../types.ts";
import { essentialName, fieldsAreCompat, typesAreCompat, typesMatch } from "./compat.ts";
import {
  CORE_SPEC_MAX_LEN,
  isEnumvalKind,
  isFlexArray,
  isTypeKind,
  type CoreAccessor,
  type CoreSpec,
} from "./spec.ts";

/** Finds the local named field in target composite `targId`, extending `spec`; returns the field's type id or undefined. */
function matchMember(
  local: CoreSpec,
  acc: CoreAccessor,
  targ: Btf,
  targId: number,
  spec: CoreSpec,
): number | undefined {
  targId = targ.skipModsAndTypedefs(targId);
  const t = targ.type(targId);
  if (!isComposite(t)) return undefined;
  const lt = local.btf.type(acc.typeId);
  if (!isComposite(lt)) return undefined;
  const localMember = lt.members[acc.idx]!;
  for (let i = 0; i < t.members.length; i++) {
    const m = t.members[i]!;
    if (spec.raw.length === CORE_SPEC_MAX_LEN)
      throw new BtfError("CO-RE: struct/union/array nesting too deep");
    spec.bitOffset += m.bitOffset;
    spec.raw.push(i);
    if (m.name === "") {
      const found = matchMember(local, acc, targ, m.type, spec);
      if (found !== undefined) return found;
    } else if (m.name === localMember.name) {
      if (!fieldsAreCompat(local.btf, localMember.type, targ, m.type)) return undefined;
      spec.accessors.push({ typeId: targId, idx: i, name: m.name });
      return m.type;
    }
    spec.bitOffset -= m.bitOffset;
    spec.raw.pop();
  }
  return undefined;
}

/** The target spec for candidate `targId`, or undefined when it does not match. */
export function matchCoreSpec(local: CoreSpec, targ: Btf, targId: number): CoreSpec | undefined {
  const spec: CoreSpec = {
    btf: targ,
    rootTypeId: targId,
    kind: local.kind,
    raw: [],
    accessors: [],
    bitOffset: 0,
  };
  if (isTypeKind(local.kind)) {
    const ok =
      local.kind === CoreReloKind.TYPE_MATCHES
        ? typesMatch(local.btf, local.rootTypeId, targ, targId)
        : typesAreCompat(local.btf, local.rootTypeId, targ, targId);
    return ok ? spec : undefined;
  }
  if (isEnumvalKind(local.kind)) {
    const id = targ.skipModsAndTypedefs(targId);
    const t = targ.type(id);
    if (!isEnum(t)) return undefined;
    const want = essentialName(local.accessors[0]!.name!);
    const idx = t.values.findIndex((v) => essentialName(v.name) === want);
    if (idx < 0) return undefined;
    spec.accessors.push({ typeId: id, idx, name: t.values[idx]!.name });
    spec.raw.push(idx);
    return spec;
  }
  let id = targId;
  for (let i = 0; i < local.accessors.length; i++) {
    const acc = local.accessors[i]!;
    id = targ.skipModsAndTypedefs(id);
    if (acc.name !== undefined) {
      const next = matchMember(local, acc, targ, id, spec);
      if (next === undefined) return undefined;
      id = next;
      continue;
    }
    if (i > 0) {
      const t = targ.type(id);
      if (t.kind !== BtfKind.ARRAY) return undefined;
      const parent = spec.accessors[spec.accessors.length - 1];
      if (!isFlexArray(targ, parent, t.nelems) && acc.idx >= t.nelems) return undefined;
      id = targ.skipModsAndTypedefs(t.type);
    }
    if (spec.raw.length === CORE_SPEC_MAX_LEN)
      throw new BtfError("CO-RE: struct/union/array nesting too deep");
    spec.accessors.push({ typeId: id, idx: acc.idx });
    spec.raw.push(acc.idx);
    spec.bitOffset += acc.idx * targ.sizeof(id) * 8;
  }
  return spec;
}
