// Building BTF in code and writing it in the .BTF binary format. The runtime
// uses this to describe its own "kernel" types and host functions (INT, PTR,
// STRUCT, ENUM, FUNC/FUNC_PROTO with named parameters); encodeBtf() output
// parses back with parseBtf() to the same types.
import { Btf } from "./btf.ts";
import { BtfError } from "./errors.ts";
import {
  BTF_HEADER_SIZE,
  BTF_INT_BOOL,
  BTF_INT_CHAR,
  BTF_INT_SIGNED,
  BTF_MAGIC,
  BTF_MAX_VLEN,
  BTF_VERSION,
  BtfKind,
  BtfLinkage,
  isRef,
  type BtfEnumValue,
  type BtfEnum64Value,
  type BtfParam,
  type BtfType,
  type BtfVarSecinfo,
} from "./types.ts";

export interface MemberSpec {
  name: string;
  type: number;
  /** Byte offset; ignored when `bitOffset` is given. */
  offset?: number;
  bitOffset?: number;
  /** Bitfield width in bits (makes the struct a kind_flag struct). */
  bitfieldSize?: number;
}

export interface IntOptions {
  signed?: boolean;
  char?: boolean;
  bool?: boolean;
  /** Value bits (default size * 8). */
  bits?: number;
  bitOffset?: number;
}

export class BtfBuilder {
  private readonly types: BtfType[] = [{ kind: BtfKind.UNKN, name: "" }];

  /** Starts from an existing set of types (new ids follow the existing ones). */
  static from(btf: Btf): BtfBuilder {
    const b = new BtfBuilder();
    for (let id = 1; id < btf.count; id++) b.add(btf.type(id));
    return b;
  }

  /** Next id add() will return. */
  get nextId(): number {
    return this.types.length;
  }

  /** Appends any type record as is; returns its id. */
  add(t: BtfType): number {
    if (t.kind === BtfKind.UNKN) throw new BtfError("void cannot be added: it is always id 0");
    this.types.push(t);
    return this.types.length - 1;
  }

  addInt(name: string, size: number, o: IntOptions = {}): number {
    const encoding =
      (o.signed ? BTF_INT_SIGNED : 0) | (o.char ? BTF_INT_CHAR : 0) | (o.bool ? BTF_INT_BOOL : 0);
    return this.add({
      kind: BtfKind.INT,
      name,
      size,
      encoding,
      bitOffset: o.bitOffset ?? 0,
      bits: o.bits ?? size * 8,
    });
  }

  addFloat(name: string, size: number): number {
    return this.add({ kind: BtfKind.FLOAT, name, size });
  }

  addPtr(type: number): number {
    return this.add({ kind: BtfKind.PTR, name: "", type });
  }

  addConst(type: number): number {
    return this.add({ kind: BtfKind.CONST, name: "", type });
  }

  addVolatile(type: number): number {
    return this.add({ kind: BtfKind.VOLATILE, name: "", type });
  }

  addRestrict(type: number): number {
    return this.add({ kind: BtfKind.RESTRICT, name: "", type });
  }

  addTypedef(name: string, type: number): number {
    return this.add({ kind: BtfKind.TYPEDEF, name, type });
  }

  addTypeTag(value: string, type: number): number {
    return this.add({ kind: BtfKind.TYPE_TAG, name: value, type });
  }

  addArray(elem: number, nelems: number, indexType: number): number {
    return this.add({ kind: BtfKind.ARRAY, name: "", type: elem, indexType, nelems });
  }

  addStruct(name: string, size: number, members: readonly MemberSpec[]): number {
    return this.addComposite(BtfKind.STRUCT, name, size, members);
  }

  addUnion(name: string, size: number, members: readonly MemberSpec[]): number {
    return this.addComposite(BtfKind.UNION, name, size, members);
  }

  private addComposite(
    kind: 4 | 5,
    name: string,
    size: number,
    members: readonly MemberSpec[],
  ): number {
    const ms = members.map((m) => ({
      name: m.name,
      type: m.type,
      bitOffset: m.bitOffset ?? (m.offset ?? 0) * 8,
      bitfieldSize: m.bitfieldSize ?? 0,
    }));
    const kflag = ms.some((m) => m.bitfieldSize > 0);
    return this.add({ kind, name, size, members: ms, kflag } as BtfType);
  }

