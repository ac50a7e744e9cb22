// Queries the verifier and trampolines ask of BTF: resolving through
// modifiers and typedefs, sizes and alignment, members by offset, lookups.
import { describe, expect, it } from "vitest";
import { BtfBuilder } from "../../src/btf/builder.ts";
import { BtfError } from "../../src/btf/errors.ts";
import { BtfKind } from "../../src/btf/types.ts";
import { allKinds } from "./fixtures.ts";

const { b, ids } = allKinds();
const btf = b.build();

describe("resolution and sizes", () => {
  it("skips qualifiers and typedefs", () => {
    expect(btf.skipModsAndTypedefs(ids.u32!)).toBe(ids.uint);
    expect(btf.skipQualifiers(ids.u32!)).toBe(ids.u32);
    expect(btf.skipModsAndTypedefs(ids.constChar!)).toBe(ids.char);
    expect(btf.resolve(ids.vol!).kind).toBe(BtfKind.INT);
  });

  it("computes sizes through arrays, typedefs and VARs", () => {
    expect(btf.sizeof(ids.u32!)).toBe(4);
    expect(btf.sizeof(ids.arr!)).toBe(16);
    expect(btf.sizeof(ids.node!)).toBe(24);
    expect(btf.sizeof(ids.str!)).toBe(8);
    expect(btf.sizeof(ids.var!)).toBe(4);
    expect(btf.sizeof(ids.enum64!)).toBe(8);
  });

  it("refuses sizes of types that have none", () => {
    for (const id of [0, ids.fwd!, ids.func!, ids.proto!])
      expect(() => btf.sizeof(id)).toThrow(BtfError);
    expect(() => btf.sizeof(10_000)).toThrow(/out of range/);
  });

  it("computes alignment, and 1 for packed layouts", () => {
    expect(btf.alignof(ids.node!)).toBe(8);
    expect(btf.alignof(ids.arr!)).toBe(4);
    const p = new BtfBuilder();
    const int = p.addInt("int", 4, { signed: true });
    const packed = p.addStruct("packed", 5, [
      { name: "c", type: p.addInt("char", 1, { signed: true }), offset: 0 },
      { name: "i", type: int, offset: 1 },
    ]);
    expect(p.build().alignof(packed)).toBe(1);
  });

  it("throws on modifier loops instead of hanging", () => {
    const l = new BtfBuilder();
    l.addConst(2);
    l.addVolatile(1);
    const loop = l.build();
    expect(() => loop.skipModsAndTypedefs(1)).toThrow(/loop/);
    expect(() => loop.sizeof(1)).toThrow(BtfError);
  });
});

describe("members", () => {
  it("finds the member containing a byte offset", () => {
    expect(btf.memberAt(ids.node!, 0)).toMatchObject({
      index: 0,
      memberOffset: 0,
      member: { name: "next" },
    });
    expect(btf.memberAt(ids.node!, 7)!.member.name).toBe("next");
    expect(btf.memberAt(ids.node!, 9)).toMatchObject({ index: 1, memberOffset: 8 });
    expect(btf.memberAt(ids.node!, 12)!.member.name).toBe("flags");
    expect(btf.memberAt(ids.node!, 16)!.member.name).toBe("data");
    expect(btf.memberAt(ids.node!, 24)).toBeUndefined();
  });

  it("finds members by name through typedefs", () => {
    const b2 = BtfBuilder.from(btf);
    const alias = b2.addTypedef("node_t", ids.node!);
    expect(b2.build().member(alias, "value")).toMatchObject({
      index: 1,
      member: { bitOffset: 64 },
    });
    expect(btf.member(ids.node!, "missing")).toBeUndefined();
    expect(() => btf.member(ids.int!, "x")).toThrow(/not a struct or union/);
  });
});

describe("lookups", () => {
  it("finds by name and kind", () => {
    expect(btf.find("node", BtfKind.STRUCT)).toBe(ids.node);
    expect(btf.find("node", BtfKind.TYPEDEF)).toBeUndefined();
    expect(btf.find("handler")).toBe(ids.func);
    expect(btf.findAll("int")).toEqual([ids.int]);
    expect(() => btf.mustFind("nope", BtfKind.FUNC)).toThrow("FUNC 'nope' not found in BTF");
  });

  it("describes types the way the kernel log names them", () => {
    expect(btf.describe(ids.node!)).toBe("STRUCT node");
    expect(btf.describe(ids.str!)).toBe("PTR (anon)");
  });
});
