// BPF_LD instructions: 64-bit immediates including the pseudo map/func forms
// (check_ld_imm), and the legacy packet loads LD_ABS/LD_IND (check_ld_abs).
import {
  BPF_ABS,
  BPF_DW,
  BPF_PSEUDO_BTF_ID,
  BPF_PSEUDO_FUNC,
  BPF_PSEUDO_MAP_FD,
  BPF_PSEUDO_MAP_IDX,
  BPF_PSEUDO_MAP_IDX_VALUE,
  BPF_PSEUDO_MAP_VALUE,
  lddwImm64,
  opMode,
  opSize,
} from "../isa/index.ts";
import type { Insn } from "../isa/insn.ts";
import { MapType } from "../uapi/map-types.ts";
import { ProgType } from "../uapi/prog-types.ts";
import { checkPtrOffReg } from "./check-mem.ts";
import { checkPseudoFunc } from "./calls.ts";
import { checkResourceLeak } from "./refs.ts";
import type { Env } from "./env.ts";
import { checkRegArg, DST_OP, DST_OP_NO_MARK, SRC_OP } from "./reg-access.ts";
import { markRegKnown, markRegKnownZero, markRegNotInit, markRegUnknown } from "./regs.ts";
import { RegType } from "./reg-types.ts";

/** check_ld_imm(). */
export function checkLdImm(env: Env, insn: Insn): void {
  if (opSize(insn.code) !== BPF_DW) env.fail("invalid BPF_LD_IMM insn");
  if (insn.off !== 0) env.fail("BPF_LD_IMM64 uses reserved fields");
  checkRegArg(env, insn.dst, DST_OP);
  const dst = env.regs[insn.dst]!;
  const hi = env.insns[env.insnIdx + 1]!;
  if (insn.src === 0) {
    dst.type = RegType.SCALAR_VALUE;
    markRegKnown(dst, lddwImm64(insn, hi));
    return;
  }
  markRegKnownZero(dst);
  if (insn.src === BPF_PSEUDO_BTF_ID) env.fail("bpf verifier is misconfigured");
  if (insn.src === BPF_PSEUDO_FUNC) {
    checkPseudoFunc(env, insn, dst);
    return;
  }
  const byIdx = insn.src === BPF_PSEUDO_MAP_IDX || insn.src === BPF_PSEUDO_MAP_IDX_VALUE;
  const map = env.maps(byIdx ? "idx" : "fd", insn.imm)!;
  dst.map = map;
  if (insn.src === BPF_PSEUDO_MAP_VALUE || insn.src === BPF_PSEUDO_MAP_IDX_VALUE) {
    if (map.type === MapType.ARENA) {
      markRegUnknown(dst, env.bpfCapable);
      return;
    }
    dst.type = RegType.PTR_TO_MAP_VALUE;
    dst.off = hi.imm >>> 0;
  } else if (insn.src === BPF_PSEUDO_MAP_FD || insn.src === BPF_PSEUDO_MAP_IDX) {
    dst.type = RegType.CONST_PTR_TO_MAP;
  } else {
    env.fail("bpf verifier is misconfigured");
  }
}

/** Program types whose context is an skb (may_access_skb). */
const mayAccessSkb = (t: number): boolean =>
  t === ProgType.SOCKET_FILTER || t === ProgType.SCHED_CLS || t === ProgType.SCHED_ACT;

/** check_ld_abs(): implicit skb in R6, result in R0, R1-R5 clobbered. */
export function checkLdAbs(env: Env, insn: Insn): void {
  if (!mayAccessSkb(env.progType))
    env.fail("BPF_LD_[ABS|IND] instructions not allowed for this program type");
  const mode = opMode(insn.code);
  if (
    insn.dst !== 0 ||
    insn.off !== 0 ||
    opSize(insn.code) === BPF_DW ||
    (mode === BPF_ABS && insn.src !== 0)
  ) {
    env.fail("BPF_LD_[ABS|IND] uses reserved fields");
  }
  checkRegArg(env, 6, SRC_OP);
  checkResourceLeak(env, "BPF_LD_[ABS|IND]");
  const regs = env.regs;
  if (regs[6]!.type !== RegType.PTR_TO_CTX)
    env.fail("at the time of BPF_LD_ABS|IND R6 != pointer to skb");
  if (mode !== BPF_ABS) checkRegArg(env, insn.src, SRC_OP);
  checkPtrOffReg(env, regs[6]!, 6, false);
  for (let i = 0; i <= 5; i++) {
    markRegNotInit(regs[i]!, env.bpfCapable);
    checkRegArg(env, i, DST_OP_NO_MARK);
  }
  markRegUnknown(regs[0]!, env.bpfCapable);
  regs[0]!.subregDef = env.insnIdx + 1;
}
