// opt_subreg_zext_lo32_rnd_hi32(), the zero-extension half: after an
// instruction whose 32-bit result the verifier saw read as 64 bits
// (aux zextDst), insert `w = w` (BPF_ZEXT_REG, imm 1), for JITs that leave
// the upper half of a 32-bit result undefined.
//
// Whether it is needed: no, for correctness in our engines. The interpreter
// keeps registers as 32-bit halves and clears the upper half on every 32-bit
// write; the JIT keeps registers as i64 locals and writes a 32-bit result
// with i64.extend_i32_u, so the upper half is always zero (as on x86-64,
// where bpf_jit_needs_zext() is false too). The pass therefore runs only
// when asked (`zext: true`), except for cmpxchg, which the kernel zero-
// extends whatever the JIT says (some CPUs write r0 only when the compare
// succeeds). bench/fixup.ts measures the JIT with and without the inserted
// instructions.
import {
  BPF_ATOMIC,
  BPF_CMPXCHG,
  BPF_PSEUDO_KFUNC_CALL,
  BPF_STX,
  build,
  opClass,
  opMode,
} from "../isa/index.ts";
import { insnDefRegno } from "../verifier/reg-access.ts";
import { CALL } from "./jumps.ts";
import { FixupError } from "./errors.ts";
import type { FixupList, PassContext } from "./types.ts";

const isCmpxchg = (code: number, imm: number): boolean =>
  opClass(code) === BPF_STX && opMode(code) === BPF_ATOMIC && imm === BPF_CMPXCHG;

export function insertZext(list: FixupList, pc: PassContext): void {
  const all = pc.opts.zext === true;
  for (const n of list) {
    const a = list.aux(n);
    if (!a.zextDst) continue;
    const x = list.insn(n);
    if (!all && !isCmpxchg(x.code, x.imm)) continue;
    // A kfunc's caller zero-extends its result itself.
    if (x.code === CALL && x.src === BPF_PSEUDO_KFUNC_CALL) continue;
    const reg = insnDefRegno(x);
    if (reg < 0) throw new FixupError("zext_dst is set, but no reg is defined", list.origIndex(n));
    list.append(n, [build.zext32(reg)]);
    pc.stats.zextInserted++;
  }
}
