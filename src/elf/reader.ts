// A bounds-checked reader of ELF64 little-endian relocatable objects: the
// header, the section table, section names, the symbol table and relocation
// tables. It knows nothing about BPF beyond the machine number; every read is
// checked against the file size so malformed input becomes an ElfError with the
// file offset instead of a RangeError from a DataView.
import { ElfError } from "./errors.ts";
import {
  EHDR_SIZE,
  ELFCLASS64,
  ELFDATA2LSB,
  ELFMAG,
  EM_BPF,
  EM_NONE,
  ET_REL,
  EV_CURRENT,
  REL_SIZE,
  SHDR_SIZE,
  SHN_LORESERVE,
  SHN_UNDEF,
  SHN_XINDEX,
  SHT_NOBITS,
  SHT_REL,
  SHT_STRTAB,
  SHT_SYMTAB,
  SHT_SYMTAB_SHNDX,
  SYM_SIZE,
} from "./constants.ts";

export interface ElfSection {
  index: number;
  name: string;
  type: number;
  flags: number;
  /** File offset of the section's bytes. */
  offset: number;
  size: number;
  link: number;
  info: number;
  addralign: number;
  entsize: number;
  /** The section's bytes (a view into the file; empty for SHT_NOBITS). */
  data: Uint8Array;
  /** File offset of this section's header, for error messages. */
  headerOffset: number;
}

export interface ElfSymbol {
  index: number;
  name: string;
  value: number;
  size: number;
  /** STB_* (high nibble of st_info). */
  bind: number;
  /** STT_* (low nibble of st_info). */
  type: number;
  /** STV_* (low 2 bits of st_other). */
  visibility: number;
  /** Section index (SHN_UNDEF for externs; >= SHN_LORESERVE for special ones). */
  shndx: number;
  /** File offset of the symbol entry, for error messages. */
  fileOffset: number;
}

export interface ElfRel {
  /** Byte offset in the target section. */
  offset: number;
  /** R_BPF_* type. */
  type: number;
  /** Index into the symbol table. */
  symbol: number;
  /** File offset of the relocation entry, for error messages. */
  fileOffset: number;
}

const utf8 = new TextDecoder("utf-8");

/** Reads a little-endian u64 as a number; values above 2^53 lose precision but stay huge, so bounds checks still fail. */
function u64(dv: DataView, at: number): number {
  return dv.getUint32(at + 4, true) * 0x1_0000_0000 + dv.getUint32(at, true);
}

export class ElfFile {
  readonly sections: ElfSection[] = [];
  readonly symbols: ElfSymbol[] = [];
  readonly machine: number;
  /** Index of the symbol table section, or 0 when the object has none. */
  readonly symtabIndex: number = 0;
  private readonly dv: DataView;
  private readonly byName = new Map<string, ElfSection>();

  constructor(readonly bytes: Uint8Array) {
    this.dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const len = bytes.length;
    if (len < EHDR_SIZE) {
      if (len < 4 || ELFMAG.some((m, i) => bytes[i] !== m)) {
        throw new ElfError("not an ELF file (bad magic)", 0);
      }
      throw new ElfError(`file too short for an ELF header (${len} bytes, need ${EHDR_SIZE})`, 0);
    }
    if (ELFMAG.some((m, i) => bytes[i] !== m)) throw new ElfError("not an ELF file (bad magic)", 0);
    if (bytes[4] !== ELFCLASS64) {
      throw new ElfError(
        `unsupported ELF class ${bytes[4]}: only 64-bit objects are BPF objects`,
        4,
      );
    }
    if (bytes[5] !== ELFDATA2LSB) {
      throw new ElfError(
        `unsupported ELF data encoding ${bytes[5]}: only little-endian (bpfel) objects are supported`,
        5,
      );
    }
    if (bytes[6] !== EV_CURRENT) throw new ElfError(`unsupported ELF version ${bytes[6]}`, 6);
    const dv = this.dv;
    const type = dv.getUint16(16, true);
    if (type !== ET_REL) {
      throw new ElfError(`ELF type ${type} is not a relocatable object (ET_REL)`, 16);
    }
    this.machine = dv.getUint16(18, true);
    // Old LLVM wrote EM_NONE; libbpf accepts both.
    if (this.machine !== EM_BPF && this.machine !== EM_NONE) {
      throw new ElfError(`ELF machine ${this.machine} is not BPF (${EM_BPF})`, 18);
    }
    this.readSections(len);
    this.symtabIndex = this.readSymbols();
  }

