// Loader paths the corpus lacks, on small objects written by the test:
// static subprograms called through the section symbol, calls inside one
// section without relocations, callbacks, kconfig and ksym externs, legacy
// map BTF annotations, and malformed relocations.
import { describe, expect, it } from "vitest";
import { BtfBuilder } from "../../src/btf/builder.ts";
import { BtfLinkage } from "../../src/btf/types.ts";
import { ElfError } from "../../src/elf/errors.ts";
import { loadCollectionSpec } from "../../src/elf/load.ts";
import { insn } from "../../src/isa/insn.ts";
import {
  BPF_PSEUDO_BTF_ID,
  BPF_PSEUDO_CALL,
  BPF_PSEUDO_FUNC,
  BPF_PSEUDO_KFUNC_CALL,
  BPF_PSEUDO_MAP_VALUE,
} from "../../src/isa/opcodes.ts";
import type { ProgramSpec } from "../../src/spec/types.ts";
import { ProgType } from "../../src/uapi/index.ts";
import { CODE, SHT, code, writeElf } from "./elf-writer.ts";

const R_64 = 1;
const R_32 = 10;
const CALL = (imm: number, src = BPF_PSEUDO_CALL) => insn(0x85, 0, src, 0, imm);
const MOV = (dst: number, imm: number) => insn(0xb7, dst, 0, 0, imm);
const EXIT = insn(0x95);
const LDDW = (dst: number, imm = 0) => [insn(0x18, dst, 0, 0, imm), insn(0)];

/** Where each call/function-address of a program lands, by function name. */
function targets(p: ProgramSpec): string[] {
  return p.insns.flatMap((x, pc) => {
    const isCall = x.code === 0x85 && x.src === BPF_PSEUDO_CALL;
    const isFunc = x.code === 0x18 && x.src === BPF_PSEUDO_FUNC;
    if (!isCall && !isFunc) return [];
    const f = p.functions.find((fn) => fn.insnOff === pc + x.imm + 1);
    return [`${isFunc ? "&" : ""}${f?.name ?? "?"}`];
  });
}

describe("subprograms", () => {
  it("calls static .text functions through the section symbol (imm = target - 1)", () => {
    const bytes = writeElf({
      sections: [
        { name: "xdp", flags: CODE, data: code([CALL(1), MOV(0, 2), EXIT]) },
        { name: ".text", flags: CODE, data: code([MOV(0, 1), EXIT, MOV(0, 3), EXIT]) },
      ],
      symbols: [
        { name: "prog", section: "xdp", type: "func", size: 24 },
        { name: "first", section: ".text", type: "func", size: 16, bind: "local" },
        { name: "second", section: ".text", value: 16, type: "func", size: 16, bind: "local" },
      ],
      relocs: [{ section: "xdp", offset: 0, symbol: { sectionSymbol: ".text" }, type: R_32 }],
    });
    const spec = loadCollectionSpec(bytes);
    expect(spec.programs.map((p) => p.name)).toEqual(["prog"]);
    const p = spec.programs[0]!;
    expect(p.type).toBe(ProgType.XDP);
    expect(p.functions.map((f) => [f.name, f.insnOff, f.sectionInsnOff])).toEqual([
      ["prog", 0, 0],
      ["second", 3, 2],
    ]);
    expect(targets(p)).toEqual(["second"]);
  });

  it("follows calls inside one section that need no relocation (old objects)", () => {
    const bytes = writeElf({
      sections: [
        { name: "socket", flags: CODE, data: code([CALL(2), EXIT, EXIT, MOV(0, 7), EXIT]) },
      ],
      symbols: [
        { name: "prog", section: "socket", type: "func", size: 24 },
        { name: "helper", section: "socket", value: 24, type: "func", size: 16, bind: "local" },
      ],
    });
    const spec = loadCollectionSpec(bytes);
    const prog = spec.programs.find((p) => p.name === "prog")!;
    expect(prog.functions.map((f) => f.name)).toEqual(["prog", "helper"]);
    expect(targets(prog)).toEqual(["helper"]);
  });

  it("turns function addresses into BPF_PSEUDO_FUNC lddws (callbacks)", () => {
    const bytes = writeElf({
      sections: [
        { name: "tc", flags: CODE, data: code([...LDDW(2, 8), CALL(181, 0), EXIT]) },
        { name: ".text", flags: CODE, data: code([EXIT, MOV(0, 0), EXIT]) },
      ],
      symbols: [
        { name: "prog", section: "tc", type: "func", size: 32 },
        { name: "unused", section: ".text", type: "func", size: 8, bind: "local" },
        { name: "cb", section: ".text", value: 8, type: "func", size: 16, bind: "local" },
      ],
      relocs: [{ section: "tc", offset: 0, symbol: { sectionSymbol: ".text" }, type: R_64 }],
    });
    const p = loadCollectionSpec(bytes).programs[0]!;
    expect(targets(p)).toEqual(["&cb"]);
    expect(p.insns[1]!.imm).toBe(0);
    expect(p.insns[2]).toEqual(CALL(181, 0));
  });
});

