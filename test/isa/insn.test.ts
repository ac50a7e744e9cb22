import { describe, expect, it } from "vitest";
import { build, decode, encode, lddwImm64 } from "../../src/isa/index.ts";

describe("Insn encode/decode", () => {
  it("round-trips fields including signed off/imm and both registers", () => {
    const bytes = Uint8Array.from([0x61, 0xa1, 0xf8, 0xff, 0xfe, 0xff, 0xff, 0xff]);
    const [x] = decode(bytes);
    expect(x).toEqual({ code: 0x61, dst: 1, src: 10, off: -8, imm: -2 });
    expect(encode([x!])).toEqual(bytes);
  });

  it("builds lddw pairs", () => {
    const [lo, hi] = build.ld64Imm(1, 0x1122334455667788n);
    expect(lddwImm64(lo, hi)).toBe(0x1122334455667788n);
    expect(decode(encode([lo, hi]))).toEqual([lo, hi]);
  });

  it("rejects a length that is not a multiple of 8", () => {
    expect(() => decode(new Uint8Array(7))).toThrow(/multiple of 8/);
  });
});
