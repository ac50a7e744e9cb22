// The value a CO-RE relocation puts into an instruction, computed from a
// spec: for the local side (what the compiler assumed, checked against the
// instruction) and for the target side (what the runtime's types say).
// A missing target spec means the field/type/enumerator does not exist:
// existence relocations then give 0, the others poison the instruction.
import type { Btf } from "../btf.ts";
import { BtfError } from "../errors.ts";
import { CoreReloKind } from "../ext.ts";
import { BTF_INT_SIGNED, BtfKind, isComposite, isEnum } from "../types.ts";
import { coreKindName, isEnumvalKind, isFieldKind, isTypeKind, type CoreSpec } from "./spec.ts";

export interface CoreValue {
  value: bigint;
  /** Memory size a load/store at the field should use (field relocations of plain fields). */
  size: number;
  /** Type of the field, for deciding whether a size change is safe. */
  typeId: number;
  /** Whether the instruction's current value must equal the local value. */
  validate: boolean;
}

/** Thrown internally when the instruction must be poisoned instead of patched. */
export class PoisonRequest extends Error {}

function fieldValue(kind: number, spec: CoreSpec | undefined, where: string): CoreValue {
  const out: CoreValue = { value: 0n, size: 0, typeId: 0, validate: true };
  if (kind === CoreReloKind.FIELD_EXISTS) {
    out.value = spec ? 1n : 0n;
    return out;
  }
  if (!spec) throw new PoisonRequest();
  const btf = spec.btf;
  const acc = spec.accessors[spec.accessors.length - 1]!;
  if (acc.name === undefined) {
    // Array element access: offset and size only.
    const sz = btf.sizeof(acc.typeId);
    if (kind === CoreReloKind.FIELD_BYTE_OFFSET) {
      out.value = BigInt(spec.bitOffset / 8);
      out.size = sz;
      out.typeId = acc.typeId;
    } else if (kind === CoreReloKind.FIELD_BYTE_SIZE) {
      out.value = BigInt(sz);
    } else {
      throw new BtfError(`${where}: relo ${coreKindName(kind)} can't be applied to array access`);
    }
    return out;
  }
  const parent = btf.type(acc.typeId);
  if (!isComposite(parent)) throw new BtfError(`${where}: field accessor in a non-composite`);
  const m = parent.members[acc.idx]!;
  const fieldTypeId = btf.skipModsAndTypedefs(m.type);
  const mt = btf.type(fieldTypeId);
  const bitOff = spec.bitOffset;
  let bitSz = m.bitfieldSize;
  let byteSz: number;
  let byteOff: number;
  const bitfield = bitSz > 0;
  if (bitfield) {
    byteSz = "size" in mt ? mt.size : 0;
    if (byteSz <= 0) throw new BtfError(`${where}: bitfield of a type without size`);
    byteOff = Math.floor(bitOff / 8 / byteSz) * byteSz;
    // The smallest naturally aligned load that covers the whole bitfield.
    while (bitOff + bitSz - byteOff * 8 > byteSz * 8) {
      if (byteSz >= 8)
        throw new BtfError(`${where}: relo ${coreKindName(kind)} can't be satisfied for bitfield`);
      byteSz *= 2;
      byteOff = Math.floor(bitOff / 8 / byteSz) * byteSz;
    }
  } else {
    byteSz = btf.sizeof(fieldTypeId);
    byteOff = Math.floor(bitOff / 8);
    bitSz = byteSz * 8;
  }
  // Bitfield placement is the compiler's business: only signedness and the right shift are certain.
  out.validate = !bitfield;
  switch (kind) {
    case CoreReloKind.FIELD_BYTE_OFFSET:
      out.value = BigInt(byteOff);
      if (!bitfield) {
        out.size = byteSz;
        out.typeId = fieldTypeId;
      }
      break;
    case CoreReloKind.FIELD_BYTE_SIZE:
      out.value = BigInt(byteSz);
      break;
    case CoreReloKind.FIELD_SIGNED:
      out.value =
        (isEnum(mt) && mt.signed) ||
        (mt.kind === BtfKind.INT && (mt.encoding & BTF_INT_SIGNED) !== 0)
          ? 1n
          : 0n;
      out.validate = true;
      break;
    case CoreReloKind.FIELD_LSHIFT_U64:
      out.value = BigInt(64 - (bitOff + bitSz - byteOff * 8));
      break;
    case CoreReloKind.FIELD_RSHIFT_U64:
      out.value = BigInt(64 - bitSz);
      out.validate = true;
      break;
    default:
      throw new BtfError(`${where}: unrecognized CO-RE relocation ${coreKindName(kind)} (${kind})`);
  }
  return out;
}

function typeValue(kind: number, spec: CoreSpec | undefined, where: string): CoreValue {
  const out: CoreValue = { value: 0n, size: 0, typeId: 0, validate: true };
  if (!spec) return out; // type relocations give 0 when the type is missing
  switch (kind) {
    case CoreReloKind.TYPE_ID_TARGET:
      out.value = BigInt(spec.rootTypeId);
      out.validate = false; // ids change when objects are linked; checking them is pointless
      break;
    case CoreReloKind.TYPE_EXISTS:
    case CoreReloKind.TYPE_MATCHES:
      out.value = 1n;
      break;
    case CoreReloKind.TYPE_SIZE:
      out.value = BigInt(spec.btf.sizeof(spec.rootTypeId));
      break;
    default:
      throw new BtfError(`${where}: unrecognized CO-RE relocation ${coreKindName(kind)} (${kind})`);
  }
  return out;
}

function enumValue(kind: number, spec: CoreSpec | undefined): CoreValue {
  const out: CoreValue = { value: 0n, size: 0, typeId: 0, validate: true };
  if (kind === CoreReloKind.ENUMVAL_EXISTS) {
    out.value = spec ? 1n : 0n;
    return out;
  }
  if (!spec) throw new PoisonRequest();
  const e = spec.btf.type(spec.accessors[0]!.typeId);
  if (!isEnum(e)) throw new BtfError("CO-RE: enumerator accessor in a non-enum");
  const v = e.values[spec.accessors[0]!.idx]!.value;
  out.value = BigInt.asUintN(64, BigInt(v));
  return out;
}

/** The relocation's value for one side. Throws PoisonRequest when the target lacks what is accessed. */
export function coreValue(kind: number, spec: CoreSpec | undefined, where: string): CoreValue {
  if (isFieldKind(kind)) return fieldValue(kind, spec, where);
  if (isTypeKind(kind)) return typeValue(kind, spec, where);
  if (isEnumvalKind(kind)) return enumValue(kind, spec);
  throw new BtfError(`${where}: unrecognized CO-RE relocation ${coreKindName(kind)} (${kind})`);
}

/**
 * Whether a load/store may change its size from the local to the target field:
 * only for pointers (32-bit kernel pointers read as u64 stay correct) and
 * unsigned integers (zero extension keeps the value).
 */
export function sizeChangeSafe(
  local: Btf,
  localType: number,
  targ: Btf,
  targType: number,
): boolean {
  const a = local.type(localType);
  const b = targ.type(targType);
  if (a.kind === BtfKind.PTR && b.kind === BtfKind.PTR) return true;
  return (
    a.kind === BtfKind.INT &&
    b.kind === BtfKind.INT &&
    (a.encoding & BTF_INT_SIGNED) === 0 &&
    (b.encoding & BTF_INT_SIGNED) === 0
  );
}
