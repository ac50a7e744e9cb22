// Applying a program's CO-RE relocations against a target BTF (the runtime's
// own types), as libbpf does before loading: find candidate target types by
// essential name and kind, match the local access spec against each, require
// all matches to agree, and patch the instruction — an immediate, a load/store
// offset (and size, when safe) or an lddw constant. When nothing matches and
// the relocation is not an existence check, the instruction is poisoned into
// `call 0xbad2310`, which the verifier rejects only if it is reachable
// ("invalid func unknown#195896080"), so guarded code still loads.
import { cloneInsn, type Insn } from "../../isa/insn.ts";
import {
  BPF_ALU,
  BPF_ALU64,
  BPF_B,
  BPF_CALL,
  BPF_DW,
  BPF_H,
  BPF_JMP,
  BPF_K,
  BPF_LD,
  BPF_LDX,
  BPF_ST,
  BPF_STX,
  BPF_W,
  LDDW,
} from "../../isa/opcodes.ts";
import type { Btf } from "../btf.ts";
import { BtfError } from "../errors.ts";
import { CoreReloKind, type CoreReloRecord } from "../ext.ts";
import { coreValue, PoisonRequest, sizeChangeSafe, type CoreValue } from "./calc.ts";
import { essentialName, kindsCompat } from "./compat.ts";
import { matchCoreSpec } from "./match.ts";
import { coreKindName, formatCoreSpec, parseCoreSpec, type CoreSpec } from "./spec.ts";

/** The imm of a poisoned instruction: 0xbad2310, "bad relo". */
export const CORE_POISON_IMM = 0xbad2310;

export interface CoreRelocationResult {
  insnOff: number;
  kind: number;
  kindName: string;
  /** The local access, as libbpf's debug log prints it. */
  local: string;
  /** The matched target access, when one matched. */
  target?: string;
  poisoned: boolean;
  /** The value written into the instruction (not set when poisoned). */
  value?: bigint;
}

export interface CoreOptions {
  /** Program name for messages. */
  program?: string;
}

interface Outcome {
  poison: boolean;
  orig: CoreValue;
  next: CoreValue;
  failSizeAdjust: boolean;
  target?: CoreSpec;
}

const CALL = BPF_JMP | BPF_CALL;
const SIZE_BYTES: Record<number, number> = { [BPF_DW]: 8, [BPF_W]: 4, [BPF_H]: 2, [BPF_B]: 1 };
const BYTES_SIZE: Record<number, number> = { 8: BPF_DW, 4: BPF_W, 2: BPF_H, 1: BPF_B };

function poisonInsn(insn: Insn): void {
  insn.code = CALL;
  insn.dst = 0;
  insn.src = 0;
  insn.off = 0;
  insn.imm = CORE_POISON_IMM;
}

/** Target candidates for a local type: same kind family and the same essential name (cached per local id). */
function candidates(
  local: Btf,
  localId: number,
  targ: Btf,
  cache: Map<number, number[]>,
): number[] {
  const hit = cache.get(localId);
  if (hit) return hit;
  const lt = local.type(localId);
  const want = essentialName(lt.name);
  const out: number[] = [];
  for (let id = 1; id < targ.count; id++) {
    const t = targ.types[id]!;
    if (!t.name || !kindsCompat(lt, t)) continue;
    if (essentialName(t.name) === want) out.push(id);
  }
  cache.set(localId, out);
  return out;
}

function outcome(
  relo: CoreReloRecord,
  localSpec: CoreSpec,
  targSpec: CoreSpec | undefined,
  where: string,
): Outcome {
  const orig = coreValue(relo.kind, localSpec, where);
  let next: CoreValue;
  try {
    next = coreValue(relo.kind, targSpec, where);
  } catch (e) {
    if (e instanceof PoisonRequest)
      return { poison: true, orig, next: orig, failSizeAdjust: false };
    throw e;
  }
  let failSizeAdjust = false;
  if (orig.size !== next.size && targSpec) {
    failSizeAdjust = !sizeChangeSafe(localSpec.btf, orig.typeId, targSpec.btf, next.typeId);
  }
  return { poison: false, orig, next, failSizeAdjust, target: targSpec };
}

function calc(
  relo: CoreReloRecord,
  local: Btf,
  targ: Btf,
  cache: Map<number, number[]>,
  where: string,
): Outcome & { local: CoreSpec } {
  let localSpec: CoreSpec;
  try {
    localSpec = parseCoreSpec(local, relo.typeId, relo.accessStr, relo.kind);
  } catch (e) {
    throw new BtfError(`${where}: ${(e as Error).message}`, relo.typeId);
  }
  if (relo.kind === CoreReloKind.TYPE_ID_LOCAL) {
    const v: CoreValue = { value: BigInt(relo.typeId), size: 0, typeId: 0, validate: false };
    return { poison: false, orig: v, next: v, failSizeAdjust: false, local: localSpec };
  }
  if (!local.type(relo.typeId).name) {
    throw new BtfError(
      `${where}: <${coreKindName(relo.kind)}> (${relo.kind}) relocation doesn't support anonymous types`,
    );
  }
  let chosen: (Outcome & { local: CoreSpec }) | undefined;
  for (const cand of candidates(local, relo.typeId, targ, cache)) {
    const targSpec = matchCoreSpec(localSpec, targ, cand);
    if (!targSpec) continue;
    const res = { ...outcome(relo, localSpec, targSpec, where), local: localSpec };
    if (!chosen) chosen = res;
    else if (res.target!.bitOffset !== chosen.target!.bitOffset) {
      throw new BtfError(
        `${where}: field offset ambiguity: ${res.target!.bitOffset} != ${chosen.target!.bitOffset}`,
      );
    } else if (res.poison !== chosen.poison || res.next.value !== chosen.next.value) {
      const say = (o: Outcome): string => `${o.poison ? "failure" : "success"} ${o.next.value}`;
      throw new BtfError(`${where}: relocation decision ambiguity: ${say(res)} != ${say(chosen)}`);
    }
  }
  return chosen ?? { ...outcome(relo, localSpec, undefined, where), local: localSpec };
}

