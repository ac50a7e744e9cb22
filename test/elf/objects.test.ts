// What the loader makes of specific corpus objects: linking of BPF-to-BPF
// calls, map and global-data references, map definitions of every kind,
// externs, section types, BTF func/line info and CO-RE records.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import {
  BPF_PSEUDO_CALL,
  BPF_PSEUDO_KFUNC_CALL,
  BPF_PSEUDO_MAP_FD,
  BPF_PSEUDO_MAP_VALUE,
  LDDW,
} from "../../src/isa/opcodes.ts";
import { loadCollectionSpec, loadCollectionSpecFile } from "../../src/elf/load.ts";
import { CollectionSpec, findMap, findPrograms } from "../../src/spec/index.ts";
import type { ProgramSpec } from "../../src/spec/types.ts";
import { AttachType, BPF_F_RDONLY_PROG, MapType, ProgType } from "../../src/uapi/index.ts";
import { SAMPLES } from "./samples.ts";

const load = (rel: string) => loadCollectionSpecFile(join(SAMPLES, rel));
const only = (rel: string, section: string): ProgramSpec => {
  const ps = findPrograms(load(rel), { section });
  expect(ps).toHaveLength(1);
  return ps[0]!;
};

/** Where every BPF-to-BPF call of a program lands, as function names. */
function callTargets(p: ProgramSpec): string[] {
  return p.insns.flatMap((insn, pc) => {
    if (insn.code !== 0x85 || insn.src !== BPF_PSEUDO_CALL) return [];
    const target = pc + insn.imm + 1;
    const fn = p.functions.find((f) => f.insnOff === target);
    return [fn ? fn.name : `?${target}`];
  });
}

describe("BPF-to-BPF calls", () => {
  it("appends called .text functions once and points calls at them (bpf2bpf.o)", () => {
    const p = only("build/bpf2bpf.o", "test");
    expect(p.name).toBe("func");
    expect(p.functions.map((f) => [f.name, f.section, f.insnOff, f.insnCount])).toEqual([
      ["func", "test", 0, 37],
      ["add2", ".text", 37, 8],
      ["add1", ".text", 45, 13],
    ]);
    expect(p.insns).toHaveLength(58);
    expect(callTargets(p)).toEqual(["add2", "add2", "add1", "add1"]);
  });

  it("carries func_info and line_info of appended functions", () => {
    const p = only("build/bpf2bpf.o", "test");
    expect(p.funcInfo.map((f) => f.insnOff)).toEqual([0, 37, 45]);
    const spec = load("build/bpf2bpf.o");
    expect(p.funcInfo.map((f) => spec.btf!.name(f.typeId))).toEqual(["func", "add2", "add1"]);
    expect(p.lineInfo[0]).toMatchObject({ insnOff: 0, line: "int func(void* ctx) {", lineNum: 37 });
    const inAdd1 = p.lineInfo.filter((l) => l.insnOff >= 45);
    expect(inAdd1.length).toBeGreaterThan(0);
    expect(inAdd1.every((l) => l.insnOff < 58)).toBe(true);
  });

  it("does not list called .text functions as programs", () => {
    expect(load("build/bpf2bpf.o").programs.map((p) => p.name)).toEqual(["func"]);
  });
});

