// Bob Jenkins' lookup3 hash as include/linux/jhash.h defines it: jhash over
// bytes (little-endian words, as on x86) and jhash2 over u32 words. The
// kernel derives user-visible facts from these — stack ids of a stack_trace
// map (jhash2 of the ips) and the bucket order sockhash keys iterate in — so
// the runtime computes the same values.
const JHASH_INITVAL = 0xdeadbeef;

const rol = (x: number, k: number): number => (x << k) | (x >>> (32 - k));

/** The three-word state, mixed in place (__jhash_mix / __jhash_final). */
class State {
  a: number;
  b: number;
  c: number;

  constructor(init: number) {
    this.a = this.b = this.c = init | 0;
  }

  mix(): void {
    let { a, b, c } = this;
    a = (a - c) | 0; a ^= rol(c, 4); c = (c + b) | 0;
    b = (b - a) | 0; b ^= rol(a, 6); a = (a + c) | 0;
    c = (c - b) | 0; c ^= rol(b, 8); b = (b + a) | 0;
    a = (a - c) | 0; a ^= rol(c, 16); c = (c + b) | 0;
    b = (b - a) | 0; b ^= rol(a, 19); a = (a + c) | 0;
    c = (c - b) | 0; c ^= rol(b, 4); b = (b + a) | 0;
    this.a = a; this.b = b; this.c = c;
  } // prettier-ignore

  final(): void {
    let { a, b, c } = this;
    c ^= b; c = (c - rol(b, 14)) | 0;
    a ^= c; a = (a - rol(c, 11)) | 0;
    b ^= a; b = (b - rol(a, 25)) | 0;
    c ^= b; c = (c - rol(b, 16)) | 0;
    a ^= c; a = (a - rol(c, 4)) | 0;
    b ^= a; b = (b - rol(a, 14)) | 0;
    c ^= b; c = (c - rol(b, 24)) | 0;
    this.a = a; this.b = b; this.c = c;
  } // prettier-ignore
}

/** jhash2(k, length, initval): `words` u32 values. Returns a u32. */
export function jhash2(words: ArrayLike<number>, initval = 0): number {
  let len = words.length;
  const s = new State(JHASH_INITVAL + (len << 2) + initval);
  let i = 0;
  for (; len > 3; len -= 3, i += 3) {
    s.a = (s.a + words[i]!) | 0;
    s.b = (s.b + words[i + 1]!) | 0;
    s.c = (s.c + words[i + 2]!) | 0;
    s.mix();
  }
  if (len === 0) return s.c >>> 0;
  if (len === 3) s.c = (s.c + words[i + 2]!) | 0;
  if (len >= 2) s.b = (s.b + words[i + 1]!) | 0;
  s.a = (s.a + words[i]!) | 0;
  s.final();
  return s.c >>> 0;
}

/** jhash(key, length, initval) over bytes. Returns a u32. */
export function jhash(bytes: Uint8Array, initval = 0): number {
  let len = bytes.length;
  const s = new State(JHASH_INITVAL + len + initval);
  const word = (o: number): number =>
    bytes[o]! | (bytes[o + 1]! << 8) | (bytes[o + 2]! << 16) | (bytes[o + 3]! << 24);
  let o = 0;
  for (; len > 12; len -= 12, o += 12) {
    s.a = (s.a + word(o)) | 0;
    s.b = (s.b + word(o + 4)) | 0;
    s.c = (s.c + word(o + 8)) | 0;
    s.mix();
  }
  if (len === 0) return s.c >>> 0;
  // The tail: bytes 8..11 into c, 4..7 into b, 0..3 into a, each little-endian.
  const tail = (from: number, n: number): number => {
    let v = 0;
    for (let j = Math.min(n, 4) - 1; j >= 0; j--) v = (v << 8) | bytes[o + from + j]!;
    return v;
  };
  if (len > 8) s.c = (s.c + tail(8, len - 8)) | 0;
  if (len > 4) s.b = (s.b + tail(4, len - 4)) | 0;
  s.a = (s.a + tail(0, len)) | 0;
  s.final();
  return s.c >>> 0;
}
