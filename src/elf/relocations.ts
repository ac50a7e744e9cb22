// What each relocation in a code section means, decided from the symbol and
// the instruction it patches (libbpf's bpf_program__record_reloc):
//   call    -> a BPF-to-BPF call into a code section, or an extern (kfunc) call;
//   lddw    -> a map (legacy "maps" or BTF ".maps": the map's fd), global data
//              (.data/.rodata/.bss: map value + offset), an extern variable
//              (ksym, kconfig), or a function's address (callbacks).
// Anything else is a malformed object and becomes an ElfError at the
// relocation's file offset.
import { BPF_CALL, BPF_JMP, BPF_PSEUDO_CALL, LDDW } from "../isa/opcodes.ts";
import type { InsnView } from "./insn-view.ts";
import type { ExternSpec } from "../spec/types.ts";
import { ElfError } from "./errors.ts";
import { SHN_UNDEF, STT_SECTION } from "./constants.ts";
import type { ElfFile, ElfSection, ElfSymbol } from "./reader.ts";

export type CodeReloc =
  | { kind: "call"; section: number; insn: number; fileOffset: number }
  | { kind: "func-addr"; section: number; insn: number; fileOffset: number }
  | { kind: "map"; mapIndex: number }
  | { kind: "data"; mapIndex: number; offset: number }
  | { kind: "extern-call"; externIndex: number }
  | { kind: "extern-var"; externIndex: number };

export interface RelocTargets {
  /** Legacy and .maps definitions: section index -> (byte offset -> map index). */
  mapsByOffset: Map<number, Map<number, number>>;
  /** Global data sections: section index -> map index. */
  dataMaps: Map<number, number>;
  /** Map index of .kconfig, if the object has kconfig externs. */
  kconfigMap: number | undefined;
  /** Map sizes (value size), for bounds-checking data offsets. */
  valueSizes: readonly number[];
  codeSections: ReadonlySet<number>;
  externs: ExternSpec[];
  externBySymbol: Map<number, number>;
}

const CALL = BPF_JMP | BPF_CALL;

/** One relocation being classified: its symbol, the instruction it patches, and where it is for messages. */
interface Site {
  sym: ElfSymbol;
  symName: string;
  /** The patched instruction's imm (the addend of section-symbol relocations). */
  imm: number;
  where: string;
  fileOffset: number;
}

/** Relocations of one code section, by instruction index. */
export function codeRelocations(
  elf: ElfFile,
  sec: ElfSection,
  insns: InsnView,
  t: RelocTargets,
): Map<number, CodeReloc> {
  const out = new Map<number, CodeReloc>();
  for (const r of elf.relocationsFor(sec.index)) {
    const sym = elf.symbols[r.symbol]!;
    const symName =
      sym.name ||
      (sym.type === STT_SECTION ? (elf.sections[sym.shndx]?.name ?? "") : "") ||
      `#${sym.index}`;
    if (r.offset % 8 !== 0 || r.offset >= sec.size) {
      throw new ElfError(
        `relocation against '${symName}' at offset ${r.offset} is not on an instruction of section '${sec.name}' (${sec.size} bytes)`,
        r.fileOffset,
      );
    }
    const idx = r.offset / 8;
    const code = insns.code(idx);
    const site: Site = {
      sym,
      symName,
      imm: insns.imm(idx),
      where: `insn ${idx} of section '${sec.name}'`,
      fileOffset: r.fileOffset,
    };
    if (out.has(idx)) throw new ElfError(`two relocations for ${site.where}`, r.fileOffset);
    if (code === CALL && insns.src(idx) === BPF_PSEUDO_CALL) {
      out.set(idx, callReloc(site, t));
      continue;
    }
    if (code !== LDDW) {
      throw new ElfError(
        `relocation against '${symName}' for ${site.where}: code 0x${code.toString(16)} is not lddw or a BPF-to-BPF call`,
        r.fileOffset,
      );
    }
    if (idx + 1 >= insns.count) {
      throw new ElfError(`lddw at ${site.where} is missing its second half`, r.fileOffset);
    }
    out.set(idx, lddwReloc(site, t));
  }
  return out;
}

function callReloc(s: Site, t: RelocTargets): CodeReloc {
  const { sym, symName, where, fileOffset } = s;
  if (sym.shndx === SHN_UNDEF) {
    const externIndex = t.externBySymbol.get(sym.index);
    if (externIndex === undefined)
      throw new ElfError(`call at ${where} to undefined symbol '${symName}'`, fileOffset);
    const ext = t.externs[externIndex]!;
    if (ext.kind !== "kfunc") {
      if (ext.btfId !== 0)
        throw new ElfError(`call at ${where} to extern variable '${symName}'`, fileOffset);
      ext.kind = "kfunc"; // no BTF to say otherwise: a called extern is a function
    }
    return { kind: "extern-call", externIndex };
  }
  if (!t.codeSections.has(sym.shndx)) {
    throw new ElfError(
      `bad call relocation against '${symName}' at ${where}: not a code section`,
      fileOffset,
    );
  }
  if (sym.value % 8 !== 0) {
    throw new ElfError(
      `bad call relocation offset ${sym.value} against '${symName}' at ${where}`,
      fileOffset,
    );
  }
  // Global functions are called with imm = -1; static ones through the section symbol with imm = target - 1.
  return { kind: "call", section: sym.shndx, insn: sym.value / 8 + s.imm + 1, fileOffset };
}

function lddwReloc(s: Site, t: RelocTargets): CodeReloc {
  const { sym, symName, imm, where, fileOffset } = s;
  if (sym.shndx === SHN_UNDEF) {
    const externIndex = t.externBySymbol.get(sym.index);
    if (externIndex === undefined) {
      throw new ElfError(`lddw at ${where} refers to undefined symbol '${symName}'`, fileOffset);
    }
    const ext = t.externs[externIndex]!;
    if (ext.kind === "kconfig") {
      if (t.kconfigMap === undefined) {
        throw new ElfError(`kconfig extern '${symName}' without a .kconfig layout`, fileOffset);
      }
      return { kind: "data", mapIndex: t.kconfigMap, offset: ext.offset ?? 0 };
    }
    return { kind: "extern-var", externIndex };
  }
  if (t.codeSections.has(sym.shndx)) {
    const byte = sym.value + imm;
    if (byte % 8 !== 0) {
      throw new ElfError(
        `function address relocation against '${symName}' at ${where} is not instruction-aligned`,
        fileOffset,
      );
    }
    return { kind: "func-addr", section: sym.shndx, insn: byte / 8, fileOffset };
  }
  const byOffset = t.mapsByOffset.get(sym.shndx);
  if (byOffset) {
    const off = sym.type === STT_SECTION ? imm : sym.value;
    const mapIndex = byOffset.get(off);
    if (mapIndex === undefined) {
      throw new ElfError(
        `lddw at ${where} refers to '${symName}' at offset ${off}, where no map is defined`,
        fileOffset,
      );
    }
    return { kind: "map", mapIndex };
  }
  const dataMap = t.dataMaps.get(sym.shndx);
  if (dataMap !== undefined) {
    const offset = sym.value + imm;
    const size = t.valueSizes[dataMap]!;
    if (offset < 0 || offset > size) {
      throw new ElfError(
        `lddw at ${where} points ${offset} bytes into '${symName}', outside its ${size}-byte section`,
        fileOffset,
      );
    }
    return { kind: "data", mapIndex: dataMap, offset };
  }
  throw new ElfError(
    `lddw at ${where} refers to '${symName}', which is not a map, global variable, extern or function`,
    fileOffset,
  );
}
