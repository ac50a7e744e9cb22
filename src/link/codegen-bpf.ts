// The trampoline of a BPF function, generated as a WebAssembly function with
// the BPF function signature, so it can sit in the function's table slot in
// place of the original (the WebAssembly analogue of patching the function's
// entry). For a function called at frame pointer fp:
//
//   [fp-512, fp)  the target's own frame. Its bottom holds ip, nr_args and
//                 the ctx array (args, then ret) while programs run — before
//                 the target starts and after it returned, it is free.
//   below fp-512  where the target's callees would run: the attached
//                 programs run there (fp = fp-512), before and after the
//                 target, never while it runs.
//
// If fewer frames are left below than the attached programs may use, they
// run on a frame of the host trampolines' pool instead (a JS call). fentry
// only: the programs run, then the target is tail-called with the same
// registers. With fexit programs: the target is called, its r0 and the
// arguments are stored again (its frame overwrote them), the fexit programs
// run, and r0 is returned.
import { ByteWriter } from "../jit/wasm/bytes.ts";
import { ModuleBuilder } from "../jit/wasm/module.ts";
import { Op, T } from "../jit/wasm/ops.ts";
import { FRAME_SIZE } from "../jit/layout.ts";
import { CTX_AFTER_FP } from "./frames.ts";
import type { FuncModel, ValueModel } from "./model.ts";
import { bpfSig, emitCalls, importPrograms, type PhaseItem } from "./phase.ts";

export interface BpfTrampSpec {
  model: FuncModel;
  /** ctx[-2] for bpf_get_func_ip: the function's BTF id (or its pc when it has none). */
  ip: number;
  /** The original function (what the slot held). */
  orig: unknown;
  memory: WebAssembly.Memory;
  stackLo: WebAssembly.Global;
  fentry: readonly PhaseItem[];
  fexit: readonly PhaseItem[];
  /** Run phase 0 (fentry) or 1 (fexit) on a pool frame: the slow path. */
  slow: (phase: number, ctx: number) => void;
}

// Locals: r1..r5 (0..4), fp (5), then pfp (6), ctx (7), ret (8).
const FP = 5;
const PFP = 6;
const CTX = 7;
const RET = 8;

function i64Store(w: ByteWriter, offset: number): void {
  w.u8(Op.i64_store).u32(3).u32(offset);
}

/** Normalise the i64 on the stack to the value model (sign- or zero-extend narrow values). */
function normalise(w: ByteWriter, m: ValueModel): void {
  if (m.size === 8) return;
  if (m.signed) {
    w.u8(m.size === 4 ? Op.i64_extend32_s : m.size === 2 ? Op.i64_extend16_s : Op.i64_extend8_s);
    return;
  }
  const mask = m.size === 4 ? -1 : m.size === 2 ? 0xffff : 0xff;
  w.u8(Op.i64_const).s64(mask, 0).u8(Op.i64_and);
}

function storeFrame(w: ByteWriter, spec: BpfTrampSpec, withRet: boolean): void {
  const n = spec.model.args.length;
  w.u8(Op.local_get)
    .u32(PFP)
    .u8(Op.i64_const)
    .s64(spec.ip | 0, 0);
  i64Store(w, 0);
  w.u8(Op.local_get).u32(PFP).u8(Op.i64_const).s32(n);
  i64Store(w, 8);
  spec.model.args.forEach((m, k) => {
    w.u8(Op.local_get).u32(CTX).u8(Op.local_get).u32(k);
    normalise(w, m);
    i64Store(w, 8 * k);
  });
  if (withRet && spec.model.ret) {
    w.u8(Op.local_get).u32(CTX).u8(Op.local_get).u32(RET);
    normalise(w, spec.model.ret);
    i64Store(w, 8 * n);
  }
}

/** Build the trampoline; returns the WebAssembly function to put in the slot. */
export function genBpfTrampoline(spec: BpfTrampSpec): unknown {
  if (spec.model.args.length > 5) throw new RangeError("a BPF function has at most 5 arguments");
  const mb = new ModuleBuilder();
  const imports: Record<string, unknown> = { orig: spec.orig, slow: spec.slow };
  const sig = bpfSig(mb);
  mb.importMemory("env", "memory", 0);
  const stackLo = mb.importGlobal("env", "stackLo", T.i32, true);
  const orig = mb.importFunc("p", "orig", sig);
  const slow = mb.importFunc("p", "slow", mb.type([T.i32, T.i32], []));
  const fentry = importPrograms(mb, spec.fentry, "e", imports);
  const fexit = importPrograms(mb, spec.fexit, "x", imports);
  const need = (items: readonly PhaseItem[]): number =>
    Math.max(0, ...items.map((it) => (it.entry.wasm ? it.entry.frames : 0)));

  const w = new ByteWriter(256);
  // pfp = fp - 512; ctx = pfp + 16
  w.u8(Op.local_get)
    .u32(FP)
    .u8(Op.i32_const)
    .s32(FRAME_SIZE)
    .u8(Op.i32_sub)
    .u8(Op.local_tee)
    .u32(PFP);
  w.u8(Op.i32_const).s32(CTX_AFTER_FP).u8(Op.i32_add).u8(Op.local_set).u32(CTX);
  const phase = (progs: typeof fentry, items: readonly PhaseItem[], which: number): void => {
    const frames = need(items);
    if (frames === 0) {
      emitCalls(w, progs, CTX, PFP);
      return;
    }
    // if (pfp - frames*512 >= stackLo) call directly else slow(which, ctx)
    w.u8(Op.local_get)
      .u32(PFP)
      .u8(Op.i32_const)
      .s32(frames * FRAME_SIZE)
      .u8(Op.i32_sub);
    w.u8(Op.global_get).u32(stackLo).u8(Op.i32_ge_u);
    w.u8(Op.if).u8(T.void);
    emitCalls(w, progs, CTX, PFP);
    w.u8(Op.else);
    w.u8(Op.i32_const).s32(which).u8(Op.local_get).u32(CTX).u8(Op.call).u32(slow);
    w.u8(Op.end);
  };
  const callOrig = (tail: boolean): void => {
    for (let k = 0; k <= FP; k++) w.u8(Op.local_get).u32(k);
    w.u8(tail ? Op.return_call : Op.call).u32(orig);
  };
  if (fentry.length) {
    storeFrame(w, spec, false);
    phase(fentry, spec.fentry, 0);
  }
  if (fexit.length === 0) {
    callOrig(true);
  } else {
    callOrig(false);
    w.u8(Op.local_set).u32(RET);
    storeFrame(w, spec, true);
    phase(fexit, spec.fexit, 1);
    w.u8(Op.local_get).u32(RET);
  }
  const fn = mb.addFunc(
    sig,
    [
      [2, T.i32],
      [1, T.i64],
    ],
    w.view().slice(),
  );
  mb.exportFunc("tramp", fn);
  const inst = new WebAssembly.Instance(new WebAssembly.Module(mb.build()), {
    env: { memory: spec.memory, stackLo: spec.stackLo },
    p: imports as WebAssembly.ModuleImports,
  });
  return inst.exports.tramp;
}
