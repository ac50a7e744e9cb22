// Function boundaries inside code sections. clang marks each function with an
// STT_FUNC symbol (with its size); objects from old compilers have untyped
// global symbols of size 0, so a function then runs to the next one or to the
// end of the section. A code section with no usable symbol is one function
// named after the section.
import { ElfError } from "./errors.ts";
import { STB_LOCAL, STT_FUNC, STT_NOTYPE } from "./constants.ts";
import type { ElfSection, ElfSymbol } from "./reader.ts";

export interface ElfFunction {
  name: string;
  section: ElfSection;
  /** First instruction index within the section. */
  start: number;
  /** Number of instruction slots (an lddw counts two). */
  count: number;
  /** Bound globally (STB_GLOBAL/STB_WEAK): a program entry candidate in .text. */
  global: boolean;
  symbol?: ElfSymbol;
}

function isFunctionSymbol(s: ElfSymbol): boolean {
  if (s.type === STT_FUNC) return true;
  return s.type === STT_NOTYPE && s.bind !== STB_LOCAL && s.name !== "";
}

/** Functions of one code section, sorted by start; throws ElfError on misplaced or overlapping symbols. */
export function sectionFunctions(sec: ElfSection, symbols: readonly ElfSymbol[]): ElfFunction[] {
  const insnCount = sec.size / 8;
  const cands = symbols
    .filter((s) => s.shndx === sec.index && isFunctionSymbol(s))
    .sort(
      (a, b) =>
        a.value - b.value ||
        Number(b.type === STT_FUNC) - Number(a.type === STT_FUNC) ||
        Number(b.bind !== STB_LOCAL) - Number(a.bind !== STB_LOCAL) ||
        (a.name < b.name ? -1 : a.name > b.name ? 1 : 0),
    );
  const out: ElfFunction[] = [];
  for (const s of cands) {
    if (s.value % 8 !== 0) {
      throw new ElfError(
        `function '${s.name}' in section '${sec.name}' starts at byte ${s.value}, not on an instruction boundary`,
        s.fileOffset + 8,
      );
    }
    if (s.value >= sec.size) {
      throw new ElfError(
        `function '${s.name}' starts at byte ${s.value}, past the end of section '${sec.name}' (${sec.size} bytes)`,
        s.fileOffset + 8,
      );
    }
    const prev = out[out.length - 1];
    if (prev && prev.start === s.value / 8) continue; // an alias of the previous function
    out.push({
      name: s.name,
      section: sec,
      start: s.value / 8,
      count: 0,
      global: s.bind !== STB_LOCAL,
      symbol: s,
    });
  }
  if (out.length === 0) {
    return [{ name: sec.name, section: sec, start: 0, count: insnCount, global: true }];
  }
  for (let i = 0; i < out.length; i++) {
    const f = out[i]!;
    const next = out[i + 1];
    const limit = next ? next.start : insnCount;
    const sym = f.symbol!;
    if (sym.type === STT_FUNC && sym.size > 0) {
      if (sym.size % 8 !== 0) {
        throw new ElfError(
          `function '${f.name}' has size ${sym.size}, not a multiple of 8`,
          sym.fileOffset + 16,
        );
      }
      const end = f.start + sym.size / 8;
      if (end > insnCount) {
        throw new ElfError(
          `function '${f.name}' (${sym.size} bytes at ${sym.value}) runs past the end of section '${sec.name}'`,
          sym.fileOffset + 16,
        );
      }
      if (next && end > next.start) {
        throw new ElfError(
          `functions '${f.name}' and '${next.name}' overlap in section '${sec.name}'`,
          sym.fileOffset + 16,
        );
      }
      f.count = end - f.start;
    } else {
      f.count = limit - f.start;
    }
  }
  return out;
}

/** The function containing instruction `insn` of a section (binary search), or undefined. */
export function functionAt(funcs: readonly ElfFunction[], insn: number): ElfFunction | undefined {
  let lo = 0;
  let hi = funcs.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const f = funcs[mid]!;
    if (insn < f.start) hi = mid - 1;
    else if (insn >= f.start + f.count) lo = mid + 1;
    else return f;
  }
  return undefined;
}
