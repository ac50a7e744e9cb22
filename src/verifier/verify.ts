// verify(): the verifier's entry point, in the kernel's order (bpf_check):
// subprograms, jump ranges, pseudo lddw resolution, the CFG walk, then the
// abstract interpretation from the first instruction with R1 = ctx and
// R10 = fp, then every global function that was called (calls.ts), and
// finally the call-chain stack depth. Always ends the log with
// the `processed N insns ...` statistics line, like the kernel.
import { formsOfCode } from "../isa/forms.ts";
import { disasmInsn } from "../isa/disasm.ts";
import type { Insn } from "../isa/insn.ts";
import { checkCfg, checkSubprogs, findSubprogs, resolvePseudoLdimm64 } from "./cfg.ts";
import { doCheck } from "./check.ts";
import { Env } from "./env.ts";
import { Reject, VerifierError } from "./errors.ts";
import { BPF_LOG_STATS, scratchAll } from "./log.ts";
import type { InsnPrinter, VerifyOptions, VerifyResult } from "./options.ts";
import { markRegKnownZero } from "./regs.ts";
import { RegType } from "./reg-types.ts";
import { BPF_MAIN_FUNC, newFuncState } from "./state.ts";
import { checkAttachBtfId } from "./tracing.ts";
import { checkMaxStackDepth, doCheckSubprogs } from "./calls.ts";
import { checkBtfFunc, unreliableSubprogStarts } from "./func-info.ts";
import { checkMainProgBtf } from "./global-func.ts";
import { instanceReport, instantiateKfuncs } from "./kfunc-instances.ts";

/** Kernel-syntax instruction text for the log: `(b7) r0 = 0`. */
export const defaultInsnPrinter: InsnPrinter = (insns, idx) => disasmInsn(insns, idx);

/**
 * 8- and 16-bit BPF_STX | BPF_ATOMIC codes are in the kernel's opcode table
 * (for load-acquire/store-release); check_atomic rejects other operations on
 * them with "invalid atomic operand size".
 */
const NARROW_ATOMIC_CODES = new Set([0xd3, 0xcb]);

/** The opcode exists at all (bpf_opcode_in_insntable); callx is an LLVM extension Linux lacks. */
function checkOpcodes(env: Env): void {
  for (let i = 0; i < env.insns.length; i++) {
    const x = env.insns[i]!;
    if (NARROW_ATOMIC_CODES.has(x.code)) continue;
    const forms = formsOfCode(x.code);
    if (forms.length === 0 || forms.every((f) => f.ext === "callx")) {
      env.fail(`unknown opcode ${x.code.toString(16).padStart(2, "0")}`);
    }
    if (x.code === 0x18) i++;
  }
}

function statsLine(env: Env): string {
  return (
    `processed ${env.insnProcessed} insns (limit ${env.insnLimit}) max_states_per_insn ${env.maxStatesPerInsn} ` +
    `total_states ${env.totalStates} peak_states ${env.peakStates} mark_read ${env.longestMarkReadWalk}\n`
  );
}

/** Verify a program; never throws for a rejected program (see `accepted`). */
export function verify(insns: readonly Insn[], options: VerifyOptions): VerifyResult {
  const t0 = performance.now();
  // Inlinable kfuncs: each call site's own copy of the body, appended (kfunc-instances.ts).
  const prog = instantiateKfuncs(insns, options);
  const env = new Env(prog.insns, options, defaultInsnPrinter);
  for (const inst of prog.instances) env.kfuncInstances.set(inst.call, inst);
  let error: string | undefined;
  let errorInsn: number | undefined;
  let stage: "cfg" | "check" = "cfg";
  try {
    if (insns.length === 0) env.fail("program has no instructions");
    findSubprogs(env);
    checkSubprogs(env);
    checkBtfFunc(env, options);
    checkAttachBtfId(env, env.attachTarget);
    checkOpcodes(env);
    resolvePseudoLdimm64(env);
    checkCfg(env);
    stage = "check";
    const frame = newFuncState(0, BPF_MAIN_FUNC, 0, env.bpfCapable);
    const r1 = frame.regs[1]!;
    r1.type = RegType.PTR_TO_CTX;
    markRegKnownZero(r1);
    env.cur = {
      frames: [frame],
      curframe: 0,
      refs: [],
      parent: null,
      branches: 1,
      insnIdx: 0,
      firstInsnIdx: 0,
      lastInsnIdx: -1,
      histStart: 0,
      histEnd: 0,
    };
    scratchAll(env.scratch);
    checkMainProgBtf(env);
    doCheck(env);
    // Global functions called on some path: each verified once against its BTF prototype.
    doCheckSubprogs(env, () => doCheck(env));
    env.errLines = [];
    stage = "cfg";
    checkMaxStackDepth(env);
  } catch (e) {
    if (!(e instanceof Reject)) throw e;
    error = e.reason;
    errorInsn = stage === "check" ? env.insnIdx : -1;
  }
  const ms = performance.now() - t0;
  if (env.log.level & BPF_LOG_STATS) {
    env.verbose(`verification time ${Math.round(ms * 1000)} usec\n`);
    env.verbose(`stack depth ${env.subprogs.map((s) => s.stackDepth).join("+")}\n`);
  }
  env.verbose(statsLine(env));
  return {
    accepted: error === undefined,
    error,
    errorInsn,
    log: env.log.toString(),
    aux: env.aux,
    unreliableFuncs: unreliableSubprogStarts(env),
    ...(prog.instances.length
      ? { insns: [...prog.insns], kfuncInstances: instanceReport(env) }
      : {}),
    stats: {
      insnsProcessed: env.insnProcessed,
      maxStatesPerInsn: env.maxStatesPerInsn,
      totalStates: env.totalStates,
      peakStates: env.peakStates,
      markRead: env.longestMarkReadWalk,
      stackDepth: env.subprogs.map((s) => s.stackDepth),
      ms,
    },
  };
}

/** Verify, throwing VerifierError (with the full log) when the program is rejected. */
export function verifyOrThrow(insns: readonly Insn[], options: VerifyOptions): VerifyResult {
  const r = verify(insns, options);
  if (!r.accepted) throw new VerifierError(r.error ?? "rejected", r.log, r.errorInsn ?? -1);
  return r;
}
