// Inlinable kfuncs, the RFC's scenarios (verifier_inlinable_kfuncs.c) with
// exact xlated expectations: each call site's copy of the body simplified
// with that site's argument values, NULLs and dynptr types known inside the
// body, memory arguments as KERNEL_VALUE, r6/r7 spilled and filled around
// the body, r10-relative stack moved below the caller's, and r10 escaping
// keeping the call. Whether a kfunc is inlinable never changes a verdict.
import { afterAll, describe, expect, it } from "vitest";
import { ProgType } from "../../src/uapi/index.ts";
import { AttachType } from "../../src/uapi/prog-types.ts";
import { check, testRuntime } from "./support.ts";

const rt = testRuntime();
afterAll(() => rt.close());
const id = (name: string): number => rt.kfuncs.id(name)!;

const SOCKET = { progType: ProgType.SOCKET_FILTER };

describe("inlinable kfuncs: xlated after inlining", () => {
  it("two call sites with different constants are simplified independently", () => {
    const c = check(
      rt,
      `r1 = 1
       call bpf_test_inline_kfunc1
       r1 = 2
       call bpf_test_inline_kfunc1
       exit`,
      SOCKET,
    );
    expect(c.result.error).toBeUndefined();
    expect(c.xlated).toEqual([
      "0: (b7) r1 = 1",
      "1: (b7) r0 = 42",
      "2: (b7) r0 = 11",
      "3: (05) goto pc+0",
      "4: (b7) r1 = 2",
      "5: (b7) r0 = 42",
      "6: (b7) r0 = 22",
      "7: (05) goto pc+0",
      "8: (95) exit",
    ]);
  });

  it("a NULL pointer argument is known inside the body", () => {
    const c = check(rt, "r1 = 0\ncall bpf_test_inline_kfunc2\nexit", SOCKET);
    expect(c.xlated).toEqual([
      "0: (b7) r1 = 0",
      "1: (b7) r0 = 42",
      "2: (b7) r0 = 24",
      "3: (05) goto pc+0",
      "4: (95) exit",
    ]);
  });

  it("a memory argument is a KERNEL_VALUE: loads and stores through it are allowed", () => {
    const c = check(rt, "r1 = r10\nr1 += -8\nr2 = 8\ncall bpf_test_inline_kfunc3\nexit", {
      ...SOCKET,
      logLevel: 2,
    });
    expect(c.xlated).toEqual([
      "0: (bf) r1 = r10",
      "1: (07) r1 += -8",
      "2: (b7) r2 = 8",
      "3: (79) r1 = *(u64 *)(r1 +0)",
      "4: (7a) *(u64 *)(r1 +0) = 42",
      "5: (b7) r0 = 0",
      "6: (05) goto pc+0",
      "7: (95) exit",
    ]);
    // The body's view of r1 (frame1 is the instance; no caller frame above it).
    expect(c.result.log).toContain("frame1: R1=kernel_value()");
    expect(c.result.log).toContain("R1_w=kernel_value()");
  });

  it("a KERNEL_VALUE spilled to the body's stack comes back as one", () => {
    const c = check(
      rt,
      `r1 = 7
       *(u64 *)(r10 - 8) = r1
       r1 = r10
       r1 += -8
       call bpf_test_inline_spill
       exit`,
      SOCKET,
    );
    expect(c.result.error).toBeUndefined();
    expect(c.xlated.slice(4)).toEqual([
      "4: (7b) *(u64 *)(r10 -16) = r1",
      "5: (b7) r1 = 0",
      "6: (79) r1 = *(u64 *)(r10 -16)",
      "7: (79) r0 = *(u64 *)(r1 +0)",
      "8: (05) goto pc+0",
      "9: (95) exit",
    ]);
    const p = rt.loadProgram({ insns: c.insns, type: ProgType.SOCKET_FILTER, verify: true });
    expect(p.testRun({ data: new Uint8Array(64) }).retval).toBe(7);
    p.close();
  });

  it("r6 and r7 used by the body are spilled before it and filled after it", () => {
    const c = check(
      rt,
      `*(u64 *)(r10 - 128) = r1
       call bpf_test_inline_kfunc4
       r1 = *(u64 *)(r10 - 128)
       exit`,
      SOCKET,
    );
    expect(c.xlated).toEqual([
      "0: (7b) *(u64 *)(r10 -128) = r1",
      "1: (7b) *(u64 *)(r10 -136) = r6",
      "2: (7b) *(u64 *)(r10 -144) = r7",
      "3: (b7) r0 = 0",
      "4: (b7) r1 = 1",
      "5: (b7) r2 = 2",
      "6: (b7) r6 = 3",
      "7: (b7) r7 = 4",
      "8: (05) goto pc+0",
      "9: (79) r7 = *(u64 *)(r10 -144)",
      "10: (79) r6 = *(u64 *)(r10 -136)",
      "11: (79) r1 = *(u64 *)(r10 -128)",
      "12: (95) exit",
    ]);
  });

  it("the body's r10-relative stack moves below the caller's stack and its spills", () => {
    const c = check(
      rt,
      `*(u64 *)(r10 - 32) = r1
       call bpf_test_inline_kfunc6
       r1 = *(u64 *)(r10 - 32)
       exit`,
      SOCKET,
    );
    expect(c.xlated).toEqual([
      "0: (7b) *(u64 *)(r10 -32) = r1",
      "1: (7b) *(u64 *)(r10 -40) = r6",
      "2: (b7) r0 = 0",
      "3: (7b) *(u64 *)(r10 -48) = r0",
      "4: (79) r0 = *(u64 *)(r10 -48)",
      "5: (b7) r6 = 1",
      "6: (05) goto pc+0",
      "7: (79) r6 = *(u64 *)(r10 -40)",
      "8: (79) r1 = *(u64 *)(r10 -32)",
      "9: (95) exit",
    ]);
  });

  it("a body whose r10 escapes (stored, or copied to a register) stays a call", () => {
    for (const name of ["bpf_test_inline_kfunc7", "bpf_test_inline_kfunc8"]) {
      const c = check(rt, `call ${name}\nexit`, SOCKET);
      expect(c.result.accepted).toBe(true);
      expect(c.xlated).toEqual([`0: (85) call kernel-function#${id(name)}`, "1: (95) exit"]);
    }
  });

  it("the dynptr type is known inside the body (xdp)", () => {
    const c = check(
      rt,
      `r1 = r1
       r2 = 0
       r3 = r10
       r3 += -16
       call bpf_dynptr_from_xdp
       r1 = r10
       r1 += -16
       call bpf_test_inline_kfunc5
       exit`,
      { progType: ProgType.XDP },
    );
    expect(c.xlated.slice(5)).toEqual([
      "5: (bf) r1 = r10",
      "6: (07) r1 += -16",
      "7: (61) r1 = *(u32 *)(r1 +8)",
      "8: (57) r1 &= 2147483647",
      "9: (77) r1 >>= 28",
      "10: (b7) r0 = 2",
      "11: (05) goto pc+0",
      "12: (95) exit",
    ]);
  });

  it("the dynptr type is known inside the body (cgroup_skb)", () => {
    const c = check(
      rt,
      `r1 = r1
       r2 = 0
       r3 = r10
       r3 += -16
       call bpf_dynptr_from_skb
       r1 = r10
       r1 += -16
       call bpf_test_inline_kfunc5
       r0 &= 3
       exit`,
      { progType: ProgType.CGROUP_SKB, expectedAttachType: AttachType.CGROUP_INET_EGRESS },
    );
    expect(c.xlated.slice(7)).toEqual([
      "7: (61) r1 = *(u32 *)(r1 +8)",
      "8: (57) r1 &= 2147483647",
      "9: (77) r1 >>= 28",
      "10: (b7) r0 = 1",
      "11: (05) goto pc+0",
      "12: (57) r0 &= 3",
      "13: (95) exit",
    ]);
  });

  it("a call site reached with different values keeps the branches they need", () => {
    // r1 is 1 or 2 depending on the ctx: one instance sees both, so neither
    // compare can be hard-wired, and pruning must not merge the two paths.
    const c = check(
      rt,
      `r2 = *(u32 *)(r1 + 0)
       r1 = 1
       if r2 == 0 goto l1
       r1 = 2
       r8 = 0
       r8 += 1
       r8 += 1
       r8 += 1
       r8 += 1
       r8 += 1
       r8 += 1
       r8 += 1
       if r8 == 0 goto l1
       if r8 == 1 goto l1
   l1: call bpf_test_inline_kfunc1
       exit`,
      SOCKET,
    );
    expect(c.result.error).toBeUndefined();
    expect(c.xlated.filter((l) => /if r1 != 0x[12] goto pc\+1$/.test(l))).toHaveLength(2);
  });

  it("paths bringing dynptrs of different types to one call keep both paths of the body", () => {
    // A local dynptr on one path, an xdp one on the other: pruning at the join
    // must not merge them (the slots are read by the call), or the body would
    // be simplified for one type only.
    const c = check(
      rt,
      `r6 = r1
       r2 = *(u32 *)(r6 + 0)
       r3 = *(u32 *)(r6 + 4)
       r4 = r2
       r4 += 1
       r7 = 1
       if r4 > r3 goto sel
       r7 = *(u8 *)(r2 + 0)
     sel:
       r1 = 0
       *(u64 *)(r10 - 24) = r1
       if r7 == 0 goto local
       r1 = r6
       r2 = 0
       r3 = r10
       r3 += -16
       call bpf_dynptr_from_xdp
       r8 = 0
       r8 += 1
       r8 += 1
       r8 += 1
       r8 += 1
       r8 += 1
       r8 += 1
       r8 += 1
       r8 += 1
       if r8 == 0 goto join
       if r8 == 1 goto join
       goto join
     local:
       r1 = r10
       r1 += -24
       r2 = 8
       r3 = 0
       r4 = r10
       r4 += -16
       call bpf_dynptr_from_mem
       r8 = 0
       r8 += 1
       r8 += 1
       r8 += 1
       r8 += 1
       r8 += 1
       r8 += 1
       r8 += 1
       r8 += 1
       if r8 == 0 goto join
       if r8 == 1 goto join
     join:
       r1 = r10
       r1 += -16
       call bpf_test_inline_kfunc5
       exit`,
      { progType: ProgType.XDP },
    );
    expect(c.result.error).toBeUndefined();
    expect(c.xlated.filter((l) => / r0 = [23]$/.test(l))).toHaveLength(2);
    for (const [data, want] of [
      [0, 3],
      [1, 2],
    ] as const) {
      const p = rt.loadProgram({ insns: c.insns, type: ProgType.XDP, verify: true });
      const frame = new Uint8Array(64);
      frame[0] = data;
      expect(p.testRun({ data: frame }).retval).toBe(want);
      p.close();
    }
  });
});

