// Which functions of a BPF program have a BTF prototype that disagrees with
// the code, so tracing programs must see their arguments as five u64
// scalars (the kernel marks such functions `unreliable` when a call site does
// not match their BTF). clang's optimiser may drop or repurpose the arguments
// of static functions while their BTF keeps the source prototype; the tell
// is a function reading an argument register that its prototype does not
// have before writing it. A backward liveness pass over each function finds
// the argument registers live at its entry.
import type { Btf } from "../btf/btf.ts";
import { BtfKind } from "../btf/types.ts";
import type { Insn } from "../isa/insn.ts";
import * as op from "../isa/opcodes.ts";
import { helperProtoById } from "../verifier/helpers/protos.ts";
import { MAX_BPF_FUNC_REG_ARGS } from "./model.ts";
import type { FuncInfoEntry } from "./types.ts";

const R0 = 1;
const ARGS = 0b111110; // r1..r5
const bit = (r: number): number => 1 << r;

/** Registers an instruction reads and writes, as bit masks (r0 = bit 0). */
function useDef(
  insns: readonly Insn[],
  i: number,
  argCount: (pc: number) => number,
): [number, number] {
  const x = insns[i]!;
  const cls = x.code & 0x07;
  const mode = x.code & 0xe0;
  const isX = (x.code & op.BPF_X) !== 0;
  switch (cls) {
    case op.BPF_ALU:
    case op.BPF_ALU64: {
      const aluOp = x.code & 0xf0;
      const uses = (aluOp === op.BPF_MOV ? 0 : bit(x.dst)) | (isX ? bit(x.src) : 0);
      return [uses, bit(x.dst)];
    }
    case op.BPF_LDX:
      return [bit(x.src), bit(x.dst)];
    case op.BPF_ST:
      return [bit(x.dst), 0];
    case op.BPF_STX:
      // Atomics with fetch write src (cmpxchg writes r0); plain stores write nothing.
      if (mode === op.BPF_ATOMIC) return [bit(x.dst) | bit(x.src) | R0, bit(x.src) | R0];
      return [bit(x.dst) | bit(x.src), 0];
    case op.BPF_LD:
      if (x.code === op.LDDW) return [0, bit(x.dst)];
      // ld_abs / ld_ind: ctx in r6, result in r0, r1..r5 clobbered.
      return [bit(6) | (mode === op.BPF_IND ? bit(x.src) : 0), R0 | ARGS];
    default: {
      const jop = x.code & 0xf0;
      if (jop === op.BPF_EXIT) return [R0, 0];
      if (jop === op.BPF_CALL) {
        const n = argCount(i);
        return [ARGS & ((1 << (n + 1)) - 1), R0 | ARGS];
      }
      if (jop === op.BPF_JA) return [0, 0];
      return [bit(x.dst) | (isX ? bit(x.src) : 0), 0];
    }
  }
}

function successors(insns: readonly Insn[], i: number, end: number): number[] {
  const x = insns[i]!;
  const cls = x.code & 0x07;
  const next = x.code === op.LDDW ? i + 2 : i + 1;
  if (cls !== op.BPF_JMP && cls !== op.BPF_JMP32) return next < end ? [next] : [];
  const jop = x.code & 0xf0;
  if (jop === op.BPF_EXIT) return [];
  if (jop === op.BPF_CALL) return next < end ? [next] : [];
  const dist = cls === op.BPF_JMP32 && jop === op.BPF_JA ? x.imm : x.off;
  const target = i + dist + 1;
  if (jop === op.BPF_JA) return [target];
  return next < end ? [next, target] : [target];
}

/** Number of parameters of a FUNC's prototype, or undefined. */
function paramCount(btf: Btf, funcId: number): number | undefined {
  if (!btf.has(funcId)) return undefined;
  const f = btf.type(funcId);
  if (f.kind !== BtfKind.FUNC || !btf.has(f.type)) return undefined;
  const p = btf.type(f.type);
  return p.kind === BtfKind.FUNC_PROTO ? p.params.length : undefined;
}

/** Entry pcs of the functions whose prototype the code contradicts. */
export function unreliableFunctions(
  insns: readonly Insn[],
  funcInfo: readonly FuncInfoEntry[],
  btf: Btf,
): Set<number> {
  const out = new Set<number>();
  const starts = [...funcInfo].sort((a, b) => a.insnOff - b.insnOff);
  const paramsAt = new Map(starts.map((f) => [f.insnOff, paramCount(btf, f.typeId)]));
  // Registers a call reads: a helper's prototype, a callee's BTF. When that
  // is unknown (kfuncs, callx, unlisted helpers) none are counted: a false
  // "unreliable" would hide a good prototype, and the verifier has already
  // made sure whatever the call reads was written.
  const argCount = (pc: number): number => {
    const x = insns[pc]!;
    if (x.src === op.BPF_PSEUDO_CALL) {
      const n = paramsAt.get(pc + x.imm + 1) ?? 0;
      return n <= MAX_BPF_FUNC_REG_ARGS ? n : 0;
    }
    if (x.src === 0 && (x.code & op.BPF_X) === 0) {
      const proto = helperProtoById(x.imm);
      return proto ? proto.args.filter((a) => a !== "ARG_DONTCARE").length : 0;
    }
    return 0;
  };
  starts.forEach((f, k) => {
    const n = paramsAt.get(f.insnOff);
    const start = f.insnOff;
    const end = starts[k + 1]?.insnOff ?? insns.length;
    if (n === undefined || start < 0 || start >= end) return;
    if (n > MAX_BPF_FUNC_REG_ARGS) {
      out.add(start);
      return;
    }
    const len = end - start;
    const liveIn = new Int32Array(len);
    const ud = Array.from({ length: len }, (_, j) => useDef(insns, start + j, argCount));
    const succ = Array.from({ length: len }, (_, j) =>
      successors(insns, start + j, end).filter((t) => t >= start && t < end),
    );
    for (let changed = true; changed;) {
      changed = false;
      for (let j = len - 1; j >= 0; j--) {
        let liveOut = 0;
        for (const t of succ[j]!) liveOut |= liveIn[t - start]!;
        const [use, def] = ud[j]!;
        const v = use | (liveOut & ~def);
        if (v !== liveIn[j]) {
          liveIn[j] = v;
          changed = true;
        }
      }
    }
    const declared = ARGS & ((1 << (n + 1)) - 1);
    if (liveIn[0]! & ARGS & ~declared) out.add(start);
  });
  return out;
}
