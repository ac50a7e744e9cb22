// Shared fixtures for the map tests: a runtime memory with a registry, byte
// helpers, and a scratch area standing in for a program's stack.
import { VmMemory } from "../../../src/memory/index.ts";
import { MapHandle, MapRegistry, type MapAttrs } from "../../../src/runtime/maps/index.ts";

export function setup(ncpus = 1): {
  mem: VmMemory;
  reg: MapRegistry;
  open(a: MapAttrs): MapHandle;
} {
  const mem = new VmMemory();
  const reg = new MapRegistry({ mem, ncpus });
  return { mem, reg, open: (a) => openMap(reg, a) };
}

/** Create a map and open a handle that owns the creation reference. */
export function openMap(reg: MapRegistry, a: MapAttrs): MapHandle {
  const map = reg.create(a);
  const h = new MapHandle(map);
  map.release();
  return h;
}

export function u32(n: number): Uint8Array {
  const b = new Uint8Array(4);
  new DataView(b.buffer).setUint32(0, n, true);
  return b;
}

export function u64(n: number | bigint): Uint8Array {
  const b = new Uint8Array(8);
  new DataView(b.buffer).setBigUint64(0, BigInt(n), true);
  return b;
}

export function readU32(b: Uint8Array, off = 0): number {
  return new DataView(b.buffer, b.byteOffset, b.byteLength).getUint32(off, true);
}

export function readU64(b: Uint8Array, off = 0): bigint {
  return new DataView(b.buffer, b.byteOffset, b.byteLength).getBigUint64(off, true);
}

/** Bytes into runtime memory at a fresh address (a program's stack slot). */
export function place(mem: VmMemory, bytes: Uint8Array): number {
  const a = mem.alloc(Math.max(bytes.length, 8));
  mem.write(a, bytes);
  return a;
}