describe("maps and references", () => {
  it("relocates lddw of global data to map values with offsets (global_variable.o)", () => {
    const spec = load("build/global_variable.o");
    expect(spec.maps.map((m) => [m.name, m.source, m.valueSize])).toEqual([
      [".bss", "bss", 8],
      [".rodata", "rodata", 4],
      [".data", "data", 40],
    ]);
    const rodata = findMap(spec, ".rodata")!;
    expect(rodata.flags & BPF_F_RDONLY_PROG).toBeTruthy();
    expect(rodata.freeze).toBe(true);
    expect(findMap(spec, ".bss")!.initialValue).toEqual(new Uint8Array(8));
    const p = spec.programs[0]!;
    expect(p.mapRefs.map((r) => [r.mapName, r.kind, r.offset])).toEqual([
      [".bss", "value", 0],
      [".bss", "value", 4],
      [".rodata", "value", 0],
      [".data", "value", 0],
    ]);
    for (const r of p.mapRefs) {
      const lo = p.insns[r.insnOff]!;
      expect(lo.code).toBe(LDDW);
      expect(lo.src).toBe(BPF_PSEUDO_MAP_VALUE);
      expect(lo.imm).toBe(r.mapIndex);
      expect(p.insns[r.insnOff + 1]!.imm).toBe(r.offset);
    }
  });

  it("reads BTF map definitions with map-in-map initialisers (map_in_map.o)", () => {
    const spec = load("build/map_in_map.o");
    const outer = findMap(spec, "array_of_maps")!;
    expect(outer).toMatchObject({
      type: MapType.ARRAY_OF_MAPS,
      keySize: 4,
      valueSize: 4,
      maxEntries: 1,
    });
    expect(outer.init).toEqual([{ key: 0, kind: "map", name: "inner_map" }]);
    expect(outer.innerMap).toMatchObject({
      type: MapType.ARRAY,
      keySize: 4,
      valueSize: 4,
      source: "inner",
    });
    const refs = spec.programs[0]!.mapRefs;
    expect(refs.map((r) => r.mapName)).toEqual(["array_of_maps", "inner_map"]);
    for (const r of refs) expect(spec.programs[0]!.insns[r.insnOff]!.src).toBe(BPF_PSEUDO_MAP_FD);
  });

  it("reads prog-array initialisers naming programs (prog_array.o)", () => {
    const spec = load("build/prog_array.o");
    const m = findMap(spec, "prog_array_map")!;
    expect(m.type).toBe(MapType.PROG_ARRAY);
    expect(m.init.map((s) => [s.key, s.kind, s.name])).toEqual([
      [0, "program", "func0"],
      [1, "program", "func1"],
      [2, "program", "func2"],
      [3, "program", "func3"],
    ]);
    for (const s of m.init) expect(findPrograms(spec, { name: s.name })).toHaveLength(1);
  });

  it("reads legacy map-in-map with the inner map by index (map_in_map_legacy.o)", () => {
    const spec = load("build/map_in_map_legacy.o");
    expect(spec.maps.map((m) => [m.name, m.section, m.type])).toEqual([
      ["array_of_maps", "maps/array_of_maps", MapType.ARRAY_OF_MAPS],
      ["inner_map", "maps/inner_map", MapType.ARRAY],
    ]);
    expect(spec.maps[0]!.innerMap).toMatchObject({ name: "inner_map", valueSize: 8 });
  });

  it("sizes legacy definitions by the section (cilium's 28-byte bpf_elf_map)", () => {
    const spec = load("cilium/bpf_lxc.o");
    expect(spec.maps).toHaveLength(20);
    expect(spec.maps.every((m) => m.source === "legacy" && m.legacyExtra?.length === 2)).toBe(true);
    expect(findMap(spec, "cilium_calls_111")!.type).toBe(MapType.PROG_ARRAY);
  });

  it("orders legacy maps by offset and gives bpf_load.c map-in-maps a 4-byte value", () => {
    const spec = load("linux/test_map_in_map_kern.o");
    expect(spec.maps.map((m) => m.name)).toEqual([
      "port_a",
      "port_h",
      "reg_result_h",
      "inline_result_h",
      "a_of_port_a",
      "h_of_port_a",
      "h_of_port_h",
    ]);
    const h = findMap(spec, "h_of_port_h")!;
    expect(h.innerMap!.name).toBe("port_h");
    expect(h.valueSize).toBe(4);
  });
});

describe("externs", () => {
  it("turns a call to an undefined function into a kfunc reference (externalfunction.o)", () => {
    const spec = load("build/externalfunction.o");
    expect(spec.externs).toEqual([
      { name: "bpf_map_lookup_elem", kind: "kfunc", weak: false, btfId: expect.any(Number) },
    ]);
    const p = spec.programs[0]!;
    expect(p.externRefs).toEqual([
      { insnOff: 6, kind: "kfunc", externIndex: 0, name: "bpf_map_lookup_elem" },
    ]);
    expect(p.insns[6]).toMatchObject({ code: 0x85, src: BPF_PSEUDO_KFUNC_CALL, imm: 0 });
  });
});

