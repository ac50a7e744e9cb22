// The helpers bpf_conformance's uBPF plugin registers (ubpf_plugin/test_helpers.h),
// re-implemented over the runtime memory so conformance programs can call them:
//   0 gather_bytes  1 memfrob  2 no_op  3 sqrti  4 strcmp_ext  5 unwind
// Helper 5 is uBPF's "unwind" extension: when it returns 0 the program stops
// at once with r0 = 0 (call_unwind_fail.data and callx.data rely on it).
import { ExecError } from "../errors.ts";
import { ProgramExit, type HelperFn } from "../interp/env.ts";
import type { VmMemory } from "../memory/index.ts";

export const UNWIND_HELPER_ID = 5;

function checked(mem: VmMemory, addr: bigint, len: number, what: string): number {
  const a = Number(BigInt.asUintN(64, addr));
  if (!Number.isSafeInteger(a) || !mem.isAccessible(a, Math.max(len, 1))) {
    throw new ExecError(`${what}: invalid memory access at 0x${addr.toString(16)} (${len} bytes)`);
  }
  return a;
}

/** Byte at `addr` of a C string, bounds-checked. */
function cstrByte(mem: VmMemory, addr: bigint, i: number, what: string): number {
  return mem.u8[checked(mem, addr + BigInt(i), 1, what)]!;
}

/** The uBPF plugin's helper table over `mem`, by helper id. */
export function conformanceHelpers(mem: VmMemory): ReadonlyMap<number, HelperFn> {
  const gatherBytes: HelperFn = (a, b, c, d, e) =>
    ((a & 0xffn) << 32n) |
    ((b & 0xffn) << 24n) |
    ((c & 0xffn) << 16n) |
    ((d & 0xffn) << 8n) |
    (e & 0xffn);

  const memfrob: HelperFn = (ptr, len) => {
    if (len === 0n) return 0n;
    if (len > 0xffffffffn) throw new ExecError(`memfrob: length ${len} too large`);
    const n = Number(len);
    const a = checked(mem, ptr, n, "memfrob");
    for (let i = 0; i < n; i++) mem.u8[a + i]! ^= 42;
    return 0n;
  };

  // The plugin converts to double and back: the same rounding as Number(u64).
  const sqrti: HelperFn = (a) => BigInt(Math.floor(Math.sqrt(Number(a))));

  const strcmpExt: HelperFn = (a, b) => {
    for (let i = 0; ; i++) {
      const x = cstrByte(mem, a, i, "strcmp_ext");
      const y = cstrByte(mem, b, i, "strcmp_ext");
      if (x !== y || x === 0) return BigInt.asUintN(64, BigInt(x - y));
    }
  };

  const unwind: HelperFn = (a) => {
    if (a === 0n) throw new ProgramExit(0n);
    return a;
  };

  return new Map<number, HelperFn>([
    [0, gatherBytes],
    [1, memfrob],
    [2, () => 0n],
    [3, sqrti],
    [4, strcmpExt],
    [UNWIND_HELPER_ID, unwind],
  ]);
}
