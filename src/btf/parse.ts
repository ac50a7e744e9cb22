// Parser of the .BTF binary format (include/uapi/linux/btf.h): header, string
// section and type records. It checks what the kernel's btf_parse_hdr,
// btf_parse_str_sec and the per-kind check_meta callbacks check, with the
// kernel's messages, then runs the resolve checks of validate.ts. Every read is
// bounds-checked, so malformed input ends in a BtfError, never a RangeError.
import { Btf } from "./btf.ts";
import { BtfError } from "./errors.ts";
import { parseBtfExt, type BtfExt } from "./ext.ts";
import { StringTable, isIdentifier, isSectionName } from "./strings.ts";
import {
  BTF_HEADER_SIZE,
  BTF_INT_BOOL,
  BTF_INT_CHAR,
  BTF_INT_SIGNED,
  BTF_KIND_MAX,
  BTF_MAGIC,
  BTF_MAX_NAME_OFFSET,
  BTF_MAX_TYPE,
  BTF_VERSION,
  BtfKind,
  BtfLinkage,
  kindName,
  type BtfMember,
  type BtfType,
} from "./types.ts";
import { validateBtf, type BtfMode } from "./validate.ts";

export interface ParseBtfOptions {
  /**
   * "object" (default): BTF as clang writes it into a .o — extern linkage and
   * DATASECs whose sizes and offsets the loader fixes up later are accepted.
   * "kernel": the kernel's rules for BTF loaded with BPF_BTF_LOAD.
   * "none": structure only, no resolve checks (for tools that must show bad BTF).
   */
  mode?: BtfMode | "none";
}

export interface BtfHeader {
  magic: number;
  version: number;
  flags: number;
  hdrLen: number;
  typeOff: number;
  typeLen: number;
  strOff: number;
  strLen: number;
}

const BTF_INFO_MASK = 0x9f00ffff;
const BTF_INT_MASK = 0x0fffffff;

/** Parses and checks a .BTF blob. */
export function parseBtf(bytes: Uint8Array, opts: ParseBtfOptions = {}): Btf {
  return parseBtfAndExt(bytes, undefined, opts).btf;
}

/** Parses .BTF and, when given, the .BTF.ext that shares its string section. */
export function parseBtfAndExt(
  btfBytes: Uint8Array,
  extBytes: Uint8Array | undefined,
  opts: ParseBtfOptions = {},
): { btf: Btf; ext: BtfExt | undefined } {
  const { header, strings } = parseHeaderAndStrings(btfBytes);
  const dv = new DataView(btfBytes.buffer, btfBytes.byteOffset, btfBytes.byteLength);
  const mode = opts.mode ?? "object";
  const types = parseTypes(dv, header.hdrLen + header.typeOff, header.typeLen, strings, mode);
  const btf = new Btf(types);
  if (mode !== "none") validateBtf(btf, mode);
  return { btf, ext: extBytes ? parseBtfExt(extBytes, strings) : undefined };
}

/** Header and string section checks, in the kernel's order and with its messages. */
export function parseHeaderAndStrings(bytes: Uint8Array): {
  header: BtfHeader;
  strings: StringTable;
} {
  const size = bytes.length;
  if (size < 8) throw new BtfError("hdr_len not found");
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const hdrLen = dv.getUint32(4, true);
  if (size < hdrLen) throw new BtfError("btf_header not found");
  for (let i = BTF_HEADER_SIZE; i < hdrLen; i++) {
    if (bytes[i] !== 0) throw new BtfError("Unsupported btf_header");
  }
  // A shorter header leaves the missing fields zero, as the kernel's partial copy does.
  const field = (off: number): number =>
    off + 4 <= Math.min(hdrLen, BTF_HEADER_SIZE) ? dv.getUint32(off, true) : 0;
  const header: BtfHeader = {
    magic: dv.getUint16(0, true),
    version: bytes[2]!,
    flags: bytes[3]!,
    hdrLen,
    typeOff: field(8),
    typeLen: field(12),
    strOff: field(16),
    strLen: field(20),
  };
  if (header.magic !== BTF_MAGIC) {
    throw new BtfError(
      header.magic === 0x9feb ? "Invalid magic (big-endian BTF is not supported)" : "Invalid magic",
    );
  }
  if (header.version !== BTF_VERSION) throw new BtfError("Unsupported version");
  if (header.flags) throw new BtfError("Unsupported flags");
  if (size === hdrLen) throw new BtfError("No data");
  checkSections(header, size);
  const start = hdrLen + header.strOff;
  const end = start + header.strLen;
  if (end !== size) throw new BtfError("String section is not at the end");
  if (
    header.strLen === 0 ||
    header.strLen - 1 > BTF_MAX_NAME_OFFSET ||
    bytes[end - 1] !== 0 ||
    bytes[start] !== 0
  ) {
    throw new BtfError("Invalid string section");
  }
  if (header.typeOff % 4 !== 0) throw new BtfError("Unaligned type_off");
  if (header.typeLen === 0) throw new BtfError("No type found");
  return { header, strings: new StringTable(bytes.subarray(start, end)) };
}

