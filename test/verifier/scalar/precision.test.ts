// Precision pinned to the kernel: register states the Linux verifier prints
// for known instruction sequences (from kernel selftests' expected messages
// and verifier logs quoted on the bpf mailing list), reproduced by applying
// our transfer functions to the same sequence and printing the register.
import { describe, expect, it } from "vitest";
import {
  BPF_AND,
  BPF_ARSH,
  BPF_DIV,
  BPF_JEQ,
  BPF_JGE,
  BPF_JGT,
  BPF_JLE,
  BPF_JLT,
  BPF_JNE,
  BPF_JSET,
  BPF_JSGE,
  BPF_JSGT,
  BPF_JSLE,
  BPF_JSLT,
  BPF_LSH,
  BPF_MOD,
  BPF_NEG,
  BPF_OR,
  BPF_RSH,
  BPF_XOR,
} from "../../../src/isa/opcodes.ts";
import {
  S32_MAX,
  S32_MIN,
  S64_MAX,
  S64_MIN,
  U32_MAX,
  boundsSanityCheck,
  coerceToSize,
  coerceToSizeSx,
  formatScalar,
  isBranchTaken,
  knownScalar,
  markKnown,
  negateJmpOp,
  refineCondOp,
  scalarAlu,
  scalarMov,
  unknownScalar,
  type ScalarBounds,
} from "../../../src/verifier/bounds.ts";

/** `dst op= imm` for ALU64 (is64) or ALU (w registers); div/mod unsigned. */
const aluK = (op: number, dst: ScalarBounds, imm: number, is64 = true): void =>
  scalarAlu(op, dst, knownScalar(BigInt(imm)), is64, { signed: false });

/** A register loaded with a zero-extending load of `size` bytes. */
function loaded(size: number): ScalarBounds {
  const r = unknownScalar();
  coerceToSize(r, size);
  return r;
}

describe("jmp32 tightens the 64-bit view", () => {
  it("if w0 > 0x1 goto (false branch); w6 = w0; r6 <<= 32; r6 >>= 32 leaves umax=1", () => {
    const r0 = unknownScalar();
    const k = knownScalar(1n);
    expect(isBranchTaken(BPF_JGT, r0, k, true)).toBe(-1);
    refineCondOp(r0, k, negateJmpOp(BPF_JGT), true);
    const r6 = unknownScalar();
    scalarMov(r6, r0, false);
    aluK(BPF_LSH, r6, 32);
    aluK(BPF_RSH, r6, 32);
    expect(r6.umax).toBe(1n);
    expect(formatScalar(r6)).toBe(
      "scalar(smin=smin32=0,smax=umax=smax32=umax32=1,var_off=(0x0; 0x1))",
    );
  });

  it("a 32-bit compare narrows the subregister and the 64-bit value it zero-extends to", () => {
    const r1 = loaded(4); // r1 = *(u32 *)...
    refineCondOp(r1, knownScalar(10n), BPF_JLT, true); // if w1 < 10 (true branch)
    expect(formatScalar(r1)).toBe(
      "scalar(smin=smin32=0,smax=umax=smax32=umax32=9,var_off=(0x0; 0xf))",
    );
  });
});

