// Shared by the runtime tests: programs from kernel-syntax assembly (maps are
// named by id: `r1 = map_fd 3`), little-endian byte helpers.
import { assemble } from "../../src/isa/index.ts";
import type { Program, Runtime } from "../../src/runtime/index.ts";
import { ProgType } from "../../src/uapi/index.ts";

export function asmProgram(
  rt: Runtime,
  text: string,
  type: number = ProgType.UNSPEC,
  extra: { verify?: boolean; name?: string } = {},
): Program {
  return rt.loadProgram({ insns: assemble(text), type, ...extra });
}

export function u32(n: number): Uint8Array {
  const b = new Uint8Array(4);
  new DataView(b.buffer).setUint32(0, n >>> 0, true);
  return b;
}

export function u64(n: number | bigint): Uint8Array {
  const b = new Uint8Array(8);
  new DataView(b.buffer).setBigUint64(0, BigInt.asUintN(64, BigInt(n)), true);
  return b;
}

export const rdU16 = (b: Uint8Array, off = 0): number =>
  new DataView(b.buffer, b.byteOffset, b.byteLength).getUint16(off, true);
export const rdU32 = (b: Uint8Array, off = 0): number =>
  new DataView(b.buffer, b.byteOffset, b.byteLength).getUint32(off, true);
export const rdU64 = (b: Uint8Array, off = 0): bigint =>
  new DataView(b.buffer, b.byteOffset, b.byteLength).getBigUint64(off, true);

export const ENGINES = ["interp", "jit"] as const;
