// Test helper: a BTF with one or more of every kind, built with BtfBuilder, and
// byte-level patching of encoded BTF to make malformed inputs.
import { BtfBuilder } from "../../src/btf/builder.ts";
import { BtfLinkage } from "../../src/btf/types.ts";

export function allKinds(): { b: BtfBuilder; ids: Record<string, number> } {
  const b = new BtfBuilder();
  const ids: Record<string, number> = {};
  ids.int = b.addInt("int", 4, { signed: true });
  ids.uint = b.addInt("unsigned int", 4);
  ids.char = b.addInt("char", 1, { signed: true });
  ids.uchar = b.addInt("unsigned char", 1, { char: true });
  ids.bool = b.addInt("_Bool", 1, { bool: true });
  ids.u64 = b.addInt("long long unsigned int", 8);
  ids.float = b.addFloat("double", 8);
  ids.u32 = b.addTypedef("u32", ids.uint);
  ids.constChar = b.addConst(ids.char);
  ids.str = b.addPtr(ids.constChar);
  ids.vol = b.addVolatile(ids.int);
  ids.restrictPtr = b.addRestrict(b.addPtr(ids.int));
  ids.tagged = b.addPtr(b.addTypeTag("user", ids.int));
  ids.arr = b.addArray(ids.u32, 4, ids.uint);
  ids.fwd = b.addFwd("opaque");
  ids.fwdUnion = b.addFwd("opaque_u", true);
  ids.node = b.nextId;
  ids.nodePtr = ids.node + 1;
  b.addStruct("node", 24, [
    { name: "next", type: ids.nodePtr, offset: 0 },
    { name: "value", type: ids.u32, offset: 8 },
    { name: "flags", type: ids.uint, bitOffset: 96, bitfieldSize: 3 },
    { name: "kind", type: ids.uint, bitOffset: 99, bitfieldSize: 5 },
    { name: "data", type: ids.u64, offset: 16 },
  ]);
  b.addPtr(ids.node);
  ids.union = b.addUnion("u", 8, [
    { name: "i", type: ids.int },
    { name: "d", type: ids.float },
  ]);
  ids.enum = b.addEnum(
    "color",
    [
      { name: "RED", value: 0 },
      { name: "GREEN", value: 1 },
      { name: "NEG", value: -1 },
    ],
    4,
    true,
  );
  ids.enum64 = b.addEnum64("big", [{ name: "HUGE", value: 0xffff_ffff_ffffn }]);
  ids.proto = b.addFuncProto(ids.int, [
    { name: "ctx", type: b.addPtr(0) },
    { name: "n", type: ids.u32 },
  ]);
  ids.func = b.addFunc("handler", ids.proto, BtfLinkage.GLOBAL);
  ids.variadic = b.addFuncProto(0, [
    { name: "fmt", type: ids.str },
    { name: "", type: 0 },
  ]);
  ids.var = b.addVar("counter", ids.u32, BtfLinkage.GLOBAL);
  ids.datasec = b.addDatasec(".data", 4, [{ type: ids.var, offset: 0, size: 4 }]);
  ids.declTag = b.addDeclTag("kfunc", ids.func);
  ids.memberTag = b.addDeclTag("percpu", ids.node, 1);
  return { b, ids };
}

/** Overwrites a little-endian u32 in a copy of `bytes`. */
export function patchU32(bytes: Uint8Array, offset: number, value: number): Uint8Array {
  const out = bytes.slice();
  new DataView(out.buffer).setUint32(offset, value >>> 0, true);
  return out;
}

export const HDR = 24;
