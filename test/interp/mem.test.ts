// Loads, stores, sign-extending loads and atomics; the bounds checks of
// unverified programs (fault naming pc and address), the instruction budget,
// and stack reuse across runs.
import { describe, expect, it } from "vitest";
import { ExecError } from "../../src/errors.ts";
import { build, BPF_DW, BPF_W } from "../../src/isa/index.ts";
import { runProgram } from "../../src/interp/index.ts";
import { VmMemory } from "../../src/memory/index.ts";
import { asm, r0, u64 } from "./run.ts";

const lines = (s: string): string => s.split(";").join("\n") + "\nexit";

/** Memory holding `bytes` at r1 (r2 = length), as the conformance runner does. */
function withMem(bytes: number[]): { mem: VmMemory; args: bigint[]; addr: number } {
  const mem = new VmMemory();
  const addr = mem.alloc(bytes.length);
  mem.write(addr, Uint8Array.from(bytes));
  // A freed gap after the block, so the interpreter's stack (allocated at the
  // first run) does not sit right behind it: checks have block precision only.
  mem.free(mem.alloc(16));
  return { mem, args: [BigInt(addr), BigInt(bytes.length)], addr };
}

function faultOf(f: () => unknown): ExecError {
  try {
    f();
  } catch (e) {
    if (e instanceof ExecError) return e;
    throw e;
  }
  throw new Error("expected an ExecError");
}

describe("loads and stores", () => {
  const bytes = [0x81, 0x82, 0x83, 0x84, 0x85, 0x86, 0x87, 0x88];
  it.each([
    ["ldxb zero-extends", "ldxb %r0, [%r1]", 0x81n],
    ["ldxh little-endian", "ldxh %r0, [%r1+1]", 0x8382n],
    ["ldxw", "ldxw %r0, [%r1+4]", 0x88878685n],
    ["ldxdw", "ldxdw %r0, [%r1]", 0x8887868584838281n],
    ["ldxsb sign-extends to 64", "ldxsb %r0, [%r1]", u64(-0x7fn)],
    ["ldxsh sign-extends to 64", "ldxsh %r0, [%r1+6]", u64(BigInt.asIntN(16, 0x8887n))],
    ["ldxsw sign-extends to 64", "ldxsw %r0, [%r1+4]", u64(BigInt.asIntN(32, 0x88878685n))],
    ["negative offset", "add %r1, 8; ldxb %r0, [%r1-1]", 0x88n],
  ])("%s", (_n, text, want) => {
    const { mem, args } = withMem(bytes);
    expect(r0(lines(text), { mem, args })).toBe(want);
  });

  it.each([
    ["stb/ldxb", "stb [%r10-1], 0x1ff; ldxb %r0, [%r10-1]", 0xffn],
    ["sth/ldxh", "sth [%r10-2], -2; ldxh %r0, [%r10-2]", 0xfffen],
    ["stw/ldxw", "stw [%r10-4], -2; ldxw %r0, [%r10-4]", 0xfffffffen],
    ["stdw sign-extends its imm", "stdw [%r10-8], -2; ldxdw %r0, [%r10-8]", u64(-2n)],
    [
      "stxdw/ldxdw",
      "lddw %r1, 0x1122334455667788; stxdw [%r10-8], %r1; ldxdw %r0, [%r10-8]",
      0x1122334455667788n,
    ],
    [
      "stxw stores the low word",
      "lddw %r1, 0x1122334455667788; stdw [%r10-8], 0; stxw [%r10-8], %r1; ldxdw %r0, [%r10-8]",
      0x55667788n,
    ],
    ["stxh", "mov %r1, 0x12345; stxh [%r10-2], %r1; ldxh %r0, [%r10-2]", 0x2345n],
    ["stxb", "mov %r1, 0x1ab; stxb [%r10-1], %r1; ldxb %r0, [%r10-1]", 0xabn],
    [
      "unaligned 8-byte access",
      "lddw %r1, 0x0102030405060708; stxdw [%r10-13], %r1; ldxdw %r0, [%r10-13]",
      0x0102030405060708n,
    ],
  ])("%s", (_n, text, want) => {
    expect(r0(lines(text))).toBe(want);
  });
});

