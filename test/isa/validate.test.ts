import { describe, expect, it } from "vitest";
import { InsnError } from "../../src/errors.ts";
import { build, insn, type Insn } from "../../src/isa/index.ts";
import { INSN_FORMS, formOf } from "../../src/isa/forms.ts";
import * as op from "../../src/isa/opcodes.ts";
import { validate } from "../../src/isa/validate.ts";

const EXIT = build.exit();

function error(insns: Insn[], opts = {}): InsnError {
  try {
    validate(insns, opts);
  } catch (e) {
    if (e instanceof InsnError) return e;
    throw e;
  }
  throw new Error("program was accepted");
}

describe("validate", () => {
  it("accepts one instance of every form with its fields in range", () => {
    for (const f of INSN_FORMS) {
      const x = insn(f.code, f.dst === "reg" ? 1 : 0, f.match.src ?? (f.src === "reg" ? 2 : 0));
      x.off = f.match.off ?? 0;
      x.imm = f.match.imm ?? 0;
      if (f.name === "lddw_func") x.imm = 1; // the exit after the pair
      const prog = f.kind === "lddw" ? [x, insn(0), EXIT] : [x, EXIT];
      expect(formOf(x), f.name).toBe(f);
      expect(() => validate(prog, { callx: true }), f.name).not.toThrow();
    }
  });

  it.each<[string, Insn[], string, number]>([
    ["undefined opcode", [insn(0xff), EXIT], "unknown opcode ff", 0],
    ["neg with a register source", [insn(0x8c, 1, 2), EXIT], "unknown opcode 8c", 0],
    ["ld abs of a dword", [insn(0x38), EXIT], "unknown opcode 38", 0],
    ["register 11", [build.mov64Reg(11, 1), EXIT], "R11 is invalid", 0],
    ["source register 12", [build.mov64Reg(1, 12), EXIT], "R12 is invalid", 0],
    ["alu imm with src", [insn(0x07, 1, 1, 0, 1), EXIT], "BPF_ALU uses reserved fields", 0],
    ["alu reg with imm", [insn(0x0f, 1, 2, 0, 1), EXIT], "BPF_ALU uses reserved fields", 0],
    ["add with off=1", [insn(0x07, 1, 0, 1, 1), EXIT], "BPF_ALU uses reserved fields", 0],
    ["div with off=2", [insn(0x37, 1, 0, 2, 1), EXIT], "BPF_ALU uses reserved fields", 0],
    ["mov with off", [insn(0xb7, 1, 0, 1, 1), EXIT], "BPF_MOV uses reserved fields", 0],
    ["movsx32 from 32 bits", [insn(0xbc, 1, 2, 32), EXIT], "BPF_MOV uses reserved fields", 0],
    ["neg with imm", [insn(0x87, 1, 0, 0, 1), EXIT], "BPF_NEG uses reserved fields", 0],
    ["end width 8", [insn(0xdc, 1, 0, 0, 8), EXIT], "BPF_END uses reserved fields", 0],
    ["be with src", [insn(0xdc, 1, 1, 0, 16), EXIT], "BPF_END uses reserved fields", 0],
    ["ldx with imm", [insn(0x61, 1, 2, 0, 1), EXIT], "BPF_LDX uses reserved fields", 0],
    ["st with src", [insn(0x62, 10, 1, -4, 1), EXIT], "BPF_ST uses reserved fields", 0],
    ["stx with imm", [insn(0x63, 10, 1, -4, 1), EXIT], "BPF_STX uses reserved fields", 0],
    [
      "atomic sub",
      [insn(0xdb, 10, 1, -8, op.BPF_SUB), EXIT],
      "BPF_ATOMIC uses invalid atomic opcode 10",
      0,
    ],
    [
      "half-word atomic sub",
      [insn(0xcb, 10, 1, -8, op.BPF_SUB), EXIT],
      "BPF_ATOMIC uses invalid atomic opcode 10",
      0,
    ],
    [
      "byte atomic add",
      [insn(0xd3, 10, 1, -8, op.BPF_ADD), EXIT],
      "invalid atomic operand size",
      0,
    ],
    ["ld abs with dst", [insn(0x30, 1, 0, 0, 1), EXIT], "BPF_LD_[ABS|IND] uses reserved fields", 0],
    ["lddw off", [insn(0x18, 1, 0, 1), insn(0), EXIT], "BPF_LD_IMM64 uses reserved fields", 0],
    ["lddw src 7", [insn(0x18, 1, 7), insn(0), EXIT], "unrecognized bpf_ld_imm64 insn", 0],
    [
      "lddw map fd with hi",
      [insn(0x18, 1, 1, 0, 3), insn(0, 0, 0, 0, 1), EXIT],
      "unrecognized bpf_ld_imm64 insn",
      0,
    ],
    ["lddw bad second half", [insn(0x18, 1), insn(0x07), EXIT], "invalid bpf_ld_imm64 insn", 0],
    ["lddw cut short", [EXIT, insn(0x18, 1)], "invalid bpf_ld_imm64 insn", 1],
    ["ja with imm", [insn(0x05, 0, 0, 0, 1), EXIT], "BPF_JA uses reserved fields", 0],
    ["gotol with off", [insn(0x06, 0, 0, 1, 0), EXIT], "BPF_JA uses reserved fields", 0],
    ["jeq imm with src", [insn(0x15, 1, 1), EXIT], "BPF_JMP/JMP32 uses reserved fields", 0],
    ["jeq reg with imm", [insn(0x1d, 1, 2, 0, 1), EXIT], "BPF_JMP/JMP32 uses reserved fields", 0],
    ["call with dst", [insn(0x85, 1, 0, 0, 1), EXIT], "BPF_CALL uses reserved fields", 0],
    ["call src 3", [insn(0x85, 0, 3, 0, 1), EXIT], "BPF_CALL uses reserved fields", 0],
    ["helper call with off", [insn(0x85, 0, 0, 1, 1), EXIT], "BPF_CALL uses reserved fields", 0],
    ["exit with dst", [insn(0x95, 1), EXIT], "BPF_EXIT uses reserved fields", 0],
    ["may_goto with imm", [insn(0xe5, 0, 0, 0, 3), EXIT], "invalid may_goto imm 3", 0],
    ["callx by default", [insn(0x8d, 1), EXIT], "unknown opcode 8d", 0],
    ["jump past the end", [build.ja(5), EXIT], "jump out of range from insn 0 to 6", 0],
    [
      "jump before the start",
      [EXIT, build.jmpImm(op.BPF_JEQ, 1, 0, -3), EXIT],
      "jump out of range from insn 1 to -1",
      1,
    ],
    [
      "jump into lddw",
      [build.ja(1), ...build.ld64Imm(1, 1n), EXIT],
      "jump into the middle of ldimm64 insn 1",
      0,
    ],
    ["call out of range", [build.callLocal(9), EXIT], "call to invalid destination", 0],
    ["falls off the end", [build.mov64Imm(0, 0)], "last insn is not an exit or jmp", 0],
    ["empty", [], "empty program", 0],
  ])("%s", (_name, prog, message, pc) => {
    const e = error(prog);
    expect(e.message).toBe(message);
    expect(e.pc).toBe(pc);
  });

  it("accepts callx when asked to", () => {
    expect(() => validate([insn(0x8d, 1), EXIT], { callx: true })).not.toThrow();
    expect(error([insn(0x8d, 1, 0, 0, 1), EXIT], { callx: true }).message).toBe(
      "BPF_CALL uses reserved fields",
    );
  });

  it("accepts kfunc calls with an off (BTF fd index) and gotol/ja as the last insn", () => {
    expect(() => validate([build.callKfunc(5, 2), EXIT])).not.toThrow();
    expect(() => validate([build.mov64Imm(0, 0), build.gotol(-2)])).not.toThrow();
  });
});
