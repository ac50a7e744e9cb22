// Unit tests for each PatchList operation, for linearize's range checks, and
// for the typed errors on bad input.
import { describe, expect, it } from "vitest";
import type { Insn } from "../../src/isa/index.ts";
import {
  BPF_ADD,
  BPF_JEQ,
  BPF_JGT,
  BPF_JA,
  BPF_JMP,
  BPF_JMP32,
  BPF_JCOND,
  BPF_PSEUDO_FUNC,
  build,
  insn,
} from "../../src/isa/index.ts";
import { PatchError, PatchList, PatchRangeError, type PatchNode } from "../../src/patch/index.ts";
import { newAux, type Aux, type Func, type Line } from "./gen.ts";

const add = (imm: number): Insn => build.alu64Imm(BPF_ADD, 1, imm);
const tags = (n: number): Aux[] => Array.from({ length: n }, (_, i) => ({ tag: `o${i}` }));

/**
 * 0: r1 += 1
 * 1: if r1 > 7 goto 4
 * 2: r1 += 2
 * 3: goto 0
 * 4: exit
 */
function loopProgram(): Insn[] {
  return [add(1), build.jmpImm(BPF_JGT, 1, 7, 2), add(2), build.ja(-4), build.exit()];
}

function listOf(
  insns: Insn[],
  extra: { lineInfo?: Line[]; funcInfo?: Func[]; subprogStarts?: number[] } = {},
) {
  return new PatchList<Aux, Func, Line>({ insns, aux: tags(insns.length), ...extra }, { newAux });
}

const nodes = (l: PatchList<Aux, Func, Line>): PatchNode[] => [...l];

describe("PatchList.replace", () => {
  it("splices a sequence in; the last element keeps the aux; jumps across are re-aimed", () => {
    const l = listOf(loopProgram());
    l.replace(l.nodeAt(2), [add(20), add(21)]);
    const out = l.linearize();
    expect(out.insns).toEqual([
      add(1),
      build.jmpImm(BPF_JGT, 1, 7, 3),
      add(20),
      add(21),
      build.ja(-5),
      build.exit(),
    ]);
    expect(out.aux.map((a) => a.tag)).toEqual(["o0", "o1", "new(o2)", "o2", "o3", "o4"]);
    expect(Array.from(out.newToOld)).toEqual([0, 1, -1, 2, 3, 4]);
    expect(Array.from(out.oldToNew)).toEqual([0, 1, 2, 4, 5]);
  });

  it("makes jumps to the replaced instruction land on the first element", () => {
    const l = listOf(loopProgram());
    l.replace(l.nodeAt(0), [build.mov64Imm(2, 0), add(1)]);
    const out = l.linearize();
    expect(out.insns[4]).toEqual(build.ja(-5)); // slot 4 → 0, the inserted mov
    expect(Array.from(out.oldToNew)).toEqual([0, 2, 3, 4, 5]);
  });

  it("keeps the aux where `keep` says", () => {
    const l = listOf(loopProgram());
    l.replace(l.nodeAt(2), [add(20), add(21), add(22)], { keep: 0 });
    expect(
      l
        .linearize()
        .aux.map((a) => a.tag)
        .slice(2, 5),
    ).toEqual(["o2", "new(o2)", "new(o2)"]);
  });

  it("resolves local jumps, jumps to just after the sequence and explicit targets", () => {
    const l = listOf(loopProgram());
    const exitAnchor = l.anchorOf(l.nodeAt(4));
    l.replace(
      l.nodeAt(2),
      [
        build.jmpImm(BPF_JEQ, 1, 0, 2), // local: to slot 3 = just after → old insn 3
        build.ja(0), // explicit: to the exit
        add(5),
      ],
      { targets: [undefined, exitAnchor] },
    );
    const out = l.linearize();
    expect(out.insns.slice(2, 5)).toEqual([build.jmpImm(BPF_JEQ, 1, 0, 2), build.ja(2), add(5)]);
    expect(out.insns[5]).toEqual(build.ja(-6));
  });

  it("re-emitting the instruction with its own target keeps it jumping where it did", () => {
    const l = listOf(loopProgram());
    const jgt = l.nodeAt(1);
    l.replace(jgt, [build.mov64Imm(0, 1), l.insn(jgt)], { targets: [undefined, l.target(jgt)!] });
    const out = l.linearize();
    expect(out.insns[2]).toEqual(build.jmpImm(BPF_JGT, 1, 7, 2));
    expect(out.aux[2]!.tag).toBe("o1");
  });
});

