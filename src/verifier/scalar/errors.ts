// The scalar domain's one error: a caller passed an argument the kernel's
// functions never receive (a cast to 3 bytes, an unknown ALU op). It marks a
// bug in the caller, never a property of the program being verified.
import { TsbpfError } from "../../errors.ts";

export class ScalarDomainError extends TsbpfError {
  override name = "ScalarDomainError";
}