  private readSections(len: number): void {
    const dv = this.dv;
    const shoff = u64(dv, 40);
    const shentsize = dv.getUint16(58, true);
    let shnum = dv.getUint16(60, true);
    let shstrndx = dv.getUint16(62, true);
    if (shoff === 0) {
      if (shnum !== 0) throw new ElfError(`e_shnum is ${shnum} but e_shoff is 0`, 40);
      return;
    }
    if (shentsize !== SHDR_SIZE) {
      throw new ElfError(`e_shentsize is ${shentsize}, expected ${SHDR_SIZE}`, 58);
    }
    if (shoff % 8 !== 0 || shoff + SHDR_SIZE > len) {
      throw new ElfError(
        `section header table offset 0x${shoff.toString(16)} is out of the file`,
        40,
      );
    }
    // Extended numbering: the real counts live in section 0's header.
    if (shnum === 0) shnum = dv.getUint32(shoff + 32, true);
    if (shstrndx === SHN_XINDEX) shstrndx = dv.getUint32(shoff + 40, true);
    if (shoff + shnum * SHDR_SIZE > len) {
      throw new ElfError(
        `section header table (${shnum} entries at 0x${shoff.toString(16)}) goes past the end of the file (${len} bytes)`,
        40,
      );
    }
    for (let i = 0; i < shnum; i++) {
      const h = shoff + i * SHDR_SIZE;
      const sec: ElfSection = {
        index: i,
        name: "",
        type: dv.getUint32(h + 4, true),
        flags: u64(dv, h + 8),
        offset: u64(dv, h + 24),
        size: u64(dv, h + 32),
        link: dv.getUint32(h + 40, true),
        info: dv.getUint32(h + 44, true),
        addralign: u64(dv, h + 48),
        entsize: u64(dv, h + 56),
        data: new Uint8Array(0),
        headerOffset: h,
      };
      if (i > 0 && sec.type !== SHT_NOBITS && sec.size > 0) {
        if (sec.offset > len || sec.size > len - sec.offset) {
          throw new ElfError(
            `section [${i}] data (offset 0x${sec.offset.toString(16)}, size 0x${sec.size.toString(16)}) goes past the end of the file (${len} bytes)`,
            h + 24,
          );
        }
        sec.data = this.bytes.subarray(sec.offset, sec.offset + sec.size);
      }
      this.sections.push(sec);
    }
    if (shnum === 0) return;
    if (shstrndx === 0 || shstrndx >= shnum) {
      throw new ElfError(
        `section name string table index ${shstrndx} is out of range (${shnum} sections)`,
        62,
      );
    }
    const shstr = this.sections[shstrndx]!;
    if (shstr.type !== SHT_STRTAB) {
      throw new ElfError(
        `section name string table [${shstrndx}] is not SHT_STRTAB`,
        shstr.headerOffset + 4,
      );
    }
    for (const sec of this.sections) {
      if (sec.index === 0) continue;
      const nameOff = this.dv.getUint32(sec.headerOffset, true);
      sec.name = this.stringAt(
        shstr,
        nameOff,
        () => {
          return `section [${sec.index}] has an invalid sh_name (0x${nameOff.toString(16)}): past the end of the section name string table`;
        },
        sec.headerOffset,
      );
      if (!this.byName.has(sec.name)) this.byName.set(sec.name, sec);
    }
  }

  /** Reads a NUL-terminated string at `off` of a string table section. */
  stringAt(table: ElfSection, off: number, what: () => string, errOffset: number): string {
    const data = table.data;
    if (off >= data.length) {
      if (off === 0 && data.length === 0) return "";
      throw new ElfError(what(), errOffset);
    }
    const end = data.indexOf(0, off);
    if (end < 0) throw new ElfError(`${what()} (string is not NUL-terminated)`, errOffset);
    return utf8.decode(data.subarray(off, end));
  }