describe("PatchList.prepend / append", () => {
  it("prepend: jumps to the instruction land on the inserted code; the instruction keeps its aux", () => {
    const l = listOf(loopProgram(), {
      lineInfo: [{ insnOff: 0, line: 1, col: 0 }],
      funcInfo: [{ insnOff: 0, typeId: 7 }],
    });
    l.prepend(l.nodeAt(0), [build.mov64Imm(2, 1)]);
    const out = l.linearize();
    expect(out.insns[0]).toEqual(build.mov64Imm(2, 1));
    expect(out.insns[4]).toEqual(build.ja(-5));
    expect(out.aux.map((a) => a.tag)).toEqual(["new(o0)", "o0", "o1", "o2", "o3", "o4"]);
    expect(out.subprogStarts).toEqual([0]);
    expect(out.lineInfo).toEqual([{ insnOff: 0, line: 1, col: 0 }]);
    expect(out.funcInfo).toEqual([{ insnOff: 0, typeId: 7 }]);
  });

  it("prepend: a jump made later to the instruction itself lands on it", () => {
    const l = listOf(loopProgram());
    const n0 = l.nodeAt(0);
    l.prepend(n0, [build.mov64Imm(2, 1)]);
    l.setTarget(l.nodeAt(3), l.anchorOf(n0));
    expect(l.linearize().insns[4]).toEqual(build.ja(-4));
    expect(l.landing(l.anchorAt(0))).not.toBe(n0);
  });

  it("prepend: a distance just past the sequence means the instruction", () => {
    const l = listOf(loopProgram());
    l.prepend(l.nodeAt(2), [build.jmpImm(BPF_JEQ, 2, 0, 1), build.mov64Imm(2, 9)]);
    const out = l.linearize();
    expect(out.insns.slice(2, 5)).toEqual([
      build.jmpImm(BPF_JEQ, 2, 0, 1),
      build.mov64Imm(2, 9),
      add(2),
    ]);
    expect(out.insns[1]).toEqual(build.jmpImm(BPF_JGT, 1, 7, 4)); // still to the exit
  });

  it("append: the instruction after keeps its jumps; just past the sequence is that instruction", () => {
    const l = listOf(loopProgram());
    l.append(l.nodeAt(3), [build.ja(0)]); // appended after `goto 0`, before the exit
    const out = l.linearize();
    expect(out.insns).toEqual([
      add(1),
      build.jmpImm(BPF_JGT, 1, 7, 3),
      add(2),
      build.ja(-4),
      build.ja(0),
      build.exit(),
    ]);
    expect(out.aux[4]!.tag).toBe("new(o3)");
  });
});