// kernel selftests progs/exceptions_assert.c: `num = bpf_ktime_get_ns();
// bpf_assert(bpf_cmp_unlikely(num, op, value))` continues with the state
// where `num op value` holds (64-bit signed compares).
describe("exceptions_assert: refinement of an unknown s64 against constants", () => {
  const INT_MIN = -0x8000_0000n;
  const INT_MAX = 0x7fff_ffffn;
  const cases: [string, number, bigint, string][] = [
    ["== INT_MIN", BPF_JEQ, INT_MIN, "0xffffffff80000000"],
    ["== INT_MAX", BPF_JEQ, INT_MAX, "0x7fffffff"],
    ["== 0", BPF_JEQ, 0n, "0"],
    ["== LLONG_MIN", BPF_JEQ, S64_MIN, "0x8000000000000000"],
    ["== LLONG_MAX", BPF_JEQ, S64_MAX, "0x7fffffffffffffff"],
    ["< INT_MAX", BPF_JSLT, INT_MAX, "scalar(smax=0x7ffffffe)"],
    [
      "< 0",
      BPF_JSLT,
      0n,
      "scalar(smax=-1,umin=0x8000000000000000,var_off=(0x8000000000000000; 0x7fffffffffffffff))",
    ],
    [
      "< INT_MIN",
      BPF_JSLT,
      INT_MIN,
      "scalar(smax=0xffffffff7fffffff,umin=0x8000000000000000,umax=0xffffffff7fffffff,var_off=(0x8000000000000000; 0x7fffffffffffffff))",
    ],
    ["<= INT_MAX", BPF_JSLE, INT_MAX, "scalar(smax=0x7fffffff)"],
    ["<= 0", BPF_JSLE, 0n, "scalar(smax=0)"],
    [
      "<= INT_MIN",
      BPF_JSLE,
      INT_MIN,
      "scalar(smax=0xffffffff80000000,umin=0x8000000000000000,umax=0xffffffff80000000,var_off=(0x8000000000000000; 0x7fffffffffffffff))",
    ],
    [
      "> INT_MAX",
      BPF_JSGT,
      INT_MAX,
      "scalar(smin=umin=0x80000000,umax=0x7fffffffffffffff,var_off=(0x0; 0x7fffffffffffffff))",
    ],
    [
      "> 0",
      BPF_JSGT,
      0n,
      "scalar(smin=umin=1,umax=0x7fffffffffffffff,var_off=(0x0; 0x7fffffffffffffff))",
    ],
    ["> INT_MIN", BPF_JSGT, INT_MIN, "scalar(smin=0xffffffff80000001)"],
    [
      ">= INT_MAX",
      BPF_JSGE,
      INT_MAX,
      "scalar(smin=umin=0x7fffffff,umax=0x7fffffffffffffff,var_off=(0x0; 0x7fffffffffffffff))",
    ],
    [
      ">= 0",
      BPF_JSGE,
      0n,
      "scalar(smin=0,umax=0x7fffffffffffffff,var_off=(0x0; 0x7fffffffffffffff))",
    ],
    [">= INT_MIN", BPF_JSGE, INT_MIN, "scalar(smin=0xffffffff80000000)"],
  ];
  it.each(cases)("num %s", (_name, op, value, text) => {
    const num = unknownScalar();
    refineCondOp(num, knownScalar(value), op, false);
    expect(formatScalar(num)).toBe(text);
  });

  it("the other branch (the compare fails) is refined with the negated op", () => {
    const num = unknownScalar();
    refineCondOp(num, knownScalar(0n), negateJmpOp(BPF_JSLT), false);
    expect(formatScalar(num)).toBe(
      "scalar(smin=0,umax=0x7fffffffffffffff,var_off=(0x0; 0x7fffffffffffffff))",
    );
  });
});

