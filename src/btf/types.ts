// The BTF type model: one plain object per type, as include/uapi/linux/btf.h
// describes them, with names already resolved from the string section. Type
// ids are indexes into Btf.types; id 0 is `void`.

/** BTF_KIND_* from include/uapi/linux/btf.h. */
export const BtfKind = {
  UNKN: 0,
  INT: 1,
  PTR: 2,
  ARRAY: 3,
  STRUCT: 4,
  UNION: 5,
  ENUM: 6,
  FWD: 7,
  TYPEDEF: 8,
  VOLATILE: 9,
  CONST: 10,
  RESTRICT: 11,
  FUNC: 12,
  FUNC_PROTO: 13,
  VAR: 14,
  DATASEC: 15,
  FLOAT: 16,
  DECL_TAG: 17,
  TYPE_TAG: 18,
  ENUM64: 19,
} as const;
export type BtfKind = (typeof BtfKind)[keyof typeof BtfKind];
export const BTF_KIND_MAX = BtfKind.ENUM64;

/** The kernel's names of the kinds, as its BTF log and bpftool print them. */
export const BTF_KIND_NAMES: readonly string[] = [
  "UNKNOWN",
  "INT",
  "PTR",
  "ARRAY",
  "STRUCT",
  "UNION",
  "ENUM",
  "FWD",
  "TYPEDEF",
  "VOLATILE",
  "CONST",
  "RESTRICT",
  "FUNC",
  "FUNC_PROTO",
  "VAR",
  "DATASEC",
  "FLOAT",
  "DECL_TAG",
  "TYPE_TAG",
  "ENUM64",
];

/** BTF_INT_ENCODING bits. */
export const BTF_INT_SIGNED = 1 << 0;
export const BTF_INT_CHAR = 1 << 1;
export const BTF_INT_BOOL = 1 << 2;

/** Linkage of FUNC (stored in vlen) and VAR. */
export const BtfLinkage = { STATIC: 0, GLOBAL: 1, EXTERN: 2 } as const;
export type BtfLinkage = (typeof BtfLinkage)[keyof typeof BtfLinkage];

export const BTF_MAGIC = 0xeb9f;
export const BTF_VERSION = 1;
export const BTF_HEADER_SIZE = 24;
export const BTF_MAX_TYPE = 0x000fffff;
export const BTF_MAX_NAME_OFFSET = 0x00ffffff;
export const BTF_MAX_VLEN = 0xffff;

export interface BtfVoid {
  kind: typeof BtfKind.UNKN;
  name: "";
}

export interface BtfInt {
  kind: typeof BtfKind.INT;
  name: string;
  size: number;
  /** BTF_INT_SIGNED | BTF_INT_CHAR | BTF_INT_BOOL. */
  encoding: number;
  /** Bit offset of the value inside its storage (BTF_INT_OFFSET). */
  bitOffset: number;
  /** Number of value bits (BTF_INT_BITS). */
  bits: number;
}

/** PTR, TYPEDEF, VOLATILE, CONST, RESTRICT and TYPE_TAG: a name (maybe "") and a referenced type. */
export interface BtfRef<K extends BtfKind> {
  kind: K;
  name: string;
  type: number;
}
export type BtfPtr = BtfRef<typeof BtfKind.PTR>;
export type BtfTypedef = BtfRef<typeof BtfKind.TYPEDEF>;
export type BtfVolatile = BtfRef<typeof BtfKind.VOLATILE>;
export type BtfConst = BtfRef<typeof BtfKind.CONST>;
export type BtfRestrict = BtfRef<typeof BtfKind.RESTRICT>;
export type BtfTypeTag = BtfRef<typeof BtfKind.TYPE_TAG>;

export interface BtfArray {
  kind: typeof BtfKind.ARRAY;
  name: "";
  type: number;
  indexType: number;
  nelems: number;
}

export interface BtfMember {
  name: string;
  type: number;
  /** Offset of the member in bits from the start of the struct. */
  bitOffset: number;
  /** Bitfield width in bits; 0 for a plain member (only kind_flag structs encode it). */
  bitfieldSize: number;
}

