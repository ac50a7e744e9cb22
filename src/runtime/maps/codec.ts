// Decoded keys and values. A ValueCodec turns a JS value into the bytes of a
// map key or value and back; the loader's BTF will supply codecs for the
// struct types of a map, and a few fixed-width ones are here. TypedMap wraps
// a MapHandle so callers deal in decoded objects.
import { BPF_ANY } from "../../uapi/index.ts";
import { MapError } from "./errors.ts";
import type { MapHandle } from "./handle.ts";

export interface ValueCodec<T> {
  /** Bytes of `obj`; must be exactly the map's key or value size. */
  encode(obj: T): Uint8Array;
  decode(bytes: Uint8Array): T;
}

function fixed<T extends number | bigint>(
  size: number,
  min: T,
  max: T,
  put: (dv: DataView, v: T) => void,
  get: (dv: DataView) => T,
): ValueCodec<T> {
  return {
    encode(v) {
      // DataView setters wrap silently; a value out of range is a caller error.
      if (
        typeof v !== typeof min ||
        v < min ||
        v > max ||
        (typeof v === "number" && !Number.isInteger(v))
      )
        throw new MapError(
          "EINVAL",
          `codec: ${String(v)} is not in ${String(min)}..${String(max)}`,
        );
      const b = new Uint8Array(size);
      put(new DataView(b.buffer), v);
      return b;
    },
    decode(b) {
      if (b.length < size)
        throw new MapError("EINVAL", `codec needs ${size} bytes, got ${b.length}`);
      return get(new DataView(b.buffer, b.byteOffset, b.byteLength));
    },
  };
}

/** Little-endian fixed-width codecs (BPF maps store host byte order); out-of-range values throw. */
export const codecs = {
  u8: fixed<number>(
    1,
    0,
    0xff,
    (d, v) => d.setUint8(0, v),
    (d) => d.getUint8(0),
  ),
  u16: fixed<number>(
    2,
    0,
    0xffff,
    (d, v) => d.setUint16(0, v, true),
    (d) => d.getUint16(0, true),
  ),
  u32: fixed<number>(
    4,
    0,
    0xffff_ffff,
    (d, v) => d.setUint32(0, v, true),
    (d) => d.getUint32(0, true),
  ),
  i32: fixed<number>(
    4,
    -(2 ** 31),
    2 ** 31 - 1,
    (d, v) => d.setInt32(0, v, true),
    (d) => d.getInt32(0, true),
  ),
  u64: fixed<bigint>(
    8,
    0n,
    2n ** 64n - 1n,
    (d, v) => d.setBigUint64(0, v, true),
    (d) => d.getBigUint64(0, true),
  ),
  i64: fixed<bigint>(
    8,
    -(2n ** 63n),
    2n ** 63n - 1n,
    (d, v) => d.setBigInt64(0, v, true),
    (d) => d.getBigInt64(0, true),
  ),
  /** Raw bytes of a given size (copied). */
  bytes(size: number): ValueCodec<Uint8Array> {
    return {
      encode(v) {
        if (v.length !== size)
          throw new MapError("EINVAL", `expected ${size} bytes, got ${v.length}`);
        return v.slice();
      },
      decode: (b) => b.slice(0, size),
    };
  },
};

export class TypedMap<K, V> {
  constructor(
    readonly handle: MapHandle,
    readonly keyCodec: ValueCodec<K>,
    readonly valueCodec: ValueCodec<V>,
  ) {}

  lookup(key: K): V | undefined {
    const v = this.handle.lookup(this.keyCodec.encode(key));
    return v && this.valueCodec.decode(v);
  }

  update(key: K, value: V, flags: number = BPF_ANY): void {
    this.handle.update(this.keyCodec.encode(key), this.valueCodec.encode(value), flags);
  }

  delete(key: K): void {
    this.handle.delete(this.keyCodec.encode(key));
  }

  *keys(): IterableIterator<K> {
    for (const k of this.handle.keys()) yield this.keyCodec.decode(k);
  }

  *entries(): IterableIterator<[K, V]> {
    for (const [k, v] of this.handle.entries())
      yield [this.keyCodec.decode(k), this.valueCodec.decode(v)];
  }
}
