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
  each?: (r: R, where: string) => void,
): void {
  for (const s of secs) {
    const sec = code.get(s.section);
    if (!sec)
      throw new BtfError(
        `.BTF.ext ${what} refers to section '${s.section}', which is not a code section`,
      );
    const count = sec.size / 8;
    let prev = -1;
    s.records.forEach((r, i) => {
      const where = `.BTF.ext ${what}[${i}] of section '${s.section}'`;
      if (r.insnOff >= count) {
        throw new BtfError(
          `${where}: insn_off ${r.insnOff} is past the end of the section (${count} instructions)`,
        );
      }
      if ((order !== "any" && r.insnOff < prev) || (order === "strict" && r.insnOff === prev)) {
        throw new BtfError(
          `${where}: insn_off ${r.insnOff} is not after the previous record's ${prev}`,
        );
      }
      prev = r.insnOff;
      each?.(r, where);
    });
  }
}

export function checkBtfExt(ext: BtfExt, btf: Btf, codeSections: readonly ElfSection[]): void {
  const code = new Map(codeSections.map((s) => [s.name, s]));
  checkKind("func_info", ext.funcInfo, code, "strict", (r, where) => {
    if (!btf.has(r.typeId) || btf.type(r.typeId).kind !== BtfKind.FUNC) {
      throw new BtfError(`${where}: type_id ${r.typeId} is not a FUNC`);
    }
  });
  checkKind("line_info", ext.lineInfo, code, "ascending");
  checkKind("core_relo", ext.coreRelos, code, "any", (r, where) => {
    if (!btf.has(r.typeId)) throw new BtfError(`${where}: type_id ${r.typeId} is out of range`);
  });
}
