// Structured control flow from a reducible graph: the dominator-tree method of
// Norman Ramsey's "Beyond Relooper" (ICFP 2022), as used by the WebAssembly
// back ends of LLVM and Cranelift.
//
//   doTree(x):  `loop` around nodeWithin(x, mergeChildren(x)) if x is a loop
//               header, else just nodeWithin(...)
//   nodeWithin(x, [y, ...ys]):  block { nodeWithin(x, ys) } ; doTree(y)
//   nodeWithin(x, []):          x's code, then its branches
//   branch x → y:  `br` to the loop of y when backward, `br` to the block
//                  followed by y when y is a merge node, else doTree(y) inline
//
// where the merge children of x are its dominator-tree children with two or
// more forward in-edges, outermost (highest RPO number) first. Every block is
// emitted exactly once; the code is linear in the size of the graph.
//
// The recursion of the paper is run on an explicit task stack so that
// functions with tens of thousands of nested blocks compile without
// overflowing the JS stack.
import type { ByteWriter } from "./wasm/bytes.ts";
import { Op, T } from "./wasm/ops.ts";
import { Term, type FuncGraph } from "./cfg.ts";
import type { Order } from "./dominators.ts";

/** What the structurer needs from the instruction lowering. */
export interface Lowering {
  readonly w: ByteWriter;
  /** The straight-line code of a node's block (everything but a final jump or exit). */
  blockBody(node: number): void;
  /** Push an i32 that is non-zero when a COND node takes its first successor. */
  condition(node: number): void;
  /** Return from the function (an EXIT node). */
  exit(node: number): void;
  /** Fault for an edge that leaves the program (negative successor code). */
  edgeFault(node: number, code: number): void;
  /** Store `value` in the dispatch label local. */
  setLabel(value: number): void;
  /** Push the dispatch label local. */
  getLabel(): void;
}

const TREE = 0;
const WITHIN = 1;
const BRANCH = 2;
const ELSE = 3;
const END = 4;

const CTX_LOOP = 0;
const CTX_BLOCK = 1;
const CTX_IF = 2;

