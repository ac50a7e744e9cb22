// `tsbpf disasm FILE.o`: the programs of an ELF object, relocated as the
// loader hands them to the verifier, in the kernel's syntax with the C source
// lines from BTF line_info interleaved (like `bpftool prog dump xlated linum`),
// map references by name and a C prototype heading each function.
import { cDecl } from "../../btf/dump-c.ts";
import type { Btf } from "../../btf/btf.ts";
import { UsageError } from "../../errors.ts";
import { disasmInsn, type Insn } from "../../isa/index.ts";
import { LDDW } from "../../isa/opcodes.ts";
import { CollectionSpec, findPrograms } from "../../spec/index.ts";
import type { ProgramSpec } from "../../spec/types.ts";
import { progTypeName } from "../../uapi/index.ts";
import type { CommandContext } from "../context.ts";

export interface DisasmObjectFlags {
  section?: string;
  program?: string;
  opcodes?: boolean;
  /** Interleave source lines (default true). */
  source?: boolean;
}

function header(p: ProgramSpec, btf: Btf | undefined, insnOff: number, name: string): string {
  const fi = p.funcInfo.find((f) => f.insnOff === insnOff);
  if (btf && fi) {
    try {
      return `${cDecl(btf, fi.typeId)}:`;
    } catch {
      // fall through to the bare name
    }
  }
  return `${name}:`;
}

/** The listing of one program, as lines. */
export function programListing(
  p: ProgramSpec,
  btf: Btf | undefined,
  flags: DisasmObjectFlags = {},
): string[] {
  const out: string[] = [];
  const lines = new Map(p.lineInfo.map((l) => [l.insnOff, l]));
  const funcs = new Map(p.functions.map((f) => [f.insnOff, f]));
  const mapAt = new Map(p.mapRefs.map((r) => [r.insnOff, r]));
  const externAt = new Map(p.externRefs.map((r) => [r.insnOff, r]));
  const width = String(p.insns.length).length;
  // The disassembler hands callbacks the instruction object; map it back to its index.
  const indexOf = new Map<Insn, number>(p.insns.map((x, i) => [x, i]));
  const opts = {
    opcodes: flags.opcodes ?? true,
    kfuncName: (insn: Insn) => externAt.get(indexOf.get(insn)!)?.name,
    lddwText: (insn: Insn, next: Insn) => {
      const ref = mapAt.get(indexOf.get(insn)!);
      if (!ref) return undefined;
      return ref.kind === "fd" ? `map[${ref.mapName}]` : `map[${ref.mapName}]+${next.imm >>> 0}`;
    },
  };
  for (let pc = 0; pc < p.insns.length; pc++) {
    const fn = funcs.get(pc);
    if (fn) {
      if (pc > 0) out.push("");
      out.push(header(p, btf, pc, fn.name));
    }
    const li = flags.source === false ? undefined : lines.get(pc);
    if (li)
      out.push(
        `; ${li.line.trim()} [file:${li.fileName} line_num:${li.lineNum} line_col:${li.column}]`,
      );
    out.push(`${String(pc).padStart(width + 2)}: ${disasmInsn(p.insns, pc, opts)}`);
    if (p.insns[pc]!.code === LDDW) pc++;
  }
  return out;
}

/** Disassembles the selected programs of an object file (called by `tsbpf disasm` for ELF input). */
export function disasmObject(
  file: string,
  bytes: Uint8Array,
  flags: DisasmObjectFlags,
  ctx: CommandContext,
): void {
  const spec = CollectionSpec.fromBuffer(bytes);
  const progs = findPrograms(spec, { section: flags.section, name: flags.program });
  if (progs.length === 0) {
    const what = [
      flags.section && `section '${flags.section}'`,
      flags.program && `program '${flags.program}'`,
    ]
      .filter(Boolean)
      .join(" and ");
    throw new UsageError(`${file}: no program${what ? ` in ${what}` : "s"}`);
  }
  progs.forEach((p, i) => {
    if (i > 0) ctx.out("\n");
    ctx.out(`${p.section}/${p.name} (${progTypeName(p.type)}, ${p.insns.length} insns):\n`);
    for (const line of programListing(p, spec.btf, flags)) ctx.out(`${line}\n`);
  });
}
