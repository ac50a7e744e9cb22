// The kernel's log format: level 1 keeps only the path that failed (finished
// paths are rewound), level 2 keeps everything with the `from X to Y:`
// states; every log ends with the `processed ...` line.
import { describe, expect, it } from "vitest";
import { assemble } from "../../src/isa/asm/index.ts";
import { ProgType } from "../../src/uapi/prog-types.ts";
import { verify } from "../../src/verifier/index.ts";
import {
  fmtSnum,
  fmtUnum,
  padChar,
  regStateText,
  tnumText,
  vlogAlignment,
} from "../../src/verifier/log.ts";
import { newReg, markRegKnown, markRegUnknown } from "../../src/verifier/regs.ts";
import { RegType, TypeFlag, regTypeStr } from "../../src/verifier/reg-types.ts";
import { tnumConst } from "../../src/verifier/tnum.ts";

const BRANCHY = `r0 = *(u32 *)(r1 + 0)
  if r0 > 5 goto +2
  r0 = 1
  exit
  r0 = 2
  exit`;

const R0_LOAD = "R0_w=scalar(smin=0,smax=umax=0xffffffff,var_off=(0x0; 0xffffffff))";
const R0_GT5 = "R0_w=scalar(smin=umin=umin32=6,smax=umax=0xffffffff,var_off=(0x0; 0xffffffff))";
const R0_LE5 = "R0_w=scalar(smin=smin32=0,smax=umax=smax32=umax32=5,var_off=(0x0; 0x7))";
const STATS = (n: number): string =>
  `processed ${n} insns (limit 1000000) max_states_per_insn 0 total_states 0 peak_states 0 mark_read 0\n`;

const run = (asm: string, logLevel: number) =>
  verify(assemble(asm), { progType: ProgType.SOCKET_FILTER, logLevel });

describe("verifier log", () => {
  it("level 2 prints every instruction with its state and each branch's entry state", () => {
    expect(run(BRANCHY, 2).log).toBe(
      [
        "func#0 @0",
        "0: R1=ctx() R10=fp0",
        `0: (61) r0 = *(u32 *)(r1 +0)          ; ${R0_LOAD} R1=ctx()`,
        `1: (25) if r0 > 0x5 goto pc+2         ; ${R0_LE5}`,
        "2: (b7) r0 = 1                        ; R0_w=1",
        "3: (95) exit",
        "",
        `from 1 to 4: ${R0_GT5} R1=ctx() R10=fp0`,
        `4: ${R0_GT5} R1=ctx() R10=fp0`,
        "4: (b7) r0 = 2                        ; R0_w=2",
        "5: (95) exit",
        STATS(6),
      ].join("\n"),
    );
  });

  it("level 1 rewinds finished paths to where they branched", () => {
    // The rewind lands inside the jump's state annotation, as in the kernel.
    expect(run(BRANCHY, 1).log).toBe(
      [
        "0: R1=ctx() R10=fp0",
        `0: (61) r0 = *(u32 *)(r1 +0)          ; ${R0_LOAD} R1=ctx()`,
        `1: (25) if r0 > 0x5 goto pc+2 4: ${R0_GT5} R1=ctx() R10=fp0`,
        "4: (b7) r0 = 2                        ; R0_w=2",
        "5: (95) exit",
        STATS(6),
      ].join("\n"),
    );
  });

  it("a rejection ends with the error and the statistics", () => {
    const r = run(
      `r0 = *(u32 *)(r1 + 0)\n if r0 > 5 goto +2\n r0 = 1\n exit\n r0 = *(u64 *)(r2 + 0)\n exit`,
      1,
    );
    expect(r.accepted).toBe(false);
    expect(r.log.endsWith(`4: (79) r0 = *(u64 *)(r2 +0)\nR2 !read_ok\n${STATS(5)}`)).toBe(true);
  });

  it("cfg errors are logged before any instruction", () => {
    expect(run(`r0 = 0\n exit\n exit`, 1).log).toBe(`unreachable insn 2\n${STATS(0)}`);
  });

  it("level 0 keeps no log but still reports the error", () => {
    const r = run(`exit`, 0);
    expect(r.log).toBe("");
    expect(r.error).toBe("R0 !read_ok");
  });

  it("stack slots print their byte types and spilled registers", () => {
    const log = run(
      `r1 = 0\n *(u32 *)(r10 - 12) = r1\n *(u64 *)(r10 - 8) = r10\n r0 = 0\n exit`,
      2,
    ).log;
    // A zero stored off a slot boundary is STACK_ZERO, not a spill: the kernel
    // marks its register precise first, so the state follows on its own line.
    expect(log).toContain(
      "1: (63) *(u32 *)(r10 -12) = r1\n" +
        "mark_precise: frame0: last_idx 1 first_idx 0 subseq_idx -1 \n" +
        "mark_precise: frame0: regs=r1 stack= before 0: (b7) r1 = 0\n" +
        "2: R1_w=0 R10=fp0 fp-16=0000????\n",
    );
    expect(log).toContain("2: (7b) *(u64 *)(r10 -8) = r10        ; R10=fp0 fp-8_w=fp0\n");
  });

  it("a narrow scalar spill prints the bytes above it", () => {
    const log = run(`r1 = 7\n *(u32 *)(r10 - 8) = r1\n r0 = 0\n exit`, 2).log;
    expect(log).toContain("; R1_w=7 R10=fp0 fp-8=????7\n");
  });

  it("a checkpoint clears the written marks", () => {
    // Two jumps and 8 insns since the last checkpoint make the jump target a new checkpoint.
    const asm = `r0 = 0
      r1 = 1
      r2 = 2
      r3 = 3
      r4 = 4
      r5 = 5
      if r0 == 0 goto +0
      if r0 == 0 goto +0
      r6 = r1
      r0 = 0
      exit`;
    const r = run(asm, 2);
    // r1 was last written before the checkpoint at insn 8: no `_w` any more.
    expect(r.log).toContain("5: (b7) r5 = 5                        ; R5_w=5\n");
    expect(r.log).toContain("8: (bf) r6 = r1                       ; R1=1 R6_w=1\n");
    expect(r.stats.totalStates).toBe(1);
  });

  it("level 4 adds the verification time and stack depth", () => {
    const log = run(`*(u64 *)(r10 - 16) = r1\n r0 = 0\n exit`, 4 | 1).log;
    expect(log).toMatch(/verification time \d+ usec\nstack depth 16\nprocessed 3 insns/);
  });
});

