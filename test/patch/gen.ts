// Random programs and patch scripts for the patch-list property tests, and a
// driver that applies one script to both PatchList and NaivePatcher.
import fc from "fast-check";
import type { Insn } from "../../src/isa/index.ts";
import {
  BPF_ADD,
  BPF_JEQ,
  BPF_JGT,
  BPF_JMP,
  BPF_JCOND,
  BPF_PSEUDO_FUNC,
  BPF_X,
  build,
  insn,
} from "../../src/isa/index.ts";
import {
  NaivePatcher,
  PatchList,
  type PatchAnchor,
  type PatchNode,
} from "../../src/patch/index.ts";
import type { PatchedProgram } from "../../src/patch/index.ts";

export interface Aux {
  tag: string;
}
export interface Func {
  insnOff: number;
  typeId: number;
}
export interface Line {
  insnOff: number;
  line: number;
  col: number;
}
export const newAux = (from: Aux): Aux => ({ tag: `new(${from.tag})` });

/** One instruction of a generated program or patch; `to` picks a target. */
export type ItemSpec =
  | { k: "alu"; imm: number }
  | { k: "lddw"; imm: number }
  | { k: "func"; to: number }
  | { k: "ja" | "jcond" | "jcond32" | "gotol" | "maygoto" | "call"; to: number }
  | { k: "exit" };

const JUMPY = ["ja", "jcond", "jcond32", "gotol", "maygoto", "call", "func"] as const;

export const itemArb: fc.Arbitrary<ItemSpec> = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.record({ k: fc.constant("alu" as const), imm: fc.integer({ min: -9, max: 99 }) }),
  },
  { weight: 1, arbitrary: fc.record({ k: fc.constant("lddw" as const), imm: fc.integer() }) },
  { weight: 1, arbitrary: fc.record({ k: fc.constant("exit" as const) }) },
  { weight: 4, arbitrary: fc.record({ k: fc.constantFrom(...JUMPY), to: fc.nat(1000) }) },
);

/** Slot of each item (lddw items take two slots); last entry = total slots. */
export function slotsOf(items: readonly ItemSpec[]): number[] {
  const at: number[] = [];
  let p = 0;
  for (const it of items) {
    at.push(p);
    p += it.k === "lddw" || it.k === "func" ? 2 : 1;
  }
  at.push(p);
  return at;
}

/** Encode one item at slot `pc` jumping to slot `target` (if it jumps). */
export function encodeItem(it: ItemSpec, pc: number, target: number): Insn[] {
  const d = target - pc - 1;
  switch (it.k) {
    case "alu":
      return [build.alu64Imm(BPF_ADD, 1, it.imm)];
    case "lddw":
      return build.ld64Imm(2, BigInt(it.imm) * 0x1_0000_0001n);
    case "func": {
      const [lo, hi] = build.ld64Imm(3, 0n, BPF_PSEUDO_FUNC);
      return [{ ...lo, imm: d }, hi];
    }
    case "exit":
      return [build.exit()];
    case "ja":
      return [build.ja(d)];
    case "jcond":
      return [build.jmpImm(BPF_JGT, 1, 7, d)];
    case "jcond32":
      return [build.jmp32Reg(BPF_JEQ | BPF_X, 1, 2, d)];
    case "gotol":
      return [build.gotol(d)];
    case "maygoto":
      return [insn(BPF_JMP | BPF_JCOND, 0, 0, d)];
    case "call":
      return [build.callLocal(d)];
  }
}

export interface ProgSpec {
  items: ItemSpec[];
  /** Item indices (besides 0) that start subprograms. */
  subprogs: number[];
  /** Item indices that carry a line_info record. */
  lines: number[];
  /** Give every subprogram start a line_info record too, as the kernel requires. */
  linesAtSubprogs: boolean;
}

export const progArb: fc.Arbitrary<ProgSpec> = fc.record({
  items: fc.array(itemArb, { minLength: 1, maxLength: 24 }),
  subprogs: fc.array(fc.nat(1000), { maxLength: 3 }),
  lines: fc.array(fc.nat(1000), { maxLength: 12 }),
  linesAtSubprogs: fc.boolean(),
});

export interface Program {
  insns: Insn[];
  aux: Aux[];
  subprogStarts: number[];
  funcInfo: Func[];
  lineInfo: Line[];
}

export function buildProgram(spec: ProgSpec): Program {
  const n = spec.items.length;
  const at = slotsOf(spec.items);
  const insns = spec.items.flatMap((it, i) =>
    encodeItem(it, at[i]!, "to" in it ? at[it.to % n]! : 0),
  );
  const subItems = [...new Set([0, ...spec.subprogs.map((s) => s % n)])].sort((a, b) => a - b);
  const lineItems = [
    ...new Set([...(spec.linesAtSubprogs ? subItems : []), ...spec.lines.map((s) => s % n)]),
  ].sort((a, b) => a - b);
  return {
    insns,
    aux: insns.map((_, i) => ({ tag: `o${i}` })),
    subprogStarts: subItems.map((i) => at[i]!),
    funcInfo: subItems.map((i) => ({ insnOff: at[i]!, typeId: 100 + i })),
    lineInfo: lineItems.map((i) => ({ insnOff: at[i]!, line: 10 + i, col: i % 7 })),
  };
}