  addEnum(name: string, values: readonly BtfEnumValue[], size = 4, signed = false): number {
    return this.add({ kind: BtfKind.ENUM, name, size, signed, values: values.slice() });
  }

  addEnum64(name: string, values: readonly BtfEnum64Value[], signed = false): number {
    return this.add({ kind: BtfKind.ENUM64, name, size: 8, signed, values: values.slice() });
  }

  addFwd(name: string, union = false): number {
    return this.add({ kind: BtfKind.FWD, name, union });
  }

  addFuncProto(ret: number, params: readonly BtfParam[]): number {
    return this.add({ kind: BtfKind.FUNC_PROTO, name: "", type: ret, params: params.slice() });
  }

  addFunc(name: string, proto: number, linkage: number = BtfLinkage.GLOBAL): number {
    return this.add({ kind: BtfKind.FUNC, name, type: proto, linkage });
  }

  /** FUNC_PROTO + FUNC in one step: `ret name(params...)`; returns the FUNC id. */
  addFunction(
    name: string,
    ret: number,
    params: readonly BtfParam[],
    linkage: number = BtfLinkage.GLOBAL,
  ): number {
    return this.addFunc(name, this.addFuncProto(ret, params), linkage);
  }

  addVar(name: string, type: number, linkage: number = BtfLinkage.GLOBAL): number {
    return this.add({ kind: BtfKind.VAR, name, type, linkage });
  }

  addDatasec(name: string, size: number, vars: readonly BtfVarSecinfo[]): number {
    return this.add({ kind: BtfKind.DATASEC, name, size, vars: vars.slice() });
  }

  addDeclTag(value: string, type: number, componentIdx = -1): number {
    return this.add({ kind: BtfKind.DECL_TAG, name: value, type, componentIdx });
  }

  build(): Btf {
    return new Btf(this.types.slice());
  }

  encode(): Uint8Array {
    return encodeBtf(this.build());
  }
}

/** String section builder: "" at offset 0, each distinct string stored once. */
class StringWriter {
  private readonly offsets = new Map<string, number>([["", 0]]);
  private readonly chunks: Uint8Array[] = [new Uint8Array(1)];
  private size = 1;
  private readonly enc = new TextEncoder();

  add(s: string): number {
    const hit = this.offsets.get(s);
    if (hit !== undefined) return hit;
    const bytes = this.enc.encode(s);
    const off = this.size;
    const chunk = new Uint8Array(bytes.length + 1);
    chunk.set(bytes);
    this.chunks.push(chunk);
    this.size += chunk.length;
    this.offsets.set(s, off);
    return off;
  }

  bytes(): Uint8Array {
    const out = new Uint8Array(this.size);
    let at = 0;
    for (const c of this.chunks) {
      out.set(c, at);
      at += c.length;
    }
    return out;
  }
}

function recordSize(t: BtfType): number {
  switch (t.kind) {
    case BtfKind.INT:
    case BtfKind.VAR:
    case BtfKind.DECL_TAG:
      return 16;
    case BtfKind.ARRAY:
      return 24;
    case BtfKind.STRUCT:
    case BtfKind.UNION:
      return 12 + 12 * t.members.length;
    case BtfKind.ENUM:
      return 12 + 8 * t.values.length;
    case BtfKind.ENUM64:
      return 12 + 12 * t.values.length;
    case BtfKind.FUNC_PROTO:
      return 12 + 8 * t.params.length;
    case BtfKind.DATASEC:
      return 12 + 12 * t.vars.length;
    default:
      return 12;
  }
}

