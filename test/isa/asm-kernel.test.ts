import { describe, expect, it } from "vitest";
import { AsmError } from "../../src/errors.ts";
import { assemble, assembleKernel, detectSyntax } from "../../src/isa/asm/index.ts";
import { encode, type Insn } from "../../src/isa/index.ts";

const hex = (insns: Insn[]): string => Buffer.from(encode(insns)).toString("hex");
const one = (line: string): string => hex(assembleKernel(line));

function asmError(text: string): AsmError {
  try {
    assembleKernel(text, "k.s");
  } catch (e) {
    if (e instanceof AsmError) return e;
    throw e;
  }
  throw new Error(`no error for ${JSON.stringify(text)}`);
}

describe("kernel-syntax assembler: encodings", () => {
  it.each([
    // kernel (disasm.c) forms
    ["r1 = *(u32 *)(r10 -8)", "61a1f8ff00000000"],
    ["*(u64 *)(r10 -8) = r1", "7b1af8ff00000000"],
    ["*(u16 *)(r10 -2) = 7", "6a0afeff07000000"],
    ["r1 = *(s8 *)(r2 +3)", "9121030000000000"],
    ["if r1 == 0x0 goto pc+4", "1501040000000000"],
    ["if w1 s> 0xffffffff goto pc-2", "6601feffffffffff"],
    ["if r1 & r2 goto pc+0", "4d21000000000000"],
    ["call bpf_map_lookup_elem#1", "8500000001000000"],
    ["call unknown#9999", "850000000f270000"],
    ["call pc+3", "8510000003000000"],
    ["call kernel-function#77", "852000004d000000"],
    ["r1 = 0x1122334455667788", "1801000088776655" + "0000000044332211"],
    ["r1 = map[id:5]", "1811000005000000" + "0000000000000000"],
    ["r2 = map[id:3][0]+8", "1822000003000000" + "0000000008000000"],
    ["r2 = map[idx:1]+4", "1862000001000000" + "0000000004000000"],
    ["r2 = btf_id[7]", "1832000007000000" + "0000000000000000"],
    ["r2 = subprog[-3]", "18420000fdffffff" + "0000000000000000"],
    ["r1 += -1", "07010000ffffffff"],
    ["w0 ^= w4", "ac40000000000000"],
    ["r1 s/= r2", "3f21010000000000"],
    ["w1 s%= 7", "9401010007000000"],
    ["r2 s>>= 3", "c702000003000000"],
    ["r3 = -r3", "8703000000000000"],
    ["w3 = -w3", "8403000000000000"],
    ["r0 = -2", "b7000000feffffff"],
    ["w1 = w10", "bca1000000000000"],
    ["r1 = (s8)r2", "bf21080000000000"],
    ["w1 = (s16)w2", "bc21100000000000"],
    ["r1 = be16 r1", "dc01000010000000"],
    ["r1 = le64 r1", "d401000040000000"],
    ["r1 = bswap32 r1", "d701000020000000"],
    ["lock *(u64 *)(r10 -8) += r1", "db1af8ff00000000"],
    ["lock *(u32 *)(r1 +4) |= r2", "c321040040000000"],
    ["r0 = atomic64_fetch_add((u64 *)(r1 +0), r0)", "db01000001000000"],
    ["r3 = atomic_fetch_xor((u32 *)(r1 -4), r3)", "c331fcffa1000000"],
    ["r2 = atomic64_xchg((u64 *)(r1 +0), r2)", "db210000e1000000"],
    ["r0 = atomic_cmpxchg((u32 *)(r1 +8), r0, r2)", "c3210800f1000000"],
    ["r1 = load_acquire((u8 *)(r2 +4))", "d321040000010000"],
    ["store_release((u64 *)(r10 -8), r3)", "db3af8ff10010000"],
    ["w0 = load_acquire((u32 *)(r1 + 0))", "c310000000010000"],
    ["r0 = *(u8 *)skb[12]", "300000000c000000"],
    ["r0 = *(u16 *)skb[r1 + 2]", "4810000002000000"],
    ["goto pc+4", "0500040000000000"],
    ["gotol pc+70000", "0600000070110100"],
    ["may_goto pc+5", "e500050000000000"],
    ["callx r2", "8d02000000000000"],
    ["exit", "9500000000000000"],
    // llvm-objdump forms
    ["r1 = *(u32 *)(r10 - 8)", "61a1f8ff00000000"],
    ["*(u64 *)(r10 - 8) = r1", "7b1af8ff00000000"],
    ["*(u32 *)(r10 - 4) = w1", "631afcff00000000"],
    ["w1 = *(u32 *)(r1 + 0)", "6111000000000000"],
    ["if r1 > 1 goto +4 <LBB0_2>", "2501040001000000"],
    ["goto -5 <LBB3_1>", "0500fbff00000000"],
    ["r1 = 0x1 ll", "1801000001000000" + "0000000000000000"],
    ["r1 = 4294967295 ll", "18010000ffffffff" + "0000000000000000"],
    ["call 1", "8500000001000000"],
    ["call -1", "85100000ffffffff"],
    ["lock *(u32 *)(r1 + 0) += w2", "c321000000000000"],
    ["r0 = atomic_fetch_add((u64 *)(r1 + 0), r0)", "db01000001000000"],
    ["w0 = atomic_fetch_and((u32 *)(r1 + 0), w0)", "c301000051000000"],
    ["r0 = xchg_64(r1 + 0, r0)", "db010000e1000000"],
    ["w0 = xchg32_32(r1 + 0, w0)", "c3010000e1000000"],
    ["r0 = cmpxchg_64(r1 + 8, r0, r2)", "db210800f1000000"],
    ["w0 = cmpxchg32_32(r1 + 0, w0, w2)", "c3210000f1000000"],
    ["w0 = w1", "bc10000000000000"],
    ["r0 = be16 r0", "dc00000010000000"],
    ["gotol +3", "0600000003000000"],
    ["may_goto +1", "e500010000000000"],
    // PREVAIL forms
    ["r1 = map_fd 1", "1811000001000000" + "0000000000000000"],
    ["r0 = map_lookup_elem:1(map_fd r1, map_key r2)", "8500000001000000"],
    [
      "r0 = ringbuf_output:130(map_fd r1, mem r2[r3?], uint64_t r3, uint64_t r4)",
      "8500000082000000",
    ],
    ["r0 >>>= 56", "c700000038000000"],
  ])("%s", (line, want) => {
    expect(one(line)).toBe(want);
  });

  it("calls helpers by name, local functions by label, and resolves goto labels", () => {
    const p = assembleKernel(
      [
        "entry:",
        "  call bpf_ktime_get_ns",
        "  call sub ; comment",
        "  goto done // c",
        "sub:",
        "  r0 = 1",
        "done:",
        "  exit",
      ].join("\n"),
    );
    expect(p[0]).toMatchObject({ src: 0, imm: 5 });
    expect(p[1]).toMatchObject({ src: 1, imm: 1 });
    expect(p[2]!.off).toBe(1);
  });

  it("skips verifier-log indexes, checks opcode prefixes, and reads llvm-objdump listings", () => {
    expect(hex(assembleKernel("0: (b7) r0 = 0\n1: (95) exit"))).toBe(
      "b700000000000000" + "9500000000000000",
    );
    const listing = [
      "build/x.o:\tfile format elf64-bpf",
      "",
      "Disassembly of section .text:",
      "",
      "0000000000000000 <func>:",
      "       0:\t85 00 00 00 07 00 00 00\tcall 7",
      "       1:\t18 01 00 00 00 00 00 00 00 00 00 00 00 00 00 00\tr1 = 0 ll",
      "\t\t0000000000000008:  R_BPF_64_64\tmap1",
      "       3:\t15 00 01 00 00 00 00 00\tif r0 == 0 goto +1 <LBB0_2>",
      "       4:\t95 00 00 00 00 00 00 00\texit",
      "",
      "0000000000000028 <LBB0_2>:",
      "       5:\t95 00 00 00 00 00 00 00\texit",
    ].join("\n");
    expect(hex(assembleKernel(listing))).toBe(
      "8500000007000000" +
        "1801000000000000" +
        "0000000000000000" +
        "1500010000000000" +
        "95000000000000009500000000000000",
    );
  });

  it("reads PREVAIL listings with trailing map descriptions", () => {
    const text =
      "       0:\tr1 = map_fd 1\n       2:\tr0 = 42\n       3:\texit\nmap 0:(original_fd = 1, type = 3)\n";
    expect(assembleKernel(text)).toHaveLength(4);
  });
});

