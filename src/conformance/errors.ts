import { TsbpfError } from "../errors.ts";

/** A conformance `.data` file that does not follow the format (unknown directive, bad hex, ...). */
export class ConformanceFormatError extends TsbpfError {
  override name = "ConformanceFormatError";
  constructor(
    readonly reason: string,
    readonly line: number,
    readonly file?: string,
  ) {
    super(`${file ?? "<input>"}:${line}: ${reason}`);
  }
}
