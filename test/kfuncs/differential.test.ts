// Inlinable kfuncs behave the same inlined (pruned or not) as called: each
// program below runs on the same inputs as a plain call to the host
// implementation, as the registered body pasted in, and as the body
// simplified for its call site, on both engines; r0 and the output must agree.
// Inputs come from the ctx (unknown to the verifier) so the bodies' general
// paths run, and from constants so the simplified ones do.
import { afterAll, describe, expect, it } from "vitest";
import { ProgType } from "../../src/uapi/index.ts";
import { u64Args } from "../../src/runtime/progtypes/index.ts";
import { expectAllAgree, outcomes, testRuntime, type Input } from "./support.ts";

const rt = testRuntime();
afterAll(() => rt.close());

/**
 * A local dynptr over 16 bytes at fp-32 (bytes 0x10..0x1f), of the size in
 * ctx[1] (masked to 0..15), NULL when ctx[2] is 1; the dynptr is at fp-48.
 */
const LOCAL_DYNPTR = `
  r6 = r1
  r1 = 0x1716151413121110 ll
  *(u64 *)(r10 - 32) = r1
  r1 = 0x1f1e1d1c1b1a1918 ll
  *(u64 *)(r10 - 24) = r1
  r2 = *(u64 *)(r6 + 8)
  r2 &= 15
  r3 = *(u64 *)(r6 + 16)
  r1 = r10
  r1 += -32
  r4 = r10
  r4 += -48
  call bpf_dynptr_from_mem
`;

/** ctx: [offset, size, null?] */
const LOCAL_INPUTS: Input[] = [];
for (const off of [0n, 1n, 4n, 8n, 15n, 16n, 0xffff_ffffn, 0x1_0000_0004n, 1n << 63n])
  for (const size of [0n, 4n, 8n, 15n])
    for (const nul of [0n, 1n]) LOCAL_INPUTS.push({ ctx: u64Args(off, size, nul) });

/** A slice's result as an offset into the buffer (0x7777 for NULL). */
const SLICE_RESULT = `
  if r0 == 0 goto null
  r0 -= r10
  exit
null:
  r0 = 0x7777
  exit
`;

describe("inlinable kfuncs: inlined equals called", () => {
  for (const len of [0, 1, 4, 8, 16]) {
    it(`bpf_dynptr_slice of ${len} bytes at a runtime offset`, () => {
      const asm = `${LOCAL_DYNPTR}
        r1 = r10
        r1 += -48
        r2 = *(u64 *)(r6 + 0)
        r3 = 0
        r4 = ${len}
        call bpf_dynptr_slice
        ${SLICE_RESULT}`;
      const res = expectAllAgree(outcomes(rt, asm, ProgType.KPROBE, LOCAL_INPUTS));
      // Sanity: some slices succeed, some do not (the inputs cover both).
      expect(res.some((x) => x === "7777")).toBe(true);
      if (len <= 8) expect(res.some((x) => x !== "7777")).toBe(true);
    });
  }

  for (const off of [0, 4, 15, 16, 20]) {
    it(`bpf_dynptr_slice at the constant offset ${off}`, () => {
      const asm = `${LOCAL_DYNPTR}
        r1 = r10
        r1 += -48
        r2 = ${off}
        r3 = 0
        r4 = 4
        call bpf_dynptr_slice
        ${SLICE_RESULT}`;
      expectAllAgree(outcomes(rt, asm, ProgType.KPROBE, LOCAL_INPUTS));
    });
  }

  it("bpf_dynptr_is_null, bpf_dynptr_is_rdonly and bpf_dynptr_size", () => {
    const asm = `${LOCAL_DYNPTR}
      r1 = r10
      r1 += -48
      call bpf_dynptr_is_null
      r7 = r0
      r7 <<= 40
      r1 = r10
      r1 += -48
      call bpf_dynptr_is_rdonly
      r0 <<= 32
      r7 |= r0
      r1 = r10
      r1 += -48
      call bpf_dynptr_size
      r0 |= r7
      exit`;
    const res = expectAllAgree(outcomes(rt, asm, ProgType.KPROBE, LOCAL_INPUTS));
    expect(new Set(res).size).toBeGreaterThan(2);
  });

  it("ringbuf dynptrs: slices within the record", () => {
    const rb = rt.createMap({ type: 27, keySize: 0, valueSize: 0, maxEntries: 4096, name: "rb" });
    const asm = `
      r6 = r1
      r1 = map[id:${rb.id}]
      r2 = 24
      r3 = 0
      r4 = r10
      r4 += -16
      call bpf_ringbuf_reserve_dynptr
      r1 = r10
      r1 += -16
      r2 = *(u64 *)(r6 + 0)
      r3 = 0
      r4 = 8
      call bpf_dynptr_slice
      r7 = 0
      if r0 == 0 goto out
      r7 = 1
    out:
      r1 = r10
      r1 += -16
      r2 = 0
      call bpf_ringbuf_discard_dynptr
      r0 = r7
      exit`;
    const inputs = [0n, 8n, 16n, 17n, 24n, 0xffff_ffffn].map((o) => ({ ctx: u64Args(o) }));
    expect(expectAllAgree(outcomes(rt, asm, ProgType.KPROBE, inputs))).toEqual([
      "1",
      "1",
      "1",
      "0",
      "0",
      "0",
    ]);
    rb.close();
  });

  it("xdp dynptrs: bpf_dynptr_slice_rdwr writes through to the packet", () => {
    const asm = `
      r6 = r1
      r2 = 0
      r3 = r10
      r3 += -16
      call bpf_dynptr_from_xdp
      r1 = r10
      r1 += -16
      r2 = 20
      r3 = 0
      r4 = 4
      call bpf_dynptr_slice_rdwr
      if r0 == 0 goto out
      r1 = *(u32 *)(r0 + 0)
      r1 += 1
      *(u32 *)(r0 + 0) = r1
      r0 = 2
      exit
    out:
      r0 = 1
      exit`;
    const inputs = [14, 24, 30, 64].map((n) => ({
      data: Uint8Array.from({ length: n }, (_, i) => i),
    }));
    const res = expectAllAgree(outcomes(rt, asm, ProgType.XDP, inputs));
    expect(res[0]!.startsWith("1:")).toBe(true);
    expect(res[2]!.startsWith("2:")).toBe(true);
  });

  it("the test module's kfuncs on runtime values, and r6/r7 kept across a body that uses them", () => {
    const asm = `
      r6 = *(u64 *)(r1 + 0)
      r7 = *(u64 *)(r1 + 8)
      r1 = r6
      call bpf_test_inline_kfunc1
      r8 = r0
      r1 = 0
      *(u64 *)(r10 - 8) = r1
      if r7 == 0 goto c2
      r1 = r10
      r1 += -8
    c2:
      call bpf_test_inline_kfunc2
      r8 <<= 8
      r8 |= r0
      call bpf_test_inline_kfunc4
      r8 <<= 8
      r8 |= r0
      r8 += r6
      r8 += r7
      r0 = r8
      exit`;
    const inputs = [
      [0n, 0n],
      [1n, 0n],
      [2n, 5n],
      [3n, 0xffffn],
      [0x1_0000_0001n, 0n],
    ].map(([a, b]) => ({ ctx: u64Args(a!, b!) }));
    expectAllAgree(outcomes(rt, asm, ProgType.KPROBE, inputs));
  });
});
