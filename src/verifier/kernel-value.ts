// Inlinable kfunc instances in the main verification pass (the RFC "bpf:
// inlinable kfuncs"): each call site of an inlinable kfunc has its own copy of
// the body (kfunc-instances.ts). The call is checked like any kfunc call;
// then a path through the copy starts in a distilled context — no caller
// frame, scalars and NULLs as the caller has them, a dynptr as a pointer to a
// fake frame whose spilled `size` word tells the dynptr's type, anything else
// a KERNEL_VALUE — so the branch facts recorded in the copy hold for this call
// site only, and the dead-code passes can simplify it. The body is trusted
// kernel code: KERNEL_VALUE is what it computes from the kernel's data (ALU on
// it and loads through it give KERNEL_VALUE, stores through it are allowed),
// its calls are host calls that clobber r0-r5 as KERNEL_VALUE, and its `exit`
// ends the path.
import type { BtfFuncProto } from "../btf/types.ts";
import {
  BPF_ALU,
  BPF_END,
  BPF_MOV,
  BPF_NEG,
  BPF_PSEUDO_CALL,
  BPF_X,
  opAlu,
  opClass,
  opSource,
} from "../isa/opcodes.ts";
import type { Insn } from "../isa/insn.ts";
import { boundsSync } from "./domain.ts";
import { dynptrState } from "./dynptr.ts";
import type { Env } from "./env.ts";
import { markChainPrecision } from "./precision.ts";
import { isPtrType, pointee, skipModifiers } from "./kfuncs/btf-args.ts";
import { DYNPTR_TYPE_SHIFT, type KfuncDesc } from "./kfuncs/types.ts";
import { checkRegArg, DST_OP_NO_MARK, SRC_OP } from "./reg-access.ts";
import {
  copyRegState,
  DEF_NOT_SUBREG,
  markRegConstZero,
  markRegKnownZero,
  markRegUnknown,
  newReg,
  regIsNull,
  REG_LIVE_WRITTEN,
  type RegState,
} from "./regs.ts";
import { RegType } from "./reg-types.ts";
import { BPF_REG_SIZE, StackType, type StackSlot } from "./stack.ts";
import { BPF_MAIN_FUNC, cloneState, growStack, newFuncState, type VerifierState } from "./state.ts";

/** One call site's copy of an inlinable kfunc's body (a hidden subprogram). */
export interface KfuncInstance {
  /** Index of the kfunc call instruction. */
  readonly call: number;
  /** First instruction of the copy, and one past its last. */
  readonly start: number;
  readonly end: number;
  /** The kfunc's name (logs). */
  readonly name: string;
  /** The body as registered (before any per-call-site simplification). */
  readonly body: readonly Insn[];
}

const U64 = (1n << 64n) - 1n;
/** Most branches waiting at once (BPF_COMPLEXITY_LIMIT_JMP_SEQ). */
const LIMIT_JMP_SEQ = 8192;

/** mark_reg_kernel_value(): trusted kernel data, no range, no id. */
export function markKernelValue(reg: RegState, bpfCapable: boolean): void {
  markRegUnknown(reg, bpfCapable);
  reg.type = RegType.KERNEL_VALUE;
  reg.precise = false;
}

/** The current path is inside an instance body (its frame has no caller). */
export function inKfuncInstance(env: Env): boolean {
  const s = env.cur;
  return s.curframe > 0 && s.frames[s.curframe]!.callsite === BPF_MAIN_FUNC;
}

/**
 * ALU with a KERNEL_VALUE operand gives a KERNEL_VALUE (a MOV copies one).
 * Returns false when no operand is one, for the ordinary check.
 */
// Module-level: a closure made on every ALU insn costs (esbuild's keepNames
// wraps each one the loader creates).
const kv = (r: RegState | undefined): boolean => r?.type === RegType.KERNEL_VALUE;

export function kernelValueAlu(env: Env, insn: Insn): boolean {
  const regs = env.regs;
  const op = opAlu(insn.code);
  const isX = opSource(insn.code) === BPF_X && op !== BPF_NEG && op !== BPF_END;
  const src = isX ? regs[insn.src] : undefined;
  const dst = regs[insn.dst];
  if (!(kv(src) || (op !== BPF_MOV && kv(dst)))) return false;
  if (isX) checkRegArg(env, insn.src, SRC_OP);
  if (op !== BPF_MOV) checkRegArg(env, insn.dst, SRC_OP);
  checkRegArg(env, insn.dst, DST_OP_NO_MARK);
  markKernelValue(dst!, env.bpfCapable);
  dst!.live |= REG_LIVE_WRITTEN;
  dst!.subregDef = opClass(insn.code) === BPF_ALU ? env.insnIdx + 1 : DEF_NOT_SUBREG;
  return true;
}