export function stackify(
  g: FuncGraph,
  o: Order,
  dispatchLabels: ReadonlyMap<number, readonly number[]>,
  low: Lowering,
): void {
  const n = g.size;
  const { rpoNum, idom, rpo } = o;
  const w = low.w;

  // Forward in-edge counts, loop headers, merge children.
  const fwdIn = new Int32Array(n);
  const loopHeader = new Uint8Array(n);
  const forcedMerge = new Uint8Array(n);
  for (const v of rpo) {
    const isDispatch = g.term[v] === Term.DISPATCH;
    for (const s of g.succ[v]!) {
      if (s < 0) continue;
      if (rpoNum[s]! <= rpoNum[v]!) loopHeader[s] = 1;
      else fwdIn[s]!++;
      // br_table can only branch, so a dispatcher's successors must be br targets.
      if (isDispatch) forcedMerge[s] = 1;
    }
  }
  const isMerge = (v: number): boolean => fwdIn[v]! >= 2 || forcedMerge[v] === 1;
  // Merge children per node in one flat array (kidStart[x] .. kidStart[x+1]);
  // filling in decreasing RPO puts each list outermost-first.
  const kidStart = new Int32Array(n + 1);
  for (let k = 1; k < rpo.length; k++) if (isMerge(rpo[k]!)) kidStart[idom[rpo[k]!]! + 1]!++;
  for (let x = 0; x < n; x++) kidStart[x + 1]! += kidStart[x]!;
  const kids = new Int32Array(kidStart[n]!);
  const fill = kidStart.slice(0, n);
  for (let k = rpo.length - 1; k > 0; k--) {
    const v = rpo[k]!;
    if (isMerge(v)) kids[fill[idom[v]!]!++] = v;
  }

  // Control context: where each loop/block label sits, so br depths are O(1).
  const ctxKind: number[] = [];
  const loopPos = new Int32Array(n).fill(-1);
  const blockPos = new Int32Array(n).fill(-1);
  const ctxNode: number[] = [];
  const pushCtx = (kind: number, node: number): void => {
    if (kind === CTX_LOOP) loopPos[node] = ctxKind.length;
    else if (kind === CTX_BLOCK) blockPos[node] = ctxKind.length;
    ctxKind.push(kind);
    ctxNode.push(node);
  };
  const popCtx = (): void => {
    const kind = ctxKind.pop()!;
    const node = ctxNode.pop()!;
    if (kind === CTX_LOOP) loopPos[node] = -1;
    else if (kind === CTX_BLOCK) blockPos[node] = -1;
  };
  const depthOf = (pos: number): number => {
    if (pos < 0) throw new Error("stackify: branch target not in scope");
    return ctxKind.length - 1 - pos;
  };
  /** The br depth for an edge x → y when it is a br (backward or to a merge node), else -1. */
  const brDepth = (x: number, y: number): number => {
    if (rpoNum[y]! <= rpoNum[x]!) return depthOf(loopPos[y]!);
    if (isMerge(y)) return depthOf(blockPos[y]!);
    return -1;
  };

  // Task stack: (kind, a, b, c) in parallel arrays.
  const tk: number[] = [];
  const ta: number[] = [];
  const tb: number[] = [];
  const tc: number[] = [];
  const push = (kind: number, a: number, b = 0, c = 0): void => {
    tk.push(kind);
    ta.push(a);
    tb.push(b);
    tc.push(c);
  };

  if (g.entryLabel >= 0) low.setLabel(g.entryLabel);
  push(TREE, g.entry);
  while (tk.length > 0) {
    const kind = tk.pop()!;
    const a = ta.pop()!;
    const b = tb.pop()!;
    const c = tc.pop()!;
    switch (kind) {
      case TREE:
        if (loopHeader[a]) {
          w.u8(Op.loop).u8(T.void);
          pushCtx(CTX_LOOP, a);
          push(END, 0);
        }
        push(WITHIN, a, 0);
        break;
      case WITHIN: {
        if (kidStart[a]! + b < kidStart[a + 1]!) {
          const y = kids[kidStart[a]! + b]!;
          w.u8(Op.block).u8(T.void);
          pushCtx(CTX_BLOCK, y);
          push(TREE, y);
          push(END, 0);
          push(WITHIN, a, b + 1);
        } else {
          emitNode(a);
        }
        break;
      }
      case BRANCH:
        branch(a, b, c);
        break;
      case ELSE:
        w.u8(Op.else);
        break;
      case END:
        w.u8(Op.end);
        popCtx();
        break;
    }
  }
  // Every path above ends in br/return/unreachable, but the validator cannot
  // see that the end of the last construct is never reached.
  w.u8(Op.unreachable);

  function emitNode(x: number): void {
    const term = g.term[x]!;
    if (term === Term.DISPATCH) {
      emitDispatch(x);
      return;
    }
    low.blockBody(x);
    const succ = g.succ[x]!;
    const lab = g.label[x]!;
    if (term === Term.EXIT) {
      low.exit(x);
    } else if (term === Term.GOTO) {
      push(BRANCH, x, succ[0]!, lab[0]!);
    } else {
      const t = succ[0]!;
      const f = succ[1]!;
      if (t === f && lab[0] === lab[1]) {
        // Both ways lead to the same place: only the condition's side effects matter.
        low.condition(x);
        w.u8(Op.drop);
        push(BRANCH, x, t, lab[0]!);
        return;
      }
      const dt = t >= 0 && lab[0]! < 0 ? brDepth(x, t) : -1;
      const df = f >= 0 && lab[1]! < 0 ? brDepth(x, f) : -1;
      low.condition(x);
      if (dt >= 0) {
        w.u8(Op.br_if).u32(dt);
        push(BRANCH, x, f, lab[1]!);
      } else if (df >= 0) {
        w.u8(Op.i32_eqz).u8(Op.br_if).u32(df);
        push(BRANCH, x, t, lab[0]!);
      } else {
        w.u8(Op.if).u8(T.void);
        pushCtx(CTX_IF, x);
        push(END, 0);
        push(BRANCH, x, f, lab[1]!);
        push(ELSE, 0);
        push(BRANCH, x, t, lab[0]!);
      }
    }
  }

  function branch(x: number, y: number, label: number): void {
    if (label >= 0) low.setLabel(label);
    if (y < 0) {
      low.edgeFault(x, y);
      return;
    }
    const d = brDepth(x, y);
    if (d >= 0) w.u8(Op.br).u32(d);
    else push(TREE, y);
  }

  function emitDispatch(x: number): void {
    const succ = g.succ[x]!;
    const labels = dispatchLabels.get(x)!;
    let lo = Infinity;
    let hi = -Infinity;
    for (const l of labels) {
      lo = Math.min(lo, l);
      hi = Math.max(hi, l);
    }
    const depths = new Int32Array(hi - lo + 1);
    for (let i = 0; i < succ.length; i++) depths[labels[i]! - lo] = brDepth(x, succ[i]!);
    low.getLabel();
    if (lo !== 0) w.u8(Op.i32_const).s32(lo).u8(Op.i32_sub);
    w.u8(Op.br_table).u32(depths.length - 1);
    for (let i = 0; i < depths.length - 1; i++) w.u32(depths[i]!);
    // The last label is the default: no other value can reach a dispatcher.
    w.u32(depths[depths.length - 1]!);
  }
}