/** A patch sequence: items whose `to` is local (0..len, len = after) or picks an existing insn. */
export interface SeqSpec {
  items: ItemSpec[];
  /** Per item: true → `to` picks an existing instruction instead of a local one. */
  external: boolean[];
}

export const seqArb: fc.Arbitrary<SeqSpec> = fc
  .array(fc.tuple(itemArb, fc.boolean()), { minLength: 1, maxLength: 4 })
  .map((xs) => ({ items: xs.map((x) => x[0]), external: xs.map((x) => x[1]) }));

export type Op =
  | { op: "replace"; at: number; seq: SeqSpec; keep: number }
  | { op: "prepend" | "append"; at: number; seq: SeqSpec }
  | { op: "delete"; at: number; count: number }
  | { op: "setInsn"; at: number; to: number; jump: boolean };

export const opArb: fc.Arbitrary<Op> = fc.oneof(
  fc.record({
    op: fc.constant("replace" as const),
    at: fc.nat(1000),
    seq: seqArb,
    keep: fc.nat(10),
  }),
  fc.record({
    op: fc.constantFrom("prepend" as const, "append" as const),
    at: fc.nat(1000),
    seq: seqArb,
  }),
  fc.record({
    op: fc.constant("delete" as const),
    at: fc.nat(1000),
    count: fc.integer({ min: 1, max: 3 }),
  }),
  fc.record({
    op: fc.constant("setInsn" as const),
    at: fc.nat(1000),
    to: fc.nat(1000),
    jump: fc.boolean(),
  }),
);

/** A patch sequence encoded for a patcher: `target(i)` maps an instruction pick to a target. */
function encodeSeq<T>(
  seq: SeqSpec,
  pick: (to: number) => T,
): { insns: Insn[]; targets: (T | undefined)[]; itemSlots: number[] } {
  const at = slotsOf(seq.items);
  const m = seq.items.length;
  const insns: Insn[] = [];
  const targets: (T | undefined)[] = [];
  seq.items.forEach((it, i) => {
    const jumps = "to" in it;
    const ext = jumps && seq.external[i]!;
    const local = jumps ? at[it.to % (m + 1)]! : 0;
    const xs = encodeItem(it, at[i]!, local);
    insns.push(...xs);
    targets.push(ext ? pick(it.to) : undefined);
    if (xs.length === 2) targets.push(undefined);
  });
  return { insns, targets, itemSlots: at };
}

/** Apply a script to both patchers; returns both results (or the errors they threw). */
export function runBoth(
  prog: Program,
  ops: readonly Op[],
): {
  list: PatchedProgram<Aux, Func, Line> | Error;
  naive: PatchedProgram<Aux, Func, Line> | Error;
  liveCounts: [number, number][];
} {
  const list = new PatchList<Aux, Func, Line>(prog, { newAux });
  const naive = new NaivePatcher<Aux, Func, Line>(prog, { newAux });
  const liveCounts: [number, number][] = [];
  for (const op of ops) {
    const nodes: PatchNode[] = [...list];
    const slots = naiveStarts(naive);
    liveCounts.push([nodes.length, slots.length]);
    const n = nodes.length;
    if (n === 0) break;
    const i = op.at % n;
    const node = nodes[i]!;
    const slot = slots[i]!;
    const anchor = (to: number): PatchAnchor => list.anchorOf(nodes[to % n]!);
    const pos = (to: number): number => slots[to % n]!;
    switch (op.op) {
      case "replace":
      case "prepend":
      case "append": {
        const l = encodeSeq(op.seq, anchor);
        const r = encodeSeq(op.seq, pos);
        if (op.op === "replace") {
          const keep = l.itemSlots[op.keep % op.seq.items.length]!;
          list.replace(node, l.insns, { keep, targets: l.targets });
          naive.replace(slot, r.insns, { keep, targets: r.targets });
        } else {
          list[op.op](node, l.insns, { targets: l.targets });
          naive[op.op](slot, r.insns, { targets: r.targets });
        }
        break;
      }
      case "delete": {
        const last = Math.min(i + op.count, n) - 1;
        list.deleteRange(node, nodes[last]!);
        const end = last + 1 < n ? slots[last + 1]! : naive.length;
        naive.deleteRange(slot, end - slot);
        break;
      }
      case "setInsn": {
        if (list.code(node) === build.ld64Imm(0, 0n)[0].code) break;
        if (op.jump) {
          list.setInsn(node, build.ja(0), anchor(op.to));
          naive.setInsn(slot, build.ja(0), pos(op.to));
        } else {
          list.setInsn(node, build.mov64Imm(4, op.to));
          naive.setInsn(slot, build.mov64Imm(4, op.to));
        }
        break;
      }
    }
  }
  const attempt = <T>(f: () => T): T | Error => {
    try {
      return f();
    } catch (e) {
      return e as Error;
    }
  };
  return {
    list: attempt(() => list.linearize()),
    naive: attempt(() => naive.result()),
    liveCounts,
  };
}

/** Slots where instructions start in the naive patcher's current program. */
function naiveStarts(naive: NaivePatcher<Aux, Func, Line>): number[] {
  const out: number[] = [];
  for (let p = 0; p < naive.length; p += naive.insnAt(p).code === 0x18 ? 2 : 1) out.push(p);
  return out;
}
