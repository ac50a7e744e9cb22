// Extern symbols (undefined in the object): kfuncs (`extern int f(...) __ksym`),
// kernel variables (`extern T v __ksym`) and kconfig values
// (`extern int CONFIG_X __kconfig`). Which is which comes from the DATASEC
// (.ksyms / .kconfig) that lists the extern's VAR or FUNC in BTF, as in
// libbpf's bpf_object__collect_externs. Objects that call helpers declared
// `extern` without any __ksym section still load: such functions are
// recorded as kfuncs and fail at load time when nothing resolves them.
import type { Btf } from "../btf/btf.ts";
import { BtfKind } from "../btf/types.ts";
import type { ExternSpec } from "../spec/types.ts";
import { SHN_UNDEF, STB_LOCAL, STB_WEAK, STT_SECTION } from "./constants.ts";
import type { ElfFile } from "./reader.ts";

export interface Externs {
  externs: ExternSpec[];
  /** Symbol index -> index into `externs`. */
  bySymbol: Map<number, number>;
  /** Size of the .kconfig map value (0 when there are no kconfig externs). */
  kconfigSize: number;
}

/** DATASEC name per VAR/FUNC id, for the DATASECs that describe externs. */
function externSections(btf: Btf): Map<number, string> {
  const out = new Map<number, string>();
  for (let id = 1; id < btf.count; id++) {
    const t = btf.types[id]!;
    if (t.kind !== BtfKind.DATASEC) continue;
    for (const v of t.vars) out.set(v.type, t.name);
  }
  return out;
}

export function collectExterns(elf: ElfFile, btf: Btf | undefined): Externs {
  const secOf = btf ? externSections(btf) : new Map<number, string>();
  const externs: ExternSpec[] = [];
  const bySymbol = new Map<number, number>();
  for (const s of elf.symbols) {
    if (
      s.index === 0 ||
      s.shndx !== SHN_UNDEF ||
      !s.name ||
      s.bind === STB_LOCAL ||
      s.type === STT_SECTION
    )
      continue;
    let btfId = 0;
    let kind: ExternSpec["kind"];
    let typeless = false;
    if (btf) {
      const ids = btf.findAll(s.name).filter((id) => {
        const k = btf.types[id]!.kind;
        return k === BtfKind.VAR || k === BtfKind.FUNC;
      });
      btfId = ids[0] ?? 0;
    }
    if (btfId) {
      const t = btf!.type(btfId);
      const sec = secOf.get(btfId);
      if (t.kind === BtfKind.FUNC) kind = "kfunc";
      else if (sec === ".kconfig") kind = "kconfig";
      else {
        kind = "ksym";
        typeless = t.kind === BtfKind.VAR && btf!.skipModsAndTypedefs(t.type) === 0;
      }
    } else {
      // Without BTF the kind is decided by how the symbol is used (relocations.ts turns called ones into kfuncs).
      kind = "ksym";
    }
    const ext: ExternSpec = { name: s.name, kind, weak: s.bind === STB_WEAK, btfId };
    if (typeless) ext.typeless = true;
    bySymbol.set(s.index, externs.length);
    externs.push(ext);
  }
  return { externs, bySymbol, kconfigSize: layoutKconfig(externs, btf) };
}

/**
 * libbpf's .kconfig layout: by alignment (largest first), then size
 * (smallest first), then name; each at the next offset aligned for it.
 */
function layoutKconfig(externs: ExternSpec[], btf: Btf | undefined): number {
  if (!btf) return 0;
  const kcfg = externs
    .filter((e) => e.kind === "kconfig")
    .map((e) => {
      const varType = btf.type(e.btfId);
      const typeId = varType.kind === BtfKind.VAR ? varType.type : 0;
      return { e, size: btf.sizeof(typeId), align: btf.alignof(typeId) };
    });
  kcfg.sort(
    (a, b) =>
      b.align - a.align ||
      a.size - b.size ||
      (a.e.name < b.e.name ? -1 : a.e.name > b.e.name ? 1 : 0),
  );
  let off = 0;
  for (const k of kcfg) {
    off = Math.ceil(off / k.align) * k.align;
    k.e.offset = off;
    k.e.size = k.size;
    off += k.size;
  }
  return off;
}
