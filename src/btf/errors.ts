// Typed error of the BTF layer: malformed .BTF/.BTF.ext data, failed lookups
// and CO-RE problems. Messages follow the kernel's BTF verifier log
// ("[5] PTR (anon) Invalid type_id") where there is a kernel counterpart.
import { TsbpfError } from "../errors.ts";

export class BtfError extends TsbpfError {
  override name = "BtfError";
  constructor(
    message: string,
    /** The type the problem was found in, when there is one. */
    readonly typeId?: number,
  ) {
    super(message);
  }
}
