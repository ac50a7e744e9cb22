// Test helper: writes small ELF64 little-endian relocatable BPF objects from a
// description (sections, symbols, relocations), to exercise loader paths the
// corpus does not have (static calls through section symbols, callbacks,
// kconfig/ksym externs, malformed relocations).
import { encode, type Insn } from "../../src/isa/insn.ts";

export const SHT = { PROGBITS: 1, SYMTAB: 2, STRTAB: 3, RELA: 4, NOBITS: 8, REL: 9 } as const;
export const SHF = { WRITE: 1, ALLOC: 2, EXEC: 4 } as const;

export interface WSection {
  name: string;
  type?: number;
  flags?: number;
  data?: Uint8Array;
  /** For NOBITS. */
  size?: number;
}

export interface WSymbol {
  name: string;
  /** Section name, or "UND" for an undefined (extern) symbol. */
  section: string;
  value?: number;
  size?: number;
  bind?: "local" | "global" | "weak";
  type?: "notype" | "object" | "func" | "section";
}

export interface WReloc {
  /** Section the relocation applies to. */
  section: string;
  offset: number;
  /** Symbol name, or `{ sectionSymbol: name }` for the section's STT_SECTION symbol. */
  symbol: string | { sectionSymbol: string };
  type: number;
  /** Write an SHT_RELA table instead of SHT_REL. */
  rela?: boolean;
}

export const code = (insns: Insn[]): Uint8Array => encode(insns);
export const CODE = SHF.ALLOC | SHF.EXEC;

const BIND = { local: 0, global: 1, weak: 2 };
const TYPE = { notype: 0, object: 1, func: 2, section: 3 };

