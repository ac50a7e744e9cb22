// CO-RE relocations against a target BTF: offsets move, sizes adapt when safe,
// flavors and anonymous members are followed, existence/type/enum facts are
// computed, and what cannot be relocated is poisoned or reported.
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { BtfBuilder } from "../../src/btf/builder.ts";
import type { Btf } from "../../src/btf/btf.ts";
import { applyCoreRelocations, CORE_POISON_IMM } from "../../src/btf/core/apply.ts";
import { essentialName } from "../../src/btf/core/compat.ts";
import { BtfError } from "../../src/btf/errors.ts";
import { CoreReloKind, type CoreReloRecord } from "../../src/btf/ext.ts";
import { insn, type Insn } from "../../src/isa/insn.ts";
import { loadCollectionSpecFile } from "../../src/elf/load.ts";
import { SAMPLES } from "../elf/samples.ts";

const LDXW = 0x61; // r = *(u32 *)(src + off)
const LDXDW = 0x79;
const MOV64_IMM = 0xb7;
const LDDW = 0x18;
const K = CoreReloKind;

/** Local BTF as the program's compiler saw it. */
function localBtf(): { btf: Btf; task: number; flavored: number; color: number; big: number } {
  const b = new BtfBuilder();
  const u32 = b.addInt("unsigned int", 4);
  const s32 = b.addInt("int", 4, { signed: true });
  const u16 = b.addInt("short unsigned int", 2);
  const task = b.addStruct("task", 24, [
    { name: "pid", type: u32, offset: 0 },
    { name: "tgid", type: s32, offset: 4 },
    { name: "comm", type: b.addArray(u16, 4, u32), offset: 8 },
    { name: "flags", type: u32, bitOffset: 128, bitfieldSize: 3 },
    { name: "gone", type: u32, offset: 20 },
  ]);
  const flavored = b.addStruct("cpu___v2", 8, [{ name: "nr_cpus", type: u32, offset: 4 }]);
  const color = b.addEnum("color", [
    { name: "RED", value: 0 },
    { name: "BLUE", value: 1 },
  ]);
  const big = b.addEnum64("wide", [{ name: "WIDE_MAX", value: 1n }]);
  return { btf: b.build(), task, flavored, color, big };
}

/** Target BTF: the runtime's own layout, different from the local one. */
function targetBtf(): Btf {
  const b = new BtfBuilder();
  const u64 = b.addInt("long long unsigned int", 8);
  const u32 = b.addInt("unsigned int", 4);
  const s64 = b.addInt("long long int", 8, { signed: true });
  const u16 = b.addInt("short unsigned int", 2);
  const anon = b.addUnion("", 8, [
    { name: "pid", type: u64, offset: 0 },
    { name: "raw", type: u64, offset: 0 },
  ]);
  b.addStruct("task", 48, [
    { name: "state", type: u64, offset: 0 },
    { name: "", type: anon, offset: 8 },
    { name: "tgid", type: s64, offset: 16 },
    { name: "comm", type: b.addArray(u16, 8, u32), offset: 24 },
    { name: "flags", type: u32, bitOffset: 320 + 5, bitfieldSize: 3 },
  ]);
  b.addStruct("cpu___target", 8, [{ name: "nr_cpus", type: u32, offset: 0 }]);
  b.addEnum("color", [
    { name: "GREEN", value: 7 },
    { name: "BLUE", value: 9 },
  ]);
  b.addEnum64("wide", [{ name: "WIDE_MAX", value: 0x1_0000_0000n }]);
  return b.build();
}

function relocate(
  insns: Insn[],
  relos: CoreReloRecord[],
  local = localBtf().btf,
  target = targetBtf(),
) {
  return applyCoreRelocations(insns, relos, local, target, { program: "p" });
}

