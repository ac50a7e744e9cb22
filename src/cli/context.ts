// What every CLI command gets: output sinks (so tests can capture them) and a
// place to put its exit code.

export const EXIT_OK = 0;
/** A program was rejected or a check failed. */
export const EXIT_FAIL = 1;
/** Bad input or usage. */
export const EXIT_USAGE = 2;

export interface CommandContext {
  out: (s: string) => void;
  err: (s: string) => void;
  /** Set by a command's action; returned by main(). */
  exitCode: number;
}

export type RegisterCommand = (program: import("commander").Command, ctx: CommandContext) => void;
