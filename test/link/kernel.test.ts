// The host-function registry: C declarations to BTF, struct layout, the
// stable callable, and the runtime header (`tsbpf btf dump --runtime`).
import { describe, expect, it } from "vitest";
import { join } from "node:path";
import { BtfKind, parseBtf, type BtfPtr, type BtfStruct } from "../../src/btf/index.ts";
import { UsageError } from "../../src/errors.ts";
import {
  FuncModelError,
  HostKernel,
  parseCFields,
  parseCFunc,
  parseCType,
} from "../../src/link/index.ts";
import { runtimeHeader } from "../../src/link/kernel/header.ts";
import { cli, tempFiles } from "../support/cli.ts";

describe("C declarations", () => {
  it("reads types, declarations, struct bodies and prototypes", () => {
    expect(parseCType("unsigned")).toEqual({
      base: { kind: "name", name: "unsigned int" },
      ptr: 0,
      isConst: false,
    });
    expect(parseCType("long unsigned int")).toMatchObject({ base: { name: "unsigned long" } });
    expect(parseCType("const char *")).toEqual({
      base: { kind: "name", name: "char" },
      ptr: 1,
      isConst: true,
    });
    expect(parseCType("struct req **")).toMatchObject({
      base: { kind: "struct", name: "req" },
      ptr: 2,
    });
    expect(
      parseCFields("u32 a; char path[16]; struct x *next;").map((d) => [d.name, d.array]),
    ).toEqual([
      ["a", undefined],
      ["path", 16],
      ["next", undefined],
    ]);
    const f = parseCFunc("long handle(u32 method, struct req *r, unsigned long long)");
    expect(f.name).toBe("handle");
    expect(f.params.map((p) => [p.name, p.type.base.name, p.type.ptr])).toEqual([
      ["method", "u32", 0],
      ["r", "req", 1],
      ["", "unsigned long long", 0],
    ]);
    expect(parseCFunc("void (void)").params).toEqual([]);
  });

  it("reports bad declarations as usage errors", () => {
    for (const bad of [
      "unsigned signed",
      "long long long",
      "struct",
      "int (",
      "u32 x @",
      "char short",
    ]) {
      expect(() => parseCFunc(`${bad}`)).toThrow(UsageError);
    }
    expect(() => parseCType("int x y")).toThrow(UsageError);
  });
});

