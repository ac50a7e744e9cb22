import { describe, expect, it } from "vitest";
import { build, decode, insn, type Insn } from "../../src/isa/index.ts";
import { disasm, disasmInsn } from "../../src/isa/disasm.ts";
import * as op from "../../src/isa/opcodes.ts";

const bytes = (hex: string): Insn[] =>
  decode(Uint8Array.from(Buffer.from(hex.replace(/\s+/g, ""), "hex")));
const one = (x: Insn | Insn[]): string => disasmInsn(Array.isArray(x) ? x : [x], 0);

describe("disasm: the kernel's text for every class", () => {
  it.each<[string, Insn | Insn[], string]>([
    ["alu64 imm", build.alu64Imm(op.BPF_ADD, 1, -1), "(07) r1 += -1"],
    ["alu32 reg", build.alu32Reg(op.BPF_XOR, 0, 4), "(ac) w0 ^= w4"],
    ["arsh", build.alu64Imm(op.BPF_ARSH, 2, 3), "(c7) r2 s>>= 3"],
    ["sdiv", insn(op.BPF_ALU64 | op.BPF_DIV | op.BPF_X, 1, 2, 1), "(3f) r1 s/= r2"],
    ["smod32", insn(op.BPF_ALU | op.BPF_MOD | op.BPF_K, 1, 0, 1, 7), "(94) w1 s%= 7"],
    ["neg", insn(op.BPF_ALU64 | op.BPF_NEG, 3), "(87) r3 = -r3"],
    ["neg32", insn(op.BPF_ALU | op.BPF_NEG, 3), "(84) w3 = -w3"],
    ["mov imm", build.mov64Imm(0, -2), "(b7) r0 = -2"],
    ["mov32 reg", build.mov32Reg(1, 10), "(bc) w1 = w10"],
    ["movsx", insn(op.BPF_ALU64 | op.BPF_MOV | op.BPF_X, 1, 2, 8), "(bf) r1 = (s8)r2"],
    ["movsx32", insn(op.BPF_ALU | op.BPF_MOV | op.BPF_X, 1, 2, 16), "(bc) w1 = (s16)w2"],
    ["be16", insn(0xdc, 1, 0, 0, 16), "(dc) r1 = be16 r1"],
    ["le64", insn(0xd4, 1, 0, 0, 64), "(d4) r1 = le64 r1"],
    ["bswap32", insn(0xd7, 1, 0, 0, 32), "(d7) r1 = bswap32 r1"],
    ["ldx", build.ldxMem(op.BPF_W, 1, 10, -8), "(61) r1 = *(u32 *)(r10 -8)"],
    ["ldx +0", build.ldxMem(op.BPF_DW, 0, 1, 0), "(79) r0 = *(u64 *)(r1 +0)"],
    ["ldxsx", build.ldxMemSx(op.BPF_B, 1, 2, 3), "(91) r1 = *(s8 *)(r2 +3)"],
    ["st", build.stMem(op.BPF_H, 10, -2, 7), "(6a) *(u16 *)(r10 -2) = 7"],
    ["stx", build.stxMem(op.BPF_DW, 10, 1, -8), "(7b) *(u64 *)(r10 -8) = r1"],
    [
      "lock add",
      build.atomic(op.BPF_DW, op.BPF_ADD, 10, 1, -8),
      "(db) lock *(u64 *)(r10 -8) += r1",
    ],
    ["lock or32", build.atomic(op.BPF_W, op.BPF_OR, 1, 2, 4), "(c3) lock *(u32 *)(r1 +4) |= r2"],
    [
      "fetch add",
      build.atomic(op.BPF_DW, op.BPF_ADD | op.BPF_FETCH, 1, 0, 0),
      "(db) r0 = atomic64_fetch_add((u64 *)(r1 +0), r0)",
    ],
    [
      "fetch xor32",
      build.atomic(op.BPF_W, op.BPF_XOR | op.BPF_FETCH, 1, 3, -4),
      "(c3) r3 = atomic_fetch_xor((u32 *)(r1 -4), r3)",
    ],
    [
      "xchg",
      build.atomic(op.BPF_DW, op.BPF_XCHG, 1, 2, 0),
      "(db) r2 = atomic64_xchg((u64 *)(r1 +0), r2)",
    ],
    [
      "cmpxchg32",
      build.atomic(op.BPF_W, op.BPF_CMPXCHG, 1, 2, 8),
      "(c3) r0 = atomic_cmpxchg((u32 *)(r1 +8), r0, r2)",
    ],
    ["load_acquire", insn(0xd3, 1, 2, 4, op.BPF_LOAD_ACQ), "(d3) r1 = load_acquire((u8 *)(r2 +4))"],
    [
      "store_release",
      insn(0xdb, 10, 3, -8, op.BPF_STORE_REL),
      "(db) store_release((u64 *)(r10 -8), r3)",
    ],
    ["lddw", build.ld64Imm(1, 0x1122334455667788n), "(18) r1 = 0x1122334455667788"],
    ["lddw map fd", build.ld64Imm(1, 5n, op.BPF_PSEUDO_MAP_FD), "(18) r1 = map[id:5]"],
    [
      "lddw map value",
      build.ld64Imm(2, (8n << 32n) | 3n, op.BPF_PSEUDO_MAP_VALUE),
      "(18) r2 = map[id:3][0]+8",
    ],
    ["lddw func", build.ld64Imm(2, 0xfffffffdn, op.BPF_PSEUDO_FUNC), "(18) r2 = subprog[-3]"],
    ["lddw map idx", build.ld64Imm(2, 1n, op.BPF_PSEUDO_MAP_IDX), "(18) r2 = map[idx:1]"],
    ["ld abs", insn(0x30, 0, 0, 0, 12), "(30) r0 = *(u8 *)skb[12]"],
    ["ld ind", insn(0x48, 0, 1, 0, 2), "(48) r0 = *(u16 *)skb[r1 + 2]"],
    ["ja", build.ja(4), "(05) goto pc+4"],
    ["ja back", build.ja(-1), "(05) goto pc-1"],
    ["gotol", build.gotol(70000), "(06) gotol pc+70000"],
    ["jeq imm", build.jmpImm(op.BPF_JEQ, 1, 0, 4), "(15) if r1 == 0x0 goto pc+4"],
    [
      "jsgt32 neg imm",
      build.jmp32Imm(op.BPF_JSGT, 1, -1, -2),
      "(66) if w1 s> 0xffffffff goto pc-2",
    ],
    ["jset reg", build.jmpReg(op.BPF_JSET, 1, 2, 0), "(4d) if r1 & r2 goto pc+0"],
    ["jle32 reg", build.jmp32Reg(op.BPF_JLE, 3, 4, 1), "(be) if w3 <= w4 goto pc+1"],
    ["helper", build.callHelper(1), "(85) call bpf_map_lookup_elem#1"],
    ["unknown helper", build.callHelper(9999), "(85) call unknown#9999"],
    ["bpf2bpf", build.callLocal(3), "(85) call pc+3"],
    ["kfunc", build.callKfunc(77), "(85) call kernel-function#77"],
    ["callx", insn(0x8d, 2), "(8d) callx r2"],
    ["exit", build.exit(), "(95) exit"],
    ["may_goto", insn(0xe5, 0, 0, 5), "(e5) may_goto pc+5"],
    ["invalid", insn(0xff), "(ff) invalid opcode ff"],
  ])("%s", (_name, x, text) => {
    expect(one(x)).toBe(text);
  });

  it("prints without the opcode prefix and with the instruction index; lddw takes two slots", () => {
    const p = bytes("18010000efbeadde 0000000000000000 b700000000000000 9500000000000000");
    expect(disasm(p, { index: true })).toEqual([
      "0: (18) r1 = 0xdeadbeef",
      "2: (b7) r0 = 0",
      "3: (95) exit",
    ]);
    expect(disasm(p, { opcodes: false })).toEqual(["r1 = 0xdeadbeef", "r0 = 0", "exit"]);
  });

  it("lets callers name maps, helpers and kfuncs", () => {
    const p = [
      ...build.ld64Imm(1, 3n, op.BPF_PSEUDO_MAP_FD),
      build.callHelper(1),
      build.callKfunc(42),
    ];
    const lines = disasm(p, {
      opcodes: false,
      lddwText: (x) => (x.src === op.BPF_PSEUDO_MAP_FD ? `map[id:${x.imm}] (counters)` : undefined),
      helperName: (id) => `helper_${id}`,
      kfuncName: (x) => (x.imm === 42 ? "bpf_obj_new_impl" : undefined),
    });
    expect(lines).toEqual([
      "r1 = map[id:3] (counters)",
      "call helper_1#1",
      "call bpf_obj_new_impl#42",
    ]);
  });
});
