// Errors of the rewrite passes: a fact the verifier left that a pass cannot
// act on (a ctx access with no runtime-side location, a jump that no longer
// fits) is a FixupError, never a silently wrong program.
import { TsbpfError } from "../errors.ts";

export class FixupError extends TsbpfError {
  override name = "FixupError";
  constructor(
    message: string,
    /** Original instruction index the pass was rewriting, when known. */
    readonly pc?: number,
  ) {
    super(pc === undefined ? message : `insn ${pc}: ${message}`);
  }
}
