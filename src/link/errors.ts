// Errors of attaching and running trampolines. Attach-time refusals carry the
// errno name the kernel's bpf(BPF_LINK_CREATE) would return (E2BIG for the
// 41st program on one trampoline, EBUSY for a program already attached, ...),
// so callers can branch on the same conditions as with the syscall.
import { ExecError, TsbpfError } from "../errors.ts";

/** errno values of the conditions links report (include/uapi/asm-generic/errno*.h). */
export const LinkErrno = {
  EPERM: 1,
  ENOENT: 2,
  ESRCH: 3,
  E2BIG: 7,
  EBUSY: 16,
  EINVAL: 22,
  ELOOP: 40,
  EOPNOTSUPP: 95,
} as const;
export type LinkErrnoName = keyof typeof LinkErrno;

/** An attach or detach request the kernel would refuse. */
export class LinkError extends TsbpfError {
  override name = "LinkError";
  /** errno value (positive). */
  readonly code: number;

  constructor(
    readonly errno: LinkErrnoName,
    message: string,
  ) {
    super(`${errno}: ${message}`);
    this.code = LinkErrno[errno];
  }
}

/**
 * A BTF function prototype the trampoline cannot model (btf_distill_func_proto
 * refused it). The message is the kernel's log line.
 */
export class FuncModelError extends TsbpfError {
  override name = "FuncModelError";
}

/**
 * A trampoline could not run its programs: nesting beyond the limit (a traced
 * function that its own program calls again, without end) or a fault inside a
 * tracing program. An ExecError, so runs report it like any other fault.
 */
export class TrampolineError extends ExecError {
  override name = "TrampolineError";
}
