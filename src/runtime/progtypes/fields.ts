// Field lookup by name in the verifier's context layout tables (the one table
// of ctx layouts): the runtime materialises contexts at exactly those offsets.
import type { CtxField } from "../../verifier/index.ts";
import { TsbpfError } from "../../errors.ts";

export type FieldTable = (name: string) => CtxField;

/** Index `fields` by name; asking for a name the table lacks is a bug, so it throws. */
export function fieldTable(what: string, fields: readonly CtxField[]): FieldTable {
  const byName = new Map(fields.map((f) => [f.name, f]));
  return (name) => {
    const f = byName.get(name);
    if (!f) throw new TsbpfError(`${what} has no field '${name}'`);
    return f;
  };
}
