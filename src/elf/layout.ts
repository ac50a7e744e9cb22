// Sorting an object's sections into the roles libbpf gives them: code,
// legacy map definitions ("maps", "maps/..."), BTF map definitions (".maps"),
// global data (.data*, .rodata*, .bss*), license, version, .BTF and .BTF.ext.
// Everything else (DWARF, .eh_frame, .llvm_addrsig, ...) is ignored.
import { ElfError } from "./errors.ts";
import { SHF_EXECINSTR, SHT_NOBITS, SHT_PROGBITS, SHT_REL, SHT_RELA } from "./constants.ts";
import type { ElfFile, ElfSection } from "./reader.ts";

export type DataSource = "data" | "rodata" | "bss";

export interface ObjectLayout {
  code: ElfSection[];
  legacyMaps: ElfSection[];
  btfMaps: ElfSection | undefined;
  data: { section: ElfSection; source: DataSource }[];
  license: string;
  kernelVersion: number;
  btf: ElfSection | undefined;
  btfExt: ElfSection | undefined;
}

const utf8 = new TextDecoder("utf-8");

/** Largest global data section accepted (a map value this big is far past any kernel's limit already). */
export const MAX_GLOBAL_DATA = 256 * 1024 * 1024;

function dataSource(sec: ElfSection): DataSource | undefined {
  const n = sec.name;
  if (sec.type === SHT_NOBITS) return n === ".bss" || n.startsWith(".bss.") ? "bss" : undefined;
  if (sec.type !== SHT_PROGBITS) return undefined;
  if (n === ".data" || n.startsWith(".data.")) return "data";
  if (n === ".rodata" || n.startsWith(".rodata.")) return "rodata";
  return undefined;
}

export function classifySections(elf: ElfFile): ObjectLayout {
  const layout: ObjectLayout = {
    code: [],
    legacyMaps: [],
    btfMaps: undefined,
    data: [],
    license: "",
    kernelVersion: 0,
    btf: undefined,
    btfExt: undefined,
  };
  for (const sec of elf.sections) {
    if (sec.index === 0) continue;
    const n = sec.name;
    if (n === "license") {
      const end = sec.data.indexOf(0);
      layout.license = utf8.decode(end < 0 ? sec.data : sec.data.subarray(0, end));
    } else if (n === "version") {
      if (sec.size !== 4)
        throw new ElfError(
          `invalid kernel version section: ${sec.size} bytes, expected 4`,
          sec.headerOffset + 32,
        );
      layout.kernelVersion = new DataView(sec.data.buffer, sec.data.byteOffset, 4).getUint32(
        0,
        true,
      );
    } else if (n === ".BTF") {
      layout.btf = sec;
    } else if (n === ".BTF.ext") {
      layout.btfExt = sec;
    } else if (n === ".maps" && sec.type === SHT_PROGBITS) {
      layout.btfMaps = sec;
    } else if ((n === "maps" || n.startsWith("maps/")) && sec.type === SHT_PROGBITS) {
      layout.legacyMaps.push(sec);
    } else if (sec.type === SHT_PROGBITS && sec.flags & SHF_EXECINSTR) {
      if (sec.size === 0) continue;
      if (sec.size % 8 !== 0) {
        throw new ElfError(
          `code section '${n}' size ${sec.size} is not a multiple of the 8-byte instruction size`,
          sec.headerOffset + 32,
        );
      }
      layout.code.push(sec);
    } else {
      const source = dataSource(sec);
      if (!source || sec.size === 0) continue;
      // NOBITS sizes are not bounded by the file; keep a corrupt one from allocating gigabytes.
      if (sec.size > MAX_GLOBAL_DATA) {
        throw new ElfError(
          `global data section '${n}' is ${sec.size} bytes, more than the ${MAX_GLOBAL_DATA}-byte limit`,
          sec.headerOffset + 32,
        );
      }
      layout.data.push({ section: sec, source });
    }
  }
  for (const sec of elf.sections) {
    if (sec.type !== SHT_REL && sec.type !== SHT_RELA) continue;
    const target = elf.sections[sec.info];
    if (!target || sec.info === 0) {
      throw new ElfError(
        `relocation section [${sec.index}] '${sec.name}' applies to section ${sec.info}, which does not exist`,
        sec.headerOffset + 44,
      );
    }
    // Compilers name a relocation table after its target (".rel" + name); a mismatch
    // means sh_name or sh_info was corrupted, and the relocations would land in the wrong place.
    const prefix = sec.type === SHT_REL ? ".rel" : ".rela";
    if (sec.name !== prefix + target.name) {
      throw new ElfError(
        `relocation section [${sec.index}] '${sec.name}' applies to section [${target.index}] '${target.name}': the names disagree (corrupt sh_name or sh_info)`,
        sec.headerOffset + 44,
      );
    }
    // The BPF backend writes SHT_REL only; a RELA table against code would be silently misread.
    if (sec.type === SHT_RELA && layout.code.includes(target)) {
      throw new ElfError(
        `SHT_RELA relocations for code section '${target.name}' are not supported`,
        sec.headerOffset + 4,
      );
    }
  }
  return layout;
}
