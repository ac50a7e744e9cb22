// clang may leave DATASEC sizes and variable offsets at zero in a .o; libbpf
// fills them in from the ELF section sizes and symbol values before using the
// BTF (btf_fixup_datasec). Same here, producing a new Btf. DATASECs without an
// ELF section (.kconfig, .ksyms) are laid out by the extern pass instead.
import { Btf } from "../btf/btf.ts";
import { BtfKind, type BtfDatasec, type BtfType } from "../btf/types.ts";
import { STT_SECTION } from "./constants.ts";
import type { ElfFile } from "./reader.ts";

export function fixupDatasecs(btf: Btf, elf: ElfFile): Btf {
  let changed = false;
  const types: BtfType[] = btf.types.slice();
  for (let id = 1; id < types.length; id++) {
    const t = types[id]!;
    if (t.kind !== BtfKind.DATASEC) continue;
    const sec = elf.section(t.name);
    if (!sec) continue;
    const symByName = new Map<string, number>();
    for (const s of elf.symbolsIn(sec.index)) {
      if (s.type !== STT_SECTION && s.name) symByName.set(s.name, s.value);
    }
    const vars = t.vars.map((v) => {
      const varType = types[v.type];
      const off = varType && varType.kind === BtfKind.VAR ? symByName.get(varType.name) : undefined;
      return off === undefined ? { ...v } : { ...v, offset: off };
    });
    vars.sort((a, b) => a.offset - b.offset);
    const fixed: BtfDatasec = { kind: BtfKind.DATASEC, name: t.name, size: sec.size, vars };
    types[id] = fixed;
    changed = true;
  }
  return changed ? new Btf(types) : btf;
}
