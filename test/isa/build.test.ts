import { describe, expect, it } from "vitest";
import { build, disasm, validate, type Insn } from "../../src/isa/index.ts";
import * as op from "../../src/isa/opcodes.ts";

describe("builders of the less common forms", () => {
  it.each<[string, Insn | Insn[], string]>([
    ["neg64", build.neg64(1), "r1 = -r1"],
    ["neg32", build.neg32(1), "w1 = -w1"],
    ["sdiv64 imm", build.signedAlu64Imm(op.BPF_DIV, 1, 3), "r1 s/= 3"],
    ["smod64 reg", build.signedAlu64Reg(op.BPF_MOD, 1, 2), "r1 s%= r2"],
    ["sdiv32 imm", build.signedAlu32Imm(op.BPF_DIV, 1, -3), "w1 s/= -3"],
    ["smod32 reg", build.signedAlu32Reg(op.BPF_MOD, 1, 2), "w1 s%= w2"],
    ["movsx64", build.movsx64(1, 2, 32), "r1 = (s32)r2"],
    ["movsx32", build.movsx32(1, 2, 8), "w1 = (s8)w2"],
    ["be32", build.endian(true, 3, 32), "r3 = be32 r3"],
    ["le16", build.endian(false, 3, 16), "r3 = le16 r3"],
    ["bswap64", build.bswap(3, 64), "r3 = bswap64 r3"],
    ["callx", build.callx(4), "callx r4"],
    ["may_goto", build.mayGoto(0), "may_goto pc+0"],
    ["ld_abs", build.ldAbs(op.BPF_H, 12), "r0 = *(u16 *)skb[12]"],
    ["ld_ind", build.ldInd(op.BPF_W, 7, 4), "r0 = *(u32 *)skb[r7 + 4]"],
    ["load_acquire", build.loadAcquire(op.BPF_H, 1, 2, 6), "r1 = load_acquire((u16 *)(r2 +6))"],
    [
      "store_release",
      build.storeRelease(op.BPF_W, 10, 1, -4),
      "store_release((u32 *)(r10 -4), r1)",
    ],
    ["map fd", build.ldMapFd(1, 7), "r1 = map[id:7]"],
  ])("%s", (_name, x, text) => {
    const insns = Array.isArray(x) ? x : [x];
    expect(disasm(insns, { opcodes: false })).toEqual([text]);
    expect(() => validate([...insns, build.exit()], { callx: true })).not.toThrow();
  });
});
