// Reverse postorder and dominator tree of a function graph (Cooper, Harvey &
// Kennedy, "A Simple, Fast Dominance Algorithm"), iterative throughout so a
// 100,000-block function cannot overflow the JS stack.
import type { FuncGraph } from "./cfg.ts";

export interface Order {
  /** Reachable nodes in reverse postorder (entry first). */
  readonly rpo: Int32Array;
  /** Position of each node in `rpo`, -1 when unreachable. */
  readonly rpoNum: Int32Array;
  /** Immediate dominator of each reachable node (the entry's is itself), -1 when unreachable. */
  readonly idom: Int32Array;
}

export function reversePostorder(g: FuncGraph): { rpo: Int32Array; rpoNum: Int32Array } {
  const n = g.size;
  const state = new Uint8Array(n); // 0 new, 1 on stack, 2 done
  const post = new Int32Array(n);
  let count = 0;
  const stackNode = new Int32Array(n);
  const stackIdx = new Int32Array(n);
  stackNode[0] = g.entry;
  state[g.entry] = 1;
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
      if (s >= 0 && state[s] === 0) {
        stackIdx[sp - 1] = i;
        state[s] = 1;
        stackNode[sp] = s;
        stackIdx[sp] = 0;
        sp++;
        pushed = true;
        break;
      }
    }
    if (!pushed) {
      state[v] = 2;
      post[count++] = v;
      sp--;
    }
  }
  const rpo = new Int32Array(count);
  const rpoNum = new Int32Array(n).fill(-1);
  for (let k = 0; k < count; k++) {
    const v = post[count - 1 - k]!;
    rpo[k] = v;
    rpoNum[v] = k;
  }
  return { rpo, rpoNum };
}

export function dominators(g: FuncGraph): Order {
  const { rpo, rpoNum } = reversePostorder(g);
  const n = g.size;
  const preds = g.preds();
  // idom indexed by RPO number for a cache-friendly intersect.
  const doms = new Int32Array(rpo.length).fill(-1);
  doms[0] = 0;
  const intersect = (a: number, b: number): number => {
    while (a !== b) {
      while (a > b) a = doms[a]!;
      while (b > a) b = doms[b]!;
    }
    return a;
  };
  let changed = true;
  while (changed) {
    changed = false;
    for (let k = 1; k < rpo.length; k++) {
      let best = -1;
      for (const p of preds[rpo[k]!]!) {
        const pk = rpoNum[p]!;
        if (pk < 0 || doms[pk] === -1) continue;
        best = best === -1 ? pk : intersect(pk, best);
      }
      if (best !== doms[k]) {
        doms[k] = best;
        changed = true;
      }
    }
  }
  const idom = new Int32Array(n).fill(-1);
  for (let k = 0; k < rpo.length; k++) idom[rpo[k]!] = rpo[doms[k]!]!;
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
