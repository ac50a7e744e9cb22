import { describe, expect, it } from "vitest";
import { dumpXlated } from "../../src/fixup/index.ts";
import { fixup, xlated } from "./support.ts";

describe("dead branch hard-wiring, dead code and nop removal", () => {
  it("a branch always taken becomes goto; the skipped code and the resulting nops go", () => {
    const src = `
      r0 = 0
      r1 = 5
      if r1 > 3 goto l1
      r0 = 1
      exit
    l1:
      r0 = 2
      exit`;
    expect(xlated(src)).toEqual(["(b7) r0 = 0", "(b7) r1 = 5", "(b7) r0 = 2", "(95) exit"]);
    const { result } = fixup(src);
    expect(result.stats).toMatchObject({ hardWired: 1, deadRemoved: 2, nopsRemoved: 1 });
    // Original insn 5 (r0 = 2) is now insn 2; the dead ones map to the next survivor.
    expect([...result.oldToNew]).toEqual([0, 1, 2, 2, 2, 2, 3]);
  });

  it("a branch never taken falls through and its target stays when reached otherwise", () => {
    const src = `
      r0 = 0
      r1 = 1
      if r1 == 7 goto l1
      r0 = 3
    l1:
      exit`;
    expect(xlated(src)).toEqual(["(b7) r0 = 0", "(b7) r1 = 1", "(b7) r0 = 3", "(95) exit"]);
  });

  it("an undecided branch stays, and a goto over dead code keeps its meaning", () => {
    const src = `
      r0 = *(u32 *)(r1 +0)
      if r0 > 10 goto l1
      r0 = 1
      goto l2
    l1:
      r0 = 2
    l2:
      exit`;
    expect(xlated(src)).toEqual([
      "(61) r0 = *(u32 *)(r1 +0)",
      "(25) if r0 > 0xa goto pc+2",
      "(b7) r0 = 1",
      "(05) goto pc+1",
      "(b7) r0 = 2",
      "(95) exit",
    ]);
  });

  it("jumps over removed code are shortened", () => {
    const src = `
      r0 = *(u32 *)(r1 +0)
      r2 = 0
      if r0 > 10 goto l1
      if r2 != 0 goto l9
      r0 = 1
      goto l2
    l9:
      r0 = 9
      r0 += 1
    l1:
      r0 = 2
    l2:
      exit`;
    expect(xlated(src)).toEqual([
      "(61) r0 = *(u32 *)(r1 +0)",
      "(b7) r2 = 0",
      "(25) if r0 > 0xa goto pc+2",
      "(b7) r0 = 1",
      "(05) goto pc+1",
      "(b7) r0 = 2",
      "(95) exit",
    ]);
  });

  it("a subprogram branch decided differently by its callers is kept", () => {
    const src = `
      r1 = 1
      call f
      r6 = r0
      r1 = 2
      call f
      r0 += r6
      exit
    f:
      r0 = 10
      if r1 == 1 goto l1
      r0 = 20
    l1:
      exit`;
    const lines = xlated(src);
    expect(lines).toContain("(15) if r1 == 0x1 goto pc+1");
    expect(lines).toEqual([
      "(b7) r1 = 1",
      "(85) call pc+5",
      "(bf) r6 = r0",
      "(b7) r1 = 2",
      "(85) call pc+2",
      "(0f) r0 += r6",
      "(95) exit",
      "(b7) r0 = 10",
      "(15) if r1 == 0x1 goto pc+1",
      "(b7) r0 = 20",
      "(95) exit",
    ]);
  });

  it("a subprogram branch decided the same way in every calling context is hard-wired", () => {
    const src = `
      r1 = 1
      call f
      r6 = r0
      r1 = 1
      call f
      r0 += r6
      exit
    f:
      r0 = 10
      if r1 == 1 goto l1
      r0 = 20
    l1:
      exit`;
    expect(xlated(src)).toEqual([
      "(b7) r1 = 1",
      "(85) call pc+5",
      "(bf) r6 = r0",
      "(b7) r1 = 1",
      "(85) call pc+2",
      "(0f) r0 += r6",
      "(95) exit",
      "(b7) r0 = 10",
      "(95) exit",
    ]);
  });

  it("a subprogram that is never called is removed with its start", () => {
    const src = `
      r0 = 0
      if r0 == 0 goto l1
      call f
    l1:
      exit
    f:
      r0 = 1
      exit`;
    const { result } = fixup(src);
    expect(dumpXlated(result.insns)).toEqual(["   0: (b7) r0 = 0", "   1: (95) exit"]);
    expect(result.subprogStarts).toEqual([0]);
  });

  it("unprivileged programs keep their length: dead code becomes traps, no hard-wiring", () => {
    const src = `
      r0 = 0
      r1 = 5
      if r1 > 3 goto l1
      r0 = 1
      exit
    l1:
      exit`;
    expect(xlated(src, { unprivileged: true })).toEqual([
      "(b7) r0 = 0",
      "(b7) r1 = 5",
      "(25) if r1 > 0x3 goto pc+2",
      "(05) goto pc-1",
      "(05) goto pc-1",
      "(95) exit",
    ]);
  });

  it("deadCode: false leaves the program alone", () => {
    const src = `
      r0 = 0
      if r0 == 0 goto l1
      r0 = 1
    l1:
      exit`;
    expect(xlated(src, { fix: { deadCode: false } })).toEqual([
      "(b7) r0 = 0",
      "(15) if r0 == 0x0 goto pc+1",
      "(b7) r0 = 1",
      "(95) exit",
    ]);
  });
});
