// The state instruction lowering shares: the output writer, the decoded
// program, the module's import indices, and short emitters for the few
// instruction patterns that recur everywhere (locals, constants).
import type { ByteWriter } from "../wasm/bytes.ts";
import { Op } from "../wasm/ops.ts";
import { L, regLocal, STACK_SIZE } from "../layout.ts";

/** regLim of the stack region: its span minus the widest access. */
const STACK_LIM = STACK_SIZE - 8;

/** Function indices of the module's imports and global indices (see compile.ts). */
export interface Imports {
  /** (i32 kind, i32 pc or, for the budget, segment) → never returns. */
  fault: number;
  /** (i32 addrLo, i32 addrHi, i32 size, i32 pc): faults or sets the region globals. */
  miss: number;
  /** Internal: (i64 addr, i32 sizeKind, i32 pc) → (i64 regionLo, i64 regionLim), via `miss`. */
  missFn: number;
  /** Internal: (i64 budget, i32 segment) → never returns: publishes the budget, then faults. */
  budgetFn: number;
  /** Helper by id: (i64 r1..r5, i32 pc, i32 fp) → i64 r0. */
  helper: ReadonlyMap<number, number>;
  /** kfunc by BTF id: same type as helpers. */
  kfunc: ReadonlyMap<number, number>;
  /** (i64 r1, i64 r2, i64 r3, i32 pc) → i32 table slot of the target, or -1 (fall through). */
  tailCall: number;
  /** Direct tail calls: (i32 poke) → i32 table slot of the target, or -1; counts the call. */
  tailCallPoke: number;
  /** Direct tail calls: the run's tail-call count (i32 global, shared with the host). */
  gTailCnt: number;
  /** Per poke: the target's table slot, -1 when empty, POKE_UNRESOLVED after a change. */
  gPoke: readonly number[];
  /** (i64 target, i64 r1..r5, i32 pc, i32 fp) → i64 r0. */
  callx: number;
  /** (i64 r6, i32 offset, i32 size, i32 pc) → i64 value. */
  ldPkt: number;
  /** Global indices. */
  gBudget: number;
  gStackLo: number;
  gRegLo: number;
  gRegLim: number;
}

export interface GenOptions {
  /** Verified programs skip bounds checks and the budget. */
  readonly verified: boolean;
  /** BPF-to-BPF calls as direct `call`s instead of through the table (for measuring). */
  readonly directCalls: boolean;
}

export class Gen {
  constructor(
    readonly w: ByteWriter,
    readonly code: Int32Array,
    readonly imp: Imports,
    readonly opts: GenOptions,
    /** Table slot (or, with directCalls, function index) of the function starting at a pc. */
    readonly funcAt: ReadonlyMap<number, { slot: number; index: number }>,
    /** Index of the function type (r1..r5, fp) → r0. */
    readonly sigType: number,
  ) {}

  get(local: number): this {
    this.w.u8(Op.local_get).u32(local);
    return this;
  }
  set(local: number): this {
    this.w.u8(Op.local_set).u32(local);
    return this;
  }
  tee(local: number): this {
    this.w.u8(Op.local_tee).u32(local);
    return this;
  }
  reg(r: number): this {
    return this.get(regLocal(r));
  }
  setReg(r: number): this {
    return this.set(regLocal(r));
  }
  /** Low 32 bits of register r as an i32. */
  reg32(r: number): this {
    this.get(regLocal(r));
    this.w.u8(Op.i32_wrap_i64);
    return this;
  }
  /** Register r as i64 (is64) or its low half as i32. */
  regW(r: number, is64: boolean): this {
    return is64 ? this.reg(r) : this.reg32(r);
  }
  /** A constant as i64 (sign-extended) or i32. */
  constW(v: number, is64: boolean): this {
    return is64 ? this.i64(v) : this.i32(v);
  }
  /** Zero-extend an i32 result to i64 (nothing for a 64-bit one). */
  zextW(is64: boolean): this {
    if (!is64) this.w.u8(Op.i64_extend_i32_u);
    return this;
  }
  i32(v: number): this {
    this.w.u8(Op.i32_const).s32(v);
    return this;
  }
  /** i64 constant: the sign extension of a 32-bit value. */
  i64(v: number): this {
    this.w.u8(Op.i64_const).s32(v);
    return this;
  }
  /** i64 constant hi:lo. */
  i64Pair(lo: number, hi: number): this {
    this.w.u8(Op.i64_const).s64(lo, hi);
    return this;
  }
  op(b: number): this {
    this.w.u8(b);
    return this;
  }
  globalGet(g: number): this {
    this.w.u8(Op.global_get).u32(g);
    return this;
  }
  globalSet(g: number): this {
    this.w.u8(Op.global_set).u32(g);
    return this;
  }
  call(f: number): this {
    this.w.u8(Op.call).u32(f);
    return this;
  }

  /** Publish the local budget before anything that may run other code (unverified only). */
  saveBudget(): void {
    if (!this.opts.verified) this.get(L.budget).globalSet(this.imp.gBudget);
  }

  /**
   * After other code ran: reload the budget it left, and forget the cached
   * live region (a helper may have freed it) by falling back to the stack.
   */
  afterCall(): void {
    if (this.opts.verified) return;
    this.globalGet(this.imp.gBudget).set(L.budget);
    this.resetRegion();
  }

  /** Region cache := the run's stack area (always live). */
  resetRegion(): void {
    this.globalGet(this.imp.gStackLo).op(Op.i64_extend_i32_u).set(L.regLo);
    this.i64(STACK_LIM).set(L.regLim);
  }

  /** Raise fault `kind` at `pc` (the import throws; `unreachable` tells the validator). */
  fault(kind: number, pc: number): void {
    this.i32(kind).i32(pc).call(this.imp.fault).op(Op.unreachable);
  }
}