describe("field relocations", () => {
  const { task } = localBtf();

  it("moves load offsets and widens unsigned loads (through an anonymous union)", () => {
    const r = relocate(
      [insn(LDXW, 1, 2, 0)],
      [{ insnOff: 0, typeId: task, accessStr: "0:0", kind: K.FIELD_BYTE_OFFSET }],
    );
    expect(r.insns[0]).toEqual(insn(LDXDW, 1, 2, 8));
    expect(r.results[0]!.target).toBe("<byte_off> [7] STRUCT task.pid (0:1:0 @ offset 8)");
  });

  it("poisons a signed load whose size would change", () => {
    const r = relocate(
      [insn(LDXW, 1, 2, 4)],
      [{ insnOff: 0, typeId: task, accessStr: "0:1", kind: K.FIELD_BYTE_OFFSET }],
    );
    expect(r.insns[0]).toEqual(insn(0x85, 0, 0, 0, CORE_POISON_IMM));
    expect(r.results[0]!.poisoned).toBe(true);
  });

  it("relocates array element offsets and sizes", () => {
    const r = relocate(
      [insn(MOV64_IMM, 1, 0, 0, 12), insn(MOV64_IMM, 2, 0, 0, 8)],
      [
        { insnOff: 0, typeId: task, accessStr: "0:2:2", kind: K.FIELD_BYTE_OFFSET },
        { insnOff: 1, typeId: task, accessStr: "0:2", kind: K.FIELD_BYTE_SIZE },
      ],
    );
    expect(r.insns.map((x) => x.imm)).toEqual([24 + 4, 16]);
  });

  it("computes bitfield shifts and signedness", () => {
    const kinds = [
      K.FIELD_BYTE_OFFSET,
      K.FIELD_BYTE_SIZE,
      K.FIELD_LSHIFT_U64,
      K.FIELD_RSHIFT_U64,
      K.FIELD_SIGNED,
    ];
    const expectedLocal = [16, 4, 61, 61, 0];
    const local = relocate(
      expectedLocal.map((v) => insn(MOV64_IMM, 1, 0, 0, v)),
      kinds.map((kind, i) => ({ insnOff: i, typeId: task, accessStr: "0:3", kind })),
      localBtf().btf,
      localBtf().btf,
    );
    // Local: 3 bits at bit 128 of a u32 -> byte 16, size 4, lshift 64-(128+3-128)=61, rshift 61, unsigned.
    expect(local.results.map((r) => r.value)).toEqual([16n, 4n, 61n, 61n, 0n]);
    const targ = relocate(
      expectedLocal.map((v) => insn(MOV64_IMM, 1, 0, 0, v)),
      kinds.map((kind, i) => ({ insnOff: i, typeId: task, accessStr: "0:3", kind })),
    );
    // Target: bit 325 -> byte 40, lshift 64-(325+3-320)=56.
    expect(targ.results.map((r) => r.value)).toEqual([40n, 4n, 56n, 61n, 0n]);
    expect(targ.insns.map((x) => x.imm)).toEqual([40, 4, 56, 61, 0]);
  });

  it("answers existence and poisons uses of missing fields", () => {
    const r = relocate(
      [insn(MOV64_IMM, 1, 0, 0, 1), insn(MOV64_IMM, 1, 0, 0, 1), insn(LDXW, 1, 2, 20)],
      [
        { insnOff: 0, typeId: task, accessStr: "0:1", kind: K.FIELD_EXISTS },
        { insnOff: 1, typeId: task, accessStr: "0:4", kind: K.FIELD_EXISTS },
        { insnOff: 2, typeId: task, accessStr: "0:4", kind: K.FIELD_BYTE_OFFSET },
      ],
    );
    expect(r.insns[0]!.imm).toBe(1);
    expect(r.insns[1]!.imm).toBe(0);
    expect(r.insns[2]).toEqual(insn(0x85, 0, 0, 0, CORE_POISON_IMM));
  });

  it("matches flavored local types to the plain target name", () => {
    const { flavored } = localBtf();
    expect(essentialName("cpu___v2")).toBe("cpu");
    expect(essentialName("a___b___c")).toBe("a___b");
    expect(essentialName("__x___")).toBe("__x___");
    const r = relocate(
      [insn(LDXW, 1, 2, 4)],
      [{ insnOff: 0, typeId: flavored, accessStr: "0:0", kind: K.FIELD_BYTE_OFFSET }],
    );
    expect(r.insns[0]!.off).toBe(0);
  });
});