export interface BtfComposite<K extends BtfKind> {
  kind: K;
  name: string;
  size: number;
  members: BtfMember[];
  /** kind_flag: member offsets carry bitfield sizes in their top 8 bits. */
  kflag: boolean;
}
export type BtfStruct = BtfComposite<typeof BtfKind.STRUCT>;
export type BtfUnion = BtfComposite<typeof BtfKind.UNION>;

export interface BtfEnumValue {
  name: string;
  /** The value, sign-interpreted per the enum's `signed` flag. */
  value: number;
}

export interface BtfEnum {
  kind: typeof BtfKind.ENUM;
  name: string;
  size: number;
  signed: boolean;
  values: BtfEnumValue[];
}

export interface BtfEnum64Value {
  name: string;
  value: bigint;
}

export interface BtfEnum64 {
  kind: typeof BtfKind.ENUM64;
  name: string;
  size: number;
  signed: boolean;
  values: BtfEnum64Value[];
}

export interface BtfFwd {
  kind: typeof BtfKind.FWD;
  name: string;
  /** kind_flag: a forward declaration of a union rather than a struct. */
  union: boolean;
}

export interface BtfFunc {
  kind: typeof BtfKind.FUNC;
  name: string;
  /** The FUNC_PROTO. */
  type: number;
  linkage: number;
}

export interface BtfParam {
  name: string;
  /** 0 with an empty name for the trailing `...` of a variadic function. */
  type: number;
}

export interface BtfFuncProto {
  kind: typeof BtfKind.FUNC_PROTO;
  name: "";
  /** Return type (0 for void). */
  type: number;
  params: BtfParam[];
}

export interface BtfVar {
  kind: typeof BtfKind.VAR;
  name: string;
  type: number;
  linkage: number;
}

export interface BtfVarSecinfo {
  /** The VAR (or FUNC for .ksyms) this entry places. */
  type: number;
  offset: number;
  size: number;
}

export interface BtfDatasec {
  kind: typeof BtfKind.DATASEC;
  name: string;
  size: number;
  vars: BtfVarSecinfo[];
}

export interface BtfFloat {
  kind: typeof BtfKind.FLOAT;
  name: string;
  size: number;
}

export interface BtfDeclTag {
  kind: typeof BtfKind.DECL_TAG;
  /** The tag's value (stored in name_off). */
  name: string;
  type: number;
  /** -1 for the type itself, else the member or parameter index. */
  componentIdx: number;
}

export type BtfType =
  | BtfVoid
  | BtfInt
  | BtfPtr
  | BtfArray
  | BtfStruct
  | BtfUnion
  | BtfEnum
  | BtfFwd
  | BtfTypedef
  | BtfVolatile
  | BtfConst
  | BtfRestrict
  | BtfFunc
  | BtfFuncProto
  | BtfVar
  | BtfDatasec
  | BtfFloat
  | BtfDeclTag
  | BtfTypeTag
  | BtfEnum64;

export const kindName = (kind: number): string => BTF_KIND_NAMES[kind] ?? `UNKNOWN(${kind})`;

/** Kinds that only qualify another type: their size is the referenced type's. */
export function isModifier(
  t: BtfType,
): t is BtfTypedef | BtfVolatile | BtfConst | BtfRestrict | BtfTypeTag {
  return (
    t.kind === BtfKind.TYPEDEF ||
    t.kind === BtfKind.VOLATILE ||
    t.kind === BtfKind.CONST ||
    t.kind === BtfKind.RESTRICT ||
    t.kind === BtfKind.TYPE_TAG
  );
}

/** PTR and the modifiers: kinds that are just a name and a referenced type. */
export const isRef = (
  t: BtfType,
): t is BtfPtr | BtfTypedef | BtfVolatile | BtfConst | BtfRestrict | BtfTypeTag =>
  t.kind === BtfKind.PTR || isModifier(t);

export const isComposite = (t: BtfType): t is BtfStruct | BtfUnion =>
  t.kind === BtfKind.STRUCT || t.kind === BtfKind.UNION;

export const isEnum = (t: BtfType): t is BtfEnum | BtfEnum64 =>
  t.kind === BtfKind.ENUM || t.kind === BtfKind.ENUM64;
