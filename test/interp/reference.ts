// A BigInt reference model of RFC 9669 ALU and conditional-jump semantics,
// written straight from the RFC's text, for property tests of the interpreter.
const M64 = (1n << 64n) - 1n;
const M32 = 0xffffffffn;
const s64 = (x: bigint): bigint => BigInt.asIntN(64, x);
const s32 = (x: bigint): bigint => BigInt.asIntN(32, x);
const u64 = (x: bigint): bigint => BigInt.asUintN(64, x);
const u32 = (x: bigint): bigint => BigInt.asUintN(32, x);

export type AluName =
  | "add"
  | "sub"
  | "mul"
  | "div"
  | "sdiv"
  | "or"
  | "and"
  | "lsh"
  | "rsh"
  | "mod"
  | "smod"
  | "xor"
  | "mov"
  | "arsh";

export const ALU_NAMES: AluName[] = [
  "add",
  "sub",
  "mul",
  "div",
  "sdiv",
  "or",
  "and",
  "lsh",
  "rsh",
  "mod",
  "smod",
  "xor",
  "mov",
  "arsh",
];

/** dst op src in 64 or 32 bits; operands are unsigned 64-bit; the result too (32-bit ones zero-extended). */
export function aluRef(name: AluName, is64: boolean, dst: bigint, src: bigint): bigint {
  const w = is64 ? 64 : 32;
  const mask = is64 ? M64 : M32;
  const a = dst & mask;
  const b = src & mask;
  const sa = is64 ? s64(a) : s32(a);
  const sb = is64 ? s64(b) : s32(b);
  const wrap = (x: bigint): bigint => (is64 ? u64(x) : u32(x));
  switch (name) {
    case "add":
      return wrap(a + b);
    case "sub":
      return wrap(a - b);
    case "mul":
      return wrap(a * b);
    case "div":
      return b === 0n ? 0n : a / b;
    case "sdiv":
      return b === 0n ? 0n : wrap(sa / sb);
    case "mod":
      return b === 0n ? a : a % b;
    case "smod":
      return b === 0n ? a : wrap(sa % sb);
    case "or":
      return a | b;
    case "and":
      return a & b;
    case "xor":
      return a ^ b;
    case "mov":
      return b;
    case "lsh":
      return wrap(a << (b & BigInt(w - 1)));
    case "rsh":
      return a >> (b & BigInt(w - 1));
    case "arsh":
      return wrap(sa >> (b & BigInt(w - 1)));
  }
}

export type JmpName =
  "jeq" | "jne" | "jgt" | "jge" | "jlt" | "jle" | "jset" | "jsgt" | "jsge" | "jslt" | "jsle";
export const JMP_NAMES: JmpName[] = [
  "jeq",
  "jne",
  "jgt",
  "jge",
  "jlt",
  "jle",
  "jset",
  "jsgt",
  "jsge",
  "jslt",
  "jsle",
];

export function jmpRef(name: JmpName, is64: boolean, dst: bigint, src: bigint): boolean {
  const a = is64 ? u64(dst) : u32(dst);
  const b = is64 ? u64(src) : u32(src);
  const sa = is64 ? s64(a) : s32(a);
  const sb = is64 ? s64(b) : s32(b);
  switch (name) {
    case "jeq":
      return a === b;
    case "jne":
      return a !== b;
    case "jgt":
      return a > b;
    case "jge":
      return a >= b;
    case "jlt":
      return a < b;
    case "jle":
      return a <= b;
    case "jset":
      return (a & b) !== 0n;
    case "jsgt":
      return sa > sb;
    case "jsge":
      return sa >= sb;
    case "jslt":
      return sa < sb;
    case "jsle":
      return sa <= sb;
  }
}
