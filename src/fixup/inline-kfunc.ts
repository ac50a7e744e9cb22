// Inlinable kfuncs after verification (the RFC's inline_kfunc_calls): each
// call site's instance body — already simplified by the dead-code passes with
// the branch facts of that call site alone — replaces the call. Callee-saved
// registers the body uses (r6-r9) are spilled before it and filled after it;
// its r10-relative loads and stores move to a stack area below the caller's
// own; its `exit`s jump past its end. A body that uses r10 any other way (r10
// escapes), or whose stack would not fit in the caller's frame, stays a call.
// The instance bodies themselves are removed either way: the JIT never sees
// them. A kfunc call left unresolved (weak, imm 0) that survived dead-code
// removal is an error here, as in the kernel's fixup_kfunc_call.
import {
  BPF_ALU,
  BPF_ALU64,
  BPF_DW,
  BPF_EXIT,
  BPF_JMP,
  BPF_LDX,
  BPF_PSEUDO_KFUNC_CALL,
  BPF_ST,
  BPF_STX,
  BPF_X,
  build,
  LDDW,
  MAX_BPF_STACK,
  opClass,
  opSource,
  type Insn,
} from "../isa/index.ts";
import type { PatchNode } from "../patch/index.ts";
import { TargetKind, targetKind } from "../patch/targets.ts";
import type { KfuncInstanceInfo } from "../verifier/kfunc-instances.ts";
import { FixupError } from "./errors.ts";
import { CALL } from "./jumps.ts";
import type { FixupList, PassContext } from "./types.ts";

const EXIT = BPF_JMP | BPF_EXIT;
const R6 = 6;
const R9 = 9;
const FP = 10;

/** scan_regs_usage(): registers named, the lowest r10 offset, whether r10 escapes. */
export interface RegsUsage {
  mask: number;
  lowestStackOff: number;
  r10Escapes: boolean;
}

export function scanRegsUsage(insns: readonly Insn[]): RegsUsage {
  let mask = 0;
  let lowest = 0;
  let escapes = false;
  for (const x of insns) {
    mask |= (1 << x.src) | (1 << x.dst);
    const cls = opClass(x.code);
    const regSrc = opSource(x.code) === BPF_X;
    if (cls === BPF_ST || cls === BPF_STX) {
      if (x.dst === FP) lowest = Math.min(lowest, x.off);
      if (cls === BPF_STX && x.src === FP) escapes = true;
    } else if (cls === BPF_LDX) {
      if (x.src === FP) lowest = Math.min(lowest, x.off);
    } else if ((cls === BPF_ALU || cls === BPF_ALU64) && regSrc && x.src === FP) {
      escapes = true;
    }
  }
  return { mask, lowestStackOff: lowest, r10Escapes: escapes };
}

/** The live nodes of an instance body, in order. */
function bodyNodes(list: FixupList, inst: KfuncInstanceInfo): PatchNode[] {
  const out: PatchNode[] = [];
  const first = list.nodeAt(inst.start);
  let n: PatchNode | null = list.isDeleted(first) ? list.next(first) : first;
  while (n !== null) {
    const o = list.origIndex(n);
    if (o < inst.start || o >= inst.end) break;
    out.push(n);
    n = list.next(n);
  }
  return out;
}

/**
 * The replacement of one call: [spills][body][fills]. `body` is flat (an
 * lddw takes two slots); `targets[i]` is the body slot a jump at slot i goes
 * to. Exits become jumps to the fills. Undefined when the body cannot be
 * inlined (r10 escapes, or its stack does not fit below the caller's).
 */