/** Writes the outcome into insns[idx] the way bpf_core_patch_insn does. */
function patch(insns: Insn[], idx: number, o: Outcome, where: string): boolean {
  const insn = insns[idx]!;
  const poison = (): true => {
    if (insn.code === LDDW && insns[idx + 1]) poisonInsn(insns[idx + 1]!);
    poisonInsn(insn);
    return true;
  };
  if (o.poison) return poison();
  const orig = o.orig.value;
  const next = o.next.value;
  const cls = insn.code & 7;
  if (cls === BPF_ALU || cls === BPF_ALU64) {
    if ((insn.code & 0x08) !== BPF_K)
      throw new BtfError(`${where}: insn #${idx} (ALU/ALU64) does not take an immediate`);
    if (o.orig.validate && BigInt(insn.imm >>> 0) !== orig && BigInt(insn.imm) !== orig) {
      throw new BtfError(
        `${where}: unexpected insn #${idx} (ALU/ALU64) value: got ${insn.imm >>> 0}, exp ${orig} -> ${next}`,
      );
    }
    insn.imm = Number(BigInt.asIntN(32, next));
    return false;
  }
  if (cls === BPF_LDX || cls === BPF_ST || cls === BPF_STX) {
    if (o.orig.validate && BigInt(insn.off) !== orig) {
      throw new BtfError(
        `${where}: unexpected insn #${idx} (LDX/ST/STX) value: got ${insn.off}, exp ${orig} -> ${next}`,
      );
    }
    if (next > 0x7fffn)
      throw new BtfError(`${where}: insn #${idx} (LDX/ST/STX) value too big: ${next}`);
    if (o.failSizeAdjust) return poison();
    insn.off = Number(next);
    if (o.next.size !== o.orig.size) {
      const bytes = SIZE_BYTES[insn.code & 0x18];
      if (bytes !== o.orig.size) {
        throw new BtfError(
          `${where}: insn #${idx} (LDX/ST/STX) unexpected mem size: got ${bytes}, exp ${o.orig.size}`,
        );
      }
      const sz = BYTES_SIZE[o.next.size];
      if (sz === undefined)
        throw new BtfError(
          `${where}: insn #${idx} (LDX/ST/STX) invalid new mem size: ${o.next.size}`,
        );
      insn.code = (insn.code & 0xe0) | sz | cls;
    }
    return false;
  }
  if (cls === BPF_LD) {
    const hi = insns[idx + 1];
    if (
      insn.code !== LDDW ||
      !hi ||
      insn.src !== 0 ||
      insn.off !== 0 ||
      hi.code !== 0 ||
      hi.dst !== 0 ||
      hi.src !== 0 ||
      hi.off !== 0
    ) {
      throw new BtfError(`${where}: insn #${idx} (LDIMM64) has unexpected form`);
    }
    const imm = (BigInt(hi.imm >>> 0) << 32n) | BigInt(insn.imm >>> 0);
    if (o.orig.validate && imm !== orig) {
      throw new BtfError(
        `${where}: unexpected insn #${idx} (LDIMM64) value: got ${imm}, exp ${orig} -> ${next}`,
      );
    }
    insn.imm = Number(BigInt.asIntN(32, next));
    hi.imm = Number(BigInt.asIntN(32, next >> 32n));
    return false;
  }
  throw new BtfError(
    `${where}: trying to relocate unrecognized insn #${idx}, code:0x${insn.code.toString(16)}`,
  );
}

/**
 * Applies CO-RE relocations to a copy of `insns`. `relos` carry instruction
 * indexes into `insns` (ProgramSpec.coreRelos). Throws BtfError for what libbpf
 * treats as load errors (bad access strings, ambiguity, instructions that do not
 * hold the expected value); unmatched accesses poison their instruction instead.
 */
export function applyCoreRelocations(
  insns: readonly Insn[],
  relos: readonly CoreReloRecord[],
  local: Btf,
  target: Btf,
  opts: CoreOptions = {},
): { insns: Insn[]; results: CoreRelocationResult[] } {
  const out = insns.map(cloneInsn);
  const cache = new Map<number, number[]>();
  const results: CoreRelocationResult[] = [];
  relos.forEach((relo, i) => {
    const where = `${opts.program ? `prog '${opts.program}': ` : ""}relo #${i}`;
    if (relo.insnOff < 0 || relo.insnOff >= out.length) {
      throw new BtfError(
        `${where}: insn #${relo.insnOff} is outside the program (${out.length} insns)`,
      );
    }
    const o = calc(relo, local, target, cache, where);
    const poisoned = patch(out, relo.insnOff, o, where);
    const r: CoreRelocationResult = {
      insnOff: relo.insnOff,
      kind: relo.kind,
      kindName: coreKindName(relo.kind),
      local: formatCoreSpec(o.local),
      poisoned,
    };
    if (o.target) r.target = formatCoreSpec(o.target);
    if (!poisoned) r.value = o.next.value;
    results.push(r);
  });
  return { insns: out, results };
}