describe("inlinable kfuncs: verdicts", () => {
  it("scalar arguments of an inlinable call are marked precise at the call", () => {
    const c = check(rt, "r1 = 1\ncall bpf_test_inline_kfunc1\nexit", { ...SOCKET, logLevel: 2 });
    expect(c.result.log).toContain("mark_precise: frame0: regs=r1 stack= before 0: (b7) r1 = 1");
  });

  it("inlining on or off gives the same verdict and message", () => {
    const programs = [
      "r1 = 1\ncall bpf_test_inline_kfunc1\nexit",
      "call bpf_test_inline_kfunc1\nexit", // R1 not initialised
      "r1 = r10\ncall bpf_test_inline_kfunc1\nexit", // a pointer where an int is expected
      "r1 = r10\nr1 += -8\nr2 = 16\ncall bpf_test_inline_kfunc3\nexit", // 16 bytes from fp-8
      "r1 = r10\nr1 += -16\ncall bpf_test_inline_kfunc5\nexit", // no dynptr there
    ];
    for (const text of programs) {
      const on = check(rt, text, SOCKET).result;
      const off = check(rt, text, { ...SOCKET, inlineKfuncs: false }).result;
      expect(on.accepted).toBe(off.accepted);
      expect(on.error).toBe(off.error);
    }
  });

  it("with inlining off no instances are appended and every call stays", () => {
    const c = check(rt, "r1 = 1\ncall bpf_test_inline_kfunc1\nexit", {
      ...SOCKET,
      inlineKfuncs: false,
    });
    expect(c.result.insns).toBeUndefined();
    expect(c.xlated).toEqual([
      "0: (b7) r1 = 1",
      `1: (85) call kernel-function#${id("bpf_test_inline_kfunc1")}`,
      "2: (95) exit",
    ]);
  });

  it("an instance body that is never reached is removed with its call", () => {
    const c = check(
      rt,
      `r0 = 0
       if r0 == 0 goto l1
       r1 = 1
       call bpf_test_inline_kfunc1
   l1: exit`,
      SOCKET,
    );
    expect(c.xlated).toEqual(["0: (b7) r0 = 0", "1: (95) exit"]);
  });

  it("the body's stack must fit below the caller's, else the call stays", () => {
    const c = check(
      rt,
      `*(u64 *)(r10 - 504) = r1
       call bpf_test_inline_kfunc6
       r0 = 0
       exit`,
      SOCKET,
    );
    expect(c.xlated[1]).toBe(`1: (85) call kernel-function#${id("bpf_test_inline_kfunc6")}`);
  });
});
