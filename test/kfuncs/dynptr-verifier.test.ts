// The verifier's dynptr tracking, from the kernel selftests' dynptr_fail.c /
// dynptr_success.c: dynptrs constructed into two stack slots by
// bpf_dynptr_from_mem, bpf_ringbuf_reserve_dynptr and bpf_dynptr_from_skb/
// xdp; read only when initialised; ringbuf ones hold a reference that
// submit/discard releases; overwriting them destroys them (or is refused when
// referenced); slices die with their dynptr; the type in the state decides
// which calls are allowed. Messages are the kernel's.
import { afterAll, describe, expect, it } from "vitest";
import { MapType } from "../../src/uapi/map-types.ts";
import { ProgType } from "../../src/uapi/index.ts";
import type { MapInfo, VerifyResult } from "../../src/verifier/index.ts";
import { check, testRuntime } from "./support.ts";

const rt = testRuntime();
afterAll(() => rt.close());

const RINGBUF: MapInfo = {
  type: MapType.RINGBUF,
  keySize: 0,
  valueSize: 0,
  maxEntries: 4096,
  flags: 0,
  name: "rb",
};
const ARRAY: MapInfo = { type: MapType.ARRAY, keySize: 4, valueSize: 8, maxEntries: 1, flags: 0 };

function run(asm: string, progType: number = ProgType.SOCKET_FILTER, logLevel = 1): VerifyResult {
  return check(rt, asm, { progType, maps: [ARRAY, RINGBUF], logLevel }).result;
}

/** Local dynptr over 8 bytes at fp-8, the dynptr itself at fp-24. */
const FROM_MEM = `
  r1 = 0
  *(u64 *)(r10 - 8) = r1
  r1 = r10
  r1 += -8
  r2 = 8
  r3 = 0
  r4 = r10
  r4 += -24
  call bpf_dynptr_from_mem
`;

/** Ringbuf dynptr of 16 bytes at fp-16. */
const RESERVE = `
  r1 = map[id:1]
  r2 = 16
  r3 = 0
  r4 = r10
  r4 += -16
  call bpf_ringbuf_reserve_dynptr
`;

const SUBMIT = `
  r1 = r10
  r1 += -16
  r2 = 0
  call bpf_ringbuf_submit_dynptr
`;

const lastLine = (r: VerifyResult): string | undefined => r.error?.split("\n").at(-1);

describe("dynptr verifier: accepted programs", () => {
  it("a local dynptr can be read, written, sliced and asked about", () => {
    const r = run(`${FROM_MEM}
      r1 = r10
      r1 += -32
      r2 = 4
      r3 = r10
      r3 += -24
      r4 = 0
      r5 = 0
      call bpf_dynptr_read
      r1 = r10
      r1 += -24
      r2 = 0
      r3 = r10
      r3 += -32
      r4 = 4
      r5 = 0
      call bpf_dynptr_write
      r1 = r10
      r1 += -24
      r2 = 0
      r3 = 8
      call bpf_dynptr_data
      if r0 == 0 goto out
      r1 = *(u64 *)(r0 + 0)
    out:
      r1 = r10
      r1 += -24
      call bpf_dynptr_size
      r0 = 0
      exit`);
    expect(r.error).toBeUndefined();
    expect(r.accepted).toBe(true);
  });

  it("a ringbuf dynptr is released by submit; the log shows its slots", () => {
    const r = run(`${RESERVE}${SUBMIT}\n r0 = 0\n exit`, ProgType.SOCKET_FILTER, 2);
    expect(r.error).toBeUndefined();
    expect(r.log).toMatch(/fp-16_w=dynptr_ringbuf\(id=\d+,ref_id=\d+\)/);
  });

  it("discard releases it too", () => {
    const r = run(`${RESERVE}
      r1 = r10
      r1 += -16
      r2 = 0
      call bpf_ringbuf_discard_dynptr
      r0 = 0
      exit`);
    expect(r.accepted).toBe(true);
  });

  it("an unreferenced dynptr may be overwritten (and is gone afterwards)", () => {
    const r = run(`${FROM_MEM}
      r1 = 0
      *(u64 *)(r10 - 24) = r1
      r0 = 0
      exit`);
    expect(r.accepted).toBe(true);
  });

  it("a slice of a local dynptr is memory of the requested size", () => {
    const r = run(`${FROM_MEM}
      r1 = r10
      r1 += -24
      r2 = 0
      r3 = 0
      r4 = 8
      call bpf_dynptr_slice
      if r0 == 0 goto out
      r0 = *(u64 *)(r0 + 0)
    out:
      r0 = 0
      exit`);
    expect(r.error).toBeUndefined();
  });
});

