// Errors of the kfunc registry: a module that cannot be registered (a name
// taken, a prototype that does not parse, a body that is not a valid
// inlinable body) is a KfuncError naming the kfunc and the reason.
import { TsbpfError } from "../errors.ts";

export class KfuncError extends TsbpfError {
  override name = "KfuncError";
}