/** The kernel's btf_check_sec_info: type and string sections tile the data after the header. */
function checkSections(h: BtfHeader, size: number): void {
  const secs = [
    { off: h.typeOff, len: h.typeLen },
    { off: h.strOff, len: h.strLen },
  ].sort((a, b) => a.off - b.off || a.len - b.len);
  const expectedTotal = size - h.hdrLen;
  let total = 0;
  for (const s of secs) {
    if (expectedTotal < s.off) throw new BtfError("Invalid section offset");
    if (total < s.off) throw new BtfError("Unsupported section found");
    if (total > s.off) throw new BtfError("Section overlap found");
    if (expectedTotal - total < s.len) throw new BtfError("Total section length too long");
    total += s.len;
  }
  if (expectedTotal !== total) throw new BtfError("Unsupported section found");
}

/** Pass 1: decode every record, checking what each kind's check_meta checks. */
function parseTypes(
  dv: DataView,
  start: number,
  len: number,
  strings: StringTable,
  mode: BtfMode | "none",
): BtfType[] {
  const types: BtfType[] = [{ kind: BtfKind.UNKN, name: "" }];
  const end = start + len;
  const objectForms = mode !== "kernel";
  let cur = start;
  while (cur < end) {
    const id = types.length;
    if (id > BTF_MAX_TYPE) throw new BtfError("Exceeded max num of types");
    const left = end - cur;
    if (left < 12) throw new BtfError(`[${id}] meta_left:${left} meta_needed:12`, id);
    const nameOff = dv.getUint32(cur, true);
    const info = dv.getUint32(cur + 4, true);
    const sizeOrType = dv.getUint32(cur + 8, true);
    if ((info & ~BTF_INFO_MASK) >>> 0 !== 0) {
      throw new BtfError(`[${id}] Invalid btf_info:${(info >>> 0).toString(16)}`, id);
    }
    const kind = (info >>> 24) & 0x1f;
    if (kind === BtfKind.UNKN || kind > BTF_KIND_MAX)
      throw new BtfError(`[${id}] Invalid kind:${kind}`, id);
    if (!strings.valid(nameOff)) throw new BtfError(`[${id}] Invalid name_offset:${nameOff}`, id);
    const vlen = info & 0xffff;
    const kflag = info >>> 31 === 1;
    const name = strings.get(nameOff);
    const kname = kindName(kind);
    const fail = (msg: string): never => {
      throw new BtfError(`[${id}] ${kname} ${name || "(anon)"} ${msg}`, id);
    };
    const need = (n: number): void => {
      if (left - 12 < n) {
        throw new BtfError(
          `[${id}] ${kname} ${name || "(anon)"} meta_left:${left - 12} meta_needed:${n}`,
          id,
        );
      }
    };
    const noVlen = (): void => {
      if (vlen) fail("vlen != 0");
    };
    const noKflag = (): void => {
      if (kflag) fail("Invalid btf_info kind_flag");
    };
    const body = cur + 12;
    let extra = 0;
    switch (kind) {
      case BtfKind.INT: {
        need(4);
        extra = 4;
        noVlen();
        noKflag();
        const data = dv.getUint32(body, true);
        if ((data & ~BTF_INT_MASK) >>> 0 !== 0) fail(`Invalid int_data:${data.toString(16)}`);
        const bits = data & 0xff;
        const bitOffset = (data >>> 16) & 0xff;
        const encoding = (data >>> 24) & 0x0f;
        if (bits + bitOffset > 128) fail("nr_bits exceeds 128");
        if (Math.ceil((bits + bitOffset) / 8) > sizeOrType) fail("nr_bits exceeds type_size");
        if (
          encoding &&
          encoding !== BTF_INT_SIGNED &&
          encoding !== BTF_INT_CHAR &&
          encoding !== BTF_INT_BOOL
        ) {
          fail("Unsupported encoding");
        }
        types.push({ kind, name, size: sizeOrType, encoding, bitOffset, bits });
        break;
      }
      case BtfKind.PTR:
      case BtfKind.TYPEDEF:
      case BtfKind.VOLATILE:
      case BtfKind.CONST:
      case BtfKind.RESTRICT:
      case BtfKind.TYPE_TAG: {
        noVlen();
        if (kind !== BtfKind.TYPE_TAG) noKflag();
        if (sizeOrType > BTF_MAX_TYPE) fail("Invalid type_id");
        if (kind === BtfKind.TYPEDEF) {
          if (!isIdentifier(name)) fail("Invalid name");
        } else if (kind === BtfKind.TYPE_TAG) {
          if (!name) fail("Invalid name");
        } else if (nameOff) {
          fail("Invalid name");
        }
        types.push({ kind, name, type: sizeOrType } as BtfType);
        break;
      }
      case BtfKind.ARRAY: {
        need(12);
        extra = 12;
        if (nameOff) fail("Invalid name");
        noVlen();
        noKflag();
        if (sizeOrType) fail("size != 0");
        const elem = dv.getUint32(body, true);
        const index = dv.getUint32(body + 4, true);
        if (!elem || elem > BTF_MAX_TYPE) fail("Invalid elem");
        if (!index || index > BTF_MAX_TYPE) fail("Invalid index");
        types.push({
          kind,
          name: "",
          type: elem,
          indexType: index,
          nelems: dv.getUint32(body + 8, true),
        });
        break;
      }
      case BtfKind.STRUCT:
      case BtfKind.UNION: {
        extra = vlen * 12;
        need(extra);
        if (name && !isIdentifier(name)) fail("Invalid name");
        const members: BtfMember[] = new Array(vlen);
        let lastOffset = 0;
        for (let i = 0; i < vlen; i++) {
          const m = body + i * 12;
          const mNameOff = dv.getUint32(m, true);
          const mType = dv.getUint32(m + 4, true);
          const rawOff = dv.getUint32(m + 8, true);
          const bitOffset = kflag ? rawOff & 0xffffff : rawOff;
          const bitfieldSize = kflag ? rawOff >>> 24 : 0;
          const where = (): string =>
            `${mNameOff && strings.valid(mNameOff) ? strings.get(mNameOff) : "(anon)"} type_id=${mType} bits_offset=${bitOffset}`;
          if (!strings.valid(mNameOff)) fail(`${where()} Invalid member name_offset:${mNameOff}`);
          const mName = strings.get(mNameOff);
          if (mNameOff && !isIdentifier(mName)) fail(`${where()} Invalid name`);
          if (!mType || mType > BTF_MAX_TYPE) fail(`${where()} Invalid type_id`);
          if (kind === BtfKind.UNION && bitOffset) fail(`${where()} Invalid member bits_offset`);
          if (lastOffset > bitOffset) fail(`${where()} Invalid member bits_offset`);
          if (Math.ceil(bitOffset / 8) > sizeOrType)
            fail(`${where()} Member bits_offset exceeds its struct size`);
          lastOffset = bitOffset;
          members[i] = { name: mName, type: mType, bitOffset, bitfieldSize };
        }
        types.push({ kind, name, size: sizeOrType, members, kflag } as BtfType);
        break;
      }
      case BtfKind.ENUM:
      case BtfKind.ENUM64: {
        const rec = kind === BtfKind.ENUM ? 8 : 12;
        extra = vlen * rec;
        need(extra);
        if (![1, 2, 4, 8].includes(sizeOrType)) fail("Unexpected size");
        if (name && !isIdentifier(name)) fail("Invalid name");
        const values: { name: string; value: number | bigint }[] = new Array(vlen);
        for (let i = 0; i < vlen; i++) {
          const e = body + i * rec;
          const eNameOff = dv.getUint32(e, true);
          if (!eNameOff) fail("Invalid name");
          if (!strings.valid(eNameOff)) fail(`Invalid name_offset:${eNameOff}`);
          const eName = strings.get(eNameOff);
          if (!isIdentifier(eName)) fail("Invalid name");
          if (kind === BtfKind.ENUM) {
            values[i] = {
              name: eName,
              value: kflag ? dv.getInt32(e + 4, true) : dv.getUint32(e + 4, true),
            };
          } else {
            const lo = BigInt(dv.getUint32(e + 4, true));
            const hi = BigInt(dv.getUint32(e + 8, true));
            const u = (hi << 32n) | lo;
            values[i] = { name: eName, value: kflag ? BigInt.asIntN(64, u) : u };
          }
        }
        types.push({ kind, name, size: sizeOrType, signed: kflag, values } as BtfType);
        break;
      }
      case BtfKind.FWD: {
        noVlen();
        if (sizeOrType) fail("type != 0");
        if (!isIdentifier(name)) fail("Invalid name");
        types.push({ kind, name, union: kflag });
        break;
      }
      case BtfKind.FUNC: {
        if (!isIdentifier(name)) fail("Invalid name");
        if (vlen > (objectForms ? BtfLinkage.EXTERN : BtfLinkage.GLOBAL))
          fail("Invalid func linkage");
        noKflag();
        types.push({ kind, name, type: sizeOrType, linkage: vlen });
        break;
      }
      case BtfKind.FUNC_PROTO: {
        extra = vlen * 8;
        need(extra);
        if (nameOff) fail("Invalid name");
        noKflag();
        const params = new Array(vlen);
        for (let i = 0; i < vlen; i++) {
          const p = body + i * 8;
          const pNameOff = dv.getUint32(p, true);
          if (!strings.valid(pNameOff)) fail(`Invalid arg#${i + 1}`);
          params[i] = { name: strings.get(pNameOff), type: dv.getUint32(p + 4, true) };
        }
        types.push({ kind, name: "", type: sizeOrType, params });
        break;
      }
      case BtfKind.VAR: {
        need(4);
        extra = 4;
        noVlen();
        noKflag();
        if (!isIdentifier(name, true)) fail("Invalid name");
        if (!sizeOrType || sizeOrType > BTF_MAX_TYPE) fail("Invalid type_id");
        const linkage = dv.getUint32(body, true);
        const allowed = linkage === BtfLinkage.STATIC || linkage === BtfLinkage.GLOBAL;
        if (!allowed && !(objectForms && linkage === BtfLinkage.EXTERN))
          fail("Linkage not supported");
        types.push({ kind, name, type: sizeOrType, linkage });
        break;
      }
      case BtfKind.DATASEC: {
        extra = vlen * 12;
        need(extra);
        if (!sizeOrType && !objectForms) fail("size == 0");
        noKflag();
        if (!isSectionName(name)) fail("Invalid name");
        const vars = new Array(vlen);
        let lastEnd = 0;
        let sum = 0;
        for (let i = 0; i < vlen; i++) {
          const v = body + i * 12;
          const vsi = {
            type: dv.getUint32(v, true),
            offset: dv.getUint32(v + 4, true),
            size: dv.getUint32(v + 8, true),
          };
          const where = `type_id=${vsi.type} offset=${vsi.offset} size=${vsi.size}`;
          if (!vsi.type || vsi.type > BTF_MAX_TYPE) fail(`${where} Invalid type_id`);
          // In a .o the loader fixes sizes and offsets up from the ELF sections (libbpf's btf_fixup_datasec).
          if (!objectForms) {
            if (vsi.offset < lastEnd || vsi.offset >= sizeOrType) fail(`${where} Invalid offset`);
            if (!vsi.size || vsi.size > sizeOrType) fail(`${where} Invalid size`);
            lastEnd = vsi.offset + vsi.size;
            if (lastEnd > sizeOrType) fail(`${where} Invalid offset+size`);
            sum += vsi.size;
          }
          vars[i] = vsi;
        }
        if (sizeOrType < sum) fail("Invalid btf_info size");
        types.push({ kind, name, size: sizeOrType, vars });
        break;
      }
      case BtfKind.FLOAT: {
        noVlen();
        noKflag();
        if (![2, 4, 8, 12, 16].includes(sizeOrType)) fail("Invalid type_size");
        types.push({ kind, name, size: sizeOrType });
        break;
      }
      case BtfKind.DECL_TAG: {
        need(4);
        extra = 4;
        if (!name) fail("Invalid value");
        noVlen();
        // kind_flag marks attribute-style tags on newer kernels; accept it.
        const componentIdx = dv.getInt32(body, true);
        if (componentIdx < -1) fail("Invalid component_idx");
        types.push({ kind, name, type: sizeOrType, componentIdx });
        break;
      }
    }
    cur = body + extra;
  }
  return types;
}
