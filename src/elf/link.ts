// Building one program's instruction stream the way libbpf does
// (bpf_object__reloc_code): the entry function's instructions first, then
// every function it calls (transitively), each appended once; BPF-to-BPF call
// offsets and function-address lddws are rewritten for the new layout; map,
// global data and extern references get their pseudo sources; func_info,
// line_info and CO-RE records of each placed function are carried along with
// their instruction offsets shifted.
import type { CoreReloRecord, FuncInfoRecord, LineInfoRecord } from "../btf/ext.ts";
import type { Insn } from "../isa/insn.ts";
import {
  BPF_CALL,
  BPF_JMP,
  BPF_PSEUDO_BTF_ID,
  BPF_PSEUDO_CALL,
  BPF_PSEUDO_FUNC,
  BPF_PSEUDO_KFUNC_CALL,
  BPF_PSEUDO_MAP_FD,
  BPF_PSEUDO_MAP_VALUE,
  LDDW,
} from "../isa/opcodes.ts";
import type {
  ExternReference,
  ExternSpec,
  FunctionPlacement,
  MapReference,
  MapSpec,
} from "../spec/types.ts";
import { ElfError } from "./errors.ts";
import { functionAt, type ElfFunction } from "./functions.ts";
import type { CodeReloc } from "./relocations.ts";
import type { InsnView } from "./insn-view.ts";
import type { ElfSection } from "./reader.ts";

/** Everything about one code section that linking needs. */
export interface CodeSection {
  sec: ElfSection;
  insns: InsnView;
  funcs: ElfFunction[];
  relocs: Map<number, CodeReloc>;
  /** .BTF.ext records of the section, sorted by insnOff. */
  funcInfo: FuncInfoRecord[];
  lineInfo: LineInfoRecord[];
  coreRelos: CoreReloRecord[];
}

export interface LinkedProgram {
  insns: Insn[];
  functions: FunctionPlacement[];
  mapRefs: MapReference[];
  externRefs: ExternReference[];
  funcInfo: FuncInfoRecord[];
  lineInfo: LineInfoRecord[];
  coreRelos: CoreReloRecord[];
}

export interface LinkContext {
  sections: Map<number, CodeSection>;
  maps: readonly MapSpec[];
  externs: readonly ExternSpec[];
}

// Module-local copies: hot loops read these for every instruction.
const CALL = BPF_JMP | BPF_CALL;
const LD_IMM64 = LDDW;
const PSEUDO_CALL = BPF_PSEUDO_CALL;

/** A call or function-address target: the function and instruction it lands on. */
export interface CallTarget {
  cs: CodeSection;
  fn: ElfFunction;
  insn: number;
}

/** Where a BPF-to-BPF call or function address at `idx` of `cs` points, or undefined if `idx` is neither. */
export function callTarget(ctx: LinkContext, cs: CodeSection, idx: number): CallTarget | undefined {
  const code = cs.insns.code(idx);
  if (code !== CALL && code !== LD_IMM64) return undefined;
  const reloc = cs.relocs.get(idx);
  let section: number;
  let target: number;
  let fileOffset: number | undefined;
  if (reloc) {
    if (reloc.kind !== "call" && reloc.kind !== "func-addr") return undefined;
    section = reloc.section;
    target = reloc.insn;
    fileOffset = reloc.fileOffset;
  } else if (code === CALL && cs.insns.src(idx) === PSEUDO_CALL) {
    // A call within the same section needs no relocation: imm is already relative.
    section = cs.sec.index;
    target = idx + cs.insns.imm(idx) + 1;
    fileOffset = cs.sec.offset + idx * 8;
  } else {
    return undefined;
  }
  const tcs = ctx.sections.get(section);
  const fn = tcs && target >= 0 ? functionAt(tcs.funcs, target) : undefined;
  if (!tcs || !fn) {
    throw new ElfError(
      `call at insn ${idx} of section '${cs.sec.name}' targets insn ${target} of section '${tcs?.sec.name ?? section}', which is not inside any function`,
      fileOffset,
    );
  }
  return { cs: tcs, fn, insn: target };
}