describe("atomics", () => {
  // Memory starts as 0x0000000f_0000000f (stored first); r1 = operand; r0 = result expression.
  const pre = "lddw %r2, 0xf0000000f; stxdw [%r10-8], %r2; lddw %r1, ";
  it.each([
    ["add64", "0x100000001; lock add [%r10-8], %r1; ldxdw %r0, [%r10-8]", 0x1000000010n],
    [
      "add32 carries only within 32 bits",
      "0xfffffff1; lock add32 [%r10-8], %r1; ldxdw %r0, [%r10-8]",
      0xf00000000n,
    ],
    ["or64", "0x3000000030; lock or [%r10-8], %r1; ldxdw %r0, [%r10-8]", 0x3f0000003fn],
    ["and64", "0x300000003; lock and [%r10-8], %r1; ldxdw %r0, [%r10-8]", 0x300000003n],
    [
      "xor32 leaves the high word",
      "0x1; lock xor32 [%r10-8], %r1; ldxdw %r0, [%r10-8]",
      0xf0000000en,
    ],
    [
      "fetch add64 returns the old value",
      "1; lock fetch add [%r10-8], %r1; mov %r0, %r1",
      0xf0000000fn,
    ],
    [
      "fetch add32 returns the old low word, zero-extended",
      "1; lock fetch add32 [%r10-8], %r1; mov %r0, %r1",
      0xfn,
    ],
    ["fetch or32", "0x10; lock fetch or32 [%r10-8], %r1; ldxw %r0, [%r10-8]", 0x1fn],
    ["fetch and", "0x5; lock fetch and [%r10-8], %r1; mov %r0, %r1", 0xf0000000fn],
    ["fetch xor", "0xff; lock fetch xor [%r10-8], %r1; ldxdw %r0, [%r10-8]", 0xf000000f0n],
    [
      "xchg64",
      "0x1234; lock xchg [%r10-8], %r1; ldxdw %r0, [%r10-8]; add %r0, %r1",
      0x1234n + 0xf0000000fn,
    ],
    ["xchg32", "0xffffffffffffffff; lock xchg32 [%r10-8], %r1; mov %r0, %r1", 0xfn],
    [
      "cmpxchg64 succeeds when r0 matches",
      "7; lddw %r0, 0xf0000000f; lock cmpxchg [%r10-8], %r1; ldxdw %r0, [%r10-8]",
      7n,
    ],
    [
      "cmpxchg64 fails otherwise and loads r0",
      "7; mov %r0, 0xf; lock cmpxchg [%r10-8], %r1; ldxdw %r3, [%r10-8]; add %r0, %r3",
      0xf0000000fn * 2n,
    ],
    [
      "cmpxchg32 compares the low words only",
      "7; lddw %r0, 0x990000000f; lock cmpxchg32 [%r10-8], %r1; ldxdw %r0, [%r10-8]",
      0xf00000007n,
    ],
    [
      "cmpxchg32 zero-extends the old value into r0",
      "7; lddw %r0, 0x990000000f; lock cmpxchg32 [%r10-8], %r1",
      0xfn,
    ],
  ])("%s", (_n, text, want) => {
    expect(r0(lines(pre + text))).toBe(want);
  });
});