describe("externs", () => {
  function externObject() {
    const b = new BtfBuilder();
    const u32 = b.addInt("unsigned int", 4);
    const char = b.addInt("char", 1, { signed: true });
    const int = b.addInt("int", 4, { signed: true });
    const version = b.addVar("LINUX_KERNEL_VERSION", u32, BtfLinkage.EXTERN);
    const flag = b.addVar("CONFIG_BPF_JIT", char, BtfLinkage.EXTERN);
    const active = b.addVar("bpf_prog_active", int, BtfLinkage.EXTERN);
    const untyped = b.addVar("init_task", b.addConst(0), BtfLinkage.EXTERN);
    const kfunc = b.addFunc(
      "bpf_kfunc_call_test",
      b.addFuncProto(int, [{ name: "x", type: int }]),
      BtfLinkage.EXTERN,
    );
    b.addDatasec(".kconfig", 0, [
      { type: flag, offset: 0, size: 1 },
      { type: version, offset: 0, size: 4 },
    ]);
    b.addDatasec(".ksyms", 0, [
      { type: active, offset: 0, size: 4 },
      { type: untyped, offset: 0, size: 0 },
      { type: kfunc, offset: 0, size: 0 },
    ]);
    return writeElf({
      sections: [
        {
          name: "tp/sched/switch",
          flags: CODE,
          data: code([...LDDW(1), ...LDDW(2), ...LDDW(3), ...LDDW(4), CALL(-1), EXIT]),
        },
        { name: ".BTF", data: b.encode() },
      ],
      symbols: [
        { name: "prog", section: "tp/sched/switch", type: "func", size: 80 },
        { name: "LINUX_KERNEL_VERSION", section: "UND", type: "object" },
        { name: "CONFIG_BPF_JIT", section: "UND", type: "object", bind: "weak" },
        { name: "bpf_prog_active", section: "UND", type: "object" },
        { name: "init_task", section: "UND", type: "object" },
        { name: "bpf_kfunc_call_test", section: "UND", type: "func" },
      ],
      relocs: [
        { section: "tp/sched/switch", offset: 0, symbol: "CONFIG_BPF_JIT", type: R_64 },
        { section: "tp/sched/switch", offset: 16, symbol: "LINUX_KERNEL_VERSION", type: R_64 },
        { section: "tp/sched/switch", offset: 32, symbol: "bpf_prog_active", type: R_64 },
        { section: "tp/sched/switch", offset: 48, symbol: "init_task", type: R_64 },
        { section: "tp/sched/switch", offset: 64, symbol: "bpf_kfunc_call_test", type: R_32 },
      ],
    });
  }

  it("classifies externs by their DATASEC and lays out .kconfig as libbpf does", () => {
    const spec = loadCollectionSpec(externObject());
    expect(
      spec.externs.map((e) => [e.name, e.kind, e.weak, e.offset, e.size, e.typeless ?? false]),
    ).toEqual([
      ["LINUX_KERNEL_VERSION", "kconfig", false, 0, 4, false],
      ["CONFIG_BPF_JIT", "kconfig", true, 4, 1, false],
      ["bpf_prog_active", "ksym", false, undefined, undefined, false],
      ["init_task", "ksym", false, undefined, undefined, true],
      ["bpf_kfunc_call_test", "kfunc", false, undefined, undefined, false],
    ]);
    const kconfig = spec.maps.find((m) => m.name === ".kconfig")!;
    expect(kconfig).toMatchObject({ valueSize: 5, maxEntries: 1, freeze: true, source: "kconfig" });
  });

  it("relocates kconfig reads to the .kconfig map and ksyms/kfuncs to pseudo sources", () => {
    const spec = loadCollectionSpec(externObject());
    const p = spec.programs[0]!;
    expect(p.mapRefs.map((r) => [r.insnOff, r.mapName, r.kind, r.offset])).toEqual([
      [0, ".kconfig", "value", 4],
      [2, ".kconfig", "value", 0],
    ]);
    expect(p.insns[0]!.src).toBe(BPF_PSEUDO_MAP_VALUE);
    expect(p.insns[1]!.imm).toBe(4);
    expect(p.externRefs.map((r) => [r.insnOff, r.kind, r.name])).toEqual([
      [4, "ksym", "bpf_prog_active"],
      [6, "ksym", "init_task"],
      [8, "kfunc", "bpf_kfunc_call_test"],
    ]);
    expect(p.insns[4]!.src).toBe(BPF_PSEUDO_BTF_ID);
    expect(p.insns[6]!.src).toBe(0); // typeless: the runtime supplies an address
    expect(p.insns[8]).toMatchObject({ src: BPF_PSEUDO_KFUNC_CALL, imm: 0 });
  });
});

