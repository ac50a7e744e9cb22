// The object API: loading a CollectionSpec into a Runtime gives programs and
// maps by name, global variables by name (live .data/.bss, .rodata set before
// load), pinning by name across collections, verification on request, kfunc
// resolution, program selection — and closing gives every byte back.
import { describe, expect, it } from "vitest";
import { UsageError } from "../../src/errors.ts";
import { LoadError, Runtime } from "../../src/runtime/index.ts";
import { CollectionSpec } from "../../src/spec/index.ts";
import type { CollectionSpec as Spec } from "../../src/spec/types.ts";
import { MapType, ProgType } from "../../src/uapi/index.ts";
import { VerifierError } from "../../src/verifier/index.ts";
import { rdU64, u64 } from "./support.ts";

const SAMPLES = new URL("../../../shared/samples/", import.meta.url).pathname;
const load = (rel: string): Spec => CollectionSpec.fromFile(SAMPLES + rel);
const EXAMPLE = new URL("../../examples/packet_counter.bpf.o", import.meta.url).pathname;

describe("collections", () => {
  it("exposes programs, maps and global variables by name", () => {
    const rt = new Runtime();
    const c = rt.loadCollection(load("build/global_variable.o"), {
      globals: { global_const_var: 0x1234 },
    });
    expect([...c.programs.keys()]).toEqual(["func"]);
    expect([...c.maps.keys()].sort()).toEqual([".bss", ".data", ".rodata"]);
    expect([...c.variables.keys()].sort()).toEqual([
      "global_array",
      "global_const_var",
      "global_var",
      "global_var_2",
    ]);
    c.variable("global_var").set(100);
    c.program("func").testRun();
    c.program("func").testRun();
    expect(c.variable("global_var").get()).toBe(102);
    expect(c.variable("global_var_2").get()).toBe(4);
    expect(c.variable("global_const_var").get()).toBe(0x1234);
    const arr = c.variable("global_array").get() as Uint8Array;
    expect(arr.length).toBe(40);
    expect(new DataView(arr.buffer).getUint32(0, true)).toBe(0x1234);
    // .rodata is frozen after load: only the `globals` option can set it.
    expect(c.variable("global_const_var").readOnly).toBe(true);
    expect(() => c.variable("global_const_var").set(1)).toThrow(/frozen/);
    expect(() => c.variable("global_var").set(2 ** 40)).toThrow(UsageError);
    expect(() => c.variable("nope")).toThrow(/no global variable 'nope'/);
    expect(() => c.program("nope")).toThrow(/have: func/);
    expect(() =>
      rt.loadCollection(load("build/global_variable.o"), { globals: { missing: 1 } }),
    ).toThrow(LoadError);
    rt.close();
  });

  it("gives all memory back on close, and reuses it for the next load", () => {
    const rt = new Runtime();
    const spec = CollectionSpec.fromFile(EXAMPLE);
    const base = rt.mem.allocatedBytes;
    let size = 0;
    for (let i = 0; i < 3; i++) {
      const c = rt.loadCollection(spec, { engine: "interp" });
      c.program("count_packets").testRun({ data: new Uint8Array(60) });
      expect(rt.mem.allocatedBytes).toBeGreaterThan(base + 64 * 1024);
      c.close();
      // The interpreter's stack block stays pooled after the first run.
      if (i === 0) size = rt.mem.allocatedBytes;
      expect(rt.mem.allocatedBytes).toBe(size);
      expect(rt.maps.size).toBe(0);
      expect(rt.programCount).toBe(0);
    }
    const grown = rt.mem.byteLength;
    for (let i = 0; i < 3; i++) rt.loadCollection(spec).close();
    expect(rt.mem.byteLength).toBe(grown);
    rt.close();
  });

  it("keeps what others still reference: a cloned handle, a program in another collection's prog_array", () => {
    const rt = new Runtime();
    const a = rt.loadCollection(load("build/tail_call.o"));
    const b = rt.loadCollection(load("build/tail_call.o"));
    const callee = a.program("callee");
    b.map("map").setProgram(0, callee);
    const kept = a.map("map").clone();
    a.close();
    expect(callee.freed).toBe(false);
    expect(b.program("caller").testRun({ data: new Uint8Array(20) }).retval).toBe(42);
    expect(kept.map.freed).toBe(false);
    kept.close();
    b.close();
    expect(callee.freed).toBe(true);
    expect(rt.maps.size).toBe(0);
    rt.close();
  });

  it("pins maps by name: a second collection reuses a compatible pin and refuses a different one", () => {
    const rt = new Runtime();
    const spec = load("cilium-examples/kprobepin_bpf_bpfel.o");
    expect(spec.maps[0]!.pinning).toBe(1);
    const a = rt.loadCollection(spec);
    const b = rt.loadCollection(spec);
    a.map("kprobe_map").update(0, u64(41));
    expect(rdU64(b.map("kprobe_map").lookup(0)!)).toBe(41n);
    b.program("kprobe_execve").testRun();
    expect(rdU64(a.map("kprobe_map").lookup(0)!)).toBe(42n);
    a.close();
    b.close();
    // The pin keeps the map alive after every collection is gone.
    const h = rt.pinned("kprobe_map")!;
    expect(rdU64(h.lookup(0)!)).toBe(42n);
    h.close();
    const other = structuredClone(spec);
    other.maps[0]!.maxEntries = 2;
    expect(() => rt.loadCollection(other)).toThrow(
      /couldn't reuse pinned map "kprobe_map": max_entries differs/,
    );
    expect(rt.pins.unpin("kprobe_map")).toBe(true);
    expect(rt.maps.size).toBe(0);
    rt.loadCollection(other).close();
    rt.close();
  });

  it("verifies on request: accepted programs carry the log, rejected ones throw VerifierError", () => {
    const rt = new Runtime();
    const ok = rt.loadCollection(load("build/global_variable.o"), { verify: true });
    expect(ok.program("func").verified).toBe(true);
    expect(ok.program("func").verifierLog).toMatch(/processed \d+ insns/);
    expect(rt.loadCollection(load("build/global_variable.o")).program("func").verified).toBe(false);
    let err: unknown;
    try {
      rt.loadCollection(load("build/tail_call.o"), { verify: true });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(VerifierError);
    expect((err as VerifierError).log).toContain("R0 !read_ok");
    rt.close();
    expect(rt.mem.allocatedBytes).toBeLessThan(64 * 1024);
  });

  it("resolves kfuncs the runtime provides and refuses unknown ones", () => {
    const spec = load("build/externalfunction.o");
    expect(() => new Runtime().loadCollection(spec)).toThrow(
      /extern kfunc 'bpf_map_lookup_elem' is not provided/,
    );
    const calls: bigint[] = [];
    const rt = new Runtime({
      kfuncs: {
        bpf_map_lookup_elem: (r1) => {
          calls.push(r1);
          return 0n;
        },
      },
    });
    const c = rt.loadCollection(spec);
    expect(c.program("func").testRun().retval).toBe(1);
    expect(calls).toEqual([BigInt(c.map("test_map").map.addr)]);
    rt.close();
  });

  it("fills maps of maps from their initialisers", () => {
    const rt = new Runtime();
    const c = rt.loadCollection(load("build/map_in_map.o"));
    const inner = c.map("array_of_maps").innerMap(0)!;
    expect(inner.id).toBe(c.map("inner_map").id);
    inner.close();
    expect(c.program("func").testRun().retval).toBe(0);
    c.close();
    expect(rt.maps.size).toBe(0);
    rt.close();
  });

  it("loads only the programs asked for, with the types asked for", () => {
    const rt = new Runtime();
    const c = rt.loadCollection(load("build/tail_call.o"), {
      programs: ["callee"],
      types: { callee: ProgType.SCHED_CLS },
    });
    expect([...c.programs.keys()]).toEqual(["callee"]);
    expect(c.maps.size).toBe(0);
    expect(c.program("callee").type).toBe(ProgType.SCHED_CLS);
    expect(() => rt.loadCollection(load("build/tail_call.o"), { programs: ["nope"] })).toThrow(
      /no program 'nope'/,
    );
    rt.close();
  });

  it("fails cleanly on maps the runtime lacks, leaking nothing", () => {
    const rt = new Runtime();
    const before = rt.mem.allocatedBytes;
    // Every map type of the corpus exists now: make one a type the runtime lacks.
    const spec = load("linux/xdp_redirect_map_kern.o");
    const maps = spec.maps.map((m) =>
      m.name === "tx_port" ? { ...m, type: MapType.STRUCT_OPS } : m,
    );
    expect(() => rt.loadCollection({ ...spec, maps })).toThrow(/struct_ops is not supported/);
    expect(rt.mem.allocatedBytes).toBe(before);
    expect(rt.maps.size).toBe(0);
    rt.close();
  });
});
