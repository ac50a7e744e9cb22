// Memory-side instruction groups that are too rare to sit in the hot switch:
// atomics (incl. load-acquire / store-release) and the legacy packet loads.
// Also the effective-address computation with the unverified bounds check.
import { ExecError } from "../errors.ts";
import * as op from "../isa/opcodes.ts";
import { add64 } from "./alu.ts";
import { F_AUX, F_CODE, F_DST, F_IMM, F_OFF, F_SRC } from "./decode.ts";
import { ProgramExit, type ExecEnv } from "./env.ts";
import type { Machine } from "./machine.ts";

/**
 * Effective address base + off of an access of `size` bytes. Verified
 * programs use it as is; unverified ones fault unless it lies in the stack
 * block, the remembered heap window, or (slow path) live memory.
 */
export function ea(
  m: Machine,
  base: number,
  baseHi: number,
  off: number,
  size: number,
  pc: number,
  store: boolean,
): number {
  const a = (base >>> 0) + off;
  if (
    m.checked &&
    (baseHi !== 0 ||
      !((a >= m.stackBase && a + size <= m.stackTop) || (a >= m.winLo && a + size <= m.winHi)))
  ) {
    m.checkSlow(a, size, baseHi, pc, store);
  }
  return a;
}

/** Scratch register slot used to run 64-bit atomic arithmetic through the ALU helpers. */
const T = 11;

/** BPF_STX | BPF_ATOMIC read-modify-write operations (W and DW). */
export function atomic(m: Machine, code: Int32Array, b: number, pc: number): void {
  const { lo, hi } = m;
  const d = code[b + F_DST]!;
  const s = code[b + F_SRC]!;
  const imm = code[b + F_IMM]!;
  const size = code[b + F_AUX]!;
  const a = ea(m, lo[d]!, hi[d]!, code[b + F_OFF]!, size, pc, true);
  const dv = m.mem.dv;
  const oldLo = dv.getInt32(a, true);
  const oldHi = size === 8 ? dv.getInt32(a + 4, true) : 0;
  const fetch = (imm & op.BPF_FETCH) !== 0;
  let nLo: number;
  let nHi: number;
  if (imm === op.BPF_CMPXCHG) {
    // Compare with r0; r0 always receives the old value.
    const equal = size === 8 ? lo[0] === oldLo && hi[0] === oldHi : lo[0] === oldLo;
    nLo = equal ? lo[s]! : oldLo;
    nHi = equal ? hi[s]! : oldHi;
    lo[0] = oldLo;
    hi[0] = oldHi;
  } else {
    const sLo = lo[s]!;
    const sHi = size === 8 ? hi[s]! : 0;
    switch (imm & ~op.BPF_FETCH) {
      case op.BPF_ADD:
        lo[T] = oldLo;
        hi[T] = oldHi;
        add64(lo, hi, T, sLo, sHi);
        nLo = lo[T]!;
        nHi = hi[T]!;
        break;
      case op.BPF_OR:
        nLo = oldLo | sLo;
        nHi = oldHi | sHi;
        break;
      case op.BPF_AND:
        nLo = oldLo & sLo;
        nHi = oldHi & sHi;
        break;
      case op.BPF_XOR:
        nLo = oldLo ^ sLo;
        nHi = oldHi ^ sHi;
        break;
      default: // BPF_XCHG (decode admits nothing else)
        nLo = sLo;
        nHi = sHi;
    }
    if (fetch) {
      lo[s] = oldLo;
      hi[s] = oldHi;
    }
  }
  dv.setInt32(a, nLo, true);
  if (size === 8) dv.setInt32(a + 4, nHi, true);
}

/** Load-acquire (dst = *(src + off)) and store-release (*(dst + off) = src), zero-extending. */
export function acquireRelease(
  m: Machine,
  code: Int32Array,
  b: number,
  pc: number,
  store: boolean,
): void {
  const { lo, hi } = m;
  const d = code[b + F_DST]!;
  const s = code[b + F_SRC]!;
  const size = code[b + F_AUX]!;
  const base = store ? d : s;
  const a = ea(m, lo[base]!, hi[base]!, code[b + F_OFF]!, size, pc, store);
  const dv = m.mem.dv;
  if (store) {
    if (size === 1) dv.setUint8(a, lo[s]!);
    else if (size === 2) dv.setUint16(a, lo[s]!, true);
    else dv.setInt32(a, lo[s]!, true);
    if (size === 8) dv.setInt32(a + 4, hi[s]!, true);
  } else {
    lo[d] = size === 1 ? dv.getUint8(a) : size === 2 ? dv.getUint16(a, true) : dv.getInt32(a, true);
    hi[d] = size === 8 ? dv.getInt32(a + 4, true) : 0;
  }
}

/**
 * ld_abs / ld_ind: r0 = big-endian load from the packet of the ctx in r6, at
 * imm (abs) or src + imm (ind, truncated to a signed 32-bit offset as the
 * kernel's skb load helpers take it). An offset outside the packet ends the
 * program with r0 = 0, as the kernel's rewrite of these instructions does;
 * the kernel's negative "special" offsets (SKF_NET_OFF, SKF_LL_OFF) are not
 * modelled and count as outside.
 */
export function loadPacket(
  m: Machine,
  env: ExecEnv,
  code: Int32Array,
  b: number,
  pc: number,
): void {
  const { lo, hi } = m;
  const pkt = env.packetData?.(lo[6]! >>> 0);
  if (!pkt) throw new ExecError("ld_abs/ld_ind: no packet data for the context in r6", pc);
  const size = code[b + F_AUX]!;
  let off = code[b + F_IMM]!;
  if (op.opMode(code[b + F_CODE]!) === op.BPF_IND) off = (lo[code[b + F_SRC]!]! + off) | 0;
  if (off < 0 || off + size > pkt.len) throw new ProgramExit(0n);
  const a = ea(m, pkt.addr, 0, off, size, pc, false);
  const dv = m.mem.dv;
  lo[0] = size === 4 ? dv.getInt32(a, false) : size === 2 ? dv.getUint16(a, false) : dv.getUint8(a);
  hi[0] = 0;
}
