import { describe, expect, it } from "vitest";
import { IdAllocator, RefCounted, RefCountError, WideCount } from "../../../src/runtime/object.ts";

class Thing extends RefCounted {
  destroyed = 0;
  describe(): string {
    return "thing";
  }
  protected destroy(): void {
    this.destroyed++;
  }
}

describe("RefCounted", () => {
  it("frees on the last release, exactly once", () => {
    const t = new Thing();
    t.acquire().acquire();
    expect(t.refCount).toBe(3);
    t.release();
    t.release();
    expect(t.destroyed).toBe(0);
    t.release();
    expect(t.destroyed).toBe(1);
    expect(t.freed).toBe(true);
    expect(t.refCount).toBe(0);
  });

  it("releasing below zero is a typed error, not a negative count", () => {
    const t = new Thing();
    t.release();
    expect(() => t.release()).toThrow(RefCountError);
    expect(() => t.acquire()).toThrow(/acquire after free/);
    expect(t.destroyed).toBe(1);
  });

  it("balances many acquires and releases", () => {
    const t = new Thing();
    const n = 100_000;
    for (let i = 0; i < n; i++) t.acquire();
    expect(t.refCount).toBe(n + 1);
    for (let i = 0; i < n; i++) t.release();
    expect(t.refCount).toBe(1);
    expect(t.destroyed).toBe(0);
  });
});

describe("WideCount", () => {
  it("carries past 2^32 and 2^53 without losing a reference", () => {
    const c = new WideCount(0xffff_ffff, 0);
    c.inc();
    expect(c.value).toBe(2 ** 32);
    expect(c.dec()).toBe(false);
    expect(c.value).toBe(2 ** 32 - 1);
    // Far beyond exact doubles: 2^21 carries = 2^53 references; +1 must still count back.
    const big = new WideCount(0, 2 ** 21);
    big.inc();
    expect(big.dec()).toBe(false);
    expect(big.dec()).toBe(false); // 2^53 - 1 left: not zero
    expect(big.value).toBe(2 ** 53 - 1);
  });

  it("reports zero only at zero", () => {
    const c = new WideCount(2, 0);
    expect(c.dec()).toBe(false);
    expect(c.dec()).toBe(true);
  });
});

describe("IdAllocator", () => {
  it("hands out increasing ids from 1 and does not reuse them before wrapping", () => {
    const ids = new IdAllocator<string>();
    const a = ids.alloc("a");
    const b = ids.alloc("b");
    expect([a, b]).toEqual([1, 2]);
    ids.remove(a);
    expect(ids.alloc("c")).toBe(3);
    expect(ids.get(b)).toBe("b");
    expect(ids.get(a)).toBeUndefined();
  });

  it("wraps cyclically, skipping live ids", () => {
    const ids = new IdAllocator<number>(3);
    expect([ids.alloc(1), ids.alloc(2), ids.alloc(3)]).toEqual([1, 2, 3]);
    ids.remove(2);
    expect(ids.alloc(4)).toBe(2);
    expect(() => ids.alloc(5)).toThrow(RefCountError);
  });
});