export function writeElf(spec: {
  sections: WSection[];
  symbols?: WSymbol[];
  relocs?: WReloc[];
}): Uint8Array {
  const enc = new TextEncoder();
  const strs: number[] = [0];
  const strOff = new Map<string, number>([["", 0]]);
  const str = (s: string): number => {
    const hit = strOff.get(s);
    if (hit !== undefined) return hit;
    const off = strs.length;
    strs.push(...enc.encode(s), 0);
    strOff.set(s, off);
    return off;
  };

  // Section order: null, user sections, relocation tables, .symtab, .strtab.
  const secs: (WSection & { link?: number; info?: number; entsize?: number })[] = [
    { name: "" },
    ...spec.sections,
  ];
  const index = (name: string): number => {
    const i = secs.findIndex((s) => s.name === name);
    if (i < 0) throw new Error(`no section ${name}`);
    return i;
  };

  // Symbols: null, section symbols, locals, then globals.
  const sectionSyms = new Set<string>();
  for (const r of spec.relocs ?? [])
    if (typeof r.symbol !== "string") sectionSyms.add(r.symbol.sectionSymbol);
  const syms: WSymbol[] = [
    ...[...sectionSyms].map((s) => ({
      name: "",
      section: s,
      type: "section" as const,
      bind: "local" as const,
    })),
    ...(spec.symbols ?? []).filter((s) => (s.bind ?? "global") === "local"),
  ];
  const firstGlobal = syms.length + 1;
  syms.push(...(spec.symbols ?? []).filter((s) => (s.bind ?? "global") !== "local"));
  const symIndex = (ref: WReloc["symbol"]): number => {
    const i =
      typeof ref === "string"
        ? syms.findIndex((s) => s.name === ref && s.type !== "section")
        : syms.findIndex((s) => s.type === "section" && s.section === ref.sectionSymbol);
    if (i < 0) throw new Error(`no symbol ${JSON.stringify(ref)}`);
    return i + 1;
  };

  const relGroups = new Map<string, WReloc[]>();
  for (const r of spec.relocs ?? []) {
    const key = `${r.rela ? ".rela" : ".rel"}${r.section}`;
    relGroups.set(key, [...(relGroups.get(key) ?? []), r]);
  }
  const relStart = secs.length;
  for (const [name, rs] of relGroups)
    secs.push({ name, type: rs[0]!.rela ? SHT.RELA : SHT.REL, info: index(rs[0]!.section) });
  const symtabIdx = secs.length;
  secs.push({ name: ".symtab", type: SHT.SYMTAB });
  const strtabIdx = secs.length;
  secs.push({ name: ".strtab", type: SHT.STRTAB });

  // Symbol table bytes.
  const symtab = new Uint8Array((syms.length + 1) * 24);
  const sdv = new DataView(symtab.buffer);
  syms.forEach((s, i) => {
    const at = (i + 1) * 24;
    sdv.setUint32(at, s.type === "section" ? 0 : str(s.name), true);
    sdv.setUint8(at + 4, (BIND[s.bind ?? "global"] << 4) | TYPE[s.type ?? "notype"]);
    sdv.setUint16(at + 6, s.section === "UND" ? 0 : index(s.section), true);
    sdv.setBigUint64(at + 8, BigInt(s.value ?? 0), true);
    sdv.setBigUint64(at + 16, BigInt(s.size ?? 0), true);
  });
  secs[symtabIdx]!.data = symtab;
  secs[symtabIdx]!.link = strtabIdx;
  secs[symtabIdx]!.info = firstGlobal;
  secs[symtabIdx]!.entsize = 24;

  let k = relStart;
  for (const rs of relGroups.values()) {
    const ent = rs[0]!.rela ? 24 : 16;
    const data = new Uint8Array(rs.length * ent);
    const dv = new DataView(data.buffer);
    rs.forEach((r, i) => {
      dv.setBigUint64(i * ent, BigInt(r.offset), true);
      dv.setBigUint64(i * ent + 8, (BigInt(symIndex(r.symbol)) << 32n) | BigInt(r.type), true);
    });
    Object.assign(secs[k]!, { data, link: symtabIdx, entsize: ent });
    k++;
  }
  for (const s of secs) str(s.name);
  secs[strtabIdx]!.data = Uint8Array.from(strs);

  // File: header, section data (8-aligned), section headers.
  let off = 64;
  const placed = secs.map((s) => {
    off = Math.ceil(off / 8) * 8;
    const at = off;
    if (s.type !== SHT.NOBITS) off += s.data?.length ?? 0;
    return at;
  });
  const shoff = Math.ceil(off / 8) * 8;
  const out = new Uint8Array(shoff + secs.length * 64);
  const dv = new DataView(out.buffer);
  out.set([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1]);
  dv.setUint16(16, 1, true); // ET_REL
  dv.setUint16(18, 247, true); // EM_BPF
  dv.setUint32(20, 1, true);
  dv.setBigUint64(40, BigInt(shoff), true);
  dv.setUint16(52, 64, true);
  dv.setUint16(58, 64, true);
  dv.setUint16(60, secs.length, true);
  dv.setUint16(62, strtabIdx, true);
  secs.forEach((s, i) => {
    if (s.data && s.type !== SHT.NOBITS) out.set(s.data, placed[i]!);
    if (i === 0) return;
    const h = shoff + i * 64;
    dv.setUint32(h, str(s.name), true);
    dv.setUint32(h + 4, s.type ?? SHT.PROGBITS, true);
    dv.setBigUint64(h + 8, BigInt(s.flags ?? 0), true);
    dv.setBigUint64(h + 24, BigInt(placed[i]!), true);
    dv.setBigUint64(
      h + 32,
      BigInt(s.type === SHT.NOBITS ? (s.size ?? 0) : (s.data?.length ?? 0)),
      true,
    );
    dv.setUint32(h + 40, s.link ?? 0, true);
    dv.setUint32(h + 44, s.info ?? 0, true);
    dv.setBigUint64(h + 48, 8n, true);
    dv.setBigUint64(h + 56, BigInt(s.entsize ?? 0), true);
  });
  return out;
}