describe("type and enum relocations", () => {
  const { btf, task, color, big } = localBtf();

  it("gives type existence, size and ids", () => {
    const r = relocate(
      [
        insn(MOV64_IMM, 1, 0, 0, 1),
        insn(MOV64_IMM, 1, 0, 0, 24),
        insn(MOV64_IMM, 1, 0, 0, 0),
        insn(MOV64_IMM, 1, 0, 0, task),
      ],
      [
        { insnOff: 0, typeId: task, accessStr: "0", kind: K.TYPE_EXISTS },
        { insnOff: 1, typeId: task, accessStr: "0", kind: K.TYPE_SIZE },
        { insnOff: 2, typeId: task, accessStr: "0", kind: K.TYPE_ID_TARGET },
        { insnOff: 3, typeId: task, accessStr: "0", kind: K.TYPE_ID_LOCAL },
      ],
    );
    expect(r.insns.map((x) => x.imm)).toEqual([1, 48, 7, task]);
  });

  it("gives 0 for a type the target lacks, without poisoning", () => {
    const b = BtfBuilder.from(btf);
    const lonely = b.addStruct("lonely", 4, []);
    const r = applyCoreRelocations(
      [insn(MOV64_IMM, 1, 0, 0, 1), insn(MOV64_IMM, 1, 0, 0, 4)],
      [
        { insnOff: 0, typeId: lonely, accessStr: "0", kind: K.TYPE_EXISTS },
        { insnOff: 1, typeId: lonely, accessStr: "0", kind: K.TYPE_SIZE },
      ],
      b.build(),
      targetBtf(),
    );
    expect(r.insns.map((x) => x.imm)).toEqual([0, 0]);
  });

  it("relocates enum values by enumerator name, 64-bit ones into lddw", () => {
    const r = relocate(
      [
        insn(MOV64_IMM, 1, 0, 0, 1),
        insn(MOV64_IMM, 1, 0, 0, 1),
        insn(MOV64_IMM, 1, 0, 0, 0),
        insn(LDDW, 1, 0, 0, 1),
        insn(0),
      ],
      [
        { insnOff: 0, typeId: color, accessStr: "1", kind: K.ENUMVAL_VALUE },
        { insnOff: 1, typeId: color, accessStr: "0", kind: K.ENUMVAL_EXISTS },
        { insnOff: 2, typeId: color, accessStr: "0", kind: K.ENUMVAL_VALUE },
        { insnOff: 3, typeId: big, accessStr: "0", kind: K.ENUMVAL_VALUE },
      ],
    );
    expect(r.insns[0]!.imm).toBe(9);
    expect(r.insns[1]!.imm).toBe(0);
    expect(r.insns[2]).toEqual(insn(0x85, 0, 0, 0, CORE_POISON_IMM));
    expect([r.insns[3]!.imm, r.insns[4]!.imm]).toEqual([0, 1]);
  });
});

describe("errors", () => {
  const { task } = localBtf();

  it("rejects an instruction that does not hold the expected value", () => {
    expect(() =>
      relocate(
        [insn(LDXW, 1, 2, 12)],
        [{ insnOff: 0, typeId: task, accessStr: "0:1", kind: K.FIELD_BYTE_OFFSET }],
      ),
    ).toThrow("prog 'p': relo #0: unexpected insn #0 (LDX/ST/STX) value: got 12, exp 4 -> 16");
  });

  it("rejects access strings that do not fit the local type", () => {
    expect(() =>
      relocate([insn(LDXW, 1, 2, 0)], [{ insnOff: 0, typeId: task, accessStr: "0:9", kind: 0 }]),
    ).toThrow(/relo #0: parsing \[\d+\] STRUCT task \+ 0:9 failed/);
    expect(() =>
      relocate(
        [insn(LDXW, 1, 2, 0)],
        [{ insnOff: 0, typeId: task, accessStr: "1", kind: K.TYPE_SIZE }],
      ),
    ).toThrow(BtfError);
  });

  it("rejects an rshift that disagrees with the local layout (never ambiguous, always checked)", () => {
    expect(() =>
      relocate(
        [insn(MOV64_IMM, 1, 0, 0, 0)],
        [{ insnOff: 0, typeId: task, accessStr: "0:3", kind: K.FIELD_RSHIFT_U64 }],
      ),
    ).toThrow("unexpected insn #0 (ALU/ALU64) value: got 0, exp 61 -> 61");
  });

  it("rejects candidates that disagree on the offset", () => {
    const b = new BtfBuilder();
    const u32 = b.addInt("unsigned int", 4);
    b.addStruct("task", 8, [{ name: "pid", type: u32, offset: 0 }]);
    b.addStruct("task___other", 8, [{ name: "pid", type: u32, offset: 4 }]);
    const { task: lt } = localBtf();
    expect(() =>
      applyCoreRelocations(
        [insn(LDXW, 1, 2, 0)],
        [{ insnOff: 0, typeId: lt, accessStr: "0:0", kind: 0 }],
        localBtf().btf,
        b.build(),
      ),
    ).toThrow(/field offset ambiguity: 32 != 0/);
  });

  it("rejects relocations outside the program", () => {
    expect(() =>
      relocate([insn(LDXW, 1, 2, 0)], [{ insnOff: 5, typeId: task, accessStr: "0:0", kind: 0 }]),
    ).toThrow(/outside the program/);
  });
});

describe("corpus", () => {
  it.each(["cilium-examples/tcprtt_bpf_bpfel.o", "cilium-examples/tcprtt_sockops_bpf_bpfel.o"])(
    "%s relocated against its own BTF keeps every instruction",
    (rel) => {
      const spec = loadCollectionSpecFile(join(SAMPLES, rel));
      const withRelos = spec.programs.filter((p) => p.coreRelos.length > 0);
      expect(withRelos.length).toBeGreaterThan(0);
      for (const p of withRelos) {
        const r = applyCoreRelocations(p.insns, p.coreRelos, spec.btf!, spec.btf!);
        expect(r.insns).toEqual(p.insns);
        expect(r.results.every((x) => !x.poisoned && x.target !== undefined)).toBe(true);
      }
    },
  );
});
