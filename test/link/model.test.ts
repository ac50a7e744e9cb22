// distillFuncProto: the function model from BTF, with the kernel's messages.
import { describe, expect, it } from "vitest";
import { BtfBuilder, BtfLinkage } from "../../src/btf/index.ts";
import {
  conservativeModel,
  distillFuncProto,
  FuncModelError,
  MAX_BPF_FUNC_ARGS,
} from "../../src/link/index.ts";

function base() {
  const b = new BtfBuilder();
  const ids = {
    u8: b.addInt("unsigned char", 1),
    s8: b.addInt("signed char", 1, { signed: true, char: true }),
    u16: b.addInt("unsigned short", 2),
    s16: b.addInt("short", 2, { signed: true }),
    u32: b.addInt("unsigned int", 4),
    s32: b.addInt("int", 4, { signed: true }),
    u64: b.addInt("unsigned long", 8),
    s64: b.addInt("long", 8, { signed: true }),
    bool: b.addInt("_Bool", 1, { bool: true }),
    i128: b.addInt("__int128", 16, { signed: true }),
    dbl: b.addFloat("double", 8),
  };
  const st = b.addStruct("pair", 8, [
    { name: "a", type: ids.s32, offset: 0 },
    { name: "b", type: ids.s32, offset: 4 },
  ]);
  const un = b.addUnion("u", 4, [{ name: "x", type: ids.s32 }]);
  const en = b.addEnum("e", [{ name: "A", value: -1 }], 4, true);
  const en64 = b.addEnum64("e64", [{ name: "B", value: 1n }]);
  const td = b.addTypedef("u32_t", b.addConst(ids.u32));
  const ptr = b.addPtr(st);
  const arr = b.addArray(ids.u8, 4, ids.u32);
  return { b, ...ids, st, un, en, en64, td, ptr, arr };
}

const fail = (f: () => unknown): string => {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(FuncModelError);
    return (e as Error).message;
  }
  throw new Error("did not throw");
};

describe("distillFuncProto", () => {
  it("models integers of every size and signedness, enums, pointers and typedef chains", () => {
    const t = base();
    const params = [
      t.u8,
      t.s8,
      t.u16,
      t.s16,
      t.u32,
      t.s32,
      t.u64,
      t.s64,
      t.bool,
      t.en,
      t.en64,
      t.ptr,
    ];
    const f = t.b.addFunction(
      "f",
      t.td,
      params.map((type, i) => ({ name: `p${i}`, type })),
    );
    const m = distillFuncProto(t.b.build(), f);
    expect(m.name).toBe("f");
    expect(m.conservative).toBe(false);
    expect(m.args.map((a) => [a.size, a.signed, a.kind, a.name])).toEqual([
      [1, false, "int", "p0"],
      [1, true, "int", "p1"],
      [2, false, "int", "p2"],
      [2, true, "int", "p3"],
      [4, false, "int", "p4"],
      [4, true, "int", "p5"],
      [8, false, "int", "p6"],
      [8, true, "int", "p7"],
      [1, false, "bool", "p8"],
      [4, true, "enum", "p9"],
      [8, false, "enum", "p10"],
      [8, false, "ptr", "p11"],
    ]);
    expect(m.ret).toMatchObject({ size: 4, signed: false, kind: "int", typeId: t.td });
  });

  it("gives void functions no return value and accepts a FUNC_PROTO with a name", () => {
    const t = base();
    const proto = t.b.addFuncProto(0, []);
    const m = distillFuncProto(t.b.build(), proto, "noop");
    expect(m).toMatchObject({ name: "noop", args: [], ret: undefined });
  });

  it("refuses what the kernel refuses, with its messages", () => {
    const t = base();
    const fn = (ret: number, params: number[]) =>
      t.b.addFunction(
        "g",
        ret,
        params.map((type, i) => ({ name: `a${i}`, type })),
        BtfLinkage.STATIC,
      );
    const ids = {
      tooMany: fn(0, Array(MAX_BPF_FUNC_ARGS + 1).fill(t.u32)),
      justEnough: fn(0, Array(MAX_BPF_FUNC_ARGS).fill(t.u32)),
      structRet: fn(t.st, []),
      unionRet: fn(t.un, []),
      floatRet: fn(t.dbl, []),
      structArg: fn(0, [t.u32, t.st]),
      arrayArg: fn(0, [t.arr]),
      floatArg: fn(0, [t.dbl]),
      wideArg: fn(0, [t.i128]),
      variadic: t.b.addFunction("g", 0, [
        { name: "fmt", type: t.ptr },
        { name: "", type: 0 },
      ]),
      voidArg: t.b.addFunction("g", 0, [
        { name: "", type: 0 },
        { name: "x", type: t.u32 },
      ]),
    };
    const btf = t.b.build();
    expect(fail(() => distillFuncProto(btf, ids.tooMany))).toBe(
      "The function g has 13 arguments. Too many.",
    );
    expect(distillFuncProto(btf, ids.justEnough).args).toHaveLength(12);
    expect(fail(() => distillFuncProto(btf, ids.structRet))).toBe(
      "The function g return type STRUCT is unsupported.",
    );
    expect(fail(() => distillFuncProto(btf, ids.unionRet))).toBe(
      "The function g return type UNION is unsupported.",
    );
    expect(fail(() => distillFuncProto(btf, ids.floatRet))).toBe(
      "The function g return type FLOAT is unsupported.",
    );
    expect(fail(() => distillFuncProto(btf, ids.structArg))).toBe(
      "The function g arg1 type STRUCT is unsupported.",
    );
    expect(fail(() => distillFuncProto(btf, ids.arrayArg))).toBe(
      "The function g arg0 type ARRAY is unsupported.",
    );
    expect(fail(() => distillFuncProto(btf, ids.floatArg))).toBe(
      "The function g arg0 type FLOAT is unsupported.",
    );
    expect(fail(() => distillFuncProto(btf, ids.wideArg))).toBe(
      "The function g arg0 type INT is unsupported.",
    );
    expect(fail(() => distillFuncProto(btf, ids.variadic))).toBe(
      "The function g with variable args is unsupported.",
    );
    expect(fail(() => distillFuncProto(btf, ids.voidArg))).toBe(
      "The function g has malformed void argument.",
    );
    expect(fail(() => distillFuncProto(btf, t.st))).toMatch(/is not a function/);
  });

  it("has the kernel's conservative fallback: five u64 arguments and a u64 return", () => {
    const m = conservativeModel("x");
    expect(m.conservative).toBe(true);
    expect(m.args.map((a) => [a.size, a.signed, a.kind])).toEqual(Array(5).fill([8, false, "int"]));
    expect(m.ret).toMatchObject({ size: 8, signed: false });
  });
});
