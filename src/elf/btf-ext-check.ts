// .BTF.ext records must describe instructions that exist: each names a code
// section, points inside it, and func_info/line_info come in ascending order
// (what the kernel checks again when a program is loaded: "Invalid
// line_info[%u].insn_off"). A record past its section would otherwise be
// silently dropped when programs are linked, hiding a corrupt object.
import type { Btf } from "../btf/btf.ts";
import { BtfError } from "../btf/errors.ts";
import type { BtfExt, BtfExtSection } from "../btf/ext.ts";
import { BtfKind } from "../btf/types.ts";
import type { ElfSection } from "./reader.ts";

function checkKind<R extends { insnOff: number }>(
  what: string,
  secs: readonly BtfExtSection<R>[],
  code: ReadonlyMap<string, ElfSection>,
  order: "strict" | "ascending" | "any",
  /** Extra check of one record; returns a problem to report, or undefined. */
  each?: (r: R) => string | undefined,
): void {
  for (const s of secs) {
    const sec = code.get(s.section);
    if (!sec)
      throw new BtfError(
        `.BTF.ext ${what} refers to section '${s.section}', which is not a code section`,
      );
    const count = sec.size / 8;
    let prev = -1;
    const records = s.records;
    for (let i = 0; i < records.length; i++) {
      const r = records[i]!;
      // Messages are built only on failure: sections hold tens of thousands of records.
      const fail = (problem: string): never => {
        throw new BtfError(`.BTF.ext ${what}[${i}] of section '${s.section}': ${problem}`);
      };
      if (r.insnOff >= count)
        fail(`insn_off ${r.insnOff} is past the end of the section (${count} instructions)`);
      if ((order !== "any" && r.insnOff < prev) || (order === "strict" && r.insnOff === prev)) {
        fail(`insn_off ${r.insnOff} is not after the previous record's ${prev}`);
      }
      prev = r.insnOff;
      const problem = each?.(r);
      if (problem) fail(problem);
    }
  }
}

export function checkBtfExt(ext: BtfExt, btf: Btf, codeSections: readonly ElfSection[]): void {
  const code = new Map(codeSections.map((s) => [s.name, s]));
  checkKind("func_info", ext.funcInfo, code, "strict", (r) =>
    !btf.has(r.typeId) || btf.type(r.typeId).kind !== BtfKind.FUNC
      ? `type_id ${r.typeId} is not a FUNC`
      : undefined,
  );
  checkKind("line_info", ext.lineInfo, code, "ascending");
  checkKind("core_relo", ext.coreRelos, code, "any", (r) =>
    btf.has(r.typeId) ? undefined : `type_id ${r.typeId} is out of range`,
  );
}
