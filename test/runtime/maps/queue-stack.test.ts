import { describe, expect, it } from "vitest";
import { BPF_EXIST, BPF_NOEXIST, MapType } from "../../../src/uapi/index.ts";
import { place, readU32, setup, u32 } from "./setup.ts";

const q = { type: MapType.QUEUE, keySize: 0, valueSize: 4, maxEntries: 3 };

describe("queue and stack", () => {
  it("a queue pops in FIFO order, a stack in LIFO order", () => {
    const { open } = setup();
    const queue = open(q);
    const stack = open({ ...q, type: MapType.STACK });
    for (const v of [1, 2, 3]) {
      queue.push(u32(v));
      stack.push(u32(v));
    }
    expect([1, 2, 3].map(() => readU32(queue.pop()!))).toEqual([1, 2, 3]);
    expect([1, 2, 3].map(() => readU32(stack.pop()!))).toEqual([3, 2, 1]);
    expect(queue.pop()).toBeUndefined();
    expect(stack.peek()).toBeUndefined();
  });

  it("peek doesn't remove", () => {
    const { open } = setup();
    const h = open(q);
    h.push(u32(5));
    expect(readU32(h.peek()!)).toBe(5);
    expect(readU32(h.peek()!)).toBe(5);
    expect(readU32(h.pop()!)).toBe(5);
  });

  it("full: E2BIG, or with BPF_EXIST the oldest element is dropped", () => {
    const { open } = setup();
    const queue = open(q);
    const stack = open({ ...q, type: MapType.STACK });
    for (const h of [queue, stack]) {
      for (const v of [1, 2, 3]) h.push(u32(v));
      expect(() => h.push(u32(4))).toThrow(expect.objectContaining({ errno: "E2BIG" }));
      h.push(u32(4), BPF_EXIST);
    }
    expect([1, 2, 3].map(() => readU32(queue.pop()!))).toEqual([2, 3, 4]);
    expect([1, 2, 3].map(() => readU32(stack.pop()!))).toEqual([4, 3, 2]);
  });

  it("flags and element operations follow the kernel", () => {
    const { open } = setup();
    const h = open(q);
    expect(() => h.push(u32(1), BPF_NOEXIST)).toThrow(expect.objectContaining({ errno: "EINVAL" }));
    expect(() => h.push(u32(1), 4)).toThrow(expect.objectContaining({ errno: "EINVAL" }));
    expect(() => h.delete(0)).toThrow(); // no keys at all
    expect(() => h.nextKey()).toThrow(expect.objectContaining({ errno: "EINVAL" }));
  });

  it("program push/pop/peek work on runtime addresses", () => {
    const { mem, open } = setup();
    const h = open(q);
    const m = h.map;
    expect(m.pushElem(place(mem, u32(9)), 0)).toBe(0);
    const out = mem.alloc(8);
    expect(m.peekElem(out)).toBe(0);
    expect(mem.dv.getUint32(out, true)).toBe(9);
    expect(m.popElem(out)).toBe(0);
    expect(m.popElem(out)).toBe(-2);
    expect(m.lookupElem(out)).toBe(0);
    expect(m.updateElem(out, out, 0)).toBe(-22);
  });

  it("wraps around the ring many times", () => {
    const { open } = setup();
    const h = open(q);
    for (let i = 0; i < 50; i++) {
      h.push(u32(i));
      h.push(u32(i + 1000));
      expect(readU32(h.pop()!)).toBe(i);
      expect(readU32(h.pop()!)).toBe(i + 1000);
    }
  });
});
