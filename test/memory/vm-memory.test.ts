import { describe, expect, it } from "vitest";
import { NULL_GUARD, VmMemory } from "../../src/memory/index.ts";

describe("VmMemory", () => {
  it("never hands out addresses below 64 KiB and zero-fills", () => {
    const m = new VmMemory();
    const a = m.alloc(24);
    expect(a).toBeGreaterThanOrEqual(NULL_GUARD);
    m.u8.fill(0xaa, a, a + 24);
    m.free(a);
    const b = m.alloc(24);
    expect(b).toBe(a); // reused
    expect([...m.read(b, 24)].every((x) => x === 0)).toBe(true);
  });

  it("tracks accessibility at granule precision", () => {
    const m = new VmMemory();
    const a = m.alloc(16);
    expect(m.isAccessible(a, 8)).toBe(true);
    expect(m.isAccessible(a + 8, 8)).toBe(true);
    expect(m.isAccessible(0, 1)).toBe(false);
    expect(m.isAccessible(NULL_GUARD - 4, 8)).toBe(false);
    m.free(a);
    expect(m.isAccessible(a, 8)).toBe(false);
  });

  it("grows, keeps contents, and refreshes views", () => {
    const m = new VmMemory({ initialBytes: 128 * 1024 });
    let grows = 0;
    m.onGrow(() => grows++);
    const a = m.alloc(8);
    m.dv.setUint32(a, 0xdeadbeef, true);
    const big = m.alloc(4 << 20);
    expect(grows).toBeGreaterThan(0);
    expect(m.byteLength).toBeGreaterThanOrEqual(big + (4 << 20));
    expect(m.dv.getUint32(a, true)).toBe(0xdeadbeef);
    expect(m.isAccessible(big + (4 << 20) - 8, 8)).toBe(true);
  });

  it("reuses freed memory: a create/delete loop does not grow forever", () => {
    const m = new VmMemory({ initialBytes: 1 << 20 });
    for (let i = 0; i < 2000; i++) {
      const blocks = [m.alloc(100), m.alloc(5000), m.alloc(70000), m.alloc(8)];
      for (const b of blocks) m.free(b);
    }
    expect(m.byteLength).toBeLessThanOrEqual(1 << 20);
    expect(m.allocatedBytes).toBe(0);
  });

  it("coalesces large free extents", () => {
    const m = new VmMemory({ initialBytes: 1 << 20 });
    const a = m.alloc(8192);
    const b = m.alloc(8192);
    m.free(a);
    m.free(b);
    const c = m.alloc(16384);
    expect(c).toBe(a);
  });

  it("rejects frees of unknown addresses", () => {
    const m = new VmMemory();
    expect(() => m.free(NULL_GUARD + 8)).toThrow(/unallocated/);
  });
});

describe("Granules", () => {
  it("marks exactly the covered granules for unaligned starts and ends", async () => {
    const { Granules } = await import("../../src/memory/granules.ts");
    for (const [start, size] of [
      [8, 8],
      [16, 200],
      [64, 64],
      [72, 1000],
      [0, 4096],
    ] as const) {
      const g = new Granules(8192);
      g.mark(start, size, true);
      for (let a = 0; a < 8192; a += 8) {
        expect(g.allSet(a, 8)).toBe(a >= start && a < start + size);
      }
      g.mark(start, size, false);
      expect(g.bits.every((b) => b === 0)).toBe(true);
    }
  });
});
