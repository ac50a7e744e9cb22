// A growable byte buffer with the LEB128 encodings WebAssembly uses. The JIT
// writes whole function bodies through one of these, so it is kept simple and
// allocation-free on the hot path (no BigInt: 64-bit constants come as two
// 32-bit halves).

export class ByteWriter {
  buf: Uint8Array<ArrayBuffer>;
  len = 0;

  constructor(initial = 256) {
    this.buf = new Uint8Array(initial);
  }

  private reserve(n: number): void {
    if (this.len + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.len + n) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.buf.subarray(0, this.len));
    this.buf = next;
  }

  u8(b: number): this {
    if (this.len === this.buf.length) this.reserve(1);
    this.buf[this.len++] = b;
    return this;
  }

  /** Two opcode bytes, e.g. a prefix (0xfc) and its sub-opcode. */
  u8x2(a: number, b: number): this {
    this.reserve(2);
    this.buf[this.len++] = a;
    this.buf[this.len++] = b;
    return this;
  }

  bytes(b: Uint8Array): this {
    this.reserve(b.length);
    this.buf.set(b, this.len);
    this.len += b.length;
    return this;
  }

  /** Unsigned LEB128 of a non-negative integer below 2^32. */
  u32(v: number): this {
    this.reserve(5);
    v >>>= 0;
    do {
      let b = v & 0x7f;
      v >>>= 7;
      if (v !== 0) b |= 0x80;
      this.buf[this.len++] = b;
    } while (v !== 0);
    return this;
  }

  /** Signed LEB128 of a 32-bit integer (i32.const immediates). */
  s32(v: number): this {
    this.reserve(5);
    v |= 0;
    for (;;) {
      const b = v & 0x7f;
      v >>= 7;
      if ((v === 0 && (b & 0x40) === 0) || (v === -1 && (b & 0x40) !== 0)) {
        this.buf[this.len++] = b;
        return this;
      }
      this.buf[this.len++] = b | 0x80;
    }
  }

  /** Signed LEB128 of the 64-bit integer hi:lo (i64.const immediates). */
  s64(lo: number, hi: number): this {
    // Fast path: values that fit in 32 signed bits.
    if (hi === lo >> 31) return this.s32(lo);
    this.reserve(10);
    lo >>>= 0;
    hi |= 0;
    for (;;) {
      const b = lo & 0x7f;
      // Arithmetic shift of the 64-bit pair right by 7.
      lo = ((lo >>> 7) | (hi << 25)) >>> 0;
      hi >>= 7;
      const done =
        (hi === 0 && lo === 0 && (b & 0x40) === 0) ||
        (hi === -1 && lo === 0xffffffff && (b & 0x40) !== 0);
      if (done) {
        this.buf[this.len++] = b;
        return this;
      }
      this.buf[this.len++] = b | 0x80;
    }
  }

  /** A UTF-8 name prefixed by its byte length. */
  name(s: string): this {
    const b = new TextEncoder().encode(s);
    this.u32(b.length);
    return this.bytes(b);
  }

  /** The bytes written so far (a view; copy before reusing the writer). */
  view(): Uint8Array<ArrayBuffer> {
    return this.buf.subarray(0, this.len);
  }
}

/** Number of bytes the unsigned LEB128 of v takes. */
export function u32Size(v: number): number {
  v >>>= 0;
  let n = 1;
  while (v >= 0x80) {
    v >>>= 7;
    n++;
  }
  return n;
}