/** A load or store through a KERNEL_VALUE: allowed; a load gives a KERNEL_VALUE. */
export function kernelValueAccess(env: Env, isRead: boolean, valueRegno: number): void {
  if (isRead && valueRegno >= 0) markKernelValue(env.regs[valueRegno]!, env.bpfCapable);
}

/**
 * A call from an instance body: a host function the body trusts (the RFC's
 * "special rules for kernel function calls inside inlinable kfuncs").
 */
export function checkInstanceCall(env: Env, insn: Insn): void {
  if (insn.src === BPF_PSEUDO_CALL) env.fail("inlinable kfunc bodies cannot call BPF functions");
  for (let r = 0; r <= 5; r++) {
    checkRegArg(env, r, DST_OP_NO_MARK);
    markKernelValue(env.regs[r]!, env.bpfCapable);
    env.regs[r]!.subregDef = DEF_NOT_SUBREG;
  }
}

/** save_register_state() into a fresh slot of the fake frame. */
function spill(slot: StackSlot, reg: RegState, size: number): void {
  copyRegState(slot.spilled, reg);
  for (let i = BPF_REG_SIZE - size; i < BPF_REG_SIZE; i++) slot.slotType[i] = StackType.SPILL;
}

/**
 * bpf_dynptr_kern's `size` word as the body will load it: the dynptr type in
 * bits 28-30 known, the size (bits 0-27) and the read-only bit (31 and up) not.
 */
function dynptrSizeWord(type: number): RegState {
  const r = newReg();
  markRegUnknown(r, true);
  const value = BigInt(type) << BigInt(DYNPTR_TYPE_SHIFT);
  const mask = ((1n << BigInt(DYNPTR_TYPE_SHIFT)) - 1n) | (U64 & ~((1n << 31n) - 1n));
  r.varOff = { value, mask };
  boundsSync(r);
  return r;
}

/**
 * push_inlinable_kfunc(): queue a path through the call's instance body in
 * the distilled context of the arguments as they are now.
 */
export function pushKfuncInstance(env: Env, desc: KfuncDesc, inst: KfuncInstance): void {
  const btf = desc.btf;
  const proto = btf.type(desc.protoId) as BtfFuncProto;
  const subprog = env.subprogs.findIndex((s) => s.start === inst.start);
  const fake = newFuncState(0, BPF_MAIN_FUNC, subprog, env.bpfCapable);
  const body = newFuncState(1, BPF_MAIN_FUNC, subprog, env.bpfCapable);
  const regs = env.regs;
  let fakeSpi = 0;
  proto.params.forEach((param, i) => {
    if (i >= 5) return;
    const reg = regs[i + 1]!;
    const dst = body.regs[i + 1]!;
    const { t } = skipModifiers(btf, param.type);
    const target = pointee(btf, param);
    if (target && target.id !== 0 && target.t.name === "bpf_dynptr") {
      const type = dynptrState(env, reg).dynptrType;
      growStack(fake, (fakeSpi + 2) * BPF_REG_SIZE, env.bpfCapable);
      spill(fake.stack[fakeSpi++]!, dynptrSizeWord(type), 4);
      const data = newReg();
      markKernelValue(data, env.bpfCapable);
      spill(fake.stack[fakeSpi++]!, data, BPF_REG_SIZE);
      markRegKnownZero(dst);
      dst.type = RegType.PTR_TO_STACK;
      dst.frameno = 0;
      dst.off = -fakeSpi * BPF_REG_SIZE;
    } else if (regIsNull(reg) && isPtrType(t)) {
      markRegConstZero(dst, env.bpfCapable);
    } else if (reg.type === RegType.SCALAR_VALUE) {
      copyRegState(dst, reg);
      dst.subregDef = DEF_NOT_SUBREG;
      dst.id = 0;
    } else {
      markKernelValue(dst, env.bpfCapable);
    }
  });
  // The body's branches may depend on these values, and precision does not
  // flow back out of the body: they must be exact here.
  for (let i = 1; i <= proto.params.length && i <= 5; i++)
    if (regs[i]!.type === RegType.SCALAR_VALUE) markChainPrecision(env, i);
  // A fresh path, not a branch of this one (push_async_cb): its own frames, no
  // references, no checkpoint above it; the rest (history bookkeeping) as a clone.
  const st: VerifierState = cloneState(env.cur);
  st.frames = [fake, body];
  st.curframe = 1;
  st.refs = [];
  st.parent = null;
  st.branches = 1;
  st.insnIdx = inst.start;
  st.firstInsnIdx = inst.start;
  st.lastInsnIdx = -1;
  env.pending.push({
    state: st,
    insnIdx: inst.start,
    // No way back to the call: precision backtracking stops at the body's start.
    prevInsnIdx: -1,
    logPos: env.log.endPos,
  });
  if (env.pending.length > LIMIT_JMP_SEQ)
    env.fail(`The sequence of ${env.pending.length} jumps is too complex.`);
}
