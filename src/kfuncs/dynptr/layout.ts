// struct bpf_dynptr_kern in runtime memory, as the kernel lays it out (and as
// inlinable bodies read it): the data pointer (u64), the size word (size in
// bits 0-23, type in bits 28-30, read-only in bit 31) and the offset (u32).
// For skb/xdp dynptrs `data` is the program's ctx address.
import { ExecError } from "../../errors.ts";
import type { VmMemory } from "../../memory/index.ts";
import {
  DYNPTR_RDONLY_BIT,
  DYNPTR_SIZE_MASK,
  DYNPTR_TYPE_SHIFT,
  DynptrType,
} from "../../verifier/kfuncs/types.ts";

export const DYNPTR_DATA_OFF = 0;
export const DYNPTR_SIZE_OFF = 8;
export const DYNPTR_OFFSET_OFF = 12;
/** DYNPTR_MAX_SIZE: the size field's limit. */
export const DYNPTR_MAX_SIZE = DYNPTR_SIZE_MASK;

export interface Dynptr {
  /** Runtime address (0: a NULL dynptr). */
  data: number;
  /** Usable bytes from `offset` (__bpf_dynptr_size). */
  size: number;
  type: number;
  rdonly: boolean;
  offset: number;
}

/** Fault unless [addr, addr+n) is live runtime memory (unverified programs pass anything). */
export function checkAccess(
  mem: VmMemory,
  addr: number,
  n: number,
  what: string,
  pc: number,
): void {
  if (n === 0) return;
  if (!mem.isAccessible(addr, n))
    throw new ExecError(`${what}: invalid memory access at 0x${addr.toString(16)} size ${n}`, pc);
}

export function readDynptr(mem: VmMemory, addr: number): Dynptr {
  const dv = mem.dv;
  const word = dv.getUint32(addr + DYNPTR_SIZE_OFF, true);
  return {
    data: Number(dv.getBigUint64(addr + DYNPTR_DATA_OFF, true) & 0xffff_ffffn),
    size: word & DYNPTR_SIZE_MASK,
    type: (word >>> DYNPTR_TYPE_SHIFT) & 7,
    rdonly: (word & DYNPTR_RDONLY_BIT) !== 0,
    offset: dv.getUint32(addr + DYNPTR_OFFSET_OFF, true),
  };
}

export function writeDynptr(mem: VmMemory, addr: number, d: Dynptr): void {
  const dv = mem.dv;
  dv.setBigUint64(addr + DYNPTR_DATA_OFF, BigInt(d.data), true);
  const word =
    (d.size & DYNPTR_SIZE_MASK) |
    (d.type << DYNPTR_TYPE_SHIFT) |
    (d.rdonly ? DYNPTR_RDONLY_BIT : 0);
  dv.setUint32(addr + DYNPTR_SIZE_OFF, word >>> 0, true);
  dv.setUint32(addr + DYNPTR_OFFSET_OFF, d.offset >>> 0, true);
}

/** bpf_dynptr_set_null(): all 16 bytes zero. */
export function setNull(mem: VmMemory, addr: number): void {
  mem.u8.fill(0, addr, addr + 16);
}

/** bpf_dynptr_init(). */
export const initDynptr = (
  mem: VmMemory,
  addr: number,
  data: number,
  type: number,
  size: number,
  rdonly = false,
): void => writeDynptr(mem, addr, { data, size, type, rdonly, offset: 0 });

/** bpf_dynptr_check_off_len(): 0, or -E2BIG when [offset, offset+len) leaves the dynptr. */
export function checkOffLen(d: Dynptr, offset: number, len: number): boolean {
  return offset <= d.size && len <= d.size - offset;
}

export const isLocalLike = (t: number): boolean =>
  t === DynptrType.LOCAL || t === DynptrType.RINGBUF;
