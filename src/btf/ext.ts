// Parser of .BTF.ext: per-ELF-section func_info, line_info and CO-RE
// relocation records (include/uapi/linux/btf.h, libbpf's btf_ext). Strings
// (section names, file names, source lines, access strings) live in the .BTF
// string section, so the caller passes that table in. Record offsets are
// converted from bytes to instruction indexes within their ELF section.
import { BtfError } from "./errors.ts";
import type { StringTable } from "./strings.ts";
import { BTF_MAGIC } from "./types.ts";

export interface FuncInfoRecord {
  /** Instruction index within the ELF section. */
  insnOff: number;
  /** The FUNC type describing the function starting there. */
  typeId: number;
}

export interface LineInfoRecord {
  /** Instruction index within the ELF section. */
  insnOff: number;
  fileName: string;
  /** The source line's text, as clang recorded it. */
  line: string;
  lineNum: number;
  column: number;
}

/** enum bpf_core_relo_kind from include/uapi/linux/bpf.h. */
export const CoreReloKind = {
  FIELD_BYTE_OFFSET: 0,
  FIELD_BYTE_SIZE: 1,
  FIELD_EXISTS: 2,
  FIELD_SIGNED: 3,
  FIELD_LSHIFT_U64: 4,
  FIELD_RSHIFT_U64: 5,
  TYPE_ID_LOCAL: 6,
  TYPE_ID_TARGET: 7,
  TYPE_EXISTS: 8,
  TYPE_SIZE: 9,
  ENUMVAL_EXISTS: 10,
  ENUMVAL_VALUE: 11,
  TYPE_MATCHES: 12,
} as const;
export type CoreReloKind = (typeof CoreReloKind)[keyof typeof CoreReloKind];

export interface CoreReloRecord {
  /** Instruction index within the ELF section. */
  insnOff: number;
  /** Local (program BTF) type id the access starts from. */
  typeId: number;
  /** Access string, e.g. "0:1:0" (field path) or "0" (type/enum relocations). */
  accessStr: string;
  kind: number;
}

export interface BtfExtSection<R> {
  /** ELF section name the records apply to. */
  section: string;
  records: R[];
}

export interface BtfExt {
  funcInfo: BtfExtSection<FuncInfoRecord>[];
  lineInfo: BtfExtSection<LineInfoRecord>[];
  coreRelos: BtfExtSection<CoreReloRecord>[];
}

const MIN_HDR = 24;

interface InfoKind<R> {
  what: string;
  minRecSize: number;
  read: (dv: DataView, at: number, insnOff: number, strings: StringTable) => R;
}

const FUNC_INFO: InfoKind<FuncInfoRecord> = {
  what: "func_info",
  minRecSize: 8,
  read: (dv, at, insnOff) => ({ insnOff, typeId: dv.getUint32(at + 4, true) }),
};

const LINE_INFO: InfoKind<LineInfoRecord> = {
  what: "line_info",
  minRecSize: 16,
  read: (dv, at, insnOff, strings) => {
    const lineCol = dv.getUint32(at + 12, true);
    return {
      insnOff,
      fileName: strings.get(dv.getUint32(at + 4, true), "line_info file_name_off"),
      line: strings.get(dv.getUint32(at + 8, true), "line_info line_off"),
      lineNum: lineCol >>> 10,
      column: lineCol & 0x3ff,
    };
  },
};

const CORE_RELO: InfoKind<CoreReloRecord> = {
  what: "core_relo",
  minRecSize: 16,
  read: (dv, at, insnOff, strings) => ({
    insnOff,
    typeId: dv.getUint32(at + 4, true),
    accessStr: strings.get(dv.getUint32(at + 8, true), "core_relo access_str_off"),
    kind: dv.getUint32(at + 12, true),
  }),
};

/** Parses .BTF.ext; `strings` is the string section of the matching .BTF. */
export function parseBtfExt(bytes: Uint8Array, strings: StringTable): BtfExt {
  if (bytes.length < 8) throw new BtfError(".BTF.ext header is truncated");
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const magic = dv.getUint16(0, true);
  if (magic !== BTF_MAGIC) throw new BtfError(`.BTF.ext has invalid magic 0x${magic.toString(16)}`);
  if (bytes[2] !== 1) throw new BtfError(`.BTF.ext has unsupported version ${bytes[2]}`);
  if (bytes[3] !== 0)
    throw new BtfError(`.BTF.ext has unsupported flags 0x${bytes[3]!.toString(16)}`);
  const hdrLen = dv.getUint32(4, true);
  if (hdrLen < MIN_HDR || hdrLen > bytes.length) {
    throw new BtfError(
      `.BTF.ext header length ${hdrLen} is invalid (data is ${bytes.length} bytes)`,
    );
  }
  const word = (off: number): number => (off + 4 <= hdrLen ? dv.getUint32(off, true) : 0);
  const data = { dv, base: hdrLen, size: bytes.length - hdrLen, strings };
  return {
    funcInfo: readInfo(data, word(8), word(12), FUNC_INFO),
    lineInfo: readInfo(data, word(16), word(20), LINE_INFO),
    coreRelos: readInfo(data, word(24), word(28), CORE_RELO),
  };
}

function readInfo<R>(
  d: { dv: DataView; base: number; size: number; strings: StringTable },
  off: number,
  len: number,
  kind: InfoKind<R>,
): BtfExtSection<R>[] {
  if (len === 0) return [];
  const what = kind.what;
  if (off % 4 !== 0)
    throw new BtfError(
      `.BTF.ext ${what} section (off:${off} len:${len}) is not aligned to 4 bytes`,
    );
  if (off > d.size || len > d.size - off) {
    throw new BtfError(
      `.BTF.ext ${what} section (off:${off} len:${len}) beyond the end of the ELF section .BTF.ext`,
    );
  }
  let at = d.base + off;
  const end = at + len;
  if (end - at < 4) throw new BtfError(`.BTF.ext ${what} section has no records`);
  const recSize = d.dv.getUint32(at, true);
  if (recSize < kind.minRecSize || recSize % 4 !== 0) {
    throw new BtfError(`.BTF.ext ${what} section has invalid record size ${recSize}`);
  }
  at += 4;
  const out: BtfExtSection<R>[] = [];
  while (at < end) {
    if (end - at < 8) throw new BtfError(`.BTF.ext ${what} section header is not found`);
    const secNameOff = d.dv.getUint32(at, true);
    const num = d.dv.getUint32(at + 4, true);
    at += 8;
    const section = d.strings.get(secNameOff, `.BTF.ext ${what} sec_name_off`);
    if (num === 0 || num > (end - at) / recSize) {
      throw new BtfError(`.BTF.ext ${what} section '${section}' has incorrect num_records ${num}`);
    }
    const records: R[] = new Array(num);
    for (let i = 0; i < num; i++, at += recSize) {
      const byteOff = d.dv.getUint32(at, true);
      if (byteOff % 8 !== 0) {
        throw new BtfError(
          `.BTF.ext ${what} record ${i} of '${section}': insn_off ${byteOff} is not a multiple of 8`,
        );
      }
      records[i] = kind.read(d.dv, at, byteOff / 8, d.strings);
    }
    out.push({ section, records });
  }
  return out;
}
