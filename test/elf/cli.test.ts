// The loader's CLI commands: inspect, btf dump, disasm of objects.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { encodeBtf } from "../../src/btf/builder.ts";
import { loadCollectionSpecFile } from "../../src/elf/load.ts";
import { cli, tempFiles } from "../support/cli.ts";
import { SAMPLES } from "./samples.ts";

const obj = (rel: string): string => join(SAMPLES, rel);

describe("tsbpf inspect", () => {
  it("lists programs, maps and a BTF summary", async () => {
    const r = await cli("inspect", obj("build/map_in_map.o"));
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^programs \(1\):$/m);
    expect(r.out).toMatch(/^ {2}\.text +func +unspec +21 +21$/m);
    expect(r.out).toMatch(/^ {2}array_of_maps +array_of_maps +4 +4 +1 +0x0 +btf$/m);
    expect(r.out).toMatch(/^btf: \d+ types \(/m);
  });

  it("prints one JSON object with --json", async () => {
    const r = await cli("inspect", "--json", obj("linux/sockex3_kern.o"));
    expect(r.code).toBe(0);
    const j = JSON.parse(r.out);
    expect(j.programs.map((p: { section: string }) => p.section)).toEqual([
      "socket/3",
      "socket/4",
      "socket/1",
      "socket/2",
      "socket/0",
    ]);
    expect(j.programs[0]).toMatchObject({ type: "socket_filter", sectionMatch: "legacy-prefix" });
    expect(j.maps.find((m: { name: string }) => m.name === "jmp_table")).toMatchObject({
      type: "prog_array",
      keySize: 4,
      valueSize: 4,
    });
    expect(j.btf).toBeNull();
  });

  it("exits 2 with the typed error on a malformed object", async () => {
    const r = await cli("inspect", obj("invalid/badsymsize.o"));
    expect(r.code).toBe(2);
    expect(r.err).toContain(
      "ElfError: symbol table [10] has invalid sh_entsize 8, expected 24 (at file offset 0x688)",
    );
  });
});

describe("tsbpf btf dump", () => {
  it("prints raw types by default and a compilable header with --format c", async () => {
    const raw = await cli("btf", "dump", obj("cilium-examples/tcprtt_bpf_bpfel.o"));
    expect(raw.code).toBe(0);
    expect(raw.out).toMatch(/^\[\d+\] STRUCT 'sock_common' size=\d+ vlen=3$/m);
    const c = await cli("btf", "dump", obj("cilium-examples/tcprtt_bpf_bpfel.o"), "--format", "c");
    expect(c.code).toBe(0);
    expect(c.out).toContain("struct sock {\n\tstruct sock_common __sk_common;\n};");
  });

  it("reads a raw .BTF file too", async () => {
    const btf = loadCollectionSpecFile(obj("build/bpf2bpf.o")).btf!;
    const dir = tempFiles({ "x.btf": encodeBtf(btf) });
    const r = await cli("btf", "dump", join(dir, "x.btf"));
    expect(r.code).toBe(0);
    expect(r.out).toContain("FUNC 'add1' type_id=3 linkage=global");
  });

  it("exits 2 on a bad format or an object without BTF", async () => {
    expect((await cli("btf", "dump", obj("build/bpf2bpf.o"), "--format", "json")).code).toBe(2);
    const r = await cli("btf", "dump", obj("linux/sockex1_kern.o"));
    expect(r.code).toBe(2);
    expect(r.err).toContain("has no .BTF section");
  });
});

describe("tsbpf disasm of an object", () => {
  it("lists relocated programs with source lines and map names", async () => {
    const r = await cli("disasm", obj("build/global_variable.o"));
    expect(r.code).toBe(0);
    const lines = r.out.split("\n");
    expect(lines[0]).toBe(".text/func (unspec, 16 insns):");
    expect(lines[1]).toBe("int func(void *ctx):");
    expect(r.out).toMatch(/^ {3}5: \(18\) r2 = map\[\.bss\]\+4$/m);
    expect(r.out).toContain(
      "; __sync_fetch_and_add(&global_var_2, 2); [file:D:/ebpf-samples/src/global_variable.c line_num:22 line_col:5]\n   5: (18) r2 = map[.bss]+4\n",
    );
  });

  it("marks each appended function and resolves calls", async () => {
    const r = await cli("disasm", obj("build/bpf2bpf.o"), "--no-source");
    expect(r.out).not.toContain("; ");
    expect(r.out).toContain("\nint add2(int *x):\n  37: (7b)");
    expect(r.out).toContain("   7: (85) call pc+29\n");
  });

  it("selects by --section and --program, and exits 2 when nothing matches", async () => {
    const r = await cli("disasm", obj("linux/sockex3_kern.o"), "--section", "socket/1");
    expect(r.code).toBe(0);
    expect(r.out.split("\n")[0]).toMatch(/^socket\/1\/\w+ \(socket_filter, \d+ insns\):$/);
    expect(r.out.match(/insns\):$/gm)).toHaveLength(1);
    const none = await cli("disasm", obj("linux/sockex3_kern.o"), "--program", "nope");
    expect(none.code).toBe(2);
    expect(none.err).toContain("no program in program 'nope'");
  });

  it("agrees with the loader's instruction count", async () => {
    const spec = loadCollectionSpecFile(obj("cilium-examples/xdp_bpf_bpfel.o"));
    const r = await cli("disasm", obj("cilium-examples/xdp_bpf_bpfel.o"), "--no-source");
    const last = r.out.trim().split("\n").pop()!;
    const idx = Number(/^ *(\d+):/.exec(last)![1]);
    expect(idx + (last.includes("(18)") ? 2 : 1)).toBe(spec.programs[0]!.insns.length);
    expect(readFileSync(obj("cilium-examples/xdp_bpf_bpfel.o")).length).toBeGreaterThan(0);
  });
});
