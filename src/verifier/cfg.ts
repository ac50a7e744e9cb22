// Control-flow checks done before the abstract interpretation, in the kernel's
// order: subprogram discovery (add_subprog_and_kfunc), jumps staying inside
// their subprogram (check_subprogs), pseudo lddw resolution
// (resolve_pseudo_ldimm64) and the depth-first walk (check_cfg) that finds
// unreachable instructions, out-of-range jumps and, for unprivileged loads,
// back-edges. It also marks prune and jump points for state pruning.
import {
  BPF_CALL,
  BPF_EXIT,
  BPF_JA,
  BPF_JCOND,
  BPF_JMP,
  BPF_JMP32,
  BPF_K,
  BPF_LD,
  BPF_ABS,
  BPF_IND,
  BPF_HELPER_CALL,
  BPF_PSEUDO_CALL,
  BPF_PSEUDO_FUNC,
  BPF_PSEUDO_KFUNC_CALL,
  BPF_PSEUDO_MAP_FD,
  BPF_PSEUDO_MAP_IDX,
  BPF_PSEUDO_MAP_IDX_VALUE,
  BPF_PSEUDO_MAP_VALUE,
  BPF_PSEUDO_BTF_ID,
  BPF_LDX,
  BPF_MEM,
  BPF_MEMSX,
  LDDW,
  opClass,
  opJmp,
  opMode,
  opSource,
} from "../isa/opcodes.ts";
import type { Insn } from "../isa/insn.ts";
import type { Env } from "./env.ts";
import { MapType } from "../uapi/map-types.ts";

/** Most subprograms a program may have (BPF_MAX_SUBPROGS). */
const BPF_MAX_SUBPROGS = 256;
/** Offsets beyond this are never valid (BPF_MAX_VAR_OFF). */
export const BPF_MAX_VAR_OFF = 1 << 29;

const isPseudoCall = (x: Insn): boolean =>
  x.code === (BPF_JMP | BPF_CALL) && x.src === BPF_PSEUDO_CALL;
const isPseudoKfuncCall = (x: Insn): boolean =>
  x.code === (BPF_JMP | BPF_CALL) && x.src === BPF_PSEUDO_KFUNC_CALL;
const isPseudoFunc = (x: Insn): boolean => x.code === LDDW && x.src === BPF_PSEUDO_FUNC;
const isHelperCall = (x: Insn): boolean =>
  x.code === (BPF_JMP | BPF_CALL) && x.src === BPF_HELPER_CALL;

/** Jump offset of a jump insn (gotol uses imm). */
const jmpOffset = (x: Insn): number => (x.code === (BPF_JMP32 | BPF_JA) ? x.imm : x.off);

function addSubprog(env: Env, off: number): void {
  if (off >= env.insns.length || off < 0) env.fail("call to invalid destination");
  if (env.subprogs.some((s) => s.start === off)) return;
  if (env.subprogs.length >= BPF_MAX_SUBPROGS) env.fail("too many subprograms");
  env.subprogs.push({ start: off, stackDepth: 0, hasTailCall: false, hasLdAbs: false });
  env.subprogs.sort((a, b) => a.start - b.start);
}

/** add_subprog_and_kfunc(): the entry plus every target of a BPF-to-BPF call or callback. */
export function findSubprogs(env: Env): void {
  addSubprog(env, 0);
  env.insns.forEach((x, i) => {
    if (!isPseudoFunc(x) && !isPseudoCall(x) && !isPseudoKfuncCall(x)) return;
    if (!env.bpfCapable)
      env.fail(
        "loading/calling other bpf or kernel functions are allowed for CAP_BPF and CAP_SYS_ADMIN",
      );
    if (isPseudoKfuncCall(x)) return; // kfuncs are resolved against BTF when checked
    addSubprog(env, i + x.imm + 1);
  });
  // Inlinable kfunc instance bodies are hidden subprograms (kfunc-instances.ts).
  for (const inst of env.kfuncInstances.values()) addSubprog(env, inst.start);
  if (env.log.level & 2) env.subprogs.forEach((s, i) => env.verbose(`func#${i} @${s.start}\n`));
}

