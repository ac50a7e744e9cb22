// linearize: turn the patch list back into an instruction array in two linear
// passes — number every node (a deleted node gets the number of the next
// surviving one, which is where jumps into deleted code land), then emit each
// live node with its jump distance computed from its target's number. Aux,
// subprogram starts, func_info and line_info are rebuilt from the same
// numbering, so the whole rewrite costs O(nodes) however many patches it took.
import type { Insn } from "../isa/index.ts";
import { BPF_JA, BPF_JMP, BPF_JMP32, LDDW } from "../isa/index.ts";
import { PatchError, PatchRangeError } from "./errors.ts";
import type { InsnOffRecord, LinearizeOptions, PatchedProgram } from "./program.ts";
import {
  DELETED,
  HEAD,
  HI_ORIG,
  HOLDER,
  IMM,
  INSN,
  NEXT,
  ORIG,
  STRIDE,
  TAIL,
  TARGET,
  type NodeStore,
} from "./store.ts";
import { fitsS16, fitsS32, targetKind, TargetKind } from "./targets.ts";

/** What the list remembers about the original program besides its nodes. */
export interface ListMeta<F extends InsnOffRecord, L extends InsnOffRecord> {
  /** Original slot → node id (also its original anchor id); -1 for second lddw slots. */
  origNode: Int32Array;
  /** Anchor of each subprogram's first instruction. */
  subprogAnchors: Int32Array;
  funcInfo: readonly F[];
  funcSubprog: Int32Array;
  lineInfo: readonly L[];
  lineAnchors: Int32Array;
  lineSubprog: Int32Array;
}

const JA = BPF_JMP | BPF_JA;
const GOTOL = BPF_JMP32 | BPF_JA;

export function linearizeStore<A, F extends InsnOffRecord, L extends InsnOffRecord>(
  s: NodeStore<A>,
  meta: ListMeta<F, L>,
  opts?: LinearizeOptions,
): PatchedProgram<A, F, L> {
  const { rec, flags, aux, auxHi, immHi } = s;
  // Pass 1: number the nodes.
  const pos = new Int32Array(s.count);
  /** Where a jump to anchor a lands: the number of the node holding it. */
  const holderPos = (a: number): number => pos[rec[a * STRIDE + HOLDER]!]!;
  let len = 0;
  for (let n = rec[HEAD * STRIDE + NEXT]!; n !== TAIL; n = rec[n * STRIDE + NEXT]!) {
    pos[n] = len;
    if (!(flags[n]! & DELETED)) len += (rec[n * STRIDE + INSN]! & 0xff) === LDDW ? 2 : 1;
  }
  pos[TAIL] = len;

  // Pass 2: emit. Pushing in list order keeps the arrays packed.
  const insns: Insn[] = [];
  const outAux: A[] = [];
  const newToOld = new Int32Array(len);
  const gotol = opts?.gotol === true;
  for (let n = rec[HEAD * STRIDE + NEXT]!; n !== TAIL; n = rec[n * STRIDE + NEXT]!) {
    if (flags[n]! & DELETED) continue;
    const b = n * STRIDE;
    const i = insns.length;
    const w = rec[b + INSN]!;
    const orig = rec[b + ORIG]!;
    let c = w & 0xff;
    let o = w >> 16;
    let k = rec[b + IMM]!;
    const t = rec[b + TARGET]!;
    if (t >= 0) {
      const tp = holderPos(t);
      const d = tp - i - 1;
      if (tp >= len) {
        const origin = orig < 0 ? "inserted" : `original insn ${orig}`;
        throw new PatchError(
          `jump at insn ${i} (${origin}) targets insn ${tp}, past the end of the ${len}-insn program`,
        );
      }
      const kind = targetKind(c, (w >> 12) & 0x0f);
      if (kind === TargetKind.Off) {
        if (fitsS16(d)) o = d;
        else if (gotol && c === JA) {
          c = GOTOL;
          o = 0;
          k = d;
        } else throw new PatchRangeError(i, orig, tp, d, 16);
      } else {
        if (!fitsS32(d)) throw new PatchRangeError(i, orig, tp, d, 32);
        k = d;
      }
    }
    insns.push({ code: c, dst: (w >> 8) & 0x0f, src: (w >> 12) & 0x0f, off: o, imm: k });
    outAux.push(aux[n]!);
    newToOld[i] = orig;
    if (c === LDDW) {
      insns.push({ code: 0, dst: 0, src: 0, off: 0, imm: immHi.get(n)! });
      outAux.push(auxHi.get(n)!);
      newToOld[i + 1] = flags[n]! & HI_ORIG ? orig + 1 : -1;
    }
  }

  // Subprograms: start = where a jump to their first instruction lands. A
  // subprogram with no surviving instruction starts where the next one does;
  // it is dropped with its func_info (the kernel's
  // adjust_subprog_starts_after_remove does the same).
  const { subprogAnchors, funcInfo, funcSubprog, lineInfo, lineAnchors, lineSubprog } = meta;
  const nsub = subprogAnchors.length;
  const subStart = new Int32Array(nsub + 1);
  for (let j = 0; j < nsub; j++) subStart[j] = holderPos(subprogAnchors[j]!);
  subStart[nsub] = len;
  const subprogStarts: number[] = [];
  for (let j = 0; j < nsub; j++)
    if (subStart[j]! < subStart[j + 1]!) subprogStarts.push(subStart[j]!);
  const outFunc: F[] = [];
  for (let j = 0; j < funcInfo.length; j++) {
    const sp = funcSubprog[j]!;
    if (subStart[sp]! < subStart[sp + 1]!)
      outFunc.push({ ...funcInfo[j]!, insnOff: subStart[sp]! });
  }

  // line_info follows its instruction's anchor. A record whose instruction was
  // deleted lands on the next surviving instruction; it is kept only if that
  // instruction is still in the record's subprogram and has no record of its
  // own, and of several such records the last wins — the kernel's
  // bpf_adj_linfo_after_remove ("inherit the last removed linfo").
  const outLine: L[] = [];
  for (let j = 0; j < lineInfo.length; j++) {
    const p = holderPos(lineAnchors[j]!);
    if (p >= subStart[lineSubprog[j]! + 1]!) continue;
    const rec = { ...lineInfo[j]!, insnOff: p };
    if (outLine.length > 0 && outLine[outLine.length - 1]!.insnOff === p) {
      outLine[outLine.length - 1] = rec;
    } else outLine.push(rec);
  }

  const { origNode } = meta;
  const oldToNew = new Int32Array(origNode.length);
  for (let i = 0; i < origNode.length; i++) {
    const a = origNode[i]!;
    oldToNew[i] = a < 0 ? -1 : holderPos(a);
  }

  return {
    insns,
    aux: outAux,
    subprogStarts,
    funcInfo: outFunc,
    lineInfo: outLine,
    oldToNew,
    newToOld,
  };
}
