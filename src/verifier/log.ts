// The kernel's verifier log format (kernel/bpf/log.c): a growable text buffer
// with positions that can be rewound (level 1 forgets finished paths), and
// the printers for register and stack state. Numbers follow verbose_snum /
// verbose_unum: decimal for small values, `%#llx` otherwise.
import { btfRefName } from "./btf-ptr.ts";
import { formatScalar, formatScalarBody, tnumIsConst, type Tnum } from "./domain.ts";
import {
  BPF_ADD_CONST,
  REG_LIVE_DONE,
  REG_LIVE_READ,
  REG_LIVE_WRITTEN,
  type RegState,
} from "./regs.ts";
import { baseType, isPktPointer, RegType, regTypeStr } from "./reg-types.ts";
import { BPF_REG_SIZE, SLOT_TYPE_CHAR, StackType } from "./stack.ts";
import type { FuncState, VerifierState } from "./state.ts";
import { dynptrStateText } from "./kfuncs/dynptr-text.ts";

export const BPF_LOG_LEVEL1 = 1;
export const BPF_LOG_LEVEL2 = 2;
export const BPF_LOG_STATS = 4;
/** Either instruction-level log level. */
export const BPF_LOG_LEVEL = BPF_LOG_LEVEL1 | BPF_LOG_LEVEL2;

const BPF_LOG_ALIGNMENT = 40;
const BPF_LOG_MIN_ALIGNMENT = 8;

/** A log buffer with kernel-like positions (end_pos) and rewinding (bpf_vlog_reset). */
export class VerifierLog {
  // Pieces rather than one string: rewinding near the end then costs only the
  // pieces dropped, not a copy of the whole log (level 2 rewinds every insn).
  private parts: string[] = [];
  private len = 0;
  constructor(readonly level: number) {}
  get enabled(): boolean {
    return this.level !== 0;
  }
  get endPos(): number {
    return this.len;
  }
  write(s: string): void {
    if (!this.level || s === "") return;
    this.parts.push(s);
    this.len += s.length;
  }
  reset(pos: number): void {
    if (!this.level || pos >= this.len) return;
    const parts = this.parts;
    while (parts.length > 0 && this.len - parts[parts.length - 1]!.length >= pos) {
      this.len -= parts.pop()!.length;
    }
    if (this.len > pos) {
      const last = parts.pop()!;
      parts.push(last.slice(0, last.length - (this.len - pos)));
      this.len = pos;
    }
  }
  toString(): string {
    const s = this.parts.join("");
    this.parts = s === "" ? [] : [s];
    return s;
  }
}

const U64 = (1n << 64n) - 1n;

/** verbose_unum(): decimal up to U16_MAX, else `0x..` (the value as u64). */
export function fmtUnum(n: bigint | number): string {
  const v = BigInt.asUintN(64, BigInt(n));
  return v <= 0xffffn ? v.toString() : "0x" + v.toString(16);
}

/** verbose_snum(): decimal within [S16_MIN, S16_MAX], else `0x..` of the u64 bits. */
export function fmtSnum(n: bigint | number): string {
  const v = BigInt.asIntN(64, BigInt(n));
  return v >= -0x8000n && v <= 0x7fffn ? v.toString() : "0x" + (v & U64).toString(16);
}

/** tnum_strn(): a constant prints as its value, otherwise `(0x..; 0x..)`. */
export function tnumText(t: Tnum): string {
  if (t.mask === 0n) return t.value <= 0xffffn ? t.value.toString() : "0x" + t.value.toString(16);
  return `(0x${t.value.toString(16)}; 0x${t.mask.toString(16)})`;
}

/** print_liveness(): `_w`, `_r`, ... after a register name. */
export function livenessText(live: number): string {
  if (!(live & (REG_LIVE_READ | REG_LIVE_WRITTEN | REG_LIVE_DONE))) return "";
  let s = "_";
  if (live & REG_LIVE_READ) s += "r";
  if (live & REG_LIVE_WRITTEN) s += "w";
  if (live & REG_LIVE_DONE) s += "D";
  return s;
}

const isMapPtrType = (t: number): boolean =>
  t === RegType.CONST_PTR_TO_MAP || t === RegType.PTR_TO_MAP_KEY || t === RegType.PTR_TO_MAP_VALUE;

