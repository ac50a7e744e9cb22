// The patch list must agree with the kernel-style naive patcher on every
// random program and patch script: instructions, aux, subprogram starts,
// func_info, line_info and both index maps — or both must reject the result.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { PatchError } from "../../src/patch/index.ts";
import { buildProgram, opArb, progArb, runBoth } from "./gen.ts";

describe("PatchList agrees with the naive kernel-style patcher", () => {
  it("on random programs and patch scripts", () => {
    fc.assert(
      fc.property(progArb, fc.array(opArb, { minLength: 1, maxLength: 12 }), (spec, ops) => {
        const prog = buildProgram(spec);
        const { list, naive, liveCounts } = runBoth(prog, ops);
        for (const [a, b] of liveCounts) expect(a).toBe(b);
        if (list instanceof Error || naive instanceof Error) {
          expect(list).toBeInstanceOf(PatchError);
          expect(naive).toBeInstanceOf(PatchError);
          expect((list as Error).message).toBe((naive as Error).message);
          return;
        }
        expect(list.insns).toEqual(naive.insns);
        expect(list.aux).toEqual(naive.aux);
        expect(list.subprogStarts).toEqual(naive.subprogStarts);
        expect(list.funcInfo).toEqual(naive.funcInfo);
        expect(list.lineInfo).toEqual(naive.lineInfo);
        expect(Array.from(list.oldToNew)).toEqual(Array.from(naive.oldToNew));
        expect(Array.from(list.newToOld)).toEqual(Array.from(naive.newToOld));
      }),
      { numRuns: 1500 },
    );
  });

  it("leaves an unpatched program unchanged", () => {
    fc.assert(
      fc.property(progArb, (spec) => {
        const prog = buildProgram(spec);
        const { list } = runBoth(prog, []);
        if (list instanceof Error) throw list;
        expect(list.insns).toEqual(prog.insns);
        expect(list.aux).toEqual(prog.aux);
        expect(list.subprogStarts).toEqual(prog.subprogStarts);
        expect(list.funcInfo).toEqual(prog.funcInfo);
        expect(list.lineInfo).toEqual(prog.lineInfo);
        expect(Array.from(list.newToOld)).toEqual(prog.insns.map((_, i) => i));
      }),
      { numRuns: 300 },
    );
  });
});
