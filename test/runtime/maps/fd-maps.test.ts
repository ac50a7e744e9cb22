import { describe, expect, it } from "vitest";
import { BPF_F_INNER_MAP, BPF_NOEXIST, MapType } from "../../../src/uapi/index.ts";
import {
  ArrayOfMapsMap,
  HashOfMapsMap,
  MapHandle,
  ProgArrayMap,
  type MapAttrs,
} from "../../../src/runtime/maps/index.ts";
import { RefCounted, type ProgramRef } from "../../../src/runtime/object.ts";
import { place, readU32, setup, u32 } from "./setup.ts";

class FakeProg extends RefCounted implements ProgramRef {
  constructor(
    readonly id: number,
    readonly type: number,
  ) {
    super();
  }
  describe(): string {
    return `prog ${this.id}`;
  }
  protected destroy(): void {}
}

const progArray = { type: MapType.PROG_ARRAY, keySize: 4, valueSize: 4, maxEntries: 4 };
const inner: MapAttrs = { type: MapType.ARRAY, keySize: 4, valueSize: 8, maxEntries: 2 };

describe("prog_array", () => {
  it("holds program references by slot; user space sees ids", () => {
    const { reg, open } = setup();
    const p1 = new FakeProg(11, 3);
    const p2 = new FakeProg(12, 3);
    reg.programs = { program: (id) => [p1, p2].find((p) => p.id === id) };
    const h = open(progArray);
    const m = h.map as ProgArrayMap;
    h.update(0, u32(11));
    h.setProgram(1, p2);
    expect(p1.refCount).toBe(2);
    expect(readU32(h.lookup(0)!)).toBe(11);
    expect(m.programAt(1)).toBe(p2);
    expect(m.programAt(2)).toBeUndefined();
    expect(m.programAt(99)).toBeUndefined();
    h.update(0, u32(12)); // replacing releases the old program
    expect(p1.refCount).toBe(1);
    expect(p2.refCount).toBe(3);
    h.delete(1);
    expect(p2.refCount).toBe(2);
  });

  it("enforces flags, bounds, ids and one program type", () => {
    const { reg, open } = setup();
    const xdp = new FakeProg(1, 6);
    const tc = new FakeProg(2, 3);
    reg.programs = { program: (id) => [xdp, tc].find((p) => p.id === id) };
    const h = open(progArray);
    expect(() => h.update(0, u32(1), BPF_NOEXIST)).toThrow(
      expect.objectContaining({ errno: "EINVAL" }),
    );
    expect(() => h.update(4, u32(1))).toThrow(expect.objectContaining({ errno: "E2BIG" }));
    expect(() => h.update(0, u32(3))).toThrow(expect.objectContaining({ errno: "EBADF" }));
    h.update(0, u32(1));
    expect(() => h.update(1, u32(2))).toThrow(expect.objectContaining({ errno: "EINVAL" }));
    expect((h.map as ProgArrayMap).checkCompatible(tc)).toBe(false);
    expect(() => h.delete(2)).toThrow(expect.objectContaining({ errno: "ENOENT" }));
    expect(() => h.delete(7)).toThrow(expect.objectContaining({ errno: "E2BIG" }));
    // Programs can't look into a prog_array.
    expect(h.map.lookupElem(place(setup().mem, u32(0)))).toBe(0);
  });

  it("closing the last user handle empties the slots (breaks prog ↔ prog_array cycles)", () => {
    const { reg } = setup();
    const p = new FakeProg(1, 3);
    const map = reg.create(progArray) as ProgArrayMap;
    const h1 = new MapHandle(map);
    const h2 = h1.clone();
    h1.setProgram(0, p);
    map.acquire(); // a program using the map holds it too
    map.release(); // (creation reference)
    h1.close();
    expect(map.programAt(0)).toBe(p);
    h2.close();
    expect(map.programAt(0)).toBeUndefined();
    expect(p.refCount).toBe(1);
    expect(map.freed).toBe(false);
    map.release();
    expect(map.freed).toBe(true);
  });
});

