// .BTF encoding and parsing: every kind round-trips through the binary format,
// and malformed input is rejected with the kernel's BTF verifier messages.
import { describe, expect, it } from "vitest";
import { BtfBuilder, encodeBtf } from "../../src/btf/builder.ts";
import { BtfError } from "../../src/btf/errors.ts";
import { parseBtf } from "../../src/btf/parse.ts";
import { BtfKind, BtfLinkage } from "../../src/btf/types.ts";
import { HDR, allKinds, patchU32 } from "./fixtures.ts";

function rejects(
  bytes: Uint8Array,
  message: string | RegExp,
  mode: "object" | "kernel" = "kernel",
): void {
  let err: unknown;
  try {
    parseBtf(bytes, { mode });
  } catch (e) {
    err = e;
  }
  expect(err).toBeInstanceOf(BtfError);
  if (typeof message === "string") expect((err as Error).message).toBe(message);
  else expect((err as Error).message).toMatch(message);
}

/** Encodes a builder's types after `edit` adds the bad one. */
function withType(edit: (b: BtfBuilder, int: number) => void): Uint8Array {
  const b = new BtfBuilder();
  const int = b.addInt("int", 4, { signed: true });
  edit(b, int);
  return b.encode();
}

describe("round trip", () => {
  it("parses back every kind exactly as built", () => {
    const { b } = allKinds();
    const built = b.build();
    const parsed = parseBtf(encodeBtf(built), { mode: "kernel" });
    expect(parsed.types).toEqual(built.types);
    const kinds = new Set(parsed.types.map((t) => t.kind));
    for (const k of Object.values(BtfKind)) expect(kinds.has(k)).toBe(true);
  });

  it("re-encodes to identical bytes", () => {
    const bytes = allKinds().b.encode();
    expect(encodeBtf(parseBtf(bytes))).toEqual(bytes);
  });

  it("stores each distinct string once", () => {
    const b = new BtfBuilder();
    const int = b.addInt("int", 4, { signed: true });
    b.addTypedef("int_t", int);
    b.addStruct("s", 8, [
      { name: "int_t", type: int, offset: 0 },
      { name: "int_t2", type: int, offset: 4 },
    ]);
    const bytes = b.encode();
    const strLen = new DataView(bytes.buffer).getUint32(20, true);
    expect(strLen).toBe(1 + "int\0int_t\0s\0int_t2\0".length);
  });
});

describe("header checks", () => {
  const good = allKinds().b.encode();

  it.each([
    ["hdr_len not found", good.slice(0, 6)],
    ["btf_header not found", patchU32(good, 4, good.length + 1)],
    ["Invalid magic", patchU32(good, 0, 0x0001eb9e)],
    ["Invalid magic (big-endian BTF is not supported)", patchU32(good, 0, 0x00019feb)],
    ["Unsupported version", patchU32(good, 0, 0x0002eb9f)],
    ["Unsupported flags", patchU32(good, 0, 0x0101eb9f)],
    ["No data", good.slice(0, HDR)],
    ["Section overlap found", patchU32(good, 16, 8)],
    ["Total section length too long", patchU32(good, 20, 1 << 20)],
  ] as const)("%s", (message, bytes) => rejects(bytes, message));

  it("rejects a header longer than known with non-zero extra bytes", () => {
    const b = good.slice();
    const longer = new Uint8Array(b.length + 4);
    longer.set(b.subarray(0, HDR));
    longer.set(b.subarray(HDR), HDR + 4);
    new DataView(longer.buffer).setUint32(4, HDR + 4, true);
    expect(parseBtf(longer).count).toBe(parseBtf(good).count);
    longer[HDR] = 1;
    rejects(longer, "Unsupported btf_header");
  });

  it("rejects a string section that does not start or end with NUL", () => {
    const strOff = HDR + new DataView(good.buffer).getUint32(16, true);
    const first = good.slice();
    first[strOff] = 0x41;
    rejects(first, "Invalid string section");
    const last = good.slice();
    last[last.length - 1] = 0x41;
    rejects(last, "Invalid string section");
  });

  it("requires the string section to come last", () => {
    // Strings first, then types at an odd offset: the sections tile, but the kernel wants strings at the end.
    const dv = new DataView(good.buffer);
    const typeLen = dv.getUint32(12, true);
    const strLen = dv.getUint32(20, true);
    const strs = new Uint8Array(strLen + 1);
    strs.set(good.subarray(HDR + typeLen, HDR + typeLen + strLen));
    const out = new Uint8Array(HDR + strs.length + typeLen);
    out.set(good.subarray(0, HDR));
    out.set(strs, HDR);
    out.set(good.subarray(HDR, HDR + typeLen), HDR + strs.length);
    const o = new DataView(out.buffer);
    o.setUint32(8, strs.length, true);
    o.setUint32(16, 0, true);
    o.setUint32(20, strs.length, true);
    expect(strs.length % 4).not.toBe(0);
    rejects(out, "String section is not at the end");
  });

  it("requires at least one type", () => {
    const b = new BtfBuilder().encode();
    rejects(b, "No type found");
  });
});

