// Our WebAssembly encoder: LEB128 against a BigInt reference, and modules the
// engine accepts and runs (constants round-trip through V8 exactly).
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ByteWriter, u32Size } from "../../src/jit/wasm/bytes.ts";
import { ModuleBuilder } from "../../src/jit/wasm/module.ts";
import { Op, T } from "../../src/jit/wasm/ops.ts";

/** Reference signed LEB128 of a BigInt. */
function slebRef(v: bigint): number[] {
  const out: number[] = [];
  for (;;) {
    const b = Number(v & 0x7fn);
    v >>= 7n;
    if ((v === 0n && (b & 0x40) === 0) || (v === -1n && (b & 0x40) !== 0)) {
      out.push(b);
      return out;
    }
    out.push(b | 0x80);
  }
}

const bytesOf = (f: (w: ByteWriter) => void): number[] => {
  const w = new ByteWriter(1);
  f(w);
  return [...w.view()];
};

describe("LEB128", () => {
  it("unsigned 32-bit edge cases", () => {
    expect(bytesOf((w) => w.u32(0))).toEqual([0]);
    expect(bytesOf((w) => w.u32(127))).toEqual([0x7f]);
    expect(bytesOf((w) => w.u32(128))).toEqual([0x80, 0x01]);
    expect(bytesOf((w) => w.u32(0xffffffff))).toEqual([0xff, 0xff, 0xff, 0xff, 0x0f]);
    expect([0, 127, 128, 16383, 16384, 0xffffffff].map(u32Size)).toEqual([1, 1, 2, 2, 3, 5]);
  });
  it("signed 32-bit matches the reference", () => {
    for (const v of [0, -1, 63, 64, -64, -65, 0x7fffffff, -0x80000000]) {
      expect(bytesOf((w) => w.s32(v))).toEqual(slebRef(BigInt(v)));
    }
    fc.assert(
      fc.property(fc.integer({ min: -0x80000000, max: 0x7fffffff }), (v) => {
        expect(bytesOf((w) => w.s32(v))).toEqual(slebRef(BigInt(v)));
      }),
    );
  });
  it("signed 64-bit from two halves matches the reference", () => {
    fc.assert(
      fc.property(fc.bigInt({ min: -(1n << 63n), max: (1n << 63n) - 1n }), (v) => {
        const u = BigInt.asUintN(64, v);
        const lo = Number(u & 0xffffffffn) | 0;
        const hi = Number(u >> 32n) | 0;
        expect(bytesOf((w) => w.s64(lo, hi))).toEqual(slebRef(v));
      }),
    );
  });
});

describe("modules", () => {
  it("an i64 constant comes back from V8 exactly; the module validates", () => {
    fc.assert(
      fc.property(fc.bigInt({ min: -(1n << 63n), max: (1n << 63n) - 1n }), (v) => {
        const mb = new ModuleBuilder();
        const t = mb.type([], [T.i64]);
        const u = BigInt.asUintN(64, v);
        const body = new ByteWriter(16);
        body.u8(Op.i64_const).s64(Number(u & 0xffffffffn) | 0, Number(u >> 32n) | 0);
        mb.exportFunc("k", mb.addFunc(t, [], body.view()));
        const bytes = mb.build();
        expect(WebAssembly.validate(bytes)).toBe(true);
        const inst = new WebAssembly.Instance(new WebAssembly.Module(bytes));
        expect((inst.exports.k as () => bigint)()).toBe(v);
      }),
      { numRuns: 50 },
    );
  });
  it("deduplicates types and refuses an import after a function", () => {
    const mb = new ModuleBuilder();
    expect(mb.type([T.i32], [])).toBe(mb.type([T.i32], []));
    expect(mb.type([T.i64], [])).not.toBe(mb.type([T.i32], []));
    mb.addFunc(mb.type([], []), [], new Uint8Array(0));
    expect(() => mb.importFunc("env", "f", 0)).toThrow(/imports must be declared before functions/);
  });
});
