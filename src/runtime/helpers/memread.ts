// Reading runtime memory the way the kernel's *_nofault copies do: an access
// that touches anything not allocated fails instead of faulting the program.
import type { VmMemory } from "../../memory/index.ts";
import type { MemReader } from "./format.ts";
import { ptr } from "./util.ts";

/** Bytes [addr, addr+n) if all accessible, else undefined (n = 0 gives an empty array). */
export function readNofault(mem: VmMemory, addr: number, n: number): Uint8Array | undefined {
  if (n === 0) return new Uint8Array(0);
  return mem.isAccessible(addr, n) ? mem.read(addr, n) : undefined;
}

/**
 * strncpy_from_kernel_nofault: the string at `addr` including its NUL, at
 * most `max` bytes (a string that does not end in time is cut and
 * NUL-terminated at max-1); undefined when an unreadable byte comes first.
 */
export function strNofault(mem: VmMemory, addr: number, max: number): Uint8Array | undefined {
  if (max <= 0) return new Uint8Array(0);
  const out: number[] = [];
  for (let a = addr; out.length < max - 1; a++) {
    if (!mem.isAccessible(a, 1)) return undefined;
    const c = mem.u8[a]!;
    if (c === 0) break;
    out.push(c);
  }
  out.push(0);
  return Uint8Array.from(out);
}

export function memReader(mem: VmMemory): MemReader {
  return {
    bytes: (addr, n) => readNofault(mem, ptr(addr), n),
    cString: (addr, max) => {
      const s = strNofault(mem, ptr(addr), max);
      return s && String.fromCharCode(...s.subarray(0, s.length - 1));
    },
  };
}
