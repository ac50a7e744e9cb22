import { describe, expect, it } from "vitest";
import { BPF_NOEXIST, MapType } from "../../../src/uapi/index.ts";
import { codecs, MapError, MapHandle, type BatchCursor } from "../../../src/runtime/maps/index.ts";
import { RefCountError } from "../../../src/runtime/object.ts";
import { readU32, readU64, setup, u32, u64 } from "./setup.ts";

const hash = { type: MapType.HASH, keySize: 4, valueSize: 8, maxEntries: 100 };

describe("MapHandle", () => {
  it("batch lookup walks the map in chunks and ends with no cursor", () => {
    const { open } = setup();
    const h = open(hash);
    for (let i = 0; i < 25; i++) h.update(i, u64(i * 2));
    const seen = new Map<number, bigint>();
    let cursor: BatchCursor | undefined;
    let calls = 0;
    do {
      const r = h.lookupBatch(10, cursor);
      expect(r.keys.length).toBe(r.values.length);
      expect(r.keys.length).toBeLessThanOrEqual(10);
      r.keys.forEach((k, i) => seen.set(readU32(k), readU64(r.values[i]!)));
      cursor = r.cursor;
      calls++;
    } while (cursor);
    expect(calls).toBe(3);
    expect(seen.size).toBe(25);
    for (const [k, v] of seen) expect(v).toBe(BigInt(k * 2));
  });

  it("batch update/delete report how far they got on error", () => {
    const { open } = setup();
    const h = open(hash);
    expect(h.updateBatch([1, 2, 3], [u64(1), u64(2), u64(3)])).toBe(3);
    let err: unknown;
    try {
      h.updateBatch([4, 2, 5], [u64(4), u64(2), u64(5)], BPF_NOEXIST);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(MapError);
    expect((err as MapError).errno).toBe("EEXIST");
    expect((err as MapError).processed).toBe(1);
    expect(h.lookup(4)).toBeDefined();
    expect(h.lookup(5)).toBeUndefined();
    expect(() => h.deleteBatch([1, 9, 3])).toThrow(
      expect.objectContaining({ errno: "ENOENT", processed: 1 }),
    );
    expect(h.lookup(3)).toBeDefined();
    const r = h.lookupAndDeleteBatch(10);
    expect(r.keys.map((k) => readU32(k)).sort()).toEqual([2, 3, 4]);
    expect(r.cursor).toBeUndefined();
    expect(h.nextKey()).toBeUndefined();
  });

  it("decodes keys and values through codecs", () => {
    const { open } = setup();
    const t = open(hash).withCodec(codecs.u32, codecs.u64);
    t.update(7, 700n);
    t.update(8, 800n);
    expect(t.lookup(7)).toBe(700n);
    expect(t.lookup(9)).toBeUndefined();
    expect(new Map(t.entries())).toEqual(
      new Map([
        [7, 700n],
        [8, 800n],
      ]),
    );
    t.delete(7);
    expect([...t.keys()]).toEqual([8]);
    expect(() => t.update(1, 2n ** 64n)).toThrow(/not in 0..18446744073709551615/);
    expect(() => t.update(-1, 1n)).toThrow(MapError);
  });

  it("iteration aborts when the map keeps changing under it", () => {
    const { open } = setup();
    const h = open({ ...hash, maxEntries: 4 });
    for (let i = 0; i < 4; i++) h.update(i, u64(i));
    const keys: number[] = [];
    expect(() => {
      for (const k of h.keys()) {
        keys.push(readU32(k));
        // Delete what we just saw: get_next_key restarts from the first key each time.
        h.delete(k);
        h.update(readU32(k) + 100, u64(0));
      }
    }).toThrow(expect.objectContaining({ errno: "EAGAIN" }));
    expect(keys.length).toBe(4);
  });

  it("closed handles refuse work; closing twice is harmless", () => {
    const { reg, open } = setup();
    const h = open(hash);
    const map = h.map;
    const id = h.id;
    h.close();
    h.close();
    expect(() => h.lookup(1)).toThrow(/closed/);
    expect(map.freed).toBe(true);
    expect(reg.fromId(id)).toBeUndefined();
    expect(reg.fromAddr(map.addr)).toBeUndefined();
    expect(() => new MapHandle(map)).toThrow(RefCountError);
  });

  it("reports map info", () => {
    const { open } = setup();
    const h = open({ ...hash, name: "counts" });
    expect(h.info()).toEqual({
      id: h.id,
      type: MapType.HASH,
      name: "counts",
      keySize: 4,
      valueSize: 8,
      maxEntries: 100,
      flags: 0,
      frozen: false,
    });
    expect(() => h.update(1, u32(1))).toThrow(/map \d+ "counts" \(hash\)/);
  });
});
