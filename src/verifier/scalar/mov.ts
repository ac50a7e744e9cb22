// Register moves into a scalar: copies, 32-bit copies (zero-extending) and
// the sign-extending movsx forms, as check_alu_op's BPF_MOV case treats a
// scalar source. Type checks (pointer sources) stay with the verifier.
import * as bd from "./bounds.ts";
import type { ScalarBounds } from "./bounds.ts";
import * as co from "./coerce.ts";
import { ScalarDomainError } from "./errors.ts";
import * as int from "./int.ts";
import * as sy from "./sync.ts";

// Imported bindings are read through getters under the TypeScript loaders we
// run on (tsx, vitest); local copies keep the hot paths free of those calls.
const { copyBounds, markKnown } = bd;
const { coerceSubregToSizeSx, coerceToSizeSx } = co;
const { u32 } = int;
const { boundsSync, zext32to64 } = sy;

/**
 * `dst = src` for a scalar source: `is64` is the ALU64 class, `sxBits` the
 * insn.off of movsx (0 for a plain move; 8, 16 or 32 for ALU64; 8 or 16 for
 * ALU). `dst` and `src` may be the same record.
 */
export function scalarMov(dst: ScalarBounds, src: ScalarBounds, is64: boolean, sxBits = 0): void {
  if (dst !== src) copyBounds(dst, src);
  if (is64) {
    if (sxBits === 0) return;
    if (sxBits !== 8 && sxBits !== 16 && sxBits !== 32)
      throw new ScalarDomainError(`movsx: offset ${sxBits} is not 8, 16 or 32`);
    // No sync here, as in the kernel: the coerce leaves a consistent state.
    coerceToSizeSx(dst, sxBits / 8);
    return;
  }
  if (sxBits !== 0) {
    if (sxBits !== 8 && sxBits !== 16)
      throw new ScalarDomainError(`movsx32: offset ${sxBits} is not 8 or 16`);
    coerceSubregToSizeSx(dst, sxBits / 8);
  }
  zext32to64(dst);
  boundsSync(dst);
}

/** `dst = imm`: ALU64 sign-extends the 32-bit immediate, ALU zero-extends it. */
export function scalarMovImm(dst: ScalarBounds, imm: number | bigint, is64: boolean): void {
  const v = BigInt(imm);
  markKnown(dst, is64 ? v : u32(v));
}