// Verifier log of selftests dummy_st_ops test_2 and libbpf's usdt.bpf.h
// (kernel 6.12, quoted on the bpf list): `r <<= N; r s>>= N` sign
// extension idioms and narrow loads.
describe("verifier log lines of real programs", () => {
  it("r2 = *(u32 *)(r2 +0)", () => {
    expect(formatScalar(loaded(4))).toBe(
      "scalar(smin=0,smax=umax=0xffffffff,var_off=(0x0; 0xffffffff))",
    );
  });

  it("r1 = *(u8 *)(r8 +15)", () => {
    expect(formatScalar(loaded(1))).toBe(
      "scalar(smin=smin32=0,smax=umax=smax32=umax32=255,var_off=(0x0; 0xff))",
    );
  });

  it("r5 <<= 56; r5 s>>= 56 on an unknown (an s8 argument)", () => {
    const r5 = unknownScalar();
    aluK(BPF_LSH, r5, 56);
    expect(formatScalar(r5)).toBe(
      "scalar(smax=0x7f00000000000000,umax=0xff00000000000000,smin32=0,smax32=umax32=0,var_off=(0x0; 0xff00000000000000))",
    );
    aluK(BPF_ARSH, r5, 56);
    expect(formatScalar(r5)).toBe("scalar(smin=smin32=-128,smax=smax32=127)");
  });

  it("r1 = u8 load; r1 <<= 56 gives the same state as from an unknown", () => {
    const r1 = loaded(1);
    aluK(BPF_LSH, r1, 56);
    expect(formatScalar(r1)).toBe(
      "scalar(smax=0x7f00000000000000,umax=0xff00000000000000,smin32=0,smax32=umax32=0,var_off=(0x0; 0xff00000000000000))",
    );
    aluK(BPF_ARSH, r1, 56);
    expect(formatScalar(r1)).toBe("scalar(smin=smin32=-128,smax=smax32=127)");
    aluK(BPF_LSH, r1, 32);
    aluK(BPF_RSH, r1, 32);
    expect(formatScalar(r1)).toBe("scalar(smin=0,smax=umax=0xffffffff,var_off=(0x0; 0xffffffff))");
  });

  it("r4 &= 65535 on an unknown", () => {
    const r4 = unknownScalar();
    aluK(BPF_AND, r4, 65535);
    expect(formatScalar(r4)).toBe(
      "scalar(smin=smin32=0,smax=umax=smax32=umax32=0xffff,var_off=(0x0; 0xffff))",
    );
  });

  it("r3 <<= 32; r3 s>>= 32 on an unknown (an int argument)", () => {
    const r3 = unknownScalar();
    aluK(BPF_LSH, r3, 32);
    expect(formatScalar(r3)).toBe(
      "scalar(smax=0x7fffffff00000000,umax=0xffffffff00000000,smin32=0,smax32=umax32=0,var_off=(0x0; 0xffffffff00000000))",
    );
    aluK(BPF_ARSH, r3, 32);
    expect(formatScalar(r3)).toBe("scalar(smin=0xffffffff80000000,smax=0x7fffffff)");
  });

  it("an s8 sign-extending load of an unknown (selftests verifier_ldsx)", () => {
    const r1 = unknownScalar();
    coerceToSizeSx(r1, 1);
    expect(formatScalar(r1)).toBe("scalar(smin=smin32=-128,smax=smax32=127)");
  });
});

describe("rules of the current kernel beyond 6.8", () => {
  it("BPF_NEG keeps ranges: r0 = u8 load; r0 = -r0", () => {
    const r0 = loaded(1);
    scalarAlu(BPF_NEG, r0, null, true);
    expect([r0.smin, r0.smax]).toEqual([-255n, 0n]);
  });

  it("w0 ^= 1; w0 = -w0 on a u8 keeps the 32-bit signed range", () => {
    const r0 = loaded(1);
    aluK(BPF_XOR, r0, 1, false);
    scalarAlu(BPF_NEG, r0, null, false);
    expect([r0.s32min, r0.s32max]).toEqual([-255n, 0n]);
    expect(r0.umax).toBe(U32_MAX); // zero-extended 32-bit result
  });

  it("division by a constant: r1 = (r0 & 8) | 1; r1 /= 3", () => {
    const r1 = unknownScalar();
    aluK(BPF_AND, r1, 8);
    aluK(BPF_OR, r1, 1);
    aluK(BPF_DIV, r1, 3);
    expect(formatScalar(r1)).toBe(
      "scalar(smin=smin32=0,smax=umax=smax32=umax32=3,var_off=(0x0; 0x3))",
    );
  });

  it("x / 0 = 0 and x % 0 = x", () => {
    const r1 = unknownScalar();
    aluK(BPF_AND, r1, 9);
    const r2 = unknownScalar();
    aluK(BPF_AND, r2, 9);
    aluK(BPF_DIV, r1, 0);
    expect(formatScalar(r1)).toBe("0");
    aluK(BPF_MOD, r2, 0);
    expect(formatScalar(r2)).toBe(
      "scalar(smin=smin32=0,smax=umax=smax32=umax32=9,var_off=(0x0; 0x9))",
    );
  });

  it("division by a non-constant register is not tracked", () => {
    const r1 = unknownScalar();
    aluK(BPF_AND, r1, 8);
    const r2 = unknownScalar();
    aluK(BPF_AND, r2, 1);
    aluK(BPF_OR, r2, 2);
    scalarAlu(BPF_DIV, r1, r2, true, { signed: false });
    expect(formatScalar(r1)).toBe("scalar()");
  });

  it("modulo by a constant bounds the result", () => {
    const r1 = unknownScalar();
    aluK(BPF_MOD, r1, 10);
    expect([r1.umin, r1.umax]).toEqual([0n, 9n]);
    const s = unknownScalar();
    scalarAlu(BPF_MOD, s, knownScalar(10n), true, { signed: true });
    expect([s.smin, s.smax]).toEqual([-9n, 9n]);
  });

  it("shifts by a non-constant or too large amount make the register unknown", () => {
    const r = loaded(1);
    scalarAlu(BPF_LSH, r, loaded(1), true);
    expect(formatScalar(r)).toBe("scalar()");
    const w = loaded(1);
    // A 32-bit shift whose source has a constant low half but unknown upper bits.
    const src = unknownScalar();
    src.varOff = { value: 3n, mask: 0xffff_ffff_0000_0000n };
    scalarAlu(BPF_LSH, w, src, false);
    expect(formatScalar(w)).toBe("scalar()");
  });
});

