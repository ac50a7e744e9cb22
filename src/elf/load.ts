// From object bytes to a CollectionSpec: read the ELF, parse BTF, collect
// maps (legacy, BTF, global data, kconfig) and externs, find functions and
// their relocations, decide which functions are programs, and link each
// program. Every step throws a typed error (ElfError, BtfError) on bad input.
import { readFileSync } from "node:fs";
import type { Btf } from "../btf/btf.ts";
import { parseBtfAndExt } from "../btf/parse.ts";
import type { BtfExt, BtfExtSection } from "../btf/ext.ts";
import type { CollectionSpec, MapSpec, ProgramSpec } from "../spec/types.ts";
import { checkBtfExt } from "./btf-ext-check.ts";
import { fixupDatasecs } from "./btf-fixup.ts";
import { collectExterns } from "./externs.ts";
import { sectionFunctions, type ElfFunction } from "./functions.ts";
import { InsnView } from "./insn-view.ts";
import { classifySections } from "./layout.ts";
import { callTarget, linkProgram, type CodeSection, type LinkContext } from "./link.ts";
import { btfMapInitialisers, btfMaps } from "./maps-btf.ts";
import { dataMap, kconfigMap } from "./maps-data.ts";
import { legacyMaps } from "./maps-legacy.ts";
import { ElfFile } from "./reader.ts";
import { codeRelocations, type RelocTargets } from "./relocations.ts";
import { sectionInfo } from "./section-defs.ts";

export interface LoadOptions {
  /**
   * Also list global functions of ".text" that nothing calls as programs (type
   * UNSPEC), as PREVAIL does for objects without SEC() annotations. Default true.
   */
  textPrograms?: boolean;
}

function extFor<R>(secs: readonly BtfExtSection<R>[] | undefined, name: string): R[] {
  const out: R[] = [];
  for (const s of secs ?? []) if (s.section === name) out.push(...s.records);
  return out.sort(
    (a, b) => (a as { insnOff: number }).insnOff - (b as { insnOff: number }).insnOff,
  );
}

/** Parses an ELF BPF object into a CollectionSpec. */
export function loadCollectionSpec(bytes: Uint8Array, opts: LoadOptions = {}): CollectionSpec {
  const elf = new ElfFile(bytes);
  const layout = classifySections(elf);

  let btf: Btf | undefined;
  let ext: BtfExt | undefined;
  if (layout.btf) {
    const parsed = parseBtfAndExt(layout.btf.data, layout.btfExt?.data);
    btf = fixupDatasecs(parsed.btf, elf);
    ext = parsed.ext;
    if (ext) checkBtfExt(ext, btf, layout.code);
  }

  // Maps, in libbpf's order: legacy, BTF-defined, global data, kconfig.
  const maps: MapSpec[] = [];
  const mapsByOffset = new Map<number, Map<number, number>>();
  const addAt = (sectionIndex: number, offset: number, spec: MapSpec): void => {
    let m = mapsByOffset.get(sectionIndex);
    if (!m) mapsByOffset.set(sectionIndex, (m = new Map()));
    m.set(offset, maps.length);
    maps.push(spec);
  };
  for (const lm of legacyMaps(elf, layout.legacyMaps, btf))
    addAt(lm.section.index, lm.offset, lm.spec);
  const codeSections = new Set(layout.code.map((s) => s.index));
  if (layout.btfMaps) {
    const bms = btfMaps(layout.btfMaps, btf);
    btfMapInitialisers(elf, layout.btfMaps, bms, codeSections);
    for (const bm of bms) addAt(layout.btfMaps.index, bm.offset, bm.spec);
  }
  const dataMaps = new Map<number, number>();
  for (const d of layout.data) {
    dataMaps.set(d.section.index, maps.length);
    maps.push(dataMap(d.section, d.source, btf));
  }
  const externs = collectExterns(elf, btf);
  let kconfigIndex: number | undefined;
  if (externs.kconfigSize > 0) {
    kconfigIndex = maps.length;
    maps.push(kconfigMap(externs.kconfigSize, btf));
  }

  // Code: functions and relocations per section.
  const targets: RelocTargets = {
    mapsByOffset,
    dataMaps,
    kconfigMap: kconfigIndex,
    valueSizes: maps.map((m) => m.valueSize),
    codeSections,
    externs: externs.externs,
    externBySymbol: externs.bySymbol,
  };
  const sections = new Map<number, CodeSection>();
  for (const sec of layout.code) {
    const insns = new InsnView(sec.data);
    sections.set(sec.index, {
      sec,
      insns,
      funcs: sectionFunctions(sec, elf.symbolsIn(sec.index)),
      relocs: codeRelocations(elf, sec, insns, targets),
      funcInfo: extFor(ext?.funcInfo, sec.name),
      lineInfo: extFor(ext?.lineInfo, sec.name),
      coreRelos: extFor(ext?.coreRelos, sec.name),
    });
  }
  const ctx: LinkContext = { sections, maps, externs: externs.externs };

  // A .text function is a program only if it is global and nothing calls it.
  const called = new Set<ElfFunction>();
  for (const cs of sections.values()) {
    for (let i = 0; i < cs.insns.count; i++) {
      const t = callTarget(ctx, cs, i);
      if (t) called.add(t.fn);
    }
  }

  const programs: ProgramSpec[] = [];
  const textPrograms = opts.textPrograms ?? true;
  for (const cs of sections.values()) {
    const isText = cs.sec.name === ".text";
    if (isText && !textPrograms) continue;
    const info = sectionInfo(cs.sec.name);
    for (const fn of cs.funcs) {
      if (isText && (!fn.global || called.has(fn))) continue;
      const linked = linkProgram(ctx, cs, fn);
      programs.push({
        name: fn.name,
        section: cs.sec.name,
        type: info.progType,
        expectedAttachType: info.expectedAttachType,
        attachTo: info.attachTo,
        attachBtf: info.attachBtf,
        progFlags: info.progFlags,
        sectionMatch: info.match,
        license: layout.license,
        kernelVersion: layout.kernelVersion,
        insns: linked.insns,
        entryInsnCount: fn.count,
        sectionInsnOff: fn.start,
        functions: linked.functions,
        mapRefs: linked.mapRefs,
        externRefs: linked.externRefs,
        funcInfo: linked.funcInfo,
        lineInfo: linked.lineInfo,
        coreRelos: linked.coreRelos,
      });
    }
  }

  const spec: CollectionSpec = {
    programs,
    maps,
    externs: externs.externs,
    license: layout.license,
    kernelVersion: layout.kernelVersion,
  };
  if (btf) spec.btf = btf;
  return spec;
}

/** Reads and parses an object file. */
export function loadCollectionSpecFile(path: string, opts: LoadOptions = {}): CollectionSpec {
  return loadCollectionSpec(new Uint8Array(readFileSync(path)), opts);
}
