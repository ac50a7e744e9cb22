// Robustness: random instruction streams (random bytes, and random picks of
// valid opcodes with random fields) either run to an r0 or fail with a typed
// error (InsnError when the program cannot run, ExecError when it faults);
// never another exception, never a hang (a small budget bounds every run).
// A longer run of the same check: FUZZ_RUNS=20000 npx vitest run test/interp/fuzz.test.ts
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { TsbpfError } from "../../src/errors.ts";
import { decode, encode, insn, type Insn } from "../../src/isa/index.ts";
import { isValidOpcode } from "../../src/interp/ops.ts";
import { runProgram } from "../../src/interp/index.ts";
import { VmMemory } from "../../src/memory/index.ts";

const RUNS = Number(process.env.FUZZ_RUNS ?? 400);
const mem = new VmMemory();
const buf = mem.alloc(64);
const VALID = Array.from({ length: 256 }, (_, c) => c).filter(isValidOpcode);

function outcome(insns: Insn[]): "ok" | "typed" {
  try {
    runProgram(insns, {
      mem,
      args: [BigInt(buf), 64n],
      budget: 2000,
      helpers: { 1: (a) => a + 1n },
      env: { tailCallTarget: () => ({ insns }), packetData: () => ({ addr: buf, len: 64 }) },
    });
    return "ok";
  } catch (e) {
    if (e instanceof TsbpfError) return "typed";
    throw e;
  }
}

const exitInsn = insn(0x95);

describe("fuzz: only typed errors", () => {
  it("random bytes", () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 8, maxLength: 8 * 24 }), (bytes) => {
        const n = bytes.length - (bytes.length % 8);
        const insns = [...decode(bytes.subarray(0, n)), exitInsn];
        expect(["ok", "typed"]).toContain(outcome(insns));
      }),
      { numRuns: RUNS },
    );
  });
  it("valid opcodes with random registers, offsets and immediates", () => {
    const arbInsn = fc
      .record({
        code: fc.constantFrom(...VALID),
        dst: fc.integer({ min: 0, max: 10 }),
        src: fc.integer({ min: 0, max: 10 }),
        off: fc.oneof(fc.integer({ min: -4, max: 4 }), fc.integer({ min: -0x8000, max: 0x7fff })),
        imm: fc.oneof(
          fc.constantFrom(0, 1, -1, 8, 16, 32, 64, 12, 0xe1, 0xf1),
          fc.integer({ min: -0x80000000, max: 0x7fffffff }),
        ),
      })
      .map((f) => insn(f.code, f.dst, f.src, f.off, f.imm));
    fc.assert(
      fc.property(fc.array(arbInsn, { minLength: 1, maxLength: 24 }), (body) => {
        // Round-trip through bytes too, as a loader would hand them over.
        const insns = decode(encode([...body, exitInsn]));
        expect(["ok", "typed"]).toContain(outcome(insns));
      }),
      { numRuns: RUNS },
    );
  });
});