describe("branch refinement details", () => {
  it("JNE against a range end moves the end", () => {
    const r = loaded(1);
    refineCondOp(r, knownScalar(0n), BPF_JNE, false);
    expect([r.umin, r.umax]).toEqual([1n, 255n]);
    refineCondOp(r, knownScalar(255n), BPF_JNE, false);
    expect([r.umin, r.umax]).toEqual([1n, 254n]);
  });

  it("JSET with a single bit sets it; the false branch clears all tested bits", () => {
    const a = loaded(1);
    refineCondOp(a, knownScalar(4n), BPF_JSET, false);
    expect(a.varOff).toEqual({ value: 4n, mask: 0xfbn });
    const b = loaded(1);
    refineCondOp(b, knownScalar(0xf0n), negateJmpOp(BPF_JSET), false);
    expect(formatScalar(b)).toBe(
      "scalar(smin=smin32=0,smax=umax=smax32=umax32=15,var_off=(0x0; 0xf))",
    );
    const c = loaded(1);
    refineCondOp(c, knownScalar(0x3n), BPF_JSET, false); // two bits: nothing learned
    expect(formatScalar(c)).toBe(formatScalar(loaded(1)));
  });

  it("JEQ between two ranges intersects them both", () => {
    const a = loaded(1);
    const b = unknownScalar();
    refineCondOp(b, knownScalar(100n), BPF_JGE, false);
    refineCondOp(a, b, BPF_JEQ, false);
    expect([a.umin, a.umax, b.umin, b.umax]).toEqual([100n, 255n, 100n, 255n]);
  });

  it("register against register: a < b tightens both", () => {
    const a = loaded(1);
    const b = loaded(1);
    refineCondOp(a, b, BPF_JLT, false);
    expect([a.umax, b.umin]).toEqual([254n, 1n]);
    const c = loaded(1);
    const d = loaded(1);
    refineCondOp(c, d, BPF_JLE, false);
    expect([c.umax, d.umin]).toEqual([255n, 0n]);
  });
});

describe("known values and invariants", () => {
  it("mov imm: ALU64 sign-extends, ALU zero-extends", () => {
    const r = unknownScalar();
    markKnown(r, -1n);
    expect(formatScalar(r)).toBe("-1");
    const w = unknownScalar();
    scalarMov(w, r, false);
    expect(formatScalar(w)).toBe("0xffffffff");
  });

  it("an inconsistent record is reported in the kernel's words and reset", () => {
    const r = knownScalar(5n);
    r.umax = 4n;
    const line = boundsSanityCheck(r, "alu");
    expect(line).toBe(
      "verifier bug: REG INVARIANTS VIOLATION (alu): range bounds violation u64=[0x5, 0x4] s64=[0x5, 0x5] u32=[0x5, 0x5] s32=[0x5, 0x5] var_off=(0x5, 0x0)(1)",
    );
    expect([r.umin, r.umax, r.smin, r.smax, r.s32min, r.s32max]).toEqual([
      0n,
      (1n << 64n) - 1n,
      S64_MIN,
      S64_MAX,
      S32_MIN,
      S32_MAX,
    ]);
    expect(boundsSanityCheck(knownScalar(5n), "alu")).toBeNull();
  });

  it("all ops on the comparison table decide constants", () => {
    const ops = [
      BPF_JEQ,
      BPF_JNE,
      BPF_JGT,
      BPF_JGE,
      BPF_JLT,
      BPF_JLE,
      BPF_JSGT,
      BPF_JSGE,
      BPF_JSLT,
      BPF_JSLE,
      BPF_JSET,
    ];
    for (const op of ops)
      expect(isBranchTaken(op, knownScalar(3n), knownScalar(-3n), false)).not.toBe(-1);
  });
});
