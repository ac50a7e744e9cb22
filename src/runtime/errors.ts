// Errors of the runtime outside the maps: loading a collection or program
// (unknown helper, unresolved extern, pin conflict, verifier rejection is a
// VerifierError) and BPF_PROG_TEST_RUN's refusals, each with the errno the
// kernel's syscall would return so callers can branch on the same condition.
import { TsbpfError } from "../errors.ts";

/** A collection or program could not be loaded (what BPF_PROG_LOAD / libbpf would refuse). */
export class LoadError extends TsbpfError {
  override name = "LoadError";
  constructor(
    message: string,
    /** Errno name the kernel or libbpf would report (EINVAL, ENOENT, ENOTSUPP, ...). */
    readonly errno = "EINVAL",
  ) {
    super(`${errno}: ${message}`);
  }
}

/** BPF_PROG_TEST_RUN refused its input (bad sizes, non-zero reserved ctx fields, ...). */
export class TestRunError extends TsbpfError {
  override name = "TestRunError";
  constructor(
    message: string,
    readonly errno = "EINVAL",
  ) {
    super(`${errno}: ${message}`);
  }
}