describe("dynptr verifier: rejected programs", () => {
  it("reading a dynptr nobody initialised", () => {
    const r = run(`
      r1 = r10
      r1 += -16
      r2 = 0
      r3 = 8
      call bpf_dynptr_data
      r0 = 0
      exit`);
    expect(r.error).toBe("Expected an initialized dynptr as arg #1");
  });

  it("a reserved ringbuf dynptr never submitted leaks its reference", () => {
    const r = run(`${RESERVE}\n r0 = 0\n exit`);
    expect(r.error).toMatch(
      /^Unreleased reference id=\d+ alloc_insn=6\nBPF_EXIT instruction in main prog would lead to reference leak$/,
    );
  });

  it("a referenced dynptr cannot be overwritten", () => {
    const r = run(`${RESERVE}
      r1 = 0
      *(u64 *)(r10 - 8) = r1
      ${SUBMIT}
      r0 = 0
      exit`);
    expect(r.error).toBe("cannot overwrite referenced dynptr");
  });

  it("nor partially, nor with a constructor", () => {
    const r = run(`${RESERVE}
      r1 = 0
      *(u8 *)(r10 - 13) = r1
      r0 = 0
      exit`);
    expect(r.error).toBe("cannot overwrite referenced dynptr");
    const twice = run(`${RESERVE}${RESERVE}\n r0 = 0\n exit`);
    expect(twice.error).toBe("cannot overwrite referenced dynptr");
  });

  it("an overwritten local dynptr is gone", () => {
    const r = run(`${FROM_MEM}
      r1 = 0
      *(u32 *)(r10 - 20) = r1
      r1 = r10
      r1 += -24
      call bpf_dynptr_size
      r0 = 0
      exit`);
    expect(r.error).toBe("Expected an initialized dynptr as arg #1");
  });

  it("submitting twice (the second is not a reference any more)", () => {
    const r = run(`${RESERVE}${SUBMIT}${SUBMIT}\n r0 = 0\n exit`);
    expect(r.error).toBe("arg 1 is an unacquired reference");
  });

  it("submitting a local dynptr", () => {
    const r = run(`${FROM_MEM}
      r1 = r10
      r1 += -24
      r2 = 0
      call bpf_ringbuf_submit_dynptr
      r0 = 0
      exit`);
    expect(r.error).toBe("arg 1 is an unacquired reference");
  });

  it("a dynptr at an unaligned or variable offset", () => {
    const r = run(`
      r1 = r10
      r1 += -8
      r2 = 8
      r3 = 0
      r4 = r10
      r4 += -20
      call bpf_dynptr_from_mem
      r0 = 0
      exit`);
    expect(r.error).toBe(
      "cannot pass in dynptr at an offset=-20\nDynptr has to be an uninitialized dynptr",
    );
    const v = run(`
      r9 = r1
      ${FROM_MEM}
      r6 = *(u32 *)(r9 + 0)
      r6 &= 8
      r1 = r10
      r1 += -24
      r1 += r6
      call bpf_dynptr_size
      r0 = 0
      exit`);
    expect(lastLine(v)).toBe("Expected an initialized dynptr as arg #1");
    expect(v.error).toContain("dynptr has to be at a constant offset");
  });

  it("a slice dies with its dynptr: after submit", () => {
    const r = run(`${RESERVE}
      r1 = r10
      r1 += -16
      r2 = 0
      r3 = 8
      call bpf_dynptr_data
      if r0 == 0 goto out
      r6 = r0
      ${SUBMIT}
      r0 = *(u64 *)(r6 + 0)
      exit
    out:
      ${SUBMIT}
      r0 = 0
      exit`);
    expect(r.error).toBe("R6 invalid mem access 'scalar'");
  });

  it("a slice dies with its dynptr: after an overwrite", () => {
    const r = run(`${FROM_MEM}
      r1 = r10
      r1 += -24
      r2 = 0
      r3 = 8
      call bpf_dynptr_data
      if r0 == 0 goto out
      r6 = r0
      r1 = 0
      *(u8 *)(r10 - 24) = r1
      r0 = *(u64 *)(r6 + 0)
    out:
      r0 = 0
      exit`);
    expect(r.error).toBe("R6 invalid mem access 'scalar'");
  });

  it("a slice must be NULL-checked and stays within its size", () => {
    const unchecked = run(`${FROM_MEM}
      r1 = r10
      r1 += -24
      r2 = 0
      r3 = 8
      call bpf_dynptr_data
      r0 = *(u64 *)(r0 + 0)
      r0 = 0
      exit`);
    expect(unchecked.error).toBe("R0 invalid mem access 'mem_or_null'");
    const beyond = run(`${FROM_MEM}
      r1 = r10
      r1 += -24
      r2 = 0
      r3 = 8
      call bpf_dynptr_data
      if r0 == 0 goto out
      r0 = *(u8 *)(r0 + 8)
    out:
      r0 = 0
      exit`);
    expect(beyond.error).toBe(
      "invalid access to memory, mem_size=8 off=8 size=1\nR0 min value is outside of the allowed memory range",
    );
  });

  it("a dynptr's slots are not plain stack", () => {
    const r = run(`${FROM_MEM}
      r0 = *(u64 *)(r10 - 24)
      r0 = 0
      exit`);
    expect(r.error).toBe("invalid read from stack off -24+0 size 8");
  });

  it("a helper may not write over a dynptr", () => {
    const r = run(`${FROM_MEM}
      r1 = r10
      r1 += -24
      r2 = 8
      r3 = r10
      r3 += -24
      r4 = 0
      r5 = 0
      call bpf_dynptr_read
      r0 = 0
      exit`);
    expect(r.error).toBe("potential write to dynptr at off=-24 disallowed");
  });

  it("bpf_dynptr_slice needs a constant size, and _rdwr a program that may write packets", () => {
    const r = run(`${FROM_MEM}
      r4 = *(u32 *)(r10 - 8)
      r1 = r10
      r1 += -24
      r2 = 0
      r3 = 0
      call bpf_dynptr_slice
      r0 = 0
      exit`);
    expect(r.error).toBe("R4 must be a known constant");
    const rdwr = run(`${FROM_MEM}
      r1 = r10
      r1 += -24
      r2 = 0
      r3 = 0
      r4 = 4
      call bpf_dynptr_slice_rdwr
      r0 = 0
      exit`);
    expect(rdwr.error).toBe("the prog does not allow writes to packet data");
  });

  it("paths with different dynptr kinds are not pruned into each other", () => {
    const r = run(`
      r6 = *(u32 *)(r1 + 0)
      if r6 == 0 goto local
      ${RESERVE}
      goto join
    local:
      r1 = 0
      *(u64 *)(r10 - 24) = r1
      r1 = r10
      r1 += -24
      r2 = 8
      r3 = 0
      r4 = r10
      r4 += -16
      call bpf_dynptr_from_mem
    join:
      ${SUBMIT}
      r0 = 0
      exit`);
    expect(r.error).toBe("arg 1 is an unacquired reference");
  });

  it("the dynptr helpers need CAP_BPF", () => {
    const r = check(rt, `${FROM_MEM}\n r0 = 0\n exit`, {
      progType: ProgType.SOCKET_FILTER,
      unprivileged: true,
    }).result;
    expect(r.error).toBe("program of this type cannot use helper bpf_dynptr_from_mem#197");
  });

  it("a ringbuf dynptr needs a ring buffer", () => {
    const r = run(`
      r1 = map[id:0]
      r2 = 16
      r3 = 0
      r4 = r10
      r4 += -16
      call bpf_ringbuf_reserve_dynptr
      ${SUBMIT}
      r0 = 0
      exit`);
    expect(r.error).toBe("cannot pass map_type 2 into func bpf_ringbuf_reserve_dynptr#198");
  });
});

