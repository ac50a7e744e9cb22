// Loads through PTR_TO_BTF_ID pointers become safe reads, the job the
// kernel's BPF_PROBE_MEM mode does (a faulting load gives 0). A traced
// function's pointer argument may be NULL, stale or garbage; the verifier
// checked the field layout but cannot know the address. Each such load
//
//   dst = *(size *)(src + off)
//
// becomes
//
//   dst = src                         (when dst != src)
//   dst += off                        (when off != 0)
//   if dst < NULL_GUARD goto zero     (NULL and small integers: never memory)
//   if dst > limit - size goto zero   (beyond the runtime memory's maximum)
//   dst = *(size *)(dst + 0)
//   goto +1
//   zero: dst = 0
//
// An address between the memory's current size and its maximum still
// faults, as a typed ExecError rather than a wrong value.
import * as op from "../isa/opcodes.ts";
import { insn, type Insn } from "../isa/insn.ts";
import { NULL_GUARD } from "../memory/vm-memory.ts";
import { PatchList } from "../patch/index.ts";
import { newInsnAux, type InsnAux } from "../verifier/aux.ts";
import { RegType, baseType } from "../verifier/reg-types.ts";

const isLoad = (code: number): boolean =>
  (code & 0x07) === op.BPF_LDX && ((code & 0xe0) === op.BPF_MEM || (code & 0xe0) === op.BPF_MEMSX);

/** Bytes of the runtime memory at most (VmMemory's default maximum, 1 GiB). */
export const DEFAULT_MEMORY_LIMIT = 1 << 30;

const SIZE_BYTES: Record<number, number> = {
  [op.BPF_B]: 1,
  [op.BPF_H]: 2,
  [op.BPF_W]: 4,
  [op.BPF_DW]: 8,
};

/** The guarded sequence for one load. */
function guarded(x: Insn, limit: number): Insn[] {
  const seq: Insn[] = [];
  const size = SIZE_BYTES[x.code & 0x18]!;
  if (x.dst !== x.src) seq.push(insn(op.BPF_ALU64 | op.BPF_MOV | op.BPF_X, x.dst, x.src));
  if (x.off !== 0) seq.push(insn(op.BPF_ALU64 | op.BPF_ADD | op.BPF_K, x.dst, 0, 0, x.off));
  seq.push(insn(op.BPF_JMP | op.BPF_JLT | op.BPF_K, x.dst, 0, 3, NULL_GUARD));
  seq.push(insn(op.BPF_JMP | op.BPF_JGT | op.BPF_K, x.dst, 0, 2, limit - size));
  seq.push(insn(x.code, x.dst, x.dst, 0, 0));
  seq.push(insn(op.BPF_JMP | op.BPF_JA, 0, 0, 1));
  seq.push(insn(op.BPF_ALU64 | op.BPF_MOV | op.BPF_K, x.dst, 0, 0, 0));
  return seq;
}

/** Rewrite every PTR_TO_BTF_ID load of a patch list; returns how many. */
export function probeMemPass(list: PatchList<InsnAux>, limit = DEFAULT_MEMORY_LIMIT): number {
  if (!(limit > NULL_GUARD && limit <= 0x7fffffff))
    throw new RangeError(`bad memory limit ${limit}`);
  let count = 0;
  for (const n of list) {
    const x = list.insn(n);
    if (!isLoad(x.code) || baseType(list.aux(n).ptrType) !== RegType.PTR_TO_BTF_ID) continue;
    const seq = guarded(x, limit);
    // The load keeps the verifier's facts about the original instruction.
    list.replace(n, seq, { keep: seq.length - 3 });
    count++;
  }
  return count;
}

/** probeMemPass on a whole program (instructions and the verifier's aux, one per slot). */
export function probeMemRewrite(
  prog: { insns: readonly Insn[]; aux: readonly InsnAux[] },
  limit = DEFAULT_MEMORY_LIMIT,
): {
  insns: Insn[];
  aux: InsnAux[];
  rewritten: number;
} {
  // Subprograms start where BPF-to-BPF calls and function addresses point.
  const starts = new Set([0]);
  prog.insns.forEach((x, i) => {
    const call = x.code === (op.BPF_JMP | op.BPF_CALL) && x.src === op.BPF_PSEUDO_CALL;
    const addr = x.code === op.LDDW && x.src === op.BPF_PSEUDO_FUNC;
    if (call || addr) starts.add(i + x.imm + 1);
  });
  const list = new PatchList<InsnAux>(
    { insns: prog.insns, aux: prog.aux, subprogStarts: [...starts].sort((a, b) => a - b) },
    {
      newAux: (from) => {
        const a = newInsnAux();
        a.seen = from.seen;
        return a;
      },
    },
  );
  const rewritten = probeMemPass(list, limit);
  const out = list.linearize();
  return { insns: out.insns, aux: out.aux, rewritten };
}
