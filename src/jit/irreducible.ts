// Makes an irreducible function graph reducible by putting a dispatch node in
// front of every loop with more than one entry (the method of LLVM's
// WebAssemblyFixIrreducibleControlFlow): every edge into one of the loop's
// entries, from outside or from inside the loop, is redirected to the new
// node after storing a label that names the entry, and the dispatch node
// br_tables on that label. The dispatch node then dominates the loop, which
// becomes a natural loop; nested loops are handled the same way, recursively
// (here with a work list).
//
// Label values are global to the function: each redirected entry gets one
// value for good, so an edge from an outer dispatch node that is redirected
// again needs no relabelling (the label already names the entry).
import { Term, type FuncGraph } from "./cfg.ts";

/**
 * Scratch arrays indexed by node, allocated once per fix and grown as
 * dispatch nodes are added. Every user leaves them as it found them (index
 * -1, flags 0), so each region costs time in its own size only.
 */
class Scratch {
  index = new Int32Array(0);
  low = new Int32Array(0);
  onStack = new Uint8Array(0);
  inRegion = new Uint8Array(0);
  inComp = new Uint8Array(0);

  ensure(n: number): void {
    if (n <= this.index.length) return;
    const cap = Math.max(n, this.index.length * 2, 64);
    const grow = <T extends Int32Array | Uint8Array>(a: T, fill: number): T => {
      const b = new (a.constructor as new (n: number) => T)(cap);
      b.fill(fill);
      b.set(a);
      return b;
    };
    this.index = grow(this.index, -1);
    this.low = grow(this.low, 0);
    this.onStack = grow(this.onStack, 0);
    this.inRegion = grow(this.inRegion, 0);
    this.inComp = grow(this.inComp, 0);
  }
}

/** Strongly connected components of `nodes` (edges restricted to inRegion), iteratively. */
function sccs(g: FuncGraph, nodes: readonly number[], sc: Scratch): number[][] {
  const { index, low, onStack, inRegion } = sc;
  const stack: number[] = [];
  const out: number[][] = [];
  const callNode: number[] = [];
  const callIdx: number[] = [];
  let counter = 0;
  for (const root of nodes) {
    if (index[root] !== -1) continue;
    callNode.push(root);
    callIdx.push(0);
    index[root] = low[root] = counter++;
    stack.push(root);
    onStack[root] = 1;
    while (callNode.length > 0) {
      const top = callNode.length - 1;
      const v = callNode[top]!;
      const succ = g.succ[v]!;
      let i = callIdx[top]!;
      let descended = false;
      while (i < succ.length) {
        const w = succ[i++]!;
        if (w < 0 || !inRegion[w]) continue;
        if (index[w] === -1) {
          callIdx[top] = i;
          index[w] = low[w] = counter++;
          stack.push(w);
          onStack[w] = 1;
          callNode.push(w);
          callIdx.push(0);
          descended = true;
          break;
        }
        if (onStack[w]) low[v] = Math.min(low[v]!, index[w]!);
      }
      if (descended) continue;
      callNode.pop();
      callIdx.pop();
      if (callNode.length > 0) {
        const parent = callNode[callNode.length - 1]!;
        low[parent] = Math.min(low[parent]!, low[v]!);
      }
      if (low[v] === index[v]) {
        const comp: number[] = [];
        let w: number;
        do {
          w = stack.pop()!;
          onStack[w] = 0;
          comp.push(w);
        } while (w !== v);
        out.push(comp);
      }
    }
  }
  for (const v of nodes) index[v] = -1;
  return out;
}

export interface DispatchInfo {
  /** Per dispatch node: the label value that selects each successor slot. */
  readonly labels: Map<number, number[]>;
}

/** Rewrite `g` in place so it is reducible; returns the dispatch nodes' label tables. */
export function fixIrreducible(g: FuncGraph, reachable: readonly number[]): DispatchInfo {
  const labels = new Map<number, number[]>();
  const labelOf = new Map<number, number>();
  let nextLabel = 0;
  const preds = g.preds();
  const work: Array<{ nodes: number[]; header: number }> = [
    { nodes: reachable.slice(), header: -1 },
  ];
  const sc = new Scratch();
  while (work.length > 0) {
    const { nodes, header } = work.pop()!;
    sc.ensure(g.size);
    const body = header === -1 ? nodes : nodes.filter((v) => v !== header);
    for (const v of body) sc.inRegion[v] = 1;
    const comps = sccs(g, body, sc);
    for (const v of body) sc.inRegion[v] = 0;
    for (const comp of comps) {
      const cyclic = comp.length > 1 || g.succ[comp[0]!]!.includes(comp[0]!);
      if (!cyclic) continue;
      sc.ensure(g.size);
      const inComp = sc.inComp;
      for (const v of comp) inComp[v] = 1;
      const entries = comp.filter((v) => v === g.entry || preds[v]!.some((p) => !inComp[p]));
      for (const v of comp) inComp[v] = 0;
      if (entries.length <= 1) {
        if (comp.length > 1) work.push({ nodes: comp, header: entries[0] ?? comp[0]! });
        continue;
      }
      // Several entries: route every edge into any of them through a new dispatcher.
      const entryLabels = entries.map((e) => {
        let l = labelOf.get(e);
        if (l === undefined) labelOf.set(e, (l = nextLabel++));
        return l;
      });
      const d = g.addNode(-1, Term.DISPATCH, entries.slice());
      preds.push([]);
      labels.set(d, entryLabels);
      entries.forEach((e, i) => {
        for (const p of new Set(preds[e]!)) {
          const succ = g.succ[p]!;
          for (let k = 0; k < succ.length; k++) {
            if (succ[k] !== e) continue;
            succ[k] = d;
            // A dispatcher's edge was already taken on this entry's label.
            if (g.term[p] !== Term.DISPATCH) g.label[p]![k] = entryLabels[i]!;
            preds[d]!.push(p);
          }
        }
        preds[e] = [d];
        if (g.entry === e) {
          g.entry = d;
          g.entryLabel = entryLabels[i]!;
        }
      });
      work.push({ nodes: [...comp, d], header: d });
    }
  }
  return { labels };
}