describe("sections and program types", () => {
  it("recognises fentry with its BTF attach target and CO-RE records", () => {
    const p = only("cilium-examples/tcprtt_bpf_bpfel.o", "fentry/tcp_close");
    expect(p).toMatchObject({
      type: ProgType.TRACING,
      expectedAttachType: AttachType.TRACE_FENTRY,
      attachTo: "tcp_close",
      attachBtf: true,
      license: "Dual MIT/GPL",
      sectionMatch: "libbpf",
    });
    expect(p.coreRelos.length).toBeGreaterThan(0);
    expect(p.coreRelos[0]).toEqual({
      insnOff: 1,
      typeId: expect.any(Number),
      accessStr: "0:0:2",
      kind: 0,
    });
    expect(p.funcInfo[0]!.insnOff).toBe(0);
  });

  it("types legacy sections by prefix and leaves unknown ones UNSPEC", () => {
    expect(only("linux/sockex1_kern.o", "socket1")).toMatchObject({
      type: ProgType.SOCKET_FILTER,
      sectionMatch: "legacy-prefix",
    });
    expect(only("linux/sock_flags_kern.o", "cgroup/sock1").type).toBe(ProgType.CGROUP_SOCK);
    expect(only("linux/xdp_redirect_kern.o", "xdp_redirect").type).toBe(ProgType.XDP);
    expect(only("linux/tracex4_kern.o", "kretprobe/kmem_cache_alloc_node")).toMatchObject({
      type: ProgType.KPROBE,
      attachTo: "kmem_cache_alloc_node",
    });
    expect(only("cilium/bpf_lxc.o", "2/1")).toMatchObject({
      type: ProgType.UNSPEC,
      sectionMatch: "unknown",
    });
    expect(only("linux/tracex4_kern.o", "kprobe/kmem_cache_free").kernelVersion).toBeGreaterThan(0);
  });

  it("lists uncalled global .text functions as programs, and can leave them out", () => {
    const bytes = new Uint8Array(
      readFileSync(join(SAMPLES, "prototype-kernel/xdp_ddos01_blacklist_kern.o")),
    );
    const all = loadCollectionSpec(bytes);
    expect(all.programs.map((p) => [p.section, p.name])).toEqual([
      [".text", "parse_port"],
      ["xdp_prog", "xdp_program"],
    ]);
    expect(loadCollectionSpec(bytes, { textPrograms: false }).programs.map((p) => p.name)).toEqual([
      "xdp_program",
    ]);
  });

  it("finds several programs in one section by their symbols (tcx_bpf_bpfel.o)", () => {
    const ps = findPrograms(load("cilium-examples/tcx_bpf_bpfel.o"), { section: "tc" });
    expect(ps.map((p) => [p.name, p.sectionInsnOff, p.entryInsnCount])).toEqual([
      ["ingress_prog_func", 0, 6],
      ["egress_prog_func", 6, 6],
    ]);
    expect(ps[1]!.mapRefs[0]).toMatchObject({ mapName: ".bss", offset: 8 });
  });
});

describe("determinism", () => {
  it.each([
    "build/bpf2bpf.o",
    "cilium/bpf_lxc.o",
    "cilium-examples/tcprtt_bpf_bpfel.o",
    "linux/sockex3_kern.o",
  ])("reading %s twice gives equal specs", (rel) => {
    const a = CollectionSpec.fromFile(join(SAMPLES, rel));
    const b = CollectionSpec.fromBuffer(new Uint8Array(readFileSync(join(SAMPLES, rel))));
    expect(b).toEqual(a);
    // The spec owns its bytes: changing the input afterwards does not change it.
    const bytes = new Uint8Array(readFileSync(join(SAMPLES, rel)));
    const c = CollectionSpec.fromBuffer(bytes);
    bytes.fill(0);
    expect(c).toEqual(a);
  });
});