/** print_reg_state(): the text after `R1=`. `frame` is the frame being printed. */
export function regStateText(reg: RegState, frameno: number): string {
  const t = reg.type;
  if (t === RegType.SCALAR_VALUE && !(reg.id & BPF_ADD_CONST)) {
    return formatScalar(reg, { precise: reg.precise, id: reg.id });
  }
  let out = t === RegType.SCALAR_VALUE && reg.precise ? "P" : "";
  if (t === RegType.SCALAR_VALUE && tnumIsConst(reg.varOff)) return out + fmtSnum(reg.varOff.value);
  out += regTypeStr(t);
  if (baseType(t) === RegType.PTR_TO_BTF_ID && reg.btf) out += btfRefName(reg.btf);
  if (t === RegType.PTR_TO_STACK) {
    if (frameno !== reg.frameno) out += `[${reg.frameno}]`;
    if (tnumIsConst(reg.varOff)) return out + fmtSnum(reg.varOff.value + BigInt(reg.off));
  }
  const attrs: string[] = [];
  if (reg.id) {
    // A linked scalar `rX = rY + K` prints as id=N+K (BPF_ADD_CONST).
    const addConst = (reg.id & BPF_ADD_CONST) !== 0;
    const delta = addConst ? (reg.off >= 0 ? `+${reg.off}` : `${reg.off}`) : "";
    attrs.push(`id=${reg.id & 0x7fffffff}${delta}`);
  }
  if (reg.refObjId) attrs.push(`ref_obj_id=${reg.refObjId}`);
  if (isMapPtrType(baseType(t)) && reg.map) {
    if (reg.map.name) attrs.push(`map=${reg.map.name}`);
    attrs.push(`ks=${reg.map.keySize},vs=${reg.map.valueSize}`);
  }
  if (t !== RegType.SCALAR_VALUE && reg.off) attrs.push(`off=${fmtSnum(reg.off)}`);
  if (isPktPointer(t)) attrs.push(`r=${fmtUnum(reg.range)}`);
  if (baseType(t) === RegType.PTR_TO_MEM) attrs.push(`sz=${fmtUnum(reg.memSize)}`);
  if (tnumIsConst(reg.varOff)) {
    if (reg.varOff.value) attrs.push(`imm=${fmtSnum(reg.varOff.value)}`);
  } else {
    const r = formatScalarBody(reg);
    if (r) attrs.push(r);
  }
  return `${out}(${attrs.join(",")})`;
}

/** Which registers / stack slots changed since the state was last printed. */
export interface Scratch {
  regs: number;
  slots: Uint8Array;
  any: boolean;
}

export function newScratch(): Scratch {
  return { regs: 0, slots: new Uint8Array(64), any: false };
}

export function scratchAll(s: Scratch): void {
  s.regs = 0x7ff;
  s.slots.fill(1);
  s.any = true;
}

export function scratchClean(s: Scratch): void {
  s.regs = 0;
  s.slots.fill(0);
  s.any = false;
}

/** print_verifier_state() for frame `frameno`; only scratched entries unless printAll. */
export function verifierStateText(
  vstate: VerifierState,
  frameno: number,
  printAll: boolean,
  scratch: Scratch,
): string {
  const state: FuncState = vstate.frames[frameno]!;
  let out = "";
  if (state.frameno) out += ` frame${state.frameno}:`;
  for (let i = 0; i < state.regs.length; i++) {
    const reg = state.regs[i]!;
    if (reg.type === RegType.NOT_INIT) continue;
    if (!printAll && !(scratch.regs & (1 << i))) continue;
    out += ` R${i}${livenessText(reg.live)}=${regStateText(reg, state.frameno)}`;
  }
  for (let i = 0; i < state.stack.length; i++) {
    if (!printAll && !scratch.slots[i]) continue;
    const slot = state.stack[i]!;
    let valid = false;
    let types = "";
    for (let j = 0; j < BPF_REG_SIZE; j++) {
      const st = slot.slotType[j]!;
      if (st !== StackType.INVALID) valid = true;
      types += SLOT_TYPE_CHAR[st] ?? "?";
    }
    if (!valid) continue;
    const name = ` fp${(-i - 1) * BPF_REG_SIZE}${livenessText(slot.spilled.live)}=`;
    if (slot.slotType[BPF_REG_SIZE - 1] === StackType.DYNPTR) {
      // A dynptr prints once, at its first (higher) slot: ` fp-16=dynptr_local(id=1)`.
      if (slot.spilled.dynptrFirst) out += name + dynptrStateText(slot.spilled);
    } else if (slot.slotType[BPF_REG_SIZE - 1] === StackType.SPILL) {
      // Bytes below a narrow spill (MISC/ZERO/INVALID) are printed before the register.
      let j = 0;
      while (j < BPF_REG_SIZE && slot.slotType[j] !== StackType.SPILL) j++;
      out += name + types.slice(0, j) + regStateText(slot.spilled, state.frameno);
    } else {
      out += name + types;
    }
  }
  if (vstate.refs.length) out += ` refs=${vstate.refs.map((r) => r.id).join(",")}`;
  return out + "\n";
}

/** vlog_alignment(): padding that puts the `;` of an insn's state at a tab stop. */
export function vlogAlignment(pos: number): number {
  const x = Math.max(pos + BPF_LOG_MIN_ALIGNMENT / 2, BPF_LOG_ALIGNMENT);
  return Math.ceil(x / BPF_LOG_MIN_ALIGNMENT) * BPF_LOG_MIN_ALIGNMENT - pos - 1;
}

/** `%*c` with a space: the character right-aligned in `width` columns. */
export function padChar(width: number): string {
  return width <= 1 ? " " : " ".repeat(width);
}
