// A minimal ELF64 little-endian section reader for tests: section names, types,
// flags, bytes, and the offsets REL sections relocate. The real loader lives in
// src/elf/; this exists so ISA tests do not depend on it.
export interface ElfSection {
  index: number;
  name: string;
  type: number;
  flags: number;
  data: Uint8Array;
  /** For SHT_REL: the section it applies to. */
  info: number;
}

export const SHT_PROGBITS = 1;
export const SHT_REL = 9;
export const SHF_EXECINSTR = 0x4;

export function readElfSections(file: Uint8Array): ElfSection[] {
  const dv = new DataView(file.buffer, file.byteOffset, file.byteLength);
  if (dv.getUint32(0) !== 0x7f454c46) throw new Error("not an ELF file");
  if (file[4] !== 2 || file[5] !== 1) throw new Error("not ELF64 little-endian");
  const shoff = Number(dv.getBigUint64(0x28, true));
  const shentsize = dv.getUint16(0x3a, true);
  const shnum = dv.getUint16(0x3c, true);
  const shstrndx = dv.getUint16(0x3e, true);
  const raw = Array.from({ length: shnum }, (_, i) => {
    const p = shoff + i * shentsize;
    const offset = Number(dv.getBigUint64(p + 0x18, true));
    const size = Number(dv.getBigUint64(p + 0x20, true));
    const type = dv.getUint32(p + 4, true);
    return {
      nameOff: dv.getUint32(p, true),
      type,
      flags: Number(dv.getBigUint64(p + 8, true)),
      data: type === 8 /* NOBITS */ ? new Uint8Array(size) : file.subarray(offset, offset + size),
      info: dv.getUint32(p + 0x2c, true),
    };
  });
  const strtab = raw[shstrndx]!.data;
  const nameAt = (off: number): string => {
    let end = off;
    while (end < strtab.length && strtab[end] !== 0) end++;
    return new TextDecoder().decode(strtab.subarray(off, end));
  };
  return raw.map((s, index) => ({
    index,
    name: nameAt(s.nameOff),
    type: s.type,
    flags: s.flags,
    data: s.data,
    info: s.info,
  }));
}

/** Executable sections that hold code (program sections and .text). */
export function programSections(sections: ElfSection[]): ElfSection[] {
  return sections.filter(
    (s) => s.type === SHT_PROGBITS && s.flags & SHF_EXECINSTR && s.data.length > 0,
  );
}

/** Byte offsets within section `target` that a REL section relocates. */
export function relocatedOffsets(sections: ElfSection[], target: number): Set<number> {
  const out = new Set<number>();
  for (const s of sections) {
    if (s.type !== SHT_REL || s.info !== target) continue;
    const dv = new DataView(s.data.buffer, s.data.byteOffset, s.data.byteLength);
    for (let p = 0; p + 16 <= s.data.length; p += 16) out.add(Number(dv.getBigUint64(p, true)));
  }
  return out;
}
