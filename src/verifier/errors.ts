// Errors of the verifier. A rejected program is reported with VerifierError,
// which carries the complete kernel-format log and the short reason.
import { TsbpfError } from "../errors.ts";

export class VerifierError extends TsbpfError {
  override name = "VerifierError";
  constructor(
    /** The last error line of the log, e.g. `R0 !read_ok`. */
    readonly reason: string,
    /** The full verifier log at the requested level. */
    readonly log: string,
    /** Index of the instruction being checked when the program was rejected (-1 for cfg errors). */
    readonly insnIdx: number,
  ) {
    super(reason);
  }
}

/**
 * Thrown inside the verifier when a check fails: the message has already been
 * written to the log. Internal; verify() turns it into a result.
 */
export class Reject extends Error {
  constructor(readonly reason: string) {
    super(reason);
  }
}