/** First index in `recs` (sorted by insnOff) with insnOff >= off. */
function lowerBound(recs: readonly { insnOff: number }[], off: number): number {
  let lo = 0;
  let hi = recs.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (recs[mid]!.insnOff < off) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function carry<R extends { insnOff: number }>(
  out: R[],
  recs: readonly R[],
  fn: ElfFunction,
  base: number,
): void {
  const end = fn.start + fn.count;
  for (let i = lowerBound(recs, fn.start); i < recs.length && recs[i]!.insnOff < end; i++) {
    const r = recs[i]!;
    out.push({ ...r, insnOff: base + r.insnOff - fn.start });
  }
}

export function linkProgram(
  ctx: LinkContext,
  entryCs: CodeSection,
  entry: ElfFunction,
): LinkedProgram {
  const insns: Insn[] = [];
  const functions: FunctionPlacement[] = [];
  const placed = new Map<ElfFunction, number>();
  const placements: { cs: CodeSection; fn: ElfFunction; base: number }[] = [];
  const p: LinkedProgram = {
    insns,
    functions,
    mapRefs: [],
    externRefs: [],
    funcInfo: [],
    lineInfo: [],
    coreRelos: [],
  };

  const place = (cs: CodeSection, fn: ElfFunction): number => {
    const base = insns.length;
    for (let i = 0; i < fn.count; i++) insns.push(cs.insns.insn(fn.start + i));
    placed.set(fn, base);
    placements.push({ cs, fn, base });
    functions.push({
      name: fn.name,
      insnOff: base,
      insnCount: fn.count,
      section: cs.sec.name,
      sectionInsnOff: fn.start,
    });
    return base;
  };
  place(entryCs, entry);

  // Placements grow while we walk them: each appended subprogram is relocated in turn.
  for (let k = 0; k < placements.length; k++) {
    const { cs, fn, base } = placements[k]!;
    for (let i = 0; i < fn.count; i++) {
      const secIdx = fn.start + i;
      const pc = base + i;
      const insn = insns[pc]!;
      const isLddw = insn.code === LD_IMM64;
      if (isLddw && i + 1 >= fn.count) {
        throw new ElfError(
          `lddw at insn ${secIdx} of section '${cs.sec.name}' is missing its second half`,
          cs.sec.offset + secIdx * 8,
        );
      }
      const target = callTarget(ctx, cs, secIdx);
      if (target) {
        const tbase = placed.get(target.fn) ?? place(target.cs, target.fn);
        insn.src = isLddw ? BPF_PSEUDO_FUNC : BPF_PSEUDO_CALL;
        insn.imm = tbase + (target.insn - target.fn.start) - pc - 1;
        if (isLddw) insns[pc + 1]!.imm = 0;
      } else {
        const reloc = cs.relocs.get(secIdx);
        if (reloc) applyReloc(ctx, p, reloc, pc);
      }
      if (isLddw) i++;
    }
    carry(p.funcInfo, cs.funcInfo, fn, base);
    carry(p.lineInfo, cs.lineInfo, fn, base);
    carry(p.coreRelos, cs.coreRelos, fn, base);
  }
  const byOff = (a: { insnOff: number }, b: { insnOff: number }): number => a.insnOff - b.insnOff;
  p.funcInfo.sort(byOff);
  p.lineInfo.sort(byOff);
  p.coreRelos.sort(byOff);
  return p;
}

function applyReloc(ctx: LinkContext, p: LinkedProgram, reloc: CodeReloc, pc: number): void {
  const insn = p.insns[pc]!;
  switch (reloc.kind) {
    case "map":
    case "data": {
      const value = reloc.kind === "data";
      insn.src = value ? BPF_PSEUDO_MAP_VALUE : BPF_PSEUDO_MAP_FD;
      insn.imm = reloc.mapIndex;
      const offset = value ? reloc.offset : 0;
      p.insns[pc + 1]!.imm = offset;
      const mapName = ctx.maps[reloc.mapIndex]!.name;
      p.mapRefs.push({
        insnOff: pc,
        kind: value ? "value" : "fd",
        mapIndex: reloc.mapIndex,
        mapName,
        offset,
      });
      break;
    }
    case "extern-call": {
      insn.src = BPF_PSEUDO_KFUNC_CALL;
      insn.imm = 0;
      insn.off = 0;
      const name = ctx.externs[reloc.externIndex]!.name;
      p.externRefs.push({ insnOff: pc, kind: "kfunc", externIndex: reloc.externIndex, name });
      break;
    }
    case "extern-var": {
      const ext = ctx.externs[reloc.externIndex]!;
      insn.src = ext.typeless ? 0 : BPF_PSEUDO_BTF_ID;
      insn.imm = 0;
      p.insns[pc + 1]!.imm = 0;
      p.externRefs.push({
        insnOff: pc,
        kind: "ksym",
        externIndex: reloc.externIndex,
        name: ext.name,
      });
      break;
    }
    default:
      break;
  }
}
