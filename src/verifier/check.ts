// The main loop (do_check): walk every path of the program instruction by
// instruction, dispatching each instruction class to its check, pruning at
// checkpoints, and exploring queued branches until none is left.
import {
  BPF_ABS,
  BPF_ALU,
  BPF_ALU64,
  BPF_ATOMIC,
  BPF_CALL,
  BPF_EXIT,
  BPF_HELPER_CALL,
  BPF_IMM,
  BPF_IND,
  BPF_JA,
  BPF_JMP,
  BPF_JMP32,
  BPF_K,
  BPF_LD,
  BPF_LDX,
  BPF_MEM,
  BPF_PSEUDO_CALL,
  BPF_PSEUDO_KFUNC_CALL,
  BPF_ST,
  BPF_STX,
  opClass,
  opJmp,
  opMode,
  opSource,
} from "../isa/opcodes.ts";
import { checkAluOp } from "./check-alu.ts";
import {
  checkFuncCall,
  checkHelperCall,
  checkResourceLeak,
  prepareFuncExit,
} from "./check-call.ts";
import { checkReturnCode } from "./check-exit.ts";
import { checkCondJmpOp } from "./check-jmp.ts";
import { checkKfuncCall } from "./check-kfunc.ts";
import { checkDynptrHelperCall, isDynptrHelper } from "./dynptr-helpers.ts";
import { checkInstanceCall, inKfuncInstance, kernelValueAlu } from "./kernel-value.ts";
import { checkLdAbs, checkLdImm } from "./check-ld.ts";
import { checkAtomic, checkLoadMem, checkStoreImm, checkStoreReg } from "./check-mem.ts";
import type { Env } from "./env.ts";
import {
  isStateVisited,
  popStack,
  printInsnState,
  printVerifierState,
  updateBranchCounts,
} from "./explore.ts";
import { BPF_LOG_LEVEL, BPF_LOG_LEVEL2, scratchAll } from "./log.ts";