describe("type checks (kernel messages)", () => {
  it.each([
    [
      "[2] PTR p Invalid name",
      withType((b, i) => b.add({ kind: BtfKind.PTR, name: "p", type: i })),
    ],
    ["[2] TYPEDEF 1x Invalid name", withType((b, i) => b.addTypedef("1x", i))],
    ["[2] PTR (anon) Invalid type_id", withType((b) => b.addPtr(0x100000))],
    ["[2] ARRAY (anon) Invalid elem", withType((b, i) => b.addArray(0, 2, i))],
    ["[2] ARRAY (anon) Invalid index", withType((b, i) => b.addArray(i, 2, 0))],
    ["[2] INT big nr_bits exceeds 128", withType((b) => b.addInt("big", 32, { bits: 129 }))],
    ["[2] INT odd nr_bits exceeds type_size", withType((b) => b.addInt("odd", 2, { bits: 24 }))],
    ["[2] ENUM e Unexpected size", withType((b) => b.addEnum("e", [{ name: "A", value: 1 }], 3))],
    ["[2] ENUM e Invalid name", withType((b) => b.addEnum("e", [{ name: "", value: 1 }]))],
    ["[2] FWD 2f Invalid name", withType((b) => b.addFwd("2f"))],
    [
      "[3] FUNC f Invalid func linkage",
      withType((b, i) => b.addFunc("f", b.addFuncProto(i, []), 3)),
    ],
    ["[2] FLOAT half Invalid type_size", withType((b) => b.addFloat("half", 3))],
    ["[2] VAR v Invalid type_id", withType((b) => b.addVar("v", 0))],
    [
      "[3] DECL_TAG t Invalid component_idx",
      withType((b, i) => b.addDeclTag("t", b.addTypedef("x", i), -2)),
    ],
    [
      "[2] STRUCT s b type_id=1 bits_offset=0 Invalid member bits_offset",
      withType((b, i) =>
        b.addStruct("s", 8, [
          { name: "a", type: i, offset: 4 },
          { name: "b", type: i, offset: 0 },
        ]),
      ),
    ],
    [
      "[2] STRUCT s a type_id=1 bits_offset=128 Member bits_offset exceeds its struct size",
      withType((b, i) => b.addStruct("s", 8, [{ name: "a", type: i, offset: 16 }])),
    ],
    [
      "[2] UNION u b type_id=1 bits_offset=32 Invalid member bits_offset",
      withType((b, i) =>
        b.addUnion("u", 8, [
          { name: "a", type: i },
          { name: "b", type: i, offset: 4 },
        ]),
      ),
    ],
  ] as const)("%s", (message, bytes) => rejects(bytes, message));

  it("rejects a record cut short", () => {
    const bytes = withType((b, i) => b.addStruct("s", 8, [{ name: "a", type: i }]));
    const dv = new DataView(bytes.buffer);
    const typeLen = dv.getUint32(12, true);
    // Claim the struct has 3 members although only one follows.
    const structInfo = HDR + 16 + 4;
    const patched = patchU32(bytes, structInfo, (BtfKind.STRUCT << 24) | 3);
    rejects(patched, `[2] STRUCT s meta_left:12 meta_needed:36`);
    expect(typeLen).toBe(16 + 24);
  });

  it("rejects unknown kinds and stray info bits", () => {
    const bytes = withType(() => undefined);
    rejects(patchU32(bytes, HDR + 4, 25 << 24), "[1] Invalid kind:25");
    rejects(
      patchU32(bytes, HDR + 4, (BtfKind.INT << 24) | 0x00010000),
      "[1] Invalid btf_info:1010000",
    );
    rejects(patchU32(bytes, HDR, 0xffff), "[1] Invalid name_offset:65535");
  });

  it("accepts extern linkage and unfixed DATASECs from objects, not from the kernel's point of view", () => {
    const ext = withType((b, i) => b.addVar("x", i, BtfLinkage.EXTERN));
    expect(parseBtf(ext, { mode: "object" }).count).toBe(3);
    rejects(ext, "[2] VAR x Linkage not supported");
    const ds = withType((b, i) =>
      b.addDatasec(".data", 0, [{ type: b.addVar("v", i), offset: 0, size: 4 }]),
    );
    expect(parseBtf(ds, { mode: "object" }).count).toBe(4);
    rejects(ds, "[3] DATASEC .data size == 0");
  });
});