describe("kernel-syntax assembler: errors name line, column and reason", () => {
  it.each<[string, number, number, RegExp]>([
    ["r1 = *(u32 *)(r10 -8", 1, 21, /incomplete instruction/],
    ["r1 ?= 2", 1, 4, /unexpected '\?'/],
    ["\n  r11 = 1", 2, 3, /invalid register 'r11'/],
    ["r1 = 2147483648", 1, 6, /out of 32-bit range/],
    ["r1 = *(u32 *)(r10 -40000)", 1, 19, /out of 16-bit range/],
    ["w1 += r2", 1, 7, /source must be a w register/],
    ["if r1 > w2 goto +1", 1, 9, /compared register must be an r register/],
    ["r1 = be16 r2", 1, 11, /same register/],
    ["r1 = foo r1", 1, 6, /unknown operation 'foo'/],
    ["r0 = atomic64_fetch_add((u32 *)(r1 +0), r0)", 1, 6, /needs a u64 operand/],
    ["r1 = atomic64_fetch_add((u64 *)(r1 +0), r0)", 1, 41, /same register/],
    ["call bpf_map_lookup_elem#2", 1, 26, /has id 1, not 2/],
    ["goto nowhere", 1, 6, /undefined label 'nowhere'/],
    ["(07) r1 = 1", 1, 1, /opcode prefix \(07\) does not match the instruction \(b7\)/],
    ["*(u64 *)(r10 -8) = w1", 1, 20, /64-bit access needs an r register/],
    ["x:\nx:", 2, 1, /duplicate label 'x'/],
  ])("%j", (text, line, col, reason) => {
    const e = asmError(text);
    expect(e.reason).toMatch(reason);
    expect({ line: e.line, column: e.column }).toEqual({ line, column: col });
  });
});

describe("assemble: syntax detection", () => {
  it.each<[string, "ubpf" | "kernel"]>([
    ["mov32 %r0, 1\nexit", "ubpf"],
    ["# comment\nexit\n", "kernel"],
    ["ja +1\nexit", "ubpf"],
    ["lock add [%r10-8], %r1", "ubpf"],
    ["r0 = 1\nexit", "kernel"],
    ["exit\ngoto +0", "kernel"],
    ["0: (b7) r0 = 0", "kernel"],
    ["call 1\nexit", "kernel"],
  ])("%j is %s", (text, syntax) => {
    expect(detectSyntax(text)).toBe(syntax);
  });

  it("assembles both syntaxes to the same bytes", () => {
    const a = assemble("mov32 %r0, 1\nadd %r0, %r1\njne %r0, 3, +1\nexit\nexit");
    const b = assemble("w0 = 1\nr0 += r1\nif r0 != 0x3 goto pc+1\nexit\nexit");
    expect(hex(a)).toBe(hex(b));
  });
});