describe("maps of maps", () => {
  it("array of maps: programs get the inner map pointer; user space sees ids", () => {
    const { mem, reg, open } = setup();
    const outer = open({
      type: MapType.ARRAY_OF_MAPS,
      keySize: 4,
      valueSize: 4,
      maxEntries: 3,
      innerMap: inner,
    });
    const a = open(inner);
    outer.setInnerMap(1, a);
    expect(readU32(outer.lookup(1)!)).toBe(a.id);
    expect(outer.lookup(0)).toBeUndefined();
    const ptr = outer.map.lookupElem(place(mem, u32(1)));
    expect(ptr).toBe(a.map.addr);
    expect(reg.fromAddr(ptr)).toBe(a.map);
    expect(outer.map.lookupElem(place(mem, u32(0)))).toBe(0);
    // The inline layout holds the same pointer.
    const lay = (outer.map as ArrayOfMapsMap).layout;
    expect(mem.dv.getUint32(lay.valuesAddr + 8, true)).toBe(a.map.addr);
    expect(outer.map.verifierInfo().innerMap).toMatchObject({
      type: MapType.ARRAY,
      valueSize: 8,
      maxEntries: 2,
    });
    const ih = outer.innerMap(1)!;
    expect(ih.map).toBe(a.map);
    ih.close();
  });

  it("inner maps must match the template", () => {
    const { open } = setup();
    const outer = open({
      type: MapType.ARRAY_OF_MAPS,
      keySize: 4,
      valueSize: 4,
      maxEntries: 3,
      innerMap: inner,
    });
    const bigger = open({ ...inner, maxEntries: 3 });
    const hash = open({ ...inner, type: MapType.HASH });
    expect(() => outer.setInnerMap(0, bigger)).toThrow(
      expect.objectContaining({ errno: "EINVAL" }),
    );
    expect(() => outer.setInnerMap(0, hash)).toThrow(expect.objectContaining({ errno: "EINVAL" }));
    expect(() => outer.update(0, u32(9999))).toThrow(expect.objectContaining({ errno: "EBADF" }));
    // BPF_F_INNER_MAP on the template lifts the max_entries rule for arrays.
    const flexTpl = { ...inner, flags: BPF_F_INNER_MAP };
    const flex = open({
      type: MapType.ARRAY_OF_MAPS,
      keySize: 4,
      valueSize: 4,
      maxEntries: 1,
      innerMap: flexTpl,
    });
    const any = open({ ...flexTpl, maxEntries: 100 });
    flex.setInnerMap(0, any);
    expect(readU32(flex.lookup(0)!)).toBe(any.id);
  });

  it("hash of maps holds references and follows hash flag rules", () => {
    const { mem, open } = setup();
    const outer = open({
      type: MapType.HASH_OF_MAPS,
      keySize: 4,
      valueSize: 4,
      maxEntries: 2,
      innerMap: { type: MapType.HASH, keySize: 4, valueSize: 4, maxEntries: 10 },
    });
    const a = open({ type: MapType.HASH, keySize: 4, valueSize: 4, maxEntries: 10 });
    const b = open({ type: MapType.HASH, keySize: 4, valueSize: 4, maxEntries: 99 }); // hash: size may differ
    outer.setInnerMap(100, a);
    outer.setInnerMap(200, b);
    expect(() => outer.setInnerMap(300, a)).toThrow(expect.objectContaining({ errno: "E2BIG" }));
    expect(() => outer.setInnerMap(100, b, BPF_NOEXIST)).toThrow(
      expect.objectContaining({ errno: "EEXIST" }),
    );
    expect(outer.map.lookupElem(place(mem, u32(200)))).toBe(b.map.addr);
    expect((outer.map as HashOfMapsMap).count).toBe(2);
    const aMap = a.map;
    a.close(); // the outer map still holds it
    expect(aMap.freed).toBe(false);
    outer.delete(100);
    expect(aMap.freed).toBe(true);
    expect([...outer.keys()].map((k) => readU32(k))).toEqual([200]);
  });

  it("freeing the outer map releases its inner maps", () => {
    const { reg, open } = setup();
    const outer = open({
      type: MapType.ARRAY_OF_MAPS,
      keySize: 4,
      valueSize: 4,
      maxEntries: 2,
      innerMap: inner,
    });
    const a = open(inner);
    outer.setInnerMap(0, a);
    outer.setInnerMap(1, a);
    const aMap = a.map;
    a.close();
    expect(aMap.refCount).toBe(2);
    outer.close();
    expect(aMap.freed).toBe(true);
    expect(reg.size).toBe(0);
  });
});
