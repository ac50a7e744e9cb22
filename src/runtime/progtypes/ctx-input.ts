// Checks on user-supplied context bytes shared by the program types
// (bpf_ctx_init / bpf_check_uarg_tail_zero and the zero-field rules).
import { TestRunError } from "../errors.ts";

/** The ctx input widened to `size` bytes; bytes past `size` must be zero (else E2BIG). */
export function ctxIn(what: string, input: Uint8Array | undefined, size: number): Uint8Array {
  const out = new Uint8Array(size);
  if (!input) return out;
  if (input.length > size && input.subarray(size).some((b) => b !== 0))
    throw new TestRunError(
      `${what}: ctx is ${input.length} bytes; bytes past ${size} must be zero`,
      "E2BIG",
    );
  out.set(input.subarray(0, size));
  return out;
}

/**
 * Only the listed [offset, size) ranges of `ctx` may be non-zero; the first
 * non-zero byte elsewhere is EINVAL, named by its offset.
 */
export function onlyFields(
  what: string,
  ctx: Uint8Array,
  allowed: readonly { name: string; off: number; size: number }[],
): void {
  for (let i = 0; i < ctx.length; i++) {
    if (ctx[i] === 0) continue;
    if (allowed.some((f) => i >= f.off && i < f.off + f.size)) continue;
    const names = allowed.map((f) => f.name).join(", ");
    throw new TestRunError(
      `${what}: ctx byte ${i} is not zero (settable fields: ${names || "none"})`,
    );
  }
}

export function noData(what: string, data: Uint8Array | undefined): void {
  if (data && data.length > 0) throw new TestRunError(`${what} programs take no data, only ctx`);
}