/** check_subprogs(): jumps stay inside their subprogram; no fall-through between subprograms. */
export function checkSubprogs(env: Env): void {
  const insns = env.insns;
  let cur = 0;
  let start = env.subprogs[0]!.start;
  let end = env.subprogs[1]?.start ?? insns.length;
  for (let i = 0; i < insns.length; i++) {
    const x = insns[i]!;
    const code = x.code;
    const sub = env.subprogs[cur]!;
    if (isHelperCall(x) && x.imm === 12 /* BPF_FUNC_tail_call */) sub.hasTailCall = true;
    if (opClass(code) === BPF_LD && (opMode(code) === BPF_ABS || opMode(code) === BPF_IND))
      sub.hasLdAbs = true;
    const cls = opClass(code);
    if (
      (cls === BPF_JMP || cls === BPF_JMP32) &&
      opJmp(code) !== BPF_EXIT &&
      opJmp(code) !== BPF_CALL
    ) {
      const off = i + jmpOffset(x) + 1;
      if (off < start || off >= end) env.fail(`jump out of range from insn ${i} to ${off}`);
    }
    if (i === end - 1) {
      if (
        code !== (BPF_JMP | BPF_EXIT) &&
        code !== (BPF_JMP32 | BPF_JA) &&
        code !== (BPF_JMP | BPF_JA)
      ) {
        env.fail("last insn is not an exit or jmp");
      }
      start = end;
      cur++;
      if (cur < env.subprogs.length) end = env.subprogs[cur + 1]?.start ?? insns.length;
    }
  }
}

/**
 * resolve_pseudo_ldimm64(): well-formed lddw pairs, known map references,
 * reserved LDX fields. Map lookups go through the caller's resolver.
 */
export function resolvePseudoLdimm64(env: Env): void {
  const insns = env.insns;
  for (let i = 0; i < insns.length; i++) {
    const x = insns[i]!;
    if (
      opClass(x.code) === BPF_LDX &&
      ((opMode(x.code) !== BPF_MEM && opMode(x.code) !== BPF_MEMSX) || x.imm !== 0)
    ) {
      env.fail("BPF_LDX uses reserved fields");
    }
    if (x.code !== LDDW) continue;
    const hi = insns[i + 1];
    if (!hi || hi.code !== 0 || hi.dst !== 0 || hi.src !== 0 || hi.off !== 0)
      env.fail("invalid bpf_ld_imm64 insn");
    i++;
    if (x.src === 0 || x.src === BPF_PSEUDO_FUNC) continue;
    if (x.src === BPF_PSEUDO_BTF_ID)
      env.fail("ldimm64 insn specifies invalid btf_id " + x.imm + ".");
    const isValue = x.src === BPF_PSEUDO_MAP_VALUE || x.src === BPF_PSEUDO_MAP_IDX_VALUE;
    const isFd = x.src === BPF_PSEUDO_MAP_FD || x.src === BPF_PSEUDO_MAP_IDX;
    if (!isValue && !(isFd && hi.imm === 0)) env.fail("unrecognized bpf_ld_imm64 insn");
    const byIdx = x.src === BPF_PSEUDO_MAP_IDX || x.src === BPF_PSEUDO_MAP_IDX_VALUE;
    const map = env.maps(byIdx ? "idx" : "fd", x.imm);
    if (!map) env.fail(`fd ${x.imm} is not pointing to valid bpf_map`);
    if (isValue) {
      const off = hi.imm >>> 0;
      if (off >= BPF_MAX_VAR_OFF) env.fail(`direct value offset of ${off} is not allowed`);
      const direct = map.type === MapType.ARRAY || map.type === MapType.ARENA;
      if (!direct) env.fail("no direct value access support for this map type");
      if (map.maxEntries !== 1 || off >= map.valueSize) {
        env.fail(`invalid access to map value pointer, value_size=${map.valueSize} off=${off}`);
      }
    }
  }
}

const DISCOVERED = 0x10;
const EXPLORED = 0x20;
const FALLTHROUGH = 1;
const BRANCH = 2;

/**
 * check_cfg(): iterative DFS from insn 0 over fall-through, jump and call
 * edges. Back-edges are loops: allowed with CAP_BPF (bounded loops are then
 * proven by the main pass), rejected otherwise.
 */