describe("log formatting pieces", () => {
  it("numbers: decimal when small, hex of the 64-bit pattern otherwise", () => {
    expect(fmtSnum(-32768)).toBe("-32768");
    expect(fmtSnum(-32769)).toBe("0xffffffffffff7fff");
    expect(fmtSnum(32767)).toBe("32767");
    expect(fmtSnum(32768)).toBe("0x8000");
    expect(fmtUnum(65535)).toBe("65535");
    expect(fmtUnum(65536)).toBe("0x10000");
  });

  it("tnum text", () => {
    expect(tnumText(tnumConst(5n))).toBe("5");
    expect(tnumText(tnumConst(0x10000n))).toBe("0x10000");
    expect(tnumText({ value: 0n, mask: 0xffn })).toBe("(0x0; 0xff)");
  });

  it("alignment of the state column", () => {
    expect(vlogAlignment(15)).toBe(24);
    expect(vlogAlignment(40)).toBe(7);
    expect(padChar(24)).toHaveLength(24);
  });

  it("register type names", () => {
    expect(regTypeStr(RegType.PTR_TO_MAP_VALUE | TypeFlag.PTR_MAYBE_NULL)).toBe(
      "map_value_or_null",
    );
    expect(regTypeStr(RegType.PTR_TO_MEM | TypeFlag.MEM_RINGBUF | TypeFlag.PTR_MAYBE_NULL)).toBe(
      "ringbuf_mem_or_null",
    );
    expect(regTypeStr(RegType.PTR_TO_MEM | TypeFlag.MEM_RDONLY)).toBe("rdonly_mem");
    expect(regTypeStr(RegType.PTR_TO_BTF_ID | TypeFlag.PTR_MAYBE_NULL)).toBe("ptr_or_null_");
    expect(regTypeStr(RegType.PTR_TO_STACK)).toBe("fp");
  });

  it("register states", () => {
    const r = newReg();
    r.type = RegType.PTR_TO_STACK;
    markRegKnown(r, 0n);
    r.off = -16;
    expect(regStateText(r, 0)).toBe("fp-16");
    r.frameno = 1;
    expect(regStateText(r, 2)).toBe("fp[1]-16");
    const m = newReg();
    m.type = RegType.PTR_TO_MAP_VALUE | TypeFlag.PTR_MAYBE_NULL;
    markRegKnown(m, 0n);
    m.id = 3;
    m.map = { type: 1, keySize: 4, valueSize: 8, maxEntries: 1, flags: 0, name: "counts" };
    expect(regStateText(m, 0)).toBe("map_value_or_null(id=3,map=counts,ks=4,vs=8)");
    const s = newReg();
    markRegUnknown(s, true);
    s.id = 2;
    expect(regStateText(s, 0)).toBe("scalar(id=2)");
    const p = newReg();
    p.type = RegType.PTR_TO_PACKET;
    markRegKnown(p, 0n);
    p.off = 14;
    p.range = 20;
    expect(regStateText(p, 0)).toBe("pkt(off=14,r=20)");
  });
});