describe("HostKernel", () => {
  it("builds kernel-style typedef chains and C struct layouts", () => {
    const k = new HostKernel();
    const u32 = k.type("u32");
    const btf0 = k.btf;
    expect(btf0.type(u32)).toMatchObject({ kind: BtfKind.TYPEDEF, name: "u32" });
    expect(btf0.resolve(u32)).toMatchObject({ kind: BtfKind.INT, name: "unsigned int", size: 4 });
    expect(k.type("u32")).toBe(u32); // reused
    const s = k.struct("req", "u8 method; u64 start; u16 port; char path[5]; struct req *next;");
    const btf = k.btf;
    const st = btf.type(s) as BtfStruct;
    expect(st.members.map((m) => [m.name, m.bitOffset / 8])).toEqual([
      ["method", 0],
      ["start", 8],
      ["port", 16],
      ["path", 18],
      ["next", 24],
    ]);
    expect(st.size).toBe(32);
    // The self pointer points at the struct.
    const next = btf.type(st.members[4]!.type);
    expect(next.kind).toBe(BtfKind.PTR);
    expect((next as BtfPtr).type).toBe(s);
    expect(() => k.struct("req", "int x;")).toThrow(UsageError);
    expect(() => k.struct("loop", "struct loop inner;")).toThrow(/cannot contain itself/);
  });

  it("defines functions from C prototypes, specs and BTF ids, and encodes BTF that parses back", () => {
    const k = new HostKernel();
    k.struct("conn", [
      ["u32", "fd"],
      ["u64", "bytes"],
    ]);
    k.enum("verdict", { OK: 0, DROP: 1 });
    const f1 = k.define(
      "on_read",
      "long on_read(struct conn *c, u32 n)",
      (_c: number, n: number) => n,
    );
    expect(f1(0, 5)).toBe(5);
    k.define("on_close", { ret: "enum verdict", args: [["struct conn *", "c"], "int"] }, () => 0);
    const proto = k.builder.addFuncProto(k.type("int"), [{ name: "x", type: k.type("s64") }]);
    k.define("by_id", proto, (x: number) => x + 1);
    expect(k.targets().map((t) => t.name)).toEqual(["on_read", "on_close", "by_id"]);
    const fn = k.function("on_close")!;
    expect(fn.model.args.map((a) => a.kind)).toEqual(["ptr", "int"]);
    expect(fn.model.ret).toMatchObject({ kind: "enum", size: 4 });
    expect(k.targetById(fn.btfId)).toBe(fn);
    const back = parseBtf(k.encode());
    expect(back.count).toBe(k.btf.count);
    expect(back.type(fn.btfId)).toMatchObject({ kind: BtfKind.FUNC, name: "on_close" });
    expect(() => k.define("on_read", "void on_read(void)", () => {})).toThrow(/already defined/);
    expect(() => k.define("x-y", "void (void)", () => {})).toThrow(/not a C identifier/);
    expect(() => k.define("other", "void mismatch(void)", () => {})).toThrow(/names 'mismatch'/);
  });

  it("refuses prototypes a trampoline cannot model", () => {
    const k = new HostKernel();
    k.struct("big", "u64 a; u64 b;");
    expect(() => k.define("byval", "void byval(struct big b)", () => {})).toThrow(FuncModelError);
    expect(() => k.define("byval", "void byval(struct big b)", () => {})).toThrow(
      "The function byval arg0 type STRUCT is unsupported.",
    );
    expect(k.function("byval")).toBeUndefined();
  });

  it("hands out a callable with the function's arity that calls the implementation", () => {
    const k = new HostKernel();
    const seen: unknown[][] = [];
    const f = k.define("f3", "int f3(int a, int b, int c)", (...a: unknown[]) => {
      seen.push(a);
      return 1;
    });
    expect(f.length).toBe(3);
    expect(f.name).toBe("f3");
    f(1, 2, 3);
    expect(seen).toEqual([[1, 2, 3]]);
  });

  it("prints the runtime header: types and attachable functions", () => {
    const k = new HostKernel();
    k.struct("req", "u32 method; u64 start;");
    k.define("handle", "long handle(u32 method, struct req *r)", () => 0);
    const h = runtimeHeader(k);
    expect(h).toContain("struct req {");
    expect(h).toContain("typedef unsigned int __u32;");
    expect(h).toContain(" *   long handle(u32 method, struct req *r);");
  });
});

describe("tsbpf btf dump --runtime", () => {
  it("prints the runtime kernel's BTF, defined by a module", async () => {
    const dir = tempFiles({
      "kernel.ts":
        `export default (k) => { k.struct("req", "u32 method;"); ` +
        `k.define("serve", "int serve(struct req *r)", () => 0); };`,
    });
    const c = await cli(
      "btf",
      "dump",
      "--runtime",
      "--kernel",
      join(dir, "kernel.ts"),
      "--format",
      "c",
    );
    expect(c.code).toBe(0);
    expect(c.out).toContain("struct req {");
    expect(c.out).toContain("int serve(struct req *r);");
    const raw = await cli("btf", "dump", "--runtime", "--kernel", join(dir, "kernel.ts"));
    expect(raw.out).toMatch(/\[\d+\] FUNC 'serve' type_id=\d+ linkage=global/);
    const empty = await cli("btf", "dump", "--runtime");
    expect(empty.code).toBe(0);
    expect((await cli("btf", "dump")).code).toBe(2);
    expect((await cli("btf", "dump", "--kernel", "x.ts")).code).toBe(2);
  });
});