/** do_check(): returns normally when every path reached a valid exit. */
export function doCheck(env: Env): void {
  const insns = env.insns;
  const popLog = !(env.log.level & BPF_LOG_LEVEL2);
  let doPrintState = false;
  for (;;) {
    env.errLines = [];
    const idx = env.insnIdx;
    if (idx >= insns.length) env.fail(`invalid insn idx ${idx} insn_cnt ${insns.length}`);
    const insn = insns[idx]!;
    const cls = opClass(insn.code);
    if (++env.insnProcessed > env.insnLimit) {
      env.fail(`BPF program is too large. Processed ${env.insnProcessed} insn`);
    }
    env.cur.lastInsnIdx = env.prevInsnIdx;
    env.hist.curEnt = -1;
    env.hist.prevIdx = env.prevInsnIdx;

    let exited = false;
    const aux = env.aux[idx]!;
    if (aux.prunePoint && isStateVisited(env, idx)) {
      if (env.log.level & BPF_LOG_LEVEL) {
        if (doPrintState) env.verbose(`\nfrom ${env.prevInsnIdx} to ${idx}: safe\n`);
        else env.verbose(`${idx}: safe\n`);
      }
      exited = true;
    } else if (aux.jmpPoint) {
      // Reached by a jump: backtracking needs to know from where.
      env.hist.push(env.cur, idx, 0, null);
    }

    if (!exited) {
      if (env.log.level & BPF_LOG_LEVEL2 && doPrintState) {
        env.verbose(`\nfrom ${env.prevInsnIdx} to ${idx}:`);
        printVerifierState(env, true);
        doPrintState = false;
      }
      if (env.log.level & BPF_LOG_LEVEL) {
        if (env.scratch.any) printInsnState(env);
        env.prevLogPos = env.log.endPos;
        env.verbose(`${idx}: ${env.printInsn(insns, idx)}\n`);
        env.prevInsnPrintPos = env.log.endPos - env.prevLogPos;
        env.prevLogPos = env.log.endPos;
      }
      env.aux[idx]!.seen = true;
      env.prevInsnIdx = idx;

      if (cls === BPF_ALU || cls === BPF_ALU64) {
        if (!kernelValueAlu(env, insn)) checkAluOp(env, insn);
      } else if (cls === BPF_LDX) {
        checkLoadMem(env, insn, false);
      } else if (cls === BPF_STX) {
        if (opMode(insn.code) === BPF_ATOMIC) {
          checkAtomic(env, insn);
        } else {
          if (opMode(insn.code) !== BPF_MEM || insn.imm !== 0)
            env.fail("BPF_STX uses reserved fields");
          checkStoreReg(env, insn, false);
        }
      } else if (cls === BPF_ST) {
        if (opMode(insn.code) !== BPF_MEM || insn.src !== 0)
          env.fail("BPF_ST uses reserved fields");
        checkStoreImm(env, insn);
      } else if (cls === BPF_JMP || cls === BPF_JMP32) {
        const op = opJmp(insn.code);
        env.jmpsProcessed++;
        if (op === BPF_CALL) {
          if (
            opSource(insn.code) !== BPF_K ||
            (insn.src !== BPF_PSEUDO_KFUNC_CALL && insn.off !== 0) ||
            (insn.src !== BPF_HELPER_CALL &&
              insn.src !== BPF_PSEUDO_CALL &&
              insn.src !== BPF_PSEUDO_KFUNC_CALL) ||
            insn.dst !== 0 ||
            cls === BPF_JMP32
          ) {
            env.fail("BPF_CALL uses reserved fields");
          }
          if (inKfuncInstance(env)) {
            // A host call from an inlinable kfunc's body (kernel-value.ts).
            checkInstanceCall(env, insn);
          } else if (insn.src === BPF_PSEUDO_CALL) {
            env.insnIdx = checkFuncCall(env, insn);
            env.markRegScratched(0);
            continue;
          } else if (insn.src === BPF_PSEUDO_KFUNC_CALL) {
            checkKfuncCall(env, insn);
          } else if (isDynptrHelper(insn.imm)) {
            checkDynptrHelperCall(env, insn);
          } else {
            checkHelperCall(env, insn);
          }
          env.markRegScratched(0);
        } else if (op === BPF_JA) {
          if (
            opSource(insn.code) !== BPF_K ||
            insn.src !== 0 ||
            insn.dst !== 0 ||
            (cls === BPF_JMP && insn.imm !== 0) ||
            (cls === BPF_JMP32 && insn.off !== 0)
          ) {
            env.fail("BPF_JA uses reserved fields");
          }
          env.insnIdx += (cls === BPF_JMP ? insn.off : insn.imm) + 1;
          continue;
        } else if (op === BPF_EXIT) {
          if (
            opSource(insn.code) !== BPF_K ||
            insn.imm !== 0 ||
            insn.src !== 0 ||
            insn.dst !== 0 ||
            cls === BPF_JMP32
          ) {
            env.fail("BPF_EXIT uses reserved fields");
          }
          // The exit of an inlinable kfunc's instance body ends the path (kernel-value.ts).
          const instanceExit = inKfuncInstance(env);
          if (!env.cur.curframe) checkResourceLeak(env, "BPF_EXIT instruction in main prog");
          if (env.cur.curframe && !instanceExit) {
            env.insnIdx = prepareFuncExit(env);
            doPrintState = true;
            continue;
          }
          if (!instanceExit) checkReturnCode(env);
          exited = true;
        } else {
          env.insnIdx = checkCondJmpOp(env, insn);
          continue;
        }
      } else if (cls === BPF_LD) {
        const mode = opMode(insn.code);
        if (mode === BPF_ABS || mode === BPF_IND) {
          checkLdAbs(env, insn);
        } else if (mode === BPF_IMM) {
          checkLdImm(env, insn);
          env.insnIdx++;
          env.aux[env.insnIdx]!.seen = true;
        } else {
          env.fail("invalid BPF_LD mode");
        }
      } else {
        env.fail(`unknown insn class ${cls}`);
      }
    }

    if (exited) {
      // process_bpf_exit: this path is done; continue with a queued branch.
      scratchAll(env.scratch);
      updateBranchCounts(env, env.cur);
      if (!popStack(env, popLog)) return;
      doPrintState = true;
      continue;
    }
    env.insnIdx++;
  }
}
