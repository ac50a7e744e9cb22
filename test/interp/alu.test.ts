// Per-opcode semantics of the ALU, byte-swap and move instructions at their
// edges (RFC 9669 + Linux): zero extension, division by zero, INT_MIN / -1,
// masked shift amounts, sign extension.
import { describe, expect, it } from "vitest";
import { r0, u64 } from "./run.ts";

const I64_MIN = -(1n << 63n);

// [description, program (uBPF syntax; ';' separates lines), expected r0]
const CASES: Array<[string, string, bigint]> = [
  // 32-bit results zero-extend, whatever the operation.
  ["add32 wraps and zero-extends", "lddw %r0, 0xffffffffffffffff; add32 %r0, 1", 0n],
  ["sub32 zero-extends a negative", "mov %r0, 0; sub32 %r0, 1", 0xffffffffn],
  ["mov32 imm zero-extends", "mov32 %r0, -1", 0xffffffffn],
  ["mov32 reg clears the high word", "lddw %r1, 0x1234567800000001; mov32 %r0, %r1", 1n],
  ["mul32 keeps the low 32 bits", "mov32 %r0, 0x10001; mul32 %r0, 0x10001", 0x20001n],
  ["or32 zero-extends", "lddw %r0, 0xff00000000000000; or32 %r0, 1", 1n],
  ["neg32", "mov32 %r0, 5; neg32 %r0", 0xfffffffbn],
  ["neg32 INT_MIN", "mov32 %r0, 0x80000000; neg32 %r0", 0x80000000n],
  // 64-bit carry/borrow across the halves.
  ["add64 carries into the high word", "mov32 %r0, -1; add %r0, 1", 0x100000000n],
  ["sub64 borrows from the high word", "lddw %r0, 0x100000000; sub %r0, 1", 0xffffffffn],
  ["add64 imm is sign-extended", "mov %r0, 0; add %r0, -1", u64(-1n)],
  [
    "mul64 full 64-bit low product",
    "lddw %r0, 0x123456789abcdef; lddw %r1, 0xfedcba987654321; mul %r0, %r1",
    u64(0x123456789abcdefn * 0xfedcba987654321n),
  ],
  ["mul64 INT64_MIN * -1", "lddw %r0, 0x8000000000000000; mul %r0, -1", u64(I64_MIN)],
  ["neg64", "mov %r0, 1; neg %r0", u64(-1n)],
  ["neg64 of 0x100000000", "lddw %r0, 0x100000000; neg %r0", u64(-0x100000000n)],
  ["neg64 INT64_MIN", "lddw %r0, 0x8000000000000000; neg %r0", u64(I64_MIN)],
  // Unsigned division and modulo.
  ["div64 by zero register is 0", "mov %r0, 7; mov %r1, 0; div %r0, %r1", 0n],
  ["div32 by zero register is 0", "lddw %r0, 0x700000007; mov %r1, 0; div32 %r0, %r1", 0n],
  ["mod64 by zero leaves dst", "lddw %r0, 0x700000007; mov %r1, 0; mod %r0, %r1", 0x700000007n],
  [
    "mod32 by zero keeps the low word, zero-extended",
    "lddw %r0, 0x700000009; mov %r1, 0; mod32 %r0, %r1",
    9n,
  ],
  ["div64 is unsigned", "mov %r0, -1; div %r0, 2", 0x7fffffffffffffffn],
  ["div64 imm is sign-extended (-1 = 2^64-1)", "lddw %r0, 0xffffffffffffffff; div %r0, -1", 1n],
  ["div32 is unsigned", "mov32 %r0, -1; div32 %r0, 2", 0x7fffffffn],
  [
    "div64 wide operands",
    "lddw %r0, 0xfedcba9876543210; lddw %r1, 0x123456789; div %r0, %r1",
    0xfedcba9876543210n / 0x123456789n,
  ],
  [
    "mod64 wide operands",
    "lddw %r0, 0xfedcba9876543210; lddw %r1, 0x123456789; mod %r0, %r1",
    0xfedcba9876543210n % 0x123456789n,
  ],
  ["mod32", "mov32 %r0, -1; mod32 %r0, 10", 0xffffffffn % 10n],
  // Signed division and modulo (off = 1).
  ["sdiv64 truncates toward zero", "mov %r0, -7; sdiv %r0, 2", u64(-3n)],
  ["sdiv64 by zero is 0", "mov %r0, -7; mov %r1, 0; sdiv %r0, %r1", 0n],
  ["sdiv64 INT64_MIN / -1 = INT64_MIN", "lddw %r0, 0x8000000000000000; sdiv %r0, -1", u64(I64_MIN)],
  [
    "sdiv64 INT32_MIN / -1 does not overflow 64 bits",
    "mov %r0, -2147483648; sdiv %r0, -1",
    0x80000000n,
  ],
  [
    "sdiv64 wide",
    "lddw %r0, 0x8000000000000001; lddw %r1, 0x100000000; sdiv %r1, %r1; sdiv %r0, 3",
    u64((I64_MIN + 1n) / 3n),
  ],
  ["sdiv32 INT32_MIN / -1 = INT32_MIN", "mov32 %r0, 0x80000000; sdiv32 %r0, -1", 0x80000000n],
  ["sdiv32 by zero is 0", "mov32 %r0, -5; mov %r1, 0; sdiv32 %r0, %r1", 0n],
  ["sdiv32 signed", "mov32 %r0, -9; sdiv32 %r0, 2", 0xfffffffcn],
  ["smod64 takes the dividend's sign", "mov %r0, -7; smod %r0, 3", u64(-1n)],
  ["smod64 by a negative", "mov %r0, 7; smod %r0, -3", 1n],
  ["smod64 INT64_MIN % -1 = 0", "lddw %r0, 0x8000000000000000; smod %r0, -1", 0n],
  ["smod64 by zero leaves dst", "mov %r0, -7; mov %r1, 0; smod %r0, %r1", u64(-7n)],
  [
    "smod64 wide",
    "lddw %r0, 0x8000000000000001; smod %r0, 1000000007",
    u64((I64_MIN + 1n) % 1000000007n),
  ],
  ["smod32 by zero zero-extends dst", "mov %r0, -7; mov %r1, 0; smod32 %r0, %r1", 0xfffffff9n],
  ["smod32 INT32_MIN % -1 = 0", "mov32 %r0, 0x80000000; smod32 %r0, -1", 0n],
  ["smod32", "mov32 %r0, -7; smod32 %r0, 3", 0xffffffffn],
  // Shifts: amounts masked to 63 / 31.
  ["lsh64 by 64 is by 0", "mov %r0, 3; mov %r1, 64; lsh %r0, %r1", 3n],
  ["lsh64 by 65 is by 1", "mov %r0, 3; mov %r1, 65; lsh %r0, %r1", 6n],
  ["lsh64 across the halves", "mov %r0, 3; lsh %r0, 31", 0x180000000n],
  ["lsh64 by 32", "mov32 %r0, -1; lsh %r0, 32", 0xffffffff00000000n],
  ["lsh64 by 63", "mov %r0, 3; lsh %r0, 63", 0x8000000000000000n],
  ["rsh64 across the halves", "lddw %r0, 0x180000000; rsh %r0, 31", 3n],
  ["rsh64 by 32", "lddw %r0, 0xffffffff00000000; rsh %r0, 32", 0xffffffffn],
  ["rsh64 by 63 is logical", "mov %r0, -1; rsh %r0, 63", 1n],
  ["rsh64 masks the register amount", "mov %r0, -1; mov %r1, 127; rsh %r0, %r1", 1n],
  ["arsh64 by 63", "lddw %r0, 0x8000000000000000; arsh %r0, 63", u64(-1n)],
  ["arsh64 by 40", "lddw %r0, 0x8000000000000000; arsh %r0, 40", u64(-(1n << 23n))],
  ["arsh64 by 4 keeps low bits", "lddw %r0, 0xf000000000000010; arsh %r0, 4", 0xff00000000000001n],
  ["lsh32 masks to 31", "mov32 %r0, 1; mov %r1, 33; lsh32 %r0, %r1", 2n],
  ["rsh32 zero-extends and is logical", "mov %r0, -1; rsh32 %r0, 1", 0x7fffffffn],
  [
    "arsh32 sign-fills within 32 bits then zero-extends",
    "mov32 %r0, 0x80000000; arsh32 %r0, 4",
    0xf8000000n,
  ],
  [
    "arsh32 register amount masked",
    "mov32 %r0, 0x80000000; mov %r1, 35; arsh32 %r0, %r1",
    0xf0000000n,
  ],
  // movsx
  ["movsx864", "mov %r1, 0x80; movsx864 %r0, %r1", u64(-128n)],
  ["movsx1664", "mov %r1, 0x8001; movsx1664 %r0, %r1", u64(-0x7fffn)],
  ["movsx3264", "mov32 %r1, 0x80000000; movsx3264 %r0, %r1", u64(-(1n << 31n))],
  ["movsx832 zero-extends the 32-bit result", "mov %r1, 0xff; movsx832 %r0, %r1", 0xffffffffn],
  ["movsx1632", "mov %r1, 0x7fff; movsx1632 %r0, %r1", 0x7fffn],
  // Byte order.
  ["be16 swaps and truncates", "lddw %r0, 0x1122334455667788; be16 %r0", 0x8877n],
  ["be32 swaps and truncates", "lddw %r0, 0x1122334455667788; be32 %r0", 0x88776655n],
  ["be64 swaps", "lddw %r0, 0x1122334455667788; be64 %r0", 0x8877665544332211n],
  ["le16 truncates", "lddw %r0, 0x1122334455667788; le16 %r0", 0x7788n],
  ["le32 truncates", "lddw %r0, 0x1122334455667788; le32 %r0", 0x55667788n],
  ["le64 is identity", "lddw %r0, 0x1122334455667788; le64 %r0", 0x1122334455667788n],
  ["bswap16 (ALU64)", "lddw %r0, 0x1122334455667788; bswap16 %r0", 0x8877n],
  ["bswap32 (ALU64)", "lddw %r0, 0x1122334455667788; bswap32 %r0", 0x88776655n],
  ["bswap64 (ALU64)", "lddw %r0, 0x1122334455667788; bswap64 %r0", 0x8877665544332211n],
  // Bitwise with sign-extended immediates.
  ["and64 imm sign-extends", "lddw %r0, 0xffffffffffffffff; and %r0, -2", u64(-2n)],
  ["and64 positive imm clears the high word", "lddw %r0, 0xffffffffffffffff; and %r0, 0xff", 0xffn],
  ["xor64 imm -1 inverts all 64 bits", "mov %r0, 0; xor %r0, -1", u64(-1n)],
  ["or64 reg", "lddw %r0, 0x100000000; mov %r1, 1; or %r0, %r1", 0x100000001n],
  ["lddw full constant", "lddw %r0, 0xdeadbeefcafef00d", 0xdeadbeefcafef00dn],
];

describe("ALU semantics", () => {
  it.each(CASES)("%s", (_name, text, want) => {
    expect(r0(text.split(";").join("\n") + "\nexit")).toBe(want);
  });
});
