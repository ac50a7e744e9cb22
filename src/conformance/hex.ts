// Hex byte strings as the conformance tooling exchanges them: bpf_conformance
// passes program and memory bytes as two hex digits per byte separated by
// blanks ("b7  00  00 ..."); tools also accept them run together ("b70000").
import { UsageError } from "../errors.ts";

/** Bytes of a hex string; blanks and commas between bytes are ignored. Throws UsageError otherwise. */
export function hexBytes(text: string, what = "hex input"): Uint8Array {
  const digits = text.replace(/[\s,]+/g, "");
  if (!/^(?:[0-9a-fA-F]{2})*$/.test(digits)) {
    throw new UsageError(
      `${what}: expected hex bytes (e.g. "b7 00 00 00"), got '${text.trim().slice(0, 40)}'`,
    );
  }
  const out = new Uint8Array(digits.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(digits.slice(2 * i, 2 * i + 2), 16);
  return out;
}

/** Two hex digits per byte, space separated. */
export function toHex(bytes: Uint8Array): string {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join(" ");
}