  private readSymbols(): number {
    let symtab: ElfSection | undefined;
    let shndxTable: ElfSection | undefined;
    for (const sec of this.sections) {
      if (sec.type === SHT_SYMTAB) {
        if (symtab) {
          throw new ElfError(
            `more than one symbol table (sections [${symtab.index}] and [${sec.index}])`,
            sec.headerOffset,
          );
        }
        symtab = sec;
      } else if (sec.type === SHT_SYMTAB_SHNDX) {
        shndxTable = sec;
      }
    }
    if (!symtab) return 0;
    if (symtab.entsize !== SYM_SIZE) {
      throw new ElfError(
        `symbol table [${symtab.index}] has invalid sh_entsize ${symtab.entsize}, expected ${SYM_SIZE}`,
        symtab.headerOffset + 56,
      );
    }
    if (symtab.size % SYM_SIZE !== 0) {
      throw new ElfError(
        `symbol table size ${symtab.size} is not a multiple of ${SYM_SIZE}`,
        symtab.headerOffset + 32,
      );
    }
    if (
      symtab.link === 0 ||
      symtab.link >= this.sections.length ||
      this.sections[symtab.link]!.type !== SHT_STRTAB
    ) {
      throw new ElfError(
        `symbol table's string table link ${symtab.link} is not a string table`,
        symtab.headerOffset + 40,
      );
    }
    const strtab = this.sections[symtab.link]!;
    const dv = this.dv;
    const count = symtab.size / SYM_SIZE;
    for (let i = 0; i < count; i++) {
      const at = symtab.offset + i * SYM_SIZE;
      const nameOff = dv.getUint32(at, true);
      const info = dv.getUint8(at + 4);
      let shndx = dv.getUint16(at + 6, true);
      if (shndx === SHN_XINDEX) {
        if (!shndxTable || (i + 1) * 4 > shndxTable.size) {
          throw new ElfError(
            `symbol [${i}] uses SHN_XINDEX but there is no SHT_SYMTAB_SHNDX entry for it`,
            at + 6,
          );
        }
        shndx = dv.getUint32(shndxTable.offset + i * 4, true);
      } else if (shndx !== SHN_UNDEF && shndx < SHN_LORESERVE && shndx >= this.sections.length) {
        throw new ElfError(
          `symbol [${i}] refers to section ${shndx}, which does not exist`,
          at + 6,
        );
      }
      const name =
        nameOff === 0
          ? ""
          : this.stringAt(
              strtab,
              nameOff,
              () => `symbol [${i}] has an invalid st_name (0x${nameOff.toString(16)})`,
              at,
            );
      this.symbols.push({
        index: i,
        name,
        value: u64(dv, at + 8),
        size: u64(dv, at + 16),
        bind: info >> 4,
        type: info & 0xf,
        visibility: dv.getUint8(at + 5) & 3,
        shndx,
        fileOffset: at,
      });
    }
    return symtab.index;
  }

  section(name: string): ElfSection | undefined {
    return this.byName.get(name);
  }

  private bySection: Map<number, ElfSymbol[]> | undefined;

  /** Symbols defined in section `index`, in symbol table order (grouped once, so lookups stay linear overall). */
  symbolsIn(index: number): readonly ElfSymbol[] {
    if (!this.bySection) {
      const m = new Map<number, ElfSymbol[]>();
      for (const s of this.symbols) {
        const list = m.get(s.shndx);
        if (list) list.push(s);
        else m.set(s.shndx, [s]);
      }
      this.bySection = m;
    }
    return this.bySection.get(index) ?? [];
  }

  /**
   * The SHT_REL entries that apply to section `target`, in file order. SHT_RELA
   * is not used by the BPF backend; callers that care reject it themselves.
   */
  relocationsFor(target: number): ElfRel[] {
    if (!this.relByTarget) {
      this.relByTarget = new Map();
      for (const sec of this.sections) {
        if (sec.type !== SHT_REL) continue;
        const list = this.relByTarget.get(sec.info);
        if (list) list.push(sec);
        else this.relByTarget.set(sec.info, [sec]);
      }
    }
    const out: ElfRel[] = [];
    for (const sec of this.relByTarget.get(target) ?? []) out.push(...this.readRel(sec));
    return out;
  }

  private relByTarget: Map<number, ElfSection[]> | undefined;

  private readRel(sec: ElfSection): ElfRel[] {
    if (sec.entsize !== REL_SIZE) {
      throw new ElfError(
        `relocation section [${sec.index}] '${sec.name}' has sh_entsize ${sec.entsize}, expected ${REL_SIZE}`,
        sec.headerOffset + 56,
      );
    }
    if (sec.size % REL_SIZE !== 0) {
      throw new ElfError(
        `relocation section '${sec.name}' size ${sec.size} is not a multiple of ${REL_SIZE}`,
        sec.headerOffset + 32,
      );
    }
    if (sec.link !== this.symtabIndex || this.symtabIndex === 0) {
      throw new ElfError(
        `relocation section '${sec.name}' does not link to the symbol table`,
        sec.headerOffset + 40,
      );
    }
    const dv = this.dv;
    const n = sec.size / REL_SIZE;
    const out: ElfRel[] = new Array(n);
    for (let i = 0; i < n; i++) {
      const at = sec.offset + i * REL_SIZE;
      const symbol = dv.getUint32(at + 12, true);
      if (symbol >= this.symbols.length) {
        throw new ElfError(
          `relocation [${i}] of '${sec.name}' names symbol ${symbol}, past the symbol table (${this.symbols.length} symbols)`,
          at + 12,
        );
      }
      out[i] = { offset: u64(dv, at), type: dv.getUint32(at + 8, true), symbol, fileOffset: at };
    }
    return out;
  }
}