describe("PatchList.delete", () => {
  it("removes instructions and closes the gap", () => {
    const l = listOf(loopProgram());
    l.delete(l.nodeAt(2));
    const out = l.linearize();
    expect(out.insns).toEqual([add(1), build.jmpImm(BPF_JGT, 1, 7, 1), build.ja(-3), build.exit()]);
    expect(Array.from(out.oldToNew)).toEqual([0, 1, 2, 2, 3]);
  });

  it("moves jumps into deleted code to the next surviving instruction", () => {
    const l = listOf(loopProgram());
    l.deleteRange(l.nodeAt(0), l.nodeAt(0));
    const out = l.linearize();
    expect(out.insns[2]).toEqual(build.ja(-3)); // was goto 0, now goto the jgt
  });

  it("rejects a jump left pointing past the end", () => {
    const l = listOf(loopProgram());
    l.delete(l.nodeAt(4));
    expect(() => l.linearize()).toThrow(
      /jump at insn 1 \(original insn 1\) targets insn 4, past the end/,
    );
  });

  it("drops a subprogram with all its instructions, with its func_info and line_info", () => {
    // main: 0 call 2; 1 exit | sub: 2 r0 = 0; 3 exit | sub: 4 exit
    const insns = [
      build.callLocal(1),
      build.exit(),
      build.mov64Imm(0, 0),
      build.exit(),
      build.exit(),
    ];
    const l = listOf(insns, {
      subprogStarts: [0, 2, 4],
      funcInfo: [
        { insnOff: 0, typeId: 1 },
        { insnOff: 2, typeId: 2 },
        { insnOff: 4, typeId: 3 },
      ],
      lineInfo: [
        { insnOff: 0, line: 1, col: 0 },
        { insnOff: 2, line: 2, col: 0 },
        { insnOff: 4, line: 3, col: 0 },
      ],
    });
    l.deleteRange(l.nodeAt(2), l.nodeAt(3));
    const out = l.linearize();
    expect(out.subprogStarts).toEqual([0, 2]);
    expect(out.funcInfo).toEqual([
      { insnOff: 0, typeId: 1 },
      { insnOff: 2, typeId: 3 },
    ]);
    expect(out.lineInfo).toEqual([
      { insnOff: 0, line: 1, col: 0 },
      { insnOff: 2, line: 3, col: 0 },
    ]);
    expect(out.insns[0]).toEqual(build.callLocal(1)); // call into deleted code → next survivor
  });

  it("moves line_info to the next survivor in the same subprogram, unless it has its own", () => {
    // subprogram 0 = slots 0..3, subprogram 1 = slots 4..5
    const insns = [add(0), add(1), add(2), build.exit(), add(4), build.exit()];
    const line = (insnOff: number): Line => ({ insnOff, line: 100 + insnOff, col: 0 });
    const mk = () =>
      listOf(insns, { subprogStarts: [0, 4], lineInfo: [line(0), line(1), line(3), line(4)] });

    let l = mk();
    l.deleteRange(l.nodeAt(0), l.nodeAt(1)); // lines 0 and 1 gone; last one (1) inherits slot 2
    expect(l.linearize().lineInfo).toEqual([
      { ...line(1), insnOff: 0 },
      { ...line(3), insnOff: 1 },
      { ...line(4), insnOff: 2 },
    ]);

    l = mk();
    l.delete(l.nodeAt(2)); // slot 3 has its own record: nothing to inherit
    expect(l.linearize().lineInfo.map((x) => x.line)).toEqual([100, 101, 103, 104]);

    l = mk();
    l.delete(l.nodeAt(3)); // the subprogram's last insn: its record does not cross into subprogram 1
    expect(l.linearize().lineInfo).toEqual([line(0), line(1), { ...line(4), insnOff: 3 }]);
  });

  it("moves a subprogram start whose first instruction is deleted", () => {
    const insns = [build.callLocal(1), build.exit(), add(2), build.exit()];
    const l = listOf(insns, {
      subprogStarts: [0, 2],
      funcInfo: [
        { insnOff: 0, typeId: 1 },
        { insnOff: 2, typeId: 2 },
      ],
    });
    l.delete(l.nodeAt(2));
    const out = l.linearize();
    expect(out.subprogStarts).toEqual([0, 2]);
    expect(out.insns).toEqual([build.callLocal(1), build.exit(), build.exit()]);
  });
});

describe("PatchList: lddw, calls and function pointers", () => {
  // 0: call 4 | 1-2: r3 = &func(4) | 3: exit | 4: r0 = 0 | 5: exit
  function prog(): Insn[] {
    const [lo, hi] = build.ld64Imm(3, 0n, BPF_PSEUDO_FUNC);
    return [
      build.callLocal(3),
      { ...lo, imm: 2 },
      hi,
      build.exit(),
      build.mov64Imm(0, 0),
      build.exit(),
    ];
  }

  it("relocates pseudo calls and BPF_PSEUDO_FUNC lddw, keeping the pair together", () => {
    const l = new PatchList<Aux, Func, Line>(
      {
        insns: prog(),
        aux: tags(6),
        subprogStarts: [0, 4],
        funcInfo: [
          { insnOff: 0, typeId: 1 },
          { insnOff: 4, typeId: 2 },
        ],
      },
      { newAux },
    );
    expect(nodes(l)).toHaveLength(5);
    expect(l.slots(l.nodeAt(1))).toHaveLength(2);
    l.prepend(l.nodeAt(3), [add(1)]);
    const out = l.linearize();
    expect(out.insns[0]).toEqual(build.callLocal(4));
    expect(out.insns[1]!.imm).toBe(3);
    expect(out.insns[2]).toEqual(prog()[2]);
    expect(out.subprogStarts).toEqual([0, 5]);
    expect(out.funcInfo.map((f) => f.insnOff)).toEqual([0, 5]);
    expect(out.aux.map((a) => a.tag).slice(1, 3)).toEqual(["o1", "o2"]);
    expect(Array.from(out.newToOld).slice(1, 3)).toEqual([1, 2]);
    expect(out.oldToNew[2]).toBe(-1);
  });

  it("gives a new lddw fresh aux for both slots", () => {
    const l = listOf(loopProgram());
    l.replace(l.nodeAt(2), build.ld64Imm(4, 0x1234_5678_9abcn));
    const out = l.linearize();
    expect(out.insns.slice(2, 4)).toEqual(build.ld64Imm(4, 0x1234_5678_9abcn));
    expect(out.aux.slice(2, 4).map((a) => a.tag)).toEqual(["o2", "new(o2)"]);
    expect(Array.from(out.newToOld).slice(2, 4)).toEqual([2, -1]);
    expect(out.insns[4]).toEqual(build.ja(-5));
  });
});