export function checkCfg(env: Env): void {
  const insns = env.insns;
  const n = insns.length;
  const state = new Int32Array(n);
  const stack: number[] = [0];
  state[0] = DISCOVERED;
  const aux = env.aux;

  const push = (t: number, w: number, e: number): boolean => {
    if (e === FALLTHROUGH && state[t]! >= (DISCOVERED | FALLTHROUGH)) return false;
    if (e === BRANCH && state[t]! >= (DISCOVERED | BRANCH)) return false;
    if (w < 0 || w >= n) env.fail(`jump out of range from insn ${t} to ${w}`);
    if (e === BRANCH) {
      aux[w]!.prunePoint = true;
      aux[w]!.jmpPoint = true;
    }
    if (state[w] === 0) {
      state[t] = DISCOVERED | e;
      state[w] = DISCOVERED;
      stack.push(w);
      return true;
    }
    if ((state[w]! & 0xf0) === DISCOVERED) {
      if (env.bpfCapable) return false;
      env.fail(`back-edge from insn ${t} to ${w}`);
    }
    state[t] = DISCOVERED | e;
    return false;
  };

  const visitCall = (t: number, visitCallee: boolean, callee = t + insns[t]!.imm + 1): boolean => {
    const size = insns[t]!.code === LDDW ? 2 : 1;
    if (push(t, t + size, FALLTHROUGH)) return true;
    const after = aux[t + size];
    if (after) {
      after.prunePoint = true;
      after.jmpPoint = true;
    }
    if (visitCallee) {
      aux[t]!.prunePoint = true;
      return push(t, callee, BRANCH);
    }
    return false;
  };

  /** true: keep exploring from t (a successor was pushed); false: t is done. */
  const visit = (t: number): boolean => {
    const x = insns[t]!;
    if (isPseudoFunc(x)) return visitCall(t, true);
    const cls = opClass(x.code);
    if (cls !== BPF_JMP && cls !== BPF_JMP32)
      return push(t, t + (x.code === LDDW ? 2 : 1), FALLTHROUGH);
    switch (opJmp(x.code)) {
      case BPF_EXIT:
        return false;
      case BPF_CALL:
        if (isHelperCall(x) && (x.imm === 164 || x.imm === 181 || x.imm === 180 || x.imm === 209)) {
          // for_each_map_elem, loop, find_vma, user_ringbuf_drain call back into the program.
          aux[t]!.forceCheckpoint = true;
          aux[t]!.prunePoint = true;
          aux[t]!.jmpPoint = true;
        }
        // bpf_timer_set_callback: prune before it pushes another async callback path.
        if (isHelperCall(x) && x.imm === 170) aux[t]!.prunePoint = true;
        // An inlinable kfunc call leads into its instance body (kernel-value.ts).
        if (env.kfuncInstances.has(t)) return visitCall(t, true, env.kfuncInstances.get(t)!.start);
        return visitCall(t, x.src === BPF_PSEUDO_CALL);
      case BPF_JA: {
        if (opSource(x.code) !== BPF_K) env.fail(`jump out of range from insn ${t} to ${t}`);
        const w = t + jmpOffset(x) + 1;
        const more = push(t, w, FALLTHROUGH);
        if (aux[w]) {
          aux[w]!.prunePoint = true;
          aux[w]!.jmpPoint = true;
        }
        return more;
      }
      default:
        aux[t]!.prunePoint = true;
        // may_goto: every visit checkpoints, so its loop can converge (may-goto.ts).
        if (opJmp(x.code) === BPF_JCOND) aux[t]!.forceCheckpoint = true;
        if (push(t, t + 1, FALLTHROUGH)) return true;
        return push(t, t + x.off + 1, BRANCH);
    }
  };

  while (stack.length > 0) {
    const t = stack[stack.length - 1]!;
    if (!visit(t)) {
      state[t] = EXPLORED;
      stack.pop();
    }
  }

  for (let i = 0; i < n; i++) {
    if (state[i] !== EXPLORED) env.fail(`unreachable insn ${i}`);
    if (insns[i]!.code === LDDW) {
      if (state[i + 1] !== 0) env.fail(`jump into the middle of ldimm64 insn ${i}`);
      i++;
    }
  }
}
