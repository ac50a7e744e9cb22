// Reverse postorder and dominator tree of a function graph, iterative
// throughout so a 100,000-block function cannot overflow the JS stack.
import type { FuncGraph } from "./cfg.ts";

export interface Order {
  /** Reachable nodes in reverse postorder (entry first). */
  readonly rpo: Int32Array;
  /** Position of each node in `rpo`, -1 when unreachable. */
  readonly rpoNum: Int32Array;
  /** Immediate dominator of each reachable node (the entry's is itself), -1 when unreachable. */
  readonly idom: Int32Array;
}

/** One depth-first search: preorder (with tree parents) and reverse postorder. */
interface Dfs {
  /** Preorder number of each node, -1 when unreachable. */
  pre: Int32Array;
  /** Node of each preorder number. */
  vertex: Int32Array;
  /** Tree parent of each preorder number (as a preorder number). */
  parent: Int32Array;
  rpo: Int32Array;
  rpoNum: Int32Array;
}

function dfs(g: FuncGraph): Dfs {
  const n = g.size;
  const pre = new Int32Array(n).fill(-1);
  const vertex = new Int32Array(n);
  const parent = new Int32Array(n);
  const post = new Int32Array(n);
  const stackNode = new Int32Array(n);
  const stackIdx = new Int32Array(n);
  let preCount = 0;
  let postCount = 0;
  pre[g.entry] = preCount;
  vertex[preCount++] = g.entry;
  stackNode[0] = g.entry;
  let sp = 1;
  while (sp > 0) {
    const v = stackNode[sp - 1]!;
    const succ = g.succ[v]!;
    let i = stackIdx[sp - 1]!;
    let pushed = false;
    // Exploring the taken branch first puts the fall-through right after its
    // block in RPO, so the emitted code keeps roughly the program's order.
    while (i < succ.length) {
      const s = succ[i++]!;
      if (s >= 0 && pre[s] === -1) {
        stackIdx[sp - 1] = i;
        pre[s] = preCount;
        vertex[preCount] = s;
        parent[preCount++] = pre[v]!;
        stackNode[sp] = s;
        stackIdx[sp++] = 0;
        pushed = true;
        break;
      }
    }
    if (!pushed) {
      post[postCount++] = v;
      sp--;
    }
  }
  const rpo = new Int32Array(postCount);
  const rpoNum = new Int32Array(n).fill(-1);
  for (let k = 0; k < postCount; k++) {
    const v = post[postCount - 1 - k]!;
    rpo[k] = v;
    rpoNum[v] = k;
  }
  return { pre, vertex, parent, rpo, rpoNum };
}

/**
 * Immediate dominators by the Semi-NCA algorithm (Georgiadis, Tarjan &
 * Werneck; what LLVM uses): semidominators with path-compressed eval over a
 * DFS preorder, then each idom as the nearest common ancestor walk. Near
 * linear where the simple iterative algorithm goes quadratic (long chains of
 * tests that all jump into one fall-through sequence, like a switch).
 */
export function dominators(g: FuncGraph): Order {
  const { pre, vertex, parent, rpo, rpoNum } = dfs(g);
  const n = g.size;
  const count = rpo.length;
  const preds = g.predsFlat();
  // Semidominators, in preorder numbers; forest for eval with path compression.
  const semi = new Int32Array(count);
  const label = new Int32Array(count);
  const ancestor = new Int32Array(count).fill(-1);
  for (let i = 0; i < count; i++) semi[i] = label[i] = i;
  const path: number[] = [];
  const evalMin = (x: number): number => {
    if (ancestor[x] === -1) return x;
    // Compress the path x → ... → (child of the forest root), iteratively.
    path.length = 0;
    let y = x;
    while (ancestor[ancestor[y]!] !== -1) {
      path.push(y);
      y = ancestor[y]!;
    }
    for (let k = path.length - 1; k >= 0; k--) {
      const z = path[k]!;
      const a = ancestor[z]!;
      if (semi[label[a]!]! < semi[label[z]!]!) label[z] = label[a]!;
      ancestor[z] = ancestor[a]!;
    }
    return label[x]!;
  };
  for (let w = count - 1; w > 0; w--) {
    const v = vertex[w]!;
    for (let k = preds.start[v]!; k < preds.start[v + 1]!; k++) {
      const pv = pre[preds.list[k]!]!;
      if (pv < 0) continue;
      const u = evalMin(pv);
      if (semi[u]! < semi[w]!) semi[w] = semi[u]!;
    }
    ancestor[w] = parent[w]!;
  }
  const dom = new Int32Array(count);
  for (let w = 1; w < count; w++) {
    let d = parent[w]!;
    while (d > semi[w]!) d = dom[d]!;
    dom[w] = d;
  }
  const idom = new Int32Array(n).fill(-1);
  idom[g.entry] = g.entry;
  for (let w = 1; w < count; w++) idom[vertex[w]!] = vertex[dom[w]!]!;
  return { rpo, rpoNum, idom };
}

/** True when `a` dominates `b` (both reachable). */
export function dominates(o: Order, a: number, b: number): boolean {
  const ra = o.rpoNum[a]!;
  let x = b;
  // Walk up b's dominator chain; RPO numbers strictly decrease along it.
  while (o.rpoNum[x]! > ra) x = o.idom[x]!;
  return x === a;
}

/** True when every retreating edge goes to a node that dominates its source (the graph is reducible). */
export function isReducible(g: FuncGraph, o: Order): boolean {
  for (const v of o.rpo) {
    for (const s of g.succ[v]!) {
      if (s >= 0 && o.rpoNum[s]! <= o.rpoNum[v]! && !dominates(o, s, v)) return false;
    }
  }
  return true;
}
