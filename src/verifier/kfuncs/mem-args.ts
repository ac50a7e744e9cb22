// Memory arguments of kfuncs and of the dynptr helpers: a pointer checked for
// `size` bytes of access (check_mem_reg) and a pointer/size register pair
// (check_mem_size_reg). Both defer the per-pointer-type work to the helpers'
// check_helper_mem_access, so the messages are the kernel's.
import { checkHelperMemAccess } from "../check-call.ts";
import { BPF_READ, BPF_WRITE, type RawModeMeta } from "../check-stack.ts";
import type { Env } from "../env.ts";
import { markChainPrecision } from "../precision.ts";
import { regIsNull, type RegState } from "../regs.ts";
import { TypeFlag, typeMayBeNull } from "../reg-types.ts";

/** BPF_MAX_VAR_SIZ: larger sizes are never valid. */
const BPF_MAX_VAR_SIZ = 1n << 29n;

/** Run `check` as if the maybe-NULL pointer in `reg` had been checked (the kernel saves and restores it). */
function asNotNull(reg: RegState, check: () => void): void {
  if (!typeMayBeNull(reg.type)) return check();
  const saved = reg.type;
  reg.type &= ~TypeFlag.PTR_MAYBE_NULL;
  try {
    check();
  } finally {
    reg.type = saved;
  }
}

/** check_mem_reg(): `regno` may be read and written for `size` bytes (or is NULL). */
export function checkMemReg(env: Env, regno: number, size: number): void {
  const reg = env.regs[regno]!;
  if (regIsNull(reg)) return;
  asNotNull(reg, () => {
    checkHelperMemAccess(env, regno, size, BPF_READ, true, null);
    checkHelperMemAccess(env, regno, size, BPF_WRITE, true, null);
  });
}

/**
 * check_mem_size_reg(): the scalar in `sizeRegno` bounds the access through
 * the pointer in the register before it. `meta` (raw mode: the callee only
 * writes) is dropped for sizes that are not constant.
 */
export function checkMemSizeReg(
  env: Env,
  sizeRegno: number,
  accessType: number,
  zeroOk: boolean,
  meta: RawModeMeta | null,
): void {
  const reg = env.regs[sizeRegno]!;
  if (reg.varOff.mask !== 0n) meta = null;
  if (reg.smin < 0n)
    env.fail(`R${sizeRegno} min value is negative, either use unsigned or 'var &= const'`);
  if (reg.umin === 0n && !zeroOk) {
    env.fail(
      `R${sizeRegno} invalid zero-sized read: u64=[${BigInt.asIntN(64, reg.umin)},${BigInt.asIntN(64, reg.umax)}]`,
    );
  }
  if (reg.umax >= BPF_MAX_VAR_SIZ)
    env.fail(`R${sizeRegno} unbounded memory access, use 'var &= const' or 'if (var < const)'`);
  checkHelperMemAccess(env, sizeRegno - 1, Number(reg.umax), accessType, zeroOk, meta);
  markChainPrecision(env, sizeRegno);
}

/** check_kfunc_mem_size_reg(): a kfunc may read and write the whole (maybe-NULL) buffer. */
export function checkKfuncMemSizeReg(env: Env, sizeRegno: number): void {
  const mem = env.regs[sizeRegno - 1]!;
  asNotNull(mem, () => {
    checkMemSizeReg(env, sizeRegno, BPF_READ, true, null);
    checkMemSizeReg(env, sizeRegno, BPF_WRITE, true, null);
  });
}