describe("maps", () => {
  it("gives legacy maps the BTF key/value types of BPF_ANNOTATE_KV_PAIR", () => {
    const b = new BtfBuilder();
    const u32 = b.addInt("unsigned int", 4);
    const u64 = b.addInt("long long unsigned int", 8);
    b.addStruct("____btf_map_counts", 16, [
      { name: "key", type: u32, offset: 0 },
      { name: "value", type: u64, offset: 8 },
    ]);
    const def = new Uint8Array(20);
    new DataView(def.buffer).setUint32(0, 1, true);
    const spec = loadCollectionSpec(
      writeElf({
        sections: [
          { name: "maps", data: def },
          { name: ".BTF", data: b.encode() },
        ],
        symbols: [{ name: "counts", section: "maps", type: "object", size: 20 }],
      }),
    );
    expect(spec.maps[0]).toMatchObject({ name: "counts", btfKeyTypeId: u32, btfValueTypeId: u64 });
  });
});

describe("malformed relocations", () => {
  const base = {
    sections: [
      { name: "xdp", flags: CODE, data: code([MOV(0, 0), ...LDDW(1), EXIT]) },
      { name: ".data", flags: 3, data: new Uint8Array(8) },
    ],
    symbols: [
      { name: "prog", section: "xdp", type: "func" as const, size: 32 },
      { name: "var", section: ".data", type: "object" as const, size: 8 },
    ],
  };

  it("rejects a relocation on an instruction that is not lddw or call", () => {
    const bytes = writeElf({
      ...base,
      relocs: [{ section: "xdp", offset: 0, symbol: "var", type: R_64 }],
    });
    expect(() => loadCollectionSpec(bytes)).toThrow(ElfError);
    expect(() => loadCollectionSpec(bytes)).toThrow(
      /relocation against 'var' for insn 0 of section 'xdp': code 0xb7 is not lddw/,
    );
  });

  it("rejects relocations off an instruction boundary and data offsets past the section", () => {
    expect(() =>
      loadCollectionSpec(
        writeElf({ ...base, relocs: [{ section: "xdp", offset: 12, symbol: "var", type: R_64 }] }),
      ),
    ).toThrow(/offset 12 is not on an instruction/);
    const far = writeElf({
      ...base,
      sections: [
        { name: "xdp", flags: CODE, data: code([MOV(0, 0), ...LDDW(1, 64), EXIT]) },
        base.sections[1]!,
      ],
      relocs: [{ section: "xdp", offset: 8, symbol: "var", type: R_64 }],
    });
    expect(() => loadCollectionSpec(far)).toThrow(
      /points 64 bytes into 'var', outside its 8-byte section/,
    );
  });

  it("rejects SHT_RELA tables for code and mismatched relocation section names", () => {
    const rela = writeElf({
      ...base,
      relocs: [{ section: "xdp", offset: 8, symbol: "var", type: R_64, rela: true }],
    });
    expect(() => loadCollectionSpec(rela)).toThrow(
      /SHT_RELA relocations for code section 'xdp' are not supported/,
    );
  });

  it("rejects calls into the middle of nothing", () => {
    const bytes = writeElf({
      sections: [{ name: "xdp", flags: CODE, data: code([CALL(5), EXIT]) }],
      symbols: [{ name: "prog", section: "xdp", type: "func", size: 16 }],
    });
    expect(() => loadCollectionSpec(bytes)).toThrow(
      /targets insn 6 of section 'xdp', which is not inside any function/,
    );
  });

  it("reports the file offset of the bad relocation entry", () => {
    const bytes = writeElf({
      ...base,
      relocs: [{ section: "xdp", offset: 0, symbol: "var", type: R_64 }],
    });
    try {
      loadCollectionSpec(bytes);
    } catch (e) {
      const off = (e as ElfError).offset!;
      const dv = new DataView(bytes.buffer);
      expect(Number(dv.getBigUint64(off, true))).toBe(0); // r_offset of the entry
      expect(Number(dv.getBigUint64(off + 8, true) & 0xffffffffn)).toBe(R_64);
    }
    expect.assertions(2);
  });

  it("caps NOBITS global data at a sane size", () => {
    const bytes = writeElf({
      sections: [
        { name: "xdp", flags: CODE, data: code([MOV(0, 0), EXIT]) },
        { name: ".bss", type: SHT.NOBITS, flags: 3, size: 2 ** 40 },
      ],
      symbols: [{ name: "prog", section: "xdp", type: "func", size: 16 }],
    });
    expect(() => loadCollectionSpec(bytes)).toThrow(
      /global data section '\.bss' is \d+ bytes, more than the/,
    );
  });
});
