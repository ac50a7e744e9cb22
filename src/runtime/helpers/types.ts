// The shape of a helper implementation: the kernel state plus r1..r5 (u64 as
// BigInt, the execution contract's boundary) and the call site. A number
// result is taken as a signed value (negative errno), a BigInt as is; the
// engine stores it into r0 modulo 2^64.
import type { HelperCallInfo } from "../../interp/index.ts";
import type { Kernel } from "../kernel.ts";

export type HelperImpl = (
  k: Kernel,
  r1: bigint,
  r2: bigint,
  r3: bigint,
  r4: bigint,
  r5: bigint,
  call: HelperCallInfo,
) => number | bigint;

/** Helper implementations of one area, keyed by `enum bpf_func_id`. */
export type HelperTable = Readonly<Record<number, HelperImpl>>;
