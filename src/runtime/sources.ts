// Time and randomness sources of a runtime: a monotonic nanosecond clock and
// a seeded xorshift32 generator (both replaceable so tests are deterministic).

/** Monotonic nanoseconds since the runtime started. */
export function monotonicClock(): () => bigint {
  const t0 = process.hrtime.bigint();
  // Boot was a while ago: start at one second so "time since boot" is never 0.
  return () => process.hrtime.bigint() - t0 + 1_000_000_000n;
}

/** xorshift32: fast, full-period over non-zero states, reproducible from a seed. */
export function xorshift32(seed: number): () => number {
  let x = seed >>> 0 || 0x9e3779b9;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return x >>> 0;
  };
}
