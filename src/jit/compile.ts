// BPF program → WebAssembly module bytes. One WebAssembly function per BPF
// function (the main program and every subprogram), all with the signature
// of layout.ts, placed in consecutive slots of the runtime's function table
// starting at `slotBase`. The module imports the runtime memory, the table,
// four shared globals and the host functions the program needs; it exports
// `entry`, which calls the main function through its slot.
import type { Insn } from "../isa/index.ts";
import * as op from "../isa/opcodes.ts";
import { decodeProgram, F_IMM, F_OP, STRIDE, type Decoded } from "../interp/decode.ts";
import { Op as IOp } from "../interp/ops.ts";
import { ByteWriter } from "./wasm/bytes.ts";
import { ModuleBuilder } from "./wasm/module.ts";
import { Op, T } from "./wasm/ops.ts";
import { functionGraph, splitBlocks, type FuncGraph } from "./cfg.ts";
import { dominators, isReducible, type Order } from "./dominators.ts";
import { fixIrreducible } from "./irreducible.ts";
import { stackify } from "./stackify.ts";
import { Fault, LOCAL_DECLS, LOCAL_NAMES } from "./layout.ts";
import { FunctionLowering } from "./lower/function.ts";
import { Gen, type GenOptions, type Imports } from "./lower/gen.ts";

export interface CompileOptions extends Partial<GenOptions> {
  /** First table slot of this program's functions (default 0). */
  slotBase?: number;
  /** Called once the function count is known; returns the first slot (overrides slotBase). */
  reserveSlots?: (count: number) => number;
  /** Emit a name section (function and register names) for the text form. */
  names?: boolean;
  /** Direct tail call sites with a poke slot (ExecProgram.tailCallPokes.length). */
  pokeCount?: number;
}

export interface Compiled {
  readonly bytes: Uint8Array<ArrayBuffer>;
  /** Entry pc of each function, in slot order (slotBase + i); [0] is the main program. */
  readonly funcPcs: readonly number[];
  readonly helperIds: readonly number[];
  readonly kfuncIds: readonly number[];
  readonly decoded: Decoded;
  /** Functions whose graph needed the irreducible-flow fix (their entry pcs). */
  readonly irreducible: readonly number[];
  /** Budget segments (unverified code): [start pc, instruction count] per segment index. */
  readonly segments: Int32Array;
}

const I64 = T.i64;
const I32 = T.i32;

/** Analyse one function: its graph made reducible, and its dominator order. */
function analyse(g: FuncGraph): {
  order: Order;
  labels: ReadonlyMap<number, readonly number[]>;
  fixed: boolean;
} {
  let order = dominators(g);
  if (isReducible(g, order)) return { order, labels: new Map(), fixed: false };
  const { labels } = fixIrreducible(g, Array.from(order.rpo));
  order = dominators(g);
  return { order, labels, fixed: true };
}