describe("resolve checks", () => {
  it("detects a struct containing itself", () => {
    const b = new BtfBuilder();
    b.addStruct("a", 4, [{ name: "self", type: 1 }]);
    rejects(b.encode(), "[1] STRUCT a Loop detected");
  });

  it("detects modifier and pointer loops", () => {
    const mods = new BtfBuilder();
    mods.addConst(2);
    mods.addTypedef("t", 1);
    rejects(mods.encode(), /Loop detected/);
    const ptrs = new BtfBuilder();
    ptrs.addConst(2);
    ptrs.addPtr(1);
    rejects(ptrs.encode(), /Loop detected/);
  });

  it("allows a struct pointing at itself", () => {
    const b = new BtfBuilder();
    b.addStruct("list", 8, [{ name: "next", type: 2 }]);
    b.addPtr(1);
    expect(parseBtf(b.encode(), { mode: "kernel" }).count).toBe(3);
  });

  it("reports references to ids that do not exist", () => {
    rejects(
      withType((b) => b.addTypedef("t", 9)),
      "[2] TYPEDEF t Invalid type_id",
    );
    rejects(
      withType((b) => b.addStruct("s", 4, [{ name: "m", type: 7 }])),
      "[2] STRUCT s m type_id=7 bits_offset=0 Invalid member",
    );
    rejects(
      withType((b, i) => b.addFuncProto(i, [{ name: "x", type: 12 }])),
      "[2] FUNC_PROTO (anon) Invalid arg#1",
    );
  });

  it("checks members fit and FUNCs point at prototypes with named arguments", () => {
    rejects(
      withType((b, i) => b.addStruct("s", 6, [{ name: "a", type: i, offset: 4 }])),
      "[2] STRUCT s a type_id=1 bits_offset=32 Member exceeds struct_size",
    );
    rejects(
      withType((b, i) => b.addFunc("f", i)),
      "[2] FUNC f Invalid type_id",
    );
    rejects(
      withType((b, i) => b.addFunc("f", b.addFuncProto(i, [{ name: "", type: i }]))),
      "[3] FUNC f Invalid arg#1",
    );
  });

  it("rejects a member without a size (void, forward declaration)", () => {
    rejects(
      withType((b) => b.addStruct("s", 4, [{ name: "f", type: b.addFwd("x") }])),
      "[3] STRUCT s f type_id=2 bits_offset=0 Invalid member",
    );
    rejects(
      withType((b) => b.addStruct("s", 4, [{ name: "v", type: b.addConst(0) }])),
      "[3] STRUCT s v type_id=2 bits_offset=0 Invalid member",
    );
  });

  it("requires type tags to come before other modifiers", () => {
    rejects(
      withType((b, i) => b.addConst(b.addTypeTag("user", i) + 1)),
      /Type tags don't precede modifiers|Invalid type_id|Loop/,
    );
    const bad = withType((b, i) => {
      const c = b.addConst(i);
      b.addTypeTag("user", c);
      b.addPtr(b.nextId - 1);
    });
    expect(parseBtf(bad).count).toBe(5);
    const worse = withType((b, i) => {
      const tag = b.addTypeTag("user", i);
      b.addTypeTag("x", b.addConst(tag));
    });
    rejects(worse, "Type tags don't precede modifiers");
  });
});