/** Writes types 1..n of `btf` in the .BTF binary format (little-endian). */
export function encodeBtf(btf: Btf): Uint8Array {
  const strings = new StringWriter();
  let typeLen = 0;
  for (let id = 1; id < btf.count; id++) typeLen += recordSize(btf.type(id));
  const typeBytes = new Uint8Array(typeLen);
  const dv = new DataView(typeBytes.buffer);
  let at = 0;
  const u32 = (v: number): void => {
    dv.setUint32(at, v >>> 0, true);
    at += 4;
  };
  const head = (
    name: string,
    kind: number,
    vlen: number,
    kflag: boolean,
    sizeOrType: number,
  ): void => {
    if (vlen > BTF_MAX_VLEN)
      throw new BtfError(`${name || "(anon)"}: vlen ${vlen} exceeds ${BTF_MAX_VLEN}`);
    u32(strings.add(name));
    u32(((kflag ? 1 : 0) << 31) | (kind << 24) | vlen);
    u32(sizeOrType);
  };
  for (let id = 1; id < btf.count; id++) {
    const t = btf.type(id);
    if (isRef(t)) {
      head(t.name, t.kind, 0, false, t.type);
      continue;
    }
    switch (t.kind) {
      case BtfKind.INT:
        head(t.name, t.kind, 0, false, t.size);
        u32(((t.encoding & 0xf) << 24) | ((t.bitOffset & 0xff) << 16) | (t.bits & 0xff));
        break;
      case BtfKind.ARRAY:
        head("", t.kind, 0, false, 0);
        u32(t.type);
        u32(t.indexType);
        u32(t.nelems);
        break;
      case BtfKind.STRUCT:
      case BtfKind.UNION:
        head(t.name, t.kind, t.members.length, t.kflag, t.size);
        for (const m of t.members) {
          u32(strings.add(m.name));
          u32(m.type);
          u32(t.kflag ? ((m.bitfieldSize & 0xff) << 24) | (m.bitOffset & 0xffffff) : m.bitOffset);
        }
        break;
      case BtfKind.ENUM:
        head(t.name, t.kind, t.values.length, t.signed, t.size);
        for (const v of t.values) {
          u32(strings.add(v.name));
          u32(v.value | 0);
        }
        break;
      case BtfKind.ENUM64:
        head(t.name, t.kind, t.values.length, t.signed, t.size);
        for (const v of t.values) {
          const u = BigInt.asUintN(64, v.value);
          u32(strings.add(v.name));
          u32(Number(u & 0xffffffffn));
          u32(Number(u >> 32n));
        }
        break;
      case BtfKind.FWD:
        head(t.name, t.kind, 0, t.union, 0);
        break;
      case BtfKind.FUNC:
        head(t.name, t.kind, t.linkage, false, t.type);
        break;
      case BtfKind.FUNC_PROTO:
        head("", t.kind, t.params.length, false, t.type);
        for (const p of t.params) {
          u32(strings.add(p.name));
          u32(p.type);
        }
        break;
      case BtfKind.VAR:
        head(t.name, t.kind, 0, false, t.type);
        u32(t.linkage);
        break;
      case BtfKind.DATASEC:
        head(t.name, t.kind, t.vars.length, false, t.size);
        for (const v of t.vars) {
          u32(v.type);
          u32(v.offset);
          u32(v.size);
        }
        break;
      case BtfKind.FLOAT:
        head(t.name, t.kind, 0, false, t.size);
        break;
      case BtfKind.DECL_TAG:
        head(t.name, t.kind, 0, false, t.type);
        u32(t.componentIdx);
        break;
    }
  }
  const strBytes = strings.bytes();
  const out = new Uint8Array(BTF_HEADER_SIZE + typeLen + strBytes.length);
  const hv = new DataView(out.buffer);
  hv.setUint16(0, BTF_MAGIC, true);
  out[2] = BTF_VERSION;
  out[3] = 0;
  hv.setUint32(4, BTF_HEADER_SIZE, true);
  hv.setUint32(8, 0, true);
  hv.setUint32(12, typeLen, true);
  hv.setUint32(16, typeLen, true);
  hv.setUint32(20, strBytes.length, true);
  out.set(typeBytes, BTF_HEADER_SIZE);
  out.set(strBytes, BTF_HEADER_SIZE + typeLen);
  return out;
}
