// Basic blocks of a decoded program and the control-flow graph of each BPF
// function. The interpreter's decoder (src/interp/decode.ts) has already
// validated the program and resolved every jump to an absolute pc, so both
// engines agree on what each instruction is; this file only cuts it into
// blocks.
//
// A function's graph holds every block reachable from its entry by jumps and
// fall-through (calls return to the next instruction). In an unverified
// program two functions may jump into the same code; each then gets its own
// copy, which keeps every WebAssembly function self-contained.
import * as op from "../isa/opcodes.ts";
import { F_AUX, F_OP, STRIDE, type Decoded } from "../interp/decode.ts";
import { Op } from "../interp/ops.ts";

/** How a block (a graph node) ends. */
export const Term = {
  /** One successor: fall-through or `ja`. */
  GOTO: 0,
  /** Two successors: [taken, fall-through]; the last instruction computes the condition. */
  COND: 1,
  /** `exit`: return r0. */
  EXIT: 2,
  /** Synthetic node (irreducible-flow fix): br_table on the label local over its successors. */
  DISPATCH: 3,
} as const;

/** Negative successor codes: edges that leave the program. */
export const Edge = {
  /** Execution runs past the last instruction. */
  FALL_OFF_END: -1,
} as const;

export interface Block {
  /** First pc. */
  readonly start: number;
  /** pc after the last instruction (an lddw counts two slots). */
  readonly end: number;
  /** pc of the last instruction (the terminator, when there is one). */
  readonly last: number;
  readonly term: number;
  /** Successor pcs (or negative Edge codes), in Term order. */
  readonly succPcs: readonly number[];
  /** Instructions executed when the whole block runs (lddw counts once). */
  readonly insnCount: number;
}

const isCondJump = (c: number): boolean => {
  const cls = c & 0x07;
  if (c >= 0x100 || (cls !== op.BPF_JMP && cls !== op.BPF_JMP32)) return false;
  const j = c & 0xf0;
  return j !== op.BPF_JA && j !== op.BPF_CALL && j !== op.BPF_EXIT && j !== op.BPF_JCOND;
};

const isJa = (c: number): boolean =>
  c === (op.BPF_JMP | op.BPF_JA) || c === (op.BPF_JMP32 | op.BPF_JA);
const EXIT = op.BPF_JMP | op.BPF_EXIT;

/** Blocks of the whole program, and the block starting at each pc (-1 elsewhere). */
export interface ProgramBlocks {
  readonly blocks: readonly Block[];
  readonly blockAt: Int32Array;
}

export function splitBlocks(d: Decoded): ProgramBlocks {
  const { code, length: n } = d;
  const leader = new Uint8Array(n + 1);
  leader[0] = 1;
  for (const f of d.funcStarts) leader[f] = 1;
  for (let pc = 0; pc < n; pc++) {
    const b = pc * STRIDE;
    const c = code[b + F_OP]!;
    if (c === Op.LDDW) {
      pc++;
      continue;
    }
    if (isJa(c) || isCondJump(c) || c === Op.MAY_GOTO) {
      leader[code[b + F_AUX]!] = 1;
      leader[pc + 1] = 1;
    } else if (c === EXIT) {
      leader[pc + 1] = 1;
    }
  }
  const blocks: Block[] = [];
  const blockAt = new Int32Array(n).fill(-1);
  let pc = 0;
  while (pc < n) {
    const start = pc;
    let count = 0;
    let last: number;
    // Extend the block up to the next leader or terminator.
    for (;;) {
      const c = code[pc * STRIDE + F_OP]!;
      last = pc;
      count++;
      pc += c === Op.LDDW ? 2 : 1;
      if (isJa(c) || isCondJump(c) || c === Op.MAY_GOTO || c === EXIT) break;
      if (pc >= n || leader[pc]) break;
    }
    const c = code[last * STRIDE + F_OP]!;
    const target = code[last * STRIDE + F_AUX]!;
    const next = pc < n ? pc : Edge.FALL_OFF_END;
    let term: number;
    let succPcs: number[];
    if (c === EXIT) {
      term = Term.EXIT;
      succPcs = [];
    } else if (isJa(c)) {
      term = Term.GOTO;
      succPcs = [target];
    } else if (isCondJump(c) || c === Op.MAY_GOTO) {
      term = Term.COND;
      succPcs = [target, next];
    } else {
      term = Term.GOTO;
      succPcs = [next];
    }
    blockAt[start] = blocks.length;
    blocks.push({ start, end: pc, last, term, succPcs, insnCount: count });
  }
  return { blocks, blockAt };
}

/**
 * A function's control-flow graph: node i is program block `block[i]` (or a
 * synthetic dispatch node, block -1). `succ[i][k]` is a node index or a
 * negative Edge code; `label[i][k]`, when not -1, is the value the edge stores
 * in the label local (read by a dispatch node).
 */
export class FuncGraph {
  readonly block: number[] = [];
  readonly term: number[] = [];
  readonly succ: number[][] = [];
  readonly label: number[][] = [];
  /** Node execution starts at (0 unless the irreducible fix put a dispatcher in front). */
  entry = 0;
  /** Label value to store on entry (-1: none). */
  entryLabel = -1;

  get size(): number {
    return this.block.length;
  }

  addNode(block: number, term: number, succ: number[]): number {
    this.block.push(block);
    this.term.push(term);
    this.succ.push(succ);
    this.label.push(succ.map(() => -1));
    return this.block.length - 1;
  }

  /**
   * Predecessors in one flat array: those of node v are list[start[v]] ..
   * list[start[v + 1] - 1] (each edge once per successor slot).
   */
  predsFlat(): { start: Int32Array; list: Int32Array } {
    const n = this.size;
    const start = new Int32Array(n + 1);
    for (let i = 0; i < n; i++) for (const s of this.succ[i]!) if (s >= 0) start[s + 1]!++;
    for (let i = 0; i < n; i++) start[i + 1]! += start[i]!;
    const list = new Int32Array(start[n]!);
    const fill = start.slice(0, n);
    for (let i = 0; i < n; i++) for (const s of this.succ[i]!) if (s >= 0) list[fill[s]!++] = i;
    return { start, list };
  }

  /** Predecessor lists (recomputed on demand; each edge appears once per successor slot). */
  preds(): number[][] {
    const p: number[][] = Array.from({ length: this.size }, () => []);
    for (let i = 0; i < this.size; i++) for (const s of this.succ[i]!) if (s >= 0) p[s]!.push(i);
    return p;
  }
}

/** The graph of the function starting at `entryPc`: every block reachable from it. */
export function functionGraph(pb: ProgramBlocks, entryPc: number): FuncGraph {
  const g = new FuncGraph();
  const nodeOf = new Map<number, number>();
  const entryBlock = pb.blockAt[entryPc]!;
  const work: number[] = [];
  const visit = (blockId: number): number => {
    let node = nodeOf.get(blockId);
    if (node === undefined) {
      const b = pb.blocks[blockId]!;
      node = g.addNode(blockId, b.term, b.succPcs.slice());
      nodeOf.set(blockId, node);
      work.push(node);
    }
    return node;
  };
  visit(entryBlock);
  while (work.length > 0) {
    const node = work.pop()!;
    const succ = g.succ[node]!;
    for (let k = 0; k < succ.length; k++) {
      const pc = succ[k]!;
      if (pc >= 0) succ[k] = visit(pb.blockAt[pc]!);
    }
  }
  return g;
}
