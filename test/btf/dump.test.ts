// Dumping BTF: the raw listing (bpftool's format) and the C header, which must
// compile and reproduce every struct's size and member offsets.
import { spawnSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { Btf } from "../../src/btf/btf.ts";
import { BtfBuilder } from "../../src/btf/builder.ts";
import { dumpC } from "../../src/btf/dump-c.ts";
import { dumpRaw } from "../../src/btf/dump-raw.ts";
import { BtfKind } from "../../src/btf/types.ts";
import { loadCollectionSpecFile } from "../../src/elf/load.ts";
import { SAMPLES, corpusObjects } from "../elf/samples.ts";
import { allKinds } from "./fixtures.ts";

const hasGcc = spawnSync("gcc", ["--version"]).status === 0;
const dir = mkdtempSync(join(tmpdir(), "tsbpf-btf-"));

/** The header plus static assertions of every named struct/union's size and member offsets. */
function checkedHeader(btf: Btf): string {
  let h = dumpC(btf);
  const seen = new Set<string>();
  for (let id = 1; id < btf.count; id++) {
    const t = btf.types[id]!;
    if ((t.kind !== BtfKind.STRUCT && t.kind !== BtfKind.UNION) || !t.name || seen.has(t.name))
      continue;
    seen.add(t.name);
    const tag = `${t.kind === BtfKind.UNION ? "union" : "struct"} ${t.name}`;
    h += `_Static_assert(sizeof(${tag}) == ${t.size}, "size of ${tag}");\n`;
    for (const m of t.members) {
      if (!m.name || m.bitfieldSize) continue;
      h += `_Static_assert(__builtin_offsetof(${tag}, ${m.name}) == ${m.bitOffset / 8}, "${tag}.${m.name}");\n`;
    }
  }
  return h;
}

function compiles(source: string, name: string): { ok: boolean; stderr: string } {
  const path = join(dir, `${name}.h`);
  writeFileSync(path, source);
  const r = spawnSync(
    "gcc",
    ["-fsyntax-only", "-Wno-pragmas", "-Werror=implicit-int", "-x", "c", path],
    {
      encoding: "utf8",
    },
  );
  return { ok: r.status === 0, stderr: r.stderr };
}

/** Layout and ordering puzzles: padding, packing, bitfields, forward refs, function pointers, name clashes. */
function tricky(): Btf {
  const b = new BtfBuilder();
  const int = b.addInt("int", 4, { signed: true });
  const char = b.addInt("char", 1, { signed: true });
  const u64 = b.addInt("long long unsigned int", 8);
  const short = b.addInt("short int", 2, { signed: true });
  // struct later { struct earlier *e; } is defined before struct earlier, which embeds it by value.
  const later = b.nextId;
  const earlierPtr = later + 1;
  b.addStruct("later", 8, [{ name: "e", type: earlierPtr }]);
  const earlier = earlierPtr + 1;
  b.addPtr(earlier);
  b.addStruct("earlier", 24, [
    { name: "l", type: later, offset: 0 },
    { name: "gap_before", type: int, offset: 12 }, // 4 bytes of explicit padding
    { name: "x", type: u64, offset: 16 },
  ]);
  b.addStruct("packed", 7, [
    { name: "c", type: char, offset: 0 },
    { name: "i", type: int, offset: 1 },
    { name: "s", type: short, offset: 5 },
  ]);
  b.addStruct("bits", 8, [
    { name: "a", type: int, bitOffset: 0, bitfieldSize: 3 },
    { name: "b", type: int, bitOffset: 3, bitfieldSize: 13 },
    { name: "c", type: int, bitOffset: 32, bitfieldSize: 7 },
  ]);
  b.addStruct("tail_pad", 32, [{ name: "x", type: u64, offset: 0 }]);
  b.addStruct("huge_gap", 1 << 20, [
    { name: "first", type: int, offset: 0 },
    { name: "last", type: int, offset: (1 << 20) - 4 },
  ]);
  const fnProto = b.addFuncProto(int, [
    { name: "ctx", type: b.addPtr(0) },
    { name: "fmt", type: b.addPtr(b.addConst(char)) },
    { name: "", type: 0 },
  ]);
  const fnPtr = b.addPtr(fnProto);
  const handlerT = b.addTypedef("handler_t", fnPtr);
  const arr = b.addArray(b.addPtr(int), 4, int);
  const ptrToArr = b.addPtr(b.addArray(int, 8, int));
  const anonUnion = b.addUnion("", 8, [
    { name: "as_int", type: int },
    { name: "as_u64", type: u64 },
  ]);
  const constPtr = b.addConst(b.addPtr(char));
  b.addStruct("ops", 64, [
    { name: "cb", type: handlerT, offset: 0 },
    { name: "raw", type: fnPtr, offset: 8 },
    { name: "ptrs", type: arr, offset: 16 },
    { name: "whole", type: ptrToArr, offset: 48 },
    { name: "", type: anonUnion, offset: 56 },
  ]);
  b.addStruct("holder", 16, [
    { name: "p", type: constPtr, offset: 0 },
    { name: "opaque", type: b.addPtr(b.addFwd("only_declared")), offset: 8 },
  ]);
  // Two enums with a clashing constant, and two different structs with one name.
  b.addEnum("first", [{ name: "SHARED", value: 1 }]);
  b.addEnum("second", [
    { name: "SHARED", value: 2 },
    { name: "HIGH", value: 0xfffffff0 },
  ]);
  b.addStruct("dup", 4, [{ name: "a", type: int }]);
  b.addStruct("dup", 8, [{ name: "b", type: u64 }]);
  b.addEnum("", [{ name: "LONE_CONSTANT", value: 7 }]);
  b.addTypedef("anon_s_t", b.addStruct("", 4, [{ name: "v", type: int }]));
  return b.build();
}

describe("raw dump", () => {
  it("lists each kind in bpftool's format", () => {
    const { b, ids } = allKinds();
    const raw = dumpRaw(b.build()).split("\n");
    expect(raw).toContain(`[${ids.int}] INT 'int' size=4 bits_offset=0 nr_bits=32 encoding=SIGNED`);
    expect(raw).toContain(`[${ids.u32}] TYPEDEF 'u32' type_id=${ids.uint}`);
    expect(raw).toContain(
      `[${ids.arr}] ARRAY '(anon)' type_id=${ids.u32} index_type_id=${ids.uint} nr_elems=4`,
    );
    expect(raw).toContain(`[${ids.node}] STRUCT 'node' size=24 vlen=5`);
    expect(raw).toContain(`\t'flags' type_id=${ids.uint} bits_offset=96 bitfield_size=3`);
    expect(raw).toContain(`[${ids.fwdUnion}] FWD 'opaque_u' fwd_kind=union`);
    expect(raw).toContain(`[${ids.enum}] ENUM 'color' encoding=SIGNED size=4 vlen=3`);
    expect(raw).toContain(`\t'NEG' val=-1`);
    expect(raw).toContain(`[${ids.func}] FUNC 'handler' type_id=${ids.proto} linkage=global`);
    expect(raw).toContain(`[${ids.var}] VAR 'counter' type_id=${ids.u32}, linkage=global`);
    expect(raw).toContain(`\ttype_id=${ids.var} offset=0 size=4 (VAR 'counter')`);
    expect(raw).toContain(
      `[${ids.memberTag}] DECL_TAG 'percpu' type_id=${ids.node} component_idx=1`,
    );
  });
});

describe("C dump", () => {
  it("orders definitions before use and forward-declares what is only pointed to", () => {
    const c = dumpC(tricky());
    expect(c.indexOf("struct earlier;")).toBeGreaterThanOrEqual(0);
    expect(c.indexOf("struct earlier;")).toBeLessThan(c.indexOf("struct later {"));
    expect(c.indexOf("struct later {")).toBeLessThan(c.indexOf("struct earlier {"));
    expect(c).toContain("typedef int (*handler_t)(void *ctx, const char *fmt, ...);");
    expect(c).toContain("\tint *ptrs[4];");
    expect(c).toContain("\tint (*whole)[8];");
    expect(c).toContain("\tchar *const p;");
    expect(c).toContain("struct only_declared;");
    expect(c).toContain("} __attribute__((packed));");
    expect(c).toContain("\tchar __pad_8[1048560];");
    expect(c).toContain("\tSHARED___2 = 2,");
    expect(c).toContain("struct dup___2 {");
    expect(c).toContain("typedef struct {\n\tint v;\n} anon_s_t;");
    expect(c).toContain("enum {\n\tLONE_CONSTANT = 7,\n};");
  });

  it("terminates on unvalidated BTF that nests an anonymous struct in itself", () => {
    const b = new BtfBuilder();
    b.addStruct("", 4, [{ name: "x", type: 1 }]);
    b.addTypedef("t", 1);
    expect(dumpC(b.build())).toContain("struct /* [1] contains itself */ x;");
  });

  it.skipIf(!hasGcc)("compiles with sizes and offsets matching the BTF (gcc)", async () => {
    const r = await compiles(checkedHeader(tricky()), "tricky");
    expect(r.stderr).toBe("");
    expect(r.ok).toBe(true);
  });

  it.skipIf(!hasGcc)("every corpus object's BTF compiles with matching layouts (gcc)", async () => {
    const jobs = corpusObjects().flatMap((rel) => {
      const btf = loadCollectionSpecFile(join(SAMPLES, rel)).btf;
      return btf ? [{ rel, source: checkedHeader(btf) }] : [];
    });
    expect(jobs.length).toBeGreaterThan(50);
    // A few compilers at a time.
    const results: { rel: string; stderr: string; ok: boolean }[] = [];
    for (let i = 0; i < jobs.length; i += 4) {
      const batch = jobs.slice(i, i + 4);
      const rs = await Promise.all(batch.map((j) => compiles(j.source, j.rel.replace(/\W/g, "_"))));
      rs.forEach((r, k) => results.push({ rel: batch[k]!.rel, ...r }));
    }
    expect(results.filter((r) => !r.ok)).toEqual([]);
  });
});