describe("dynptr verifier: packet dynptrs", () => {
  it("skb dynptrs only for skb programs, xdp ones only for xdp", () => {
    const r = run(
      `r2 = 0\n r3 = r10\n r3 += -16\n call bpf_dynptr_from_skb\n r0 = 0\n exit`,
      ProgType.XDP,
    );
    expect(r.error).toBe("calling kernel function bpf_dynptr_from_skb is not allowed");
  });

  it("the ctx argument must be the ctx", () => {
    const r = run(
      `r1 = r10\n r1 += -32\n r2 = 0\n r3 = r10\n r3 += -16\n call bpf_dynptr_from_xdp\n r0 = 0\n exit`,
      ProgType.XDP,
    );
    expect(r.error).toBe("arg#0 expected pointer to ctx, but got fp");
  });

  it("a packet slice dies when the packet may have moved", () => {
    const r = run(
      `r6 = r1
       r2 = 0
       r3 = r10
       r3 += -16
       call bpf_dynptr_from_xdp
       r1 = r10
       r1 += -16
       r2 = 0
       r3 = 0
       r4 = 14
       call bpf_dynptr_slice
       if r0 == 0 goto out
       r7 = r0
       r1 = r6
       r2 = 4
       call bpf_xdp_adjust_head
       r0 = *(u8 *)(r7 + 0)
     out:
       r0 = 2
       exit`,
      ProgType.XDP,
    );
    expect(r.error).toBe("R7 invalid mem access 'scalar'");
  });

  it("an xdp slice may be written in an xdp program", () => {
    const r = run(
      `r2 = 0
       r3 = r10
       r3 += -16
       call bpf_dynptr_from_xdp
       r1 = r10
       r1 += -16
       r2 = 0
       r3 = 0
       r4 = 14
       call bpf_dynptr_slice_rdwr
       if r0 == 0 goto out
       r1 = 0
       *(u8 *)(r0 + 13) = r1
     out:
       r0 = 2
       exit`,
      ProgType.XDP,
    );
    expect(r.error).toBeUndefined();
  });
});
