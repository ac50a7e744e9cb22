// Calls out of the interpreter loop: helpers and kfuncs (BigInt boundary of
// the execution contract), bpf_tail_call, and the helper-side entry back into
// the program (callFunc, for callbacks such as bpf_loop's).
import { ExecError, TsbpfError } from "../errors.ts";
import { MAX_CALL_FRAMES, MAX_TAIL_CALL_CNT } from "../isa/opcodes.ts";
import { loadProgram } from "./load.ts";
import {
  FUNC_ADDR_TAG,
  ProgramExit,
  type ExecEnv,
  type HelperCallInfo,
  type HelperFn,
} from "./env.ts";
import { tooDeep, type Loaded, type Machine } from "./machine.ts";

export const toU64 = (l: number, h: number): bigint => (BigInt(h >>> 0) << 32n) | BigInt(l >>> 0);

/** Store a helper's result (any BigInt, taken modulo 2^64) into r0. */
function setR0(m: Machine, v: bigint): void {
  const u = BigInt.asUintN(64, v);
  m.lo[0] = Number(u & 0xffffffffn) | 0;
  m.hi[0] = Number(u >> 32n) | 0;
}

/** What a helper sees of its call site; callFunc re-enters the interpreter one frame deeper. */
class CallInfo implements HelperCallInfo {
  constructor(
    readonly pc: number,
    private readonly cur: Loaded,
    private readonly m: Machine,
    private readonly env: ExecEnv,
    private readonly depth: number,
    private readonly exec: ExecFn,
  ) {}

  get program() {
    return this.cur.prog;
  }

  callFunc(funcAddr: bigint, ...args: bigint[]): bigint {
    const { m, cur } = this;
    const a = BigInt.asUintN(64, funcAddr);
    const target = Number(a & 0xffffffffn);
    if (a >> 32n !== BigInt(FUNC_ADDR_TAG) || !cur.funcStarts.has(target)) {
      throw new ExecError(
        `callFunc: 0x${a.toString(16)} is not a function of this program`,
        this.pc,
      );
    }
    if (this.depth + 1 >= MAX_CALL_FRAMES) throw tooDeep(this.pc);
    // The helper's caller is suspended mid-instruction: keep its whole register file.
    const lo = m.lo.slice();
    const hi = m.hi.slice();
    const checked = m.checked;
    for (let i = 0; i < 5; i++) {
      const v = BigInt.asUintN(64, args[i] ?? 0n);
      m.lo[i + 1] = Number(v & 0xffffffffn) | 0;
      m.hi[i + 1] = Number(v >> 32n) | 0;
    }
    try {
      this.exec(m, this.env, cur, target, this.depth + 1);
      return toU64(m.lo[0]!, m.hi[0]!);
    } finally {
      m.lo.set(lo);
      m.hi.set(hi);
      m.checked = checked;
      m.winLo = m.winHi = 0;
    }
  }
}

export type ExecFn = (m: Machine, env: ExecEnv, entry: Loaded, pc: number, depth: number) => void;

function invoke(
  fn: HelperFn,
  what: string,
  m: Machine,
  env: ExecEnv,
  cur: Loaded,
  pc: number,
  depth: number,
  exec: ExecFn,
): void {
  const { lo, hi } = m;
  const info = new CallInfo(pc, cur, m, env, depth, exec);
  let r: bigint;
  try {
    r = fn(
      toU64(lo[1]!, hi[1]!),
      toU64(lo[2]!, hi[2]!),
      toU64(lo[3]!, hi[3]!),
      toU64(lo[4]!, hi[4]!),
      toU64(lo[5]!, hi[5]!),
      info,
    );
  } catch (e) {
    if (e instanceof TsbpfError || e instanceof ProgramExit) throw e;
    throw new ExecError(`${what} failed: ${e instanceof Error ? e.message : String(e)}`, pc);
  }
  if (typeof r !== "bigint") throw new ExecError(`${what} returned ${typeof r}, not a bigint`, pc);
  setR0(m, r);
}

export function callHelper(
  m: Machine,
  env: ExecEnv,
  cur: Loaded,
  id: number,
  pc: number,
  depth: number,
  exec: ExecFn,
): void {
  const fn = env.helper(id);
  if (!fn) throw new ExecError(`unknown helper ${id}`, pc);
  invoke(fn, `helper ${id}`, m, env, cur, pc, depth, exec);
}

export function callKfunc(
  m: Machine,
  env: ExecEnv,
  cur: Loaded,
  btfId: number,
  pc: number,
  depth: number,
  exec: ExecFn,
): void {
  const fn = env.kfunc?.(btfId);
  if (!fn) throw new ExecError(`unknown kfunc (BTF id ${btfId})`, pc);
  invoke(fn, `kfunc ${btfId}`, m, env, cur, pc, depth, exec);
}

/**
 * bpf_tail_call(ctx = r1, prog_array = r2, index = r3) as the kernel's
 * interpreter does it: an index beyond max_entries falls through uncounted;
 * past MAX_TAIL_CALL_CNT successful-or-empty attempts every call falls
 * through; an empty slot falls through (counted). Returns the program to
 * continue in, or undefined to fall through (r0 untouched).
 *
 * A direct site (`poke` = its off, poke index + 1, with a poke slot in the
 * program) skips the map: the verifier proved the map and an in-range key,
 * so only the count and the slot's current target matter — the JIT'ed
 * kernel's emit_bpf_tail_call_direct.
 */
export function tailCallTarget(
  m: Machine,
  env: ExecEnv,
  cur: Loaded,
  poke: number,
): Loaded | undefined {
  const direct = poke > 0 ? cur.prog.tailCallPokes?.[poke - 1] : undefined;
  if (direct) {
    if (m.tailCalls >= MAX_TAIL_CALL_CNT) return undefined;
    m.tailCalls++;
    const target = direct.target;
    return target ? loadProgram(target) : undefined;
  }
  const mapAddr = m.lo[2]! >>> 0;
  const index = m.lo[3]! >>> 0;
  const max = env.tailCallMaxEntries?.(mapAddr);
  if (max !== undefined && index >= max) return undefined;
  if (m.tailCalls >= MAX_TAIL_CALL_CNT) return undefined;
  m.tailCalls++;
  const next = env.tailCallTarget?.(mapAddr, index);
  return next ? loadProgram(next) : undefined;
}
