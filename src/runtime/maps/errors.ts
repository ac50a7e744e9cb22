// Map errors carry the kernel's errno name, so callers can branch on the same
// conditions as with the bpf(2) syscall (ENOENT on a missing key, EEXIST for
// BPF_NOEXIST, E2BIG when full, ...). Kernel-side operations (what helpers
// call) return the negative errno number instead of throwing, as the kernel's
// map ops do.
import { TsbpfError } from "../../errors.ts";

/** errno values of the conditions maps report (include/uapi/asm-generic/errno*.h). */
export const Errno = {
  EPERM: 1,
  ENOENT: 2,
  ENXIO: 6,
  E2BIG: 7,
  EBADF: 9,
  EAGAIN: 11,
  ENOMEM: 12,
  EFAULT: 14,
  EBUSY: 16,
  EEXIST: 17,
  ENODEV: 19,
  EINVAL: 22,
  ENOSPC: 28,
  EOVERFLOW: 75,
  EMSGSIZE: 90,
  EOPNOTSUPP: 95,
  ENETDOWN: 100,
  /** Kernel-internal "operation not supported" (524), what map ops without an implementation return. */
  ENOTSUPP: 524,
} as const;
export type ErrnoName = keyof typeof Errno;

const names = new Map<number, ErrnoName>(
  Object.entries(Errno).map(([k, v]) => [v, k as ErrnoName]),
);

/** Name of an errno value (positive or negative), or `errno N` when unknown. */
export function errnoName(code: number): string {
  return names.get(Math.abs(code)) ?? `errno ${Math.abs(code)}`;
}

export class MapError extends TsbpfError {
  override name = "MapError";
  /** errno value (positive). */
  readonly code: number;

  constructor(
    readonly errno: ErrnoName,
    message: string,
    /** For batch operations: how many elements were processed before the error. */
    readonly processed?: number,
  ) {
    super(`${errno}: ${message}`);
    this.code = Errno[errno];
  }

  /** Build from a kernel-style negative return value. */
  static fromReturn(ret: number, message: string, processed?: number): MapError {
    const name = names.get(-ret) ?? "EINVAL";
    return new MapError(name, message, processed);
  }
}
