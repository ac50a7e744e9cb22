// Shared by the end-to-end tests: where the samples corpus is, specs parsed
// once per file, and little-endian readers for map values.
import { CollectionSpec } from "../../src/spec/index.ts";
import type { CollectionSpec as Spec } from "../../src/spec/types.ts";

export const SAMPLES = new URL("../../../shared/samples/", import.meta.url).pathname;

const cache = new Map<string, Spec>();

/** The spec of a corpus object ("linux/sockex1_kern.o"), parsed once. */
export function sample(rel: string): Spec {
  let s = cache.get(rel);
  if (!s) cache.set(rel, (s = CollectionSpec.fromFile(SAMPLES + rel)));
  return s;
}

export const u32le = (b: Uint8Array, off = 0): number =>
  new DataView(b.buffer, b.byteOffset, b.byteLength).getUint32(off, true);

export const u64le = (b: Uint8Array, off = 0): bigint =>
  new DataView(b.buffer, b.byteOffset, b.byteLength).getBigUint64(off, true);

export function u32Bytes(n: number): Uint8Array {
  const b = new Uint8Array(4);
  new DataView(b.buffer).setUint32(0, n, true);
  return b;
}

export const ENGINES = ["interp", "jit"] as const;
