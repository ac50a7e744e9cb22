// How the log names dynptrs: `dynptr_ringbuf(id=2,ref_id=1)` for a dynptr's
// stack slots (print_verifier_state), `ringbuf` in messages (dynptr_type_str).
// Kept apart from dynptr.ts so the log printer imports no checking code.
import type { RegState } from "../regs.ts";
import { DynptrType } from "./types.ts";

const TYPE_NAMES: Record<number, string> = {
  [DynptrType.LOCAL]: "local",
  [DynptrType.RINGBUF]: "ringbuf",
  [DynptrType.SKB]: "skb",
  [DynptrType.XDP]: "xdp",
};

/** dynptr_type_str(). */
export const dynptrTypeStr = (t: number): string => TYPE_NAMES[t] ?? "<invalid>";

/** The text after `fp-16=` for the first slot of a dynptr. */
export function dynptrStateText(reg: RegState): string {
  const attrs: string[] = [];
  if (reg.id) attrs.push(`id=${reg.id}`);
  if (reg.refObjId) attrs.push(`ref_id=${reg.refObjId}`);
  if (reg.dynptrId) attrs.push(`dynptr_id=${reg.dynptrId}`);
  return `dynptr_${dynptrTypeStr(reg.dynptrType)}(${attrs.join(",")})`;
}
