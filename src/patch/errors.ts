// Errors of the patch list. Rewrite passes run after verification, so these
// mean a pass asked for something impossible (a bad node, a malformed patch)
// or the rewritten program no longer encodes (a jump too far for 16 bits).
import { TsbpfError } from "../errors.ts";

/** A malformed program handed to the patch list, or a patch operation that cannot be done. */
export class PatchError extends TsbpfError {
  override name = "PatchError";
}

/**
 * After patching, a jump's distance no longer fits its offset field (16 bits
 * for `off`, 32 bits for `imm`). The kernel reports this as "insn N cannot be
 * patched due to 16-bit range"; we name both ends of the jump.
 */
export class PatchRangeError extends PatchError {
  override name = "PatchRangeError";
  constructor(
    /** Index of the jump in the linearized program. */
    readonly pc: number,
    /** Index of the jump in the original program, or -1 if a pass inserted it. */
    readonly origPc: number,
    /** Index of the jump's target in the linearized program. */
    readonly targetPc: number,
    /** The offset that does not fit. */
    readonly offset: number,
    /** Width of the field the offset had to fit: 16 or 32 bits. */
    readonly bits: 16 | 32,
  ) {
    const origin = origPc < 0 ? "inserted" : `original insn ${origPc}`;
    super(
      `jump at insn ${pc} (${origin}) to insn ${targetPc} needs offset ${offset}, ` +
        `which does not fit in ${bits} bits`,
    );
  }
}