describe("bounds checks of unverified programs", () => {
  it("a load past the end of a block faults, naming the pc and the address", () => {
    const { mem, args, addr } = withMem([1, 2, 3, 4, 5, 6, 7, 8]);
    // Blocks are 16 bytes (allocator granularity): +16 is outside.
    const e = faultOf(() => r0(lines("mov %r0, 0; ldxw %r0, [%r1+16]"), { mem, args }));
    expect(e.pc).toBe(1);
    expect(e.message).toContain(`0x${(addr + 16).toString(16)}`);
    expect(e.message).toMatch(/out-of-bounds load of 4 bytes/);
  });
  it("a store to NULL faults", () => {
    const e = faultOf(() => r0(lines("mov %r1, 0; stw [%r1+8], 1")));
    expect(e.pc).toBe(1);
    expect(e.message).toMatch(/out-of-bounds store of 4 bytes at 0x8\b/);
  });
  it("an access straddling the end of a block faults", () => {
    const { mem, args } = withMem(new Array(16).fill(0));
    expect(() => r0(lines("ldxdw %r0, [%r1+12]"), { mem, args })).toThrow(ExecError);
    expect(r0(lines("ldxdw %r0, [%r1+8]"), { mem, args })).toBe(0n);
  });
  it("a pointer with high bits set faults", () => {
    const { mem, args } = withMem([1]);
    const e = faultOf(() =>
      r0(lines("lddw %r2, 0x100000000; add %r1, %r2; ldxb %r0, [%r1]"), { mem, args }),
    );
    expect(e.pc).toBe(3);
    expect(e.message).toMatch(/at 0x1[0-9a-f]{8}/);
  });
  it("the stack is accessible only within its block", () => {
    expect(r0(lines("stdw [%r10-512], 5; ldxdw %r0, [%r10-512]"))).toBe(5n);
    // Above the top frame lies the end of the stack block.
    expect(() => r0(lines("ldxdw %r0, [%r10+0]"))).toThrow(/out-of-bounds load of 8 bytes/);
  });
  it("freed memory faults when unverified but is trusted when verified", () => {
    const mem = new VmMemory();
    const keep = mem.alloc(64);
    const gone = mem.alloc(64);
    mem.free(gone);
    const prog = asm(lines("ldxdw %r0, [%r1]"));
    expect(() => runProgram(prog, { mem, args: [BigInt(gone)] })).toThrow(ExecError);
    expect(runProgram(prog, { mem, args: [BigInt(gone)], verified: true }).r0).toBe(0n);
    expect(runProgram(prog, { mem, args: [BigInt(keep)] }).r0).toBe(0n);
  });
  it("a verified program's wild access is still a typed fault, not a JS exception", () => {
    const prog = asm(lines("lddw %r1, 0xfffffff0; ldxdw %r0, [%r1]"));
    expect(() => runProgram(prog, { verified: true })).toThrow(ExecError);
  });
  it("the heap window is dropped after a helper frees memory", () => {
    const mem = new VmMemory();
    const a = mem.alloc(256, 256);
    const prog = asm(lines("ldxdw %r0, [%r1]; call 1; ldxdw %r0, [%r1+8]"));
    const helpers = { 1: () => (mem.free(a), 0n) };
    const e = faultOf(() => runProgram(prog, { mem, args: [BigInt(a)], helpers }));
    expect(e.pc).toBe(2);
  });
});

describe("instruction budget and counts", () => {
  const loop = asm("mov %r0, 0\nl:\nadd %r0, 1\nja l\nexit");
  it("ends an infinite loop of an unverified program with an ExecError", () => {
    const e = faultOf(() => runProgram(loop, { budget: 1000 }));
    expect(e.message).toMatch(/budget of 1000 exhausted/);
  });
  it("the default budget applies when none is given", () => {
    expect(() => runProgram(loop)).toThrow(/budget of 10000000 exhausted/);
  });
  it("counts executed instructions exactly; a budget equal to the count suffices", () => {
    const prog = asm("mov %r0, 0\nmov %r1, 10\nl:\nadd %r0, %r1\nsub %r1, 1\njne %r1, 0, l\nexit");
    const r = runProgram(prog);
    expect(r.r0).toBe(55n);
    expect(r.insnCount).toBe(2 + 3 * 10 + 1);
    expect(runProgram(prog, { budget: 33 }).r0).toBe(55n);
    expect(() => runProgram(prog, { budget: 32 })).toThrow(ExecError);
  });
  it("rejects a non-positive budget as bad usage", () => {
    expect(() => runProgram(loop, { budget: 0 })).toThrow(/budget must be positive/);
  });
});

describe("stack frames", () => {
  it("allocates stacks once per memory: repeated runs do not grow the allocation", () => {
    const mem = new VmMemory();
    const prog = [build.stMem(BPF_DW, 10, -8, 1), build.ldxMem(BPF_W, 0, 10, -8), build.exit()];
    runProgram(prog, { mem });
    const used = mem.allocatedBytes;
    for (let i = 0; i < 50; i++) expect(runProgram(prog, { mem }).r0).toBe(1n);
    expect(mem.allocatedBytes).toBe(used);
  });
  it("nested runs from a helper get their own stack", () => {
    const mem = new VmMemory();
    const inner = asm(lines("stdw [%r10-8], 99; ldxdw %r0, [%r10-8]"));
    const outer = asm(lines("stdw [%r10-8], 7; call 1; ldxdw %r1, [%r10-8]; add %r0, %r1"));
    const helpers = { 1: () => runProgram(inner, { mem }).r0 };
    expect(runProgram(outer, { mem, helpers }).r0).toBe(99n + 7n);
  });
});
