import { describe, expect, it } from "vitest";
import { FixupError, fixupProgram } from "../../src/fixup/index.ts";
import { assemble } from "../../src/isa/index.ts";
import { ProgType } from "../../src/uapi/index.ts";
import { verify } from "../../src/verifier/index.ts";

describe("fixupProgram input and BTF records", () => {
  it("carries func_info and line_info through removed code", () => {
    const insns = assemble(`
      r1 = 1
      call f
      exit
    f:
      r0 = 0
      if r1 == 1 goto l1
      r0 = 5
    l1:
      exit`);
    const r = verify(insns, { progType: ProgType.SOCKET_FILTER });
    expect(r.accepted).toBe(true);
    const lineInfo = [0, 3, 5, 6].map((insnOff) => ({ insnOff, line: insnOff * 10 }));
    const funcInfo = [
      { insnOff: 0, typeId: 1 },
      { insnOff: 3, typeId: 2 },
    ];
    const f = fixupProgram(
      { insns, aux: r.aux, funcInfo, lineInfo },
      { progType: ProgType.SOCKET_FILTER },
    );
    // The hard-wired jump (5) and the dead `r0 = 5` (6) are gone; the dead insn's
    // line record moves to the next survivor (the exit), the jump's record with it.
    expect(f.insns.length).toBe(5);
    expect(f.funcInfo).toEqual([
      { insnOff: 0, typeId: 1 },
      { insnOff: 3, typeId: 2 },
    ]);
    expect(f.lineInfo).toEqual([
      { insnOff: 0, line: 0 },
      { insnOff: 3, line: 30 },
      { insnOff: 4, line: 60 },
    ]);
    expect(f.subprogStarts).toEqual([0, 3]);
  });

  it("refuses aux that does not belong to the instructions", () => {
    const insns = assemble("r0 = 0\nexit");
    expect(() => fixupProgram({ insns, aux: [] }, { progType: ProgType.SOCKET_FILTER })).toThrow(
      FixupError,
    );
  });
});
