// Typed error of the ELF loader: names what is wrong and, when known, where in
// the file it is, so a user can look at the bytes with a hex dump.
import { TsbpfError } from "../errors.ts";

/** A malformed or unsupported ELF object. `offset` is a byte offset in the file, when known. */
export class ElfError extends TsbpfError {
  override name = "ElfError";
  constructor(
    readonly reason: string,
    readonly offset?: number,
  ) {
    super(offset === undefined ? reason : `${reason} (at file offset 0x${offset.toString(16)})`);
  }
}
