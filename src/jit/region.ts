// The slow path of an unverified access: fault exactly as the interpreter
// does, or find the run of live memory around the access so the generated
// code can check the following accesses inline against it.
import { ExecError } from "../errors.ts";
import type { VmMemory } from "../memory/index.ts";
import { GRANULE } from "../memory/index.ts";

/** How far the search for a live run looks on each side (bytes). */
const REACH = 1 << 16;

export function outOfBounds(
  lo: number,
  hi: number,
  size: number,
  store: boolean,
  pc: number,
): ExecError {
  const addr = (BigInt(hi >>> 0) << 32n) | BigInt(lo >>> 0);
  return new ExecError(
    `out-of-bounds ${store ? "store" : "load"} of ${size} bytes at 0x${addr.toString(16)}`,
    pc,
  );
}

/**
 * [start, end) of live memory containing [addr, addr+size), which the caller
 * has checked is accessible. Granule-exact, found in whole bitmap bytes where
 * it can, and at most REACH bytes each way.
 */
export function liveRun(mem: VmMemory, addr: number, size: number): [number, number] {
  const bits = mem.live.bits;
  const set = (g: number): boolean => (bits[g >>> 3]! & (1 << (g & 7))) !== 0;
  const g0 = Math.floor(addr / GRANULE);
  const g1 = Math.floor((addr + size - 1) / GRANULE);
  const minG = Math.max(0, g0 - REACH / GRANULE);
  const maxG = Math.min(bits.length * 8 - 1, g1 + REACH / GRANULE);
  let a = g0;
  while (a > minG) {
    if ((a & 7) === 0 && a - 8 >= minG && bits[(a - 8) >>> 3] === 0xff) a -= 8;
    else if (set(a - 1)) a--;
    else break;
  }
  let b = g1;
  while (b < maxG) {
    if ((b & 7) === 7 && b + 8 <= maxG && bits[(b + 1) >>> 3] === 0xff) b += 8;
    else if (set(b + 1)) b++;
    else break;
  }
  return [a * GRANULE, Math.min((b + 1) * GRANULE, mem.byteLength)];
}