export function compileProgram(insns: readonly Insn[], opts: CompileOptions = {}): Compiled {
  const decoded = decodeProgram(insns);
  const gopts: GenOptions = {
    verified: opts.verified ?? false,
    directCalls: opts.directCalls ?? false,
  };
  const { code, length: n } = decoded;

  // What the program needs from the host.
  const helperIds = new Set<number>();
  const kfuncIds = new Set<number>();
  const mayGotoIn = new Uint8Array(n);
  for (let pc = 0; pc < n; pc++) {
    const c = code[pc * STRIDE + F_OP]!;
    if (c === (op.BPF_JMP | op.BPF_CALL)) helperIds.add(code[pc * STRIDE + F_IMM]!);
    else if (c === IOp.CALL_KFUNC) kfuncIds.add(code[pc * STRIDE + F_IMM]!);
    else if (c === IOp.MAY_GOTO) mayGotoIn[pc] = 1;
    else if (c === IOp.LDDW) pc++;
  }

  const funcPcs = [...decoded.funcStarts].sort((a, b) => a - b);
  const slotBase = opts.reserveSlots ? opts.reserveSlots(funcPcs.length) : (opts.slotBase ?? 0);
  const mb = new ModuleBuilder();
  const sig = mb.type([I64, I64, I64, I64, I64, I32], [I64]);
  const tFault = mb.type([I32, I32], []);
  const tMiss = mb.type([I32, I32, I32, I32], []);
  const tHelper = mb.type([I64, I64, I64, I64, I64, I32, I32], [I64]);
  const tTail = mb.type([I64, I64, I64, I32], [I32]);
  const pokeCount = opts.pokeCount ?? 0;
  const tPoke = pokeCount > 0 ? mb.type([I32], [I32]) : -1;
  const tCallx = mb.type([I64, I64, I64, I64, I64, I64, I32, I32], [I64]);
  const tLdPkt = mb.type([I64, I32, I32, I32], [I64]);
  const tMissFn = mb.type([I64, I32, I32], [I64, I64]);
  const tBudgetFn = mb.type([I64, I32], []);

  mb.importMemory("env", "memory", 0);
  mb.importTable("env", "table", slotBase + funcPcs.length);
  const imp: Imports = {
    gBudget: mb.importGlobal("env", "budget", I64, true),
    gStackLo: mb.importGlobal("env", "stackLo", I32, true),
    gRegLo: mb.importGlobal("env", "regionLo", I32, true),
    gRegLim: mb.importGlobal("env", "regionLim", I32, true),
    fault: mb.importFunc("env", "fault", tFault),
    miss: mb.importFunc("env", "miss", tMiss),
    tailCall: mb.importFunc("env", "tailCall", tTail),
    tailCallPoke: pokeCount > 0 ? mb.importFunc("env", "tailCallPoke", tPoke) : -1,
    gTailCnt: pokeCount > 0 ? mb.importGlobal("env", "tailCnt", I32, true) : -1,
    gPoke: Array.from({ length: pokeCount }, (_, i) =>
      mb.importGlobal("poke", String(i), I32, true),
    ),
    callx: mb.importFunc("env", "callx", tCallx),
    ldPkt: mb.importFunc("env", "ldPkt", tLdPkt),
    // Defined after the BPF functions (which take the first defined indices).
    missFn: -1,
    budgetFn: -1,
    helper: new Map([...helperIds].map((id) => [id, mb.importFunc("helper", String(id), tHelper)])),
    kfunc: new Map([...kfuncIds].map((id) => [id, mb.importFunc("kfunc", String(id), tHelper)])),
  };

  // Verified code has no slow paths, so no internal functions for them.
  if (!gopts.verified) {
    imp.missFn = mb.definedFuncIndex(funcPcs.length);
    imp.budgetFn = mb.definedFuncIndex(funcPcs.length + 1);
  }
  const segments: number[] = [];
  const funcAt = new Map<number, { slot: number; index: number }>();
  funcPcs.forEach((pc, i) => funcAt.set(pc, { slot: slotBase + i, index: mb.definedFuncIndex(i) }));

  const pb = splitBlocks(decoded);
  const irreducible: number[] = [];
  const w = new ByteWriter(4096);
  for (const entryPc of funcPcs) {
    const graph = functionGraph(pb, entryPc);
    const { order, labels, fixed } = analyse(graph);
    if (fixed) irreducible.push(entryPc);
    w.len = 0;
    const gen = new Gen(w, code, imp, gopts, funcAt, sig);
    const low = new FunctionLowering(gen, graph, pb.blocks, insns, n, segments);
    let usesMayGoto = false;
    for (const v of order.rpo) {
      const id = graph.block[v]!;
      if (id >= 0 && mayGotoIn[pb.blocks[id]!.last]) usesMayGoto = true;
    }
    low.prologue(usesMayGoto);
    stackify(graph, order, labels, low);
    const index = mb.addFunc(sig, LOCAL_DECLS, w.view().slice());
    if (opts.names)
      mb.nameFunc(index, entryPc === 0 ? "bpf_main" : `bpf_func_${entryPc}`, LOCAL_NAMES);
  }

  if (!gopts.verified) addSlowPaths(mb, imp, tMissFn, tBudgetFn, opts.names === true);
  // entry(r1..r5, fp) = table[slotBase](r1..r5, fp): runs whatever the main slot holds.
  const e = new ByteWriter(32);
  for (let i = 0; i <= 5; i++) e.u8(Op.local_get).u32(i);
  e.u8(Op.i32_const).s32(slotBase).u8(Op.call_indirect).u32(sig).u8(0);
  const entry = mb.addFunc(sig, [], e.view().slice());
  mb.exportFunc("entry", entry);
  if (opts.names) mb.nameFunc(entry, "entry");
  mb.elem(
    slotBase,
    funcPcs.map((_, i) => mb.definedFuncIndex(i)),
  );
  return {
    bytes: mb.build(),
    funcPcs,
    helperIds: [...helperIds],
    kfuncIds: [...kfuncIds],
    decoded,
    irreducible,
    segments: Int32Array.from(segments),
  };
}

/**
 * The out-of-line slow paths of unverified code, as internal functions so
 * each access and each budget charge stays a few bytes:
 *   missFn(addr, sizeKind, pc) → (regionLo, regionLim): the `miss` import
 *     faults or publishes a live region, which comes back as the two locals;
 *   budgetFn(budget, segment): publish the budget, then fault.
 */
function addSlowPaths(
  mb: ModuleBuilder,
  imp: Imports,
  tMissFn: number,
  tBudgetFn: number,
  names: boolean,
): void {
  const m = new ByteWriter(64);
  m.u8(Op.local_get).u32(0).u8(Op.i32_wrap_i64);
  m.u8(Op.local_get).u32(0).u8(Op.i64_const).s32(32).u8(Op.i64_shr_u).u8(Op.i32_wrap_i64);
  m.u8(Op.local_get).u32(1).u8(Op.local_get).u32(2).u8(Op.call).u32(imp.miss);
  m.u8(Op.global_get).u32(imp.gRegLo).u8(Op.i64_extend_i32_u);
  m.u8(Op.global_get).u32(imp.gRegLim).u8(Op.i64_extend_i32_u);
  mb.addFunc(tMissFn, [], m.view().slice());
  const b = new ByteWriter(32);
  b.u8(Op.local_get).u32(0).u8(Op.global_set).u32(imp.gBudget);
  b.u8(Op.i32_const).s32(Fault.BUDGET).u8(Op.local_get).u32(1);
  b.u8(Op.call).u32(imp.fault).u8(Op.unreachable);
  mb.addFunc(tBudgetFn, [], b.view().slice());
  if (names) {
    mb.nameFunc(imp.missFn, "region_miss");
    mb.nameFunc(imp.budgetFn, "budget_exhausted");
  }
}