describe("PatchList.setInsn / setTarget", () => {
  it("hard-wires a conditional jump to `goto` keeping its target", () => {
    const l = listOf(loopProgram());
    l.setInsn(l.nodeAt(1), build.ja(0));
    expect(l.linearize().insns[1]).toEqual(build.ja(2));
  });

  it("turns a jump into a plain instruction, and back only with a target", () => {
    const l = listOf(loopProgram());
    l.setInsn(l.nodeAt(3), build.mov64Imm(0, 0));
    expect(l.target(l.nodeAt(3))).toBeNull();
    expect(() => l.setInsn(l.nodeAt(3), build.ja(0))).toThrow(PatchError);
    l.setInsn(l.nodeAt(3), build.ja(0), l.anchorAt(1));
    expect(l.linearize().insns[3]).toEqual(build.ja(-3));
  });
});

describe("linearize", () => {
  // 0: if r1 > 7 goto 3 | 1: goto 3 | 2: r1 += 1 | 3: exit
  const far = (): Insn[] => [build.jmpImm(BPF_JGT, 1, 7, 2), build.ja(1), add(1), build.exit()];
  const big = (n: number): Insn[] => Array.from({ length: n }, () => add(1));

  it("throws PatchRangeError when a conditional jump no longer fits 16 bits", () => {
    const l = listOf(far());
    l.replace(l.nodeAt(2), big(40_000));
    for (const opts of [{}, { gotol: true }]) {
      let err: unknown;
      try {
        l.linearize(opts);
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(PatchRangeError);
      expect(err).toMatchObject({ pc: 0, origPc: 0, targetPc: 40_002, offset: 40_001, bits: 16 });
      expect((err as Error).message).toBe(
        "jump at insn 0 (original insn 0) to insn 40002 needs offset 40001, which does not fit in 16 bits",
      );
    }
  });

  it("fits exactly at 32767 and fails at 32768", () => {
    const ok = listOf([build.ja(1), add(1), build.exit()]);
    ok.replace(ok.nodeAt(1), big(32_767));
    expect(ok.linearize().insns[0]).toEqual(build.ja(32_767));
    const bad = listOf([build.ja(1), add(1), build.exit()]);
    bad.replace(bad.nodeAt(1), big(32_768));
    expect(() => bad.linearize()).toThrow(PatchRangeError);
  });

  it("rewrites an unconditional ja as gotol when allowed", () => {
    const l = listOf([build.ja(1), add(1), build.exit()]);
    l.replace(l.nodeAt(1), big(40_000));
    expect(() => l.linearize()).toThrow(PatchRangeError);
    const out = l.linearize({ gotol: true });
    expect(out.insns[0]).toEqual(insn(BPF_JMP32 | BPF_JA, 0, 0, 0, 40_000));
    expect(out.insns).toHaveLength(40_002);
  });

  it("does not turn may_goto into gotol", () => {
    const l = listOf([insn(BPF_JMP | BPF_JCOND, 0, 0, 1), add(1), build.exit()]);
    l.replace(l.nodeAt(1), big(40_000));
    expect(() => l.linearize({ gotol: true })).toThrow(PatchRangeError);
  });

  it("is repeatable and does not change the list", () => {
    const l = listOf(loopProgram());
    l.replace(l.nodeAt(2), [add(20), add(21)]);
    const a = l.linearize();
    expect(l.linearize()).toEqual(a);
    l.delete(l.nodeAt(0));
    expect(l.linearize().insns).toHaveLength(5);
  });
});

describe("iteration", () => {
  it("skips deleted nodes and does not visit nodes inserted during the walk", () => {
    const l = listOf(loopProgram());
    const seen: number[] = [];
    for (const n of l) {
      seen.push(l.origIndex(n));
      if (l.origIndex(n) === 1) l.delete(l.nodeAt(2));
      if (l.origIndex(n) === 3) l.replace(n, [add(30), add(31)], { keep: 0 });
      if (l.origIndex(n) === 0) l.append(n, [add(10)]);
    }
    expect(seen).toEqual([0, 1, 3, 4]);
    const all = nodes(l).map((n) => l.origIndex(n));
    expect(all).toEqual([0, -1, 1, 3, -1, 4]);
    expect(l.first()).toBe(l.nodeAt(0));
    expect(l.next(l.nodeAt(1))).toBe(l.nodeAt(3));
    expect(l.prev(l.nodeAt(3))).toBe(l.nodeAt(1));
    expect(l.isDeleted(l.nodeAt(2))).toBe(true);
  });
});

describe("bad input is a PatchError", () => {
  const cases: [string, () => unknown, RegExp][] = [
    ["empty program", () => listOf([]), /no instructions/],
    [
      "aux length",
      () => new PatchList({ insns: [build.exit()], aux: [] }, { newAux }),
      /aux has 0 records/,
    ],
    [
      "jump out of range",
      () => listOf([build.ja(5), build.exit()]),
      /jump out of range from insn 0 to 6/,
    ],
    [
      "jump into lddw",
      () => listOf([build.ja(1), ...build.ld64Imm(1, 5n), build.exit()]),
      /middle of lddw/,
    ],
    [
      "lddw cut short",
      () => listOf([build.exit(), build.ld64Imm(1, 5n)[0]]),
      /lddw at insn 1 has no second slot/,
    ],
    [
      "bad second slot",
      () => listOf([build.ld64Imm(1, 5n)[0], build.exit()]),
      /invalid second slot/,
    ],
    [
      "subprog 0",
      () => listOf([build.exit(), build.exit()], { subprogStarts: [1] }),
      /start at insn 0/,
    ],
    [
      "line order",
      () =>
        listOf([build.exit(), build.exit()], {
          lineInfo: [
            { insnOff: 1, line: 1, col: 0 },
            { insnOff: 1, line: 2, col: 0 },
          ],
        }),
      /line_info\[1\]/,
    ],
    [
      "func_info",
      () => listOf([build.exit(), build.exit()], { funcInfo: [{ insnOff: 1, typeId: 1 }] }),
      /func_info\[0\]/,
    ],
  ];
  for (const [name, f, msg] of cases) {
    it(name, () => {
      expect(f).toThrow(PatchError);
      expect(f).toThrow(msg);
    });
  }

  it("rejects bad operations and leaves the list unchanged", () => {
    const l = listOf(loopProgram());
    const before = l.linearize();
    const n2 = l.nodeAt(2);
    const bad: [() => unknown, RegExp][] = [
      [() => l.replace(n2, []), /empty patch/],
      [() => l.replace(n2, [build.ja(3)]), /jumps to 4/],
      [() => l.replace(n2, build.ld64Imm(1, 1n), { keep: 1 }), /keep 1/],
      [() => l.replace(n2, [add(1)], { targets: [l.anchorAt(0)] }), /does not jump/],
      [() => l.replace(n2, [build.ja(0)], { targets: [12345 as never] }), /not an anchor/],
      [() => l.prepend(999 as PatchNode, [add(1)]), /not a node/],
      [() => l.setInsn(n2, build.ld64Imm(1, 1n)[0]), /width/],
      [() => l.deleteRange(l.nodeAt(3), l.nodeAt(1)), /does not follow/],
    ];
    for (const [f, msg] of bad) {
      expect(f).toThrow(PatchError);
      expect(f).toThrow(msg);
    }
    expect(l.linearize()).toEqual(before);
    l.delete(n2);
    expect(() => l.delete(n2)).toThrow(/deleted/);
    expect(() => l.append(n2, [add(1)])).toThrow(/deleted/);
  });
});
