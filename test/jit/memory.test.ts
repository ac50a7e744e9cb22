// Memory in JIT-ed code: loads/stores of every width, the unverified bounds
// check (faults name pc, direction and address exactly as the interpreter
// does; the cached live region is dropped after calls, so memory a helper
// frees is caught), memory that grows during a run, and verified programs
// (no checks: a bad address is a wasm trap, turned into a typed fault).
import { describe, expect, it } from "vitest";
import { ExecError } from "../../src/errors.ts";
import { makeEnv, type HelperFn } from "../../src/interp/index.ts";
import { jit } from "../../src/jit/index.ts";
import { VmMemory } from "../../src/memory/index.ts";
import { asm, both, jitR0, runJit, thrown } from "./run.ts";

describe("loads and stores", () => {
  it("every width, sign-extending loads, immediates and registers, unaligned", () => {
    const prog =
      "lddw %r2, 0x8877665544332211; stxdw [%r10-16], %r2; ldxb %r3, [%r10-13]; ldxh %r4, [%r10-15];" +
      "ldxw %r5, [%r10-12]; stw [%r10-24], -2; ldxdw %r6, [%r10-24]; sth [%r10-30], 0x1234; ldxh %r7, [%r10-30];" +
      "mov %r0, %r3; add %r0, %r4; add %r0, %r5; add %r0, %r6; add %r0, %r7; exit";
    const [i, j] = both(prog);
    expect(j).toEqual(i);
    for (const verified of [false, true]) {
      expect(jitR0(prog, { verified })).toBe((i as { r0: bigint }).r0);
    }
  });
  it("sign-extending loads (MEMSX)", () => {
    const prog =
      "stdw [%r10-8], -1; ldxsb %r0, [%r10-8]; ldxsh %r1, [%r10-8]; ldxsw %r2, [%r10-8]; add %r0, %r1; add %r0, %r2; exit";
    expect(jitR0(prog)).toBe(BigInt.asUintN(64, -3n));
  });
});

describe("unverified bounds checks", () => {
  it("an out-of-bounds load or store faults with the interpreter's message", () => {
    const load = "mov %r1, 0; ldxw %r0, [%r1+16]; exit";
    const e = thrown(() => jitR0(load));
    expect(e).toBeInstanceOf(ExecError);
    expect((e as ExecError).message).toBe("out-of-bounds load of 4 bytes at 0x10 (pc 1)");
    const store = "mov %r1, %r10; stdw [%r1+8], 1; exit";
    expect(() => jitR0(store)).toThrow(/^out-of-bounds store of 8 bytes at 0x[0-9a-f]+ \(pc 1\)$/);
    expect(both(store)[1]).toBe(both(store)[0]);
  });
  it("an address with high bits set faults even if its low half is live", () => {
    const prog = "lddw %r2, 0x100000000; add %r2, %r10; ldxb %r0, [%r2-8]; exit";
    expect(() => jitR0(prog)).toThrow(/^out-of-bounds load of 1 bytes at 0x1[0-9a-f]{8} \(pc 3\)$/);
    expect(both(prog)[1]).toBe(both(prog)[0]);
  });
  it("a stack access straddling the frame's top is out of bounds only past the stack area", () => {
    // The run's stack area is 8 frames below r10 of the main program: above r10 is outside.
    expect(() => jitR0("ldxdw %r0, [%r10-4]; exit")).toThrow(/out-of-bounds load of 8 bytes/);
  });
  it("memory a helper frees is no longer accessible (the cached region is dropped after calls)", () => {
    const mem = new VmMemory();
    const buf = mem.alloc(64);
    const free: HelperFn = () => {
      mem.free(buf);
      return 0n;
    };
    // Load twice (second hits the cached region), free, load again.
    const prog = asm(
      "ldxdw %r0, [%r1]; ldxdw %r0, [%r1+8]; mov %r6, %r1; call 1; ldxdw %r0, [%r6]; exit",
    );
    const env = makeEnv(mem, { 1: free });
    expect(() => jit.prepare({ insns: prog }, env).run({ args: [BigInt(buf)] })).toThrow(
      `out-of-bounds load of 8 bytes at 0x${buf.toString(16)} (pc 4)`,
    );
  });
  it("memory that grows during a run (a helper allocating) is usable right away", () => {
    const mem = new VmMemory({ initialBytes: 1 << 17 });
    const pages = mem.memory.buffer.byteLength;
    const big: HelperFn = () => {
      const a = mem.alloc(4 << 20);
      mem.dv.setUint32(a + (4 << 20) - 8, 0xfeed, true);
      return BigInt(a);
    };
    const prog = asm("call 1; add %r0, 0x3ffff8; ldxw %r0, [%r0]; exit");
    const r = jit.prepare({ insns: prog }, makeEnv(mem, { 1: big })).run();
    expect(r.r0).toBe(0xfeedn);
    expect(mem.memory.buffer.byteLength).toBeGreaterThan(pages);
  });
  it("instruction budget: exact counts, and exhaustion at the interpreter's instruction", () => {
    const loop = "mov %r0, 0; l:; add %r0, 1; jlt %r0, 1000, l; exit";
    expect(runJit(loop)).toEqual({ r0: 1000n, insnCount: 2002 });
    expect(runJit(loop, { budget: 2002 }).r0).toBe(1000n);
    expect(() => runJit(loop, { budget: 2001 })).toThrow(
      "instruction budget of 2001 exhausted (pc 3)",
    );
    expect(() => runJit(loop, { budget: 100 })).toThrow(
      "instruction budget of 100 exhausted (pc 2)",
    );
    expect(() => runJit(loop, { budget: 0 })).toThrow("instruction budget must be positive, got 0");
    const [i, j] = both(loop, { budget: 777 });
    expect(j).toBe(i);
  });
  it("an infinite loop stops at the default budget", () => {
    expect(() => runJit("l:; ja l")).toThrow("instruction budget of 10000000 exhausted (pc 0)");
  });
});

describe("verified programs", () => {
  it("run without checks or budget, and count nothing", () => {
    const r = runJit("mov %r0, 0; l:; add %r0, 1; jlt %r0, 1000, l; exit", { verified: true });
    expect(r).toEqual({ r0: 1000n, insnCount: undefined });
  });
  it("an address beyond the memory is a wasm trap, reported as a typed fault", () => {
    const e = thrown(() =>
      runJit("lddw %r1, 0x7ffffff0; ldxdw %r0, [%r1]; exit", { verified: true }),
    );
    expect(e).toBeInstanceOf(ExecError);
    expect((e as ExecError).message).toMatch(/^execution fault: /);
  });
});
