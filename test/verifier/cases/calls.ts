// BPF-to-BPF calls: argument and callee-saved registers across frames,
// pointers into the caller's stack, what a callee may return, the frame
// limit, the combined stack size and the subprogram boundaries.
import { expect } from "vitest";
import type { VerifierCase } from "../harness.ts";
import { MapType } from "../../../src/uapi/map-types.ts";

/** main calls f1, f1 calls f2, ... f(n-1) calls fn: `n + 1` frames at the deepest point. */
function callChain(n: number): string {
  const lines: string[] = [];
  for (let i = 0; i < n; i++) lines.push("call pc+2", "r0 = 0", "exit");
  lines.push("r0 = 0", "exit");
  return lines.join("\n");
}

const HASH_8 = { type: MapType.HASH, keySize: 4, valueSize: 8, maxEntries: 1, flags: 0 };

export const cases: VerifierCase[] = [
  {
    name: "arguments arrive in R1-R5",
    asm: `r1 = 1
      r2 = 2
      r3 = 3
      r4 = 4
      r5 = 5
      call pc+1
      exit
      r0 = r1
      r0 += r2
      r0 += r3
      r0 += r4
      r0 += r5
      exit`,
    check: (r) => expect(r.accepted).toBe(true),
  },
  {
    name: "an argument the caller did not set",
    asm: `r1 = 1
      call pc+2
      r0 = 0
      exit
      r0 = r2
      exit`,
    err: "R2 !read_ok",
  },
  {
    name: "callee does not see the caller's R6",
    asm: `r6 = 1
      call pc+2
      r0 = 0
      exit
      r0 = r6
      exit`,
    err: "R6 !read_ok",
  },
  {
    name: "caller's R6-R9 survive the call",
    asm: `r6 = 1
      r7 = 2
      call pc+3
      r0 = r6
      r0 += r7
      exit
      r6 = 9
      r0 = 0
      exit`,
  },
  {
    name: "caller's R1-R5 are clobbered by the call",
    asm: `r1 = 1
      call pc+2
      r0 = r1
      exit
      r0 = 0
      exit`,
    err: "R1 !read_ok",
  },
  {
    name: "callee return value is the caller's R0",
    asm: `call pc+3
      if r0 == 7 goto ok
      r0 = *(u64 *)(r9 + 0)
    ok:
      exit
      r0 = 7
      exit`,
  },
  {
    name: "callee leaving R0 unset is fine if the caller overwrites it",
    asm: `call pc+2
      r0 = 0
      exit
      r1 = 0
      exit`,
  },
  {
    name: "callee leaving R0 unset: the caller cannot read it",
    asm: `call pc+1
      exit
      r1 = 0
      exit`,
    err: "R0 !read_ok",
  },
  {
    name: "callee writes the caller's stack through a pointer",
    asm: `r1 = r10
      r1 += -8
      call pc+2
      r0 = *(u64 *)(r10 - 8)
      exit
      r2 = 5
      *(u64 *)(r1 + 0) = r2
      r0 = 0
      exit`,
  },
  {
    name: "callee returns a pointer to its own stack",
    asm: `call pc+2
      r0 = 0
      exit
      r0 = r10
      r0 += -8
      exit`,
    err: "cannot return stack pointer to the caller",
  },
  {
    name: "callee returns the context it was passed",
    asm: `call pc+2
      r0 = *(u32 *)(r0 + 0)
      exit
      r0 = r1
      exit`,
  },
  {
    name: "context passed to a callee and read there",
    asm: `call pc+1
      exit
      r0 = *(u32 *)(r1 + 0)
      exit`,
  },
  {
    name: "callee's stack is its own",
    asm: `r1 = 1
      *(u64 *)(r10 - 8) = r1
      call pc+2
      r0 = *(u64 *)(r10 - 8)
      exit
      r0 = *(u64 *)(r10 - 8)
      exit`,
    unpriv:
      "loading/calling other bpf or kernel functions are allowed for CAP_BPF and CAP_SYS_ADMIN",
    check: (r) => expect(r.accepted).toBe(true),
  },
  {
    name: "map lookup in a callee, NULL check in the caller",
    maps: [HASH_8],
    asm: `call pc+4
      if r0 == 0 goto out
      r0 = *(u64 *)(r0 + 0)
    out:
      r0 = 0
      exit
      r1 = 0
      *(u32 *)(r10 - 4) = r1
      r2 = r10
      r2 += -4
      r1 = map[id:0]
      call bpf_map_lookup_elem
      exit`,
  },
  {
    name: "map value from a callee used without NULL check",
    maps: [HASH_8],
    asm: `call pc+2
      r0 = *(u64 *)(r0 + 0)
      exit
      r1 = 0
      *(u32 *)(r10 - 4) = r1
      r2 = r10
      r2 += -4
      r1 = map[id:0]
      call bpf_map_lookup_elem
      exit`,
    err: "R0 invalid mem access 'map_value_or_null'",
  },
  { name: "8 frames are allowed", asm: callChain(7) },
  {
    name: "9 frames are too deep",
    asm: callChain(8),
    err: "the call stack of 9 frames is too deep",
  },
  {
    name: "stack depth of each subprogram",
    asm: `r1 = 0
      *(u64 *)(r10 - 16) = r1
      call pc+2
      r0 = 0
      exit
      *(u32 *)(r10 - 40) = r1
      r0 = 0
      exit`,
    check: (r) => expect(r.stats.stackDepth).toEqual([16, 40]),
  },
  {
    name: "combined stack of two frames over 512 bytes",
    asm: `r1 = 0
      *(u64 *)(r10 - 256) = r1
      call pc+2
      r0 = 0
      exit
      *(u64 *)(r10 - 304) = r1
      r0 = 0
      exit`,
    err: "combined stack size of 2 calls is 560. Too large",
  },
  {
    name: "combined stack of two frames at 512 bytes",
    asm: `r1 = 0
      *(u64 *)(r10 - 256) = r1
      call pc+2
      r0 = 0
      exit
      *(u64 *)(r10 - 256) = r1
      r0 = 0
      exit`,
  },
  {
    name: "a callee without stack adds nothing to a full 512-byte frame",
    asm: `r1 = 0
      *(u64 *)(r10 - 512) = r1
      call pc+2
      r0 = 0
      exit
      r0 = 0
      exit`,
    check: (r) => expect(r.stats.stackDepth).toEqual([512, 0]),
  },
  {
    name: "stack sizes round up to 16 bytes per frame",
    asm: `r1 = 0
      *(u64 *)(r10 - 504) = r1
      call pc+2
      r0 = 0
      exit
      *(u64 *)(r10 - 8) = r1
      r0 = 0
      exit`,
    err: "combined stack size of 2 calls is 528. Too large",
  },
  {
    name: "subprogram never called",
    asm: `r0 = 0
      exit
      r0 = 1
      exit`,
    err: "unreachable insn 2",
  },
  {
    name: "subprogram falls through into the next one",
    asm: `call pc+2
      r0 = 0
      exit
      r0 = 1`,
    err: "last insn is not an exit or jmp",
  },
  {
    name: "jump from the main program into a subprogram",
    asm: `call pc+3
      if r0 == 0 goto +2
      r0 = 0
      exit
      r0 = 1
      exit`,
    err: "jump out of range from insn 1 to 4",
  },
  {
    name: "call into the middle of an lddw splits it across subprograms",
    asm: `call pc+1
      r0 = 0x100000000 ll
      exit`,
    err: "last insn is not an exit or jmp",
  },
  {
    name: "recursive call",
    asm: `call pc+2
      r0 = 0
      exit
      call pc-1
      r0 = 0
      exit`,
    // check_cfg lets root programs through; do_check runs out of frames.
    err: "the call stack of 9 frames is too deep",
    unpriv:
      "loading/calling other bpf or kernel functions are allowed for CAP_BPF and CAP_SYS_ADMIN",
  },
];