function pasteBody(
  body: Insn[],
  targets: readonly (number | undefined)[],
  callerStackDepth: number,
): Insn[] | undefined {
  const usage = scanRegsUsage(body);
  if (usage.r10Escapes) return undefined;
  const saved: number[] = [];
  for (let r = R6; r <= R9; r++) if (usage.mask & (1 << r)) saved.push(r);
  const extra = saved.length * 8 - usage.lowestStackOff;
  if (callerStackDepth + extra > MAX_BPF_STACK) return undefined;
  let off = -callerStackDepth;
  const spills: Insn[] = [];
  const fills: Insn[] = [];
  for (const r of saved) {
    off -= 8;
    spills.push(build.stxMem(BPF_DW, FP, r, off));
    fills.unshift(build.ldxMem(BPF_DW, r, FP, off));
  }
  const stackOff = usage.mask & (1 << FP) ? off : 0;
  for (let at = 0; at < body.length; at++) {
    const x = body[at]!;
    if (x.code === LDDW) {
      at++;
      continue;
    }
    if (x.code === EXIT) {
      body[at] = build.ja(body.length - at - 1);
      continue;
    }
    const cls = opClass(x.code);
    if ((cls === BPF_ST || cls === BPF_STX) && x.dst === FP) x.off += stackOff;
    if (cls === BPF_LDX && x.src === FP) x.off += stackOff;
    const kind = targetKind(x.code, x.src);
    if (kind === TargetKind.None) continue;
    const to = targets[at];
    if (kind === TargetKind.Imm || to === undefined) return undefined; // never in checked bodies
    if (kind === TargetKind.Gotol) x.imm = to - at - 1;
    else x.off = to - at - 1;
  }
  return [...spills, ...body, ...fills];
}

/** The simplified instance (its live nodes after the dead-code passes), flattened. */
function instanceBody(
  list: FixupList,
  nodes: readonly PatchNode[],
): { body: Insn[]; targets: (number | undefined)[] } {
  const pos = new Map<PatchNode, number>();
  const body: Insn[] = [];
  for (const n of nodes) {
    pos.set(n, body.length);
    for (const slot of list.slots(n)) body.push({ ...slot });
  }
  const targets: (number | undefined)[] = new Array(body.length);
  for (const n of nodes) {
    const t = list.target(n);
    const land = t === null ? null : list.landing(t);
    if (land !== null) targets[pos.get(n)!] = pos.get(land);
  }
  return { body, targets };
}

/** The body as registered (no per-call-site simplification): its own jump distances. */
function registeredBody(insns: readonly Insn[]): {
  body: Insn[];
  targets: (number | undefined)[];
} {
  const body = insns.map((x) => ({ ...x }));
  const targets = body.map((x, i) => {
    const kind = targetKind(x.code, x.src);
    if (kind === TargetKind.None) return undefined;
    return i + (kind === TargetKind.Off ? x.off : x.imm) + 1;
  });
  return { body, targets };
}

/**
 * Paste instance bodies over their calls (`prune`: the instance as the
 * dead-code passes left it; otherwise the body as registered, the RFC's
 * inlining without per-call-site simplification), then drop the instances.
 */
export function inlineKfuncCalls(
  list: FixupList,
  pc: PassContext,
  instances: readonly KfuncInstanceInfo[],
  inline: boolean,
  prune: boolean,
): void {
  const bodies = instances.map((inst) => bodyNodes(list, inst));
  if (inline) {
    instances.forEach((inst, i) => {
      const call = list.nodeAt(inst.call);
      if (list.isDeleted(call)) return;
      const src = prune ? instanceBody(list, bodies[i]!) : registeredBody(inst.body);
      const seq = pasteBody(src.body, src.targets, inst.callerStackDepth);
      if (!seq) return;
      list.replace(call, seq);
      pc.stats.kfuncsInlined++;
    });
  }
  for (const nodes of bodies) for (const n of nodes) list.delete(n);
  for (const n of list) {
    if (list.code(n) !== CALL) continue;
    const x = list.insn(n);
    if (x.src === BPF_PSEUDO_KFUNC_CALL && x.imm === 0)
      throw new FixupError(
        "invalid kernel function call not eliminated in verifier pass",
        list.origIndex(n),
      );
  }
}
