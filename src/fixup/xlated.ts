// The rewritten program as `bpftool prog dump xlated` prints it: one line per
// instruction, `% 4d: ` index, the opcode in parentheses and the kernel's
// syntax; map references as `map[id:N]`, helpers by name, BPF-to-BPF calls
// as `call pc+N`. A direct tail call (tail-calls.ts) prints as bpftool shows
// either form, `call bpf_tail_call#12`, followed by the slot it jumps
// through: `; direct: jmp_table[1]`.
import { disasmInsn, LDDW, type DisasmOptions, type Insn } from "../isa/index.ts";
import type { InsnAux } from "../verifier/index.ts";
import { fixupProgram } from "./pipeline.ts";
import { pokeIndexOf } from "./tail-calls.ts";
import type { FixupOptions, TailCallPoke } from "./types.ts";

export interface XlatedOptions {
  /**
   * The map id of a resolved map address in an `lddw` (programs loaded into
   * the runtime carry addresses); return undefined for a plain constant.
   */
  mapIdOfAddr?: (addr: number) => { id: number; valueOff?: number } | undefined;
  /** The poke table of a program with direct tail calls (FixupResult.pokes). */
  pokes?: readonly Pick<TailCallPoke, "map" | "key">[];
}

/** The program as text lines, bpftool's plain xlated format. */
export function dumpXlated(insns: readonly Insn[], opts: XlatedOptions = {}): string[] {
  const lookup = opts.mapIdOfAddr;
  const dis: DisasmOptions = {};
  if (lookup)
    dis.lddwText = (lo, hi) => {
      if (lo.src !== 0 || hi.imm !== 0) return undefined;
      const m = lookup(lo.imm >>> 0);
      if (!m) return undefined;
      return m.valueOff === undefined ? `map[id:${m.id}]` : `map[id:${m.id}][0]+${m.valueOff}`;
    };
  const out: string[] = [];
  for (let pc = 0; pc < insns.length; pc++) {
    let line = `${String(pc).padStart(4, " ")}: ${disasmInsn(insns, pc, dis)}`;
    const poke = opts.pokes?.[pokeIndexOf(insns[pc]!)];
    if (poke) line += ` ; direct: ${poke.map.name || "prog_array"}[${poke.key}]`;
    out.push(line);
    if (insns[pc]!.code === LDDW) pc++;
  }
  return out;
}

/** The map header offset of the values address (the runtime's MapHeader.VALUES_ADDR). */
export const ARRAY_VALUES_OFFSET = 24;

/**
 * `tsbpf verify --xlated`: the program a verified `insns` becomes when the
 * runtime loads it (all passes, ctx converted where the type has a
 * runtime-side structure), as xlated text.
 */
export function xlatedOfVerified(
  insns: readonly Insn[],
  aux: readonly InsnAux[],
  opts: Pick<FixupOptions, "progType" | "unprivileged" | "kfuncInstances" | "inlineKfuncs">,
): string[] {
  const f = fixupProgram(
    { insns, aux },
    { ...opts, convertCtx: true, arrayValuesOffset: ARRAY_VALUES_OFFSET, directTailCalls: true },
  );
  return dumpXlated(f.insns, { pokes: f.pokes });
}
