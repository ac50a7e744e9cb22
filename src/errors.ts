// Typed errors shared by every stage. Each stage throws a subclass that names
// what went wrong precisely (file offset, line/column, pc, errno), so callers
// and the CLI can tell bad input from a bug.

/** Base class of every error tsbpf throws on purpose. */
export class TsbpfError extends Error {
  override name = "TsbpfError";
}

/** A malformed instruction or instruction stream (undefined opcode, bad register, ...). */
export class InsnError extends TsbpfError {
  override name = "InsnError";
  constructor(
    message: string,
    /** Index of the offending instruction, when known. */
    readonly pc?: number,
  ) {
    super(message);
  }
}

/** An assembler error at a source position (1-based line and column). */
export class AsmError extends TsbpfError {
  override name = "AsmError";
  constructor(
    readonly reason: string,
    readonly line: number,
    readonly column: number,
    readonly file?: string,
  ) {
    super(`${file ?? "<input>"}:${line}:${column}: ${reason}`);
  }
}

/** A fault while running a program: out-of-bounds access, budget exhausted, bad call, ... */
export class ExecError extends TsbpfError {
  override name = "ExecError";
  constructor(
    message: string,
    /** BPF pc of the faulting instruction, when known. */
    readonly pc?: number,
  ) {
    super(pc === undefined ? message : `${message} (pc ${pc})`);
  }
}

/** Wrong use of the API or CLI (bad option values, missing arguments). */
export class UsageError extends TsbpfError {
  override name = "UsageError";
}
