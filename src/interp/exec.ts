// The interpreter loop: one dense switch over the decoded op of each
// instruction (raw opcode bytes, plus the internal ops of ops.ts). Registers
// live in two Int32Arrays (low and high words) so nothing on the hot path
// allocates; each case delegates to one small function of alu.ts / memops.ts
// where the operation takes more than a line. Semantics are RFC 9669 and
// Linux's ___bpf_prog_run; see env.ts for the contract-level choices (register
// values after calls, tail calls, may_goto, function addresses).
import { ExecError, TsbpfError } from "../errors.ts";
import { MAX_CALL_FRAMES } from "../isa/opcodes.ts";
import {
  add64,
  arsh64,
  div32,
  div64,
  eq64,
  geS64,
  geU64,
  gtS64,
  gtU64,
  lsh64,
  mod32,
  mod64,
  movsx64,
  mul64,
  neg64,
  rsh64,
  sdiv32,
  sdiv64,
  signExtend,
  smod32,
  smod64,
  sub64,
  swap,
  toHex64,
  truncate,
} from "./alu.ts";
import { callHelper, callKfunc, tailCallTarget } from "./calls.ts";
import * as D from "./decode.ts";
import { BPF_MAX_LOOPS, FUNC_ADDR_TAG, ProgramExit, type ExecEnv } from "./env.ts";
import { tooDeep, type Loaded, type Machine } from "./machine.ts";
import { acquireRelease, atomic, ea, loadPacket } from "./memops.ts";

// Field offsets as module-local constants (V8 folds these; imported bindings
// are not always folded, depending on the loader).
const F_DST = 1;
const F_SRC = 2;
const F_OFF = 3;
const F_IMM = 4;
const F_AUX = 5;
if (
  D.F_DST !== F_DST ||
  D.F_SRC !== F_SRC ||
  D.F_OFF !== F_OFF ||
  D.F_IMM !== F_IMM ||
  D.F_AUX !== F_AUX
)
  throw new Error("exec.ts: decoded field offsets are stale");
if (D.STRIDE !== 8) throw new Error("exec.ts indexes decoded code with pc << 3");

const FUNC_TAG = FUNC_ADDR_TAG | 0;

// V8 compiles a switch into a jump table only when every case is a number
// literal, so the internal ops of ops.ts appear below as literals with their
// names in a comment; test/interp/ops.test.ts checks them against Op.

/**
 * Run from `entry` at `startPc` in frame `baseDepth` until that frame exits;
 * r0 is left in m.lo[0] / m.hi[0]. Nested entries (helpers calling back into
 * the program) use a deeper baseDepth on the same machine.
 */
export function exec(
  m: Machine,
  env: ExecEnv,
  entry: Loaded,
  startPc: number,
  baseDepth: number,
): void {
  const lo = m.lo;
  const hi = m.hi;
  const mem = m.mem;
  const limit = m.limit;
  let dv = mem.dv;
  let cur = entry;
  let code = cur.code;
  let pc = startPc;
  let depth = baseDepth;
  let n = m.count;
  let loops = BPF_MAX_LOOPS;
  lo[10] = m.frameTop(depth);
  hi[10] = 0;
  m.checked = cur.checked;

  try {
    for (;;) {
      if (++n > limit) {
        n--;
        throw new ExecError(`instruction budget of ${limit} exhausted`, pc);
      }
      const b = pc << 3;
      pc++;
      // The cases are a table: one line per opcode keeps it scannable.
      // prettier-ignore
      switch (code[b]) {
        // ---- ALU64 ----
        case 0x07: add64(lo, hi, code[b + F_DST]!, code[b + F_IMM]!, code[b + F_IMM]! >> 31); break;
        case 0x0f: { const s = code[b + F_SRC]!; add64(lo, hi, code[b + F_DST]!, lo[s]!, hi[s]!); break; }
        case 0x17: sub64(lo, hi, code[b + F_DST]!, code[b + F_IMM]!, code[b + F_IMM]! >> 31); break;
        case 0x1f: { const s = code[b + F_SRC]!; sub64(lo, hi, code[b + F_DST]!, lo[s]!, hi[s]!); break; }
        case 0x27: mul64(lo, hi, code[b + F_DST]!, code[b + F_IMM]!, code[b + F_IMM]! >> 31); break;
        case 0x2f: { const s = code[b + F_SRC]!; mul64(lo, hi, code[b + F_DST]!, lo[s]!, hi[s]!); break; }
        case 0x37: div64(lo, hi, code[b + F_DST]!, code[b + F_IMM]!, code[b + F_IMM]! >> 31); break;
        case 0x3f: { const s = code[b + F_SRC]!; div64(lo, hi, code[b + F_DST]!, lo[s]!, hi[s]!); break; }
        case 0x47: { const d = code[b + F_DST]!, k = code[b + F_IMM]!; lo[d] |= k; hi[d] |= k >> 31; break; }
        case 0x4f: { const d = code[b + F_DST]!, s = code[b + F_SRC]!; lo[d] |= lo[s]!; hi[d] |= hi[s]!; break; }
        case 0x57: { const d = code[b + F_DST]!, k = code[b + F_IMM]!; lo[d] &= k; hi[d] &= k >> 31; break; }
        case 0x5f: { const d = code[b + F_DST]!, s = code[b + F_SRC]!; lo[d] &= lo[s]!; hi[d] &= hi[s]!; break; }
        case 0x67: lsh64(lo, hi, code[b + F_DST]!, code[b + F_IMM]! & 63); break;
        case 0x6f: lsh64(lo, hi, code[b + F_DST]!, lo[code[b + F_SRC]!]! & 63); break;
        case 0x77: rsh64(lo, hi, code[b + F_DST]!, code[b + F_IMM]! & 63); break;
        case 0x7f: rsh64(lo, hi, code[b + F_DST]!, lo[code[b + F_SRC]!]! & 63); break;
        case 0x87: neg64(lo, hi, code[b + F_DST]!); break;
        case 0x97: mod64(lo, hi, code[b + F_DST]!, code[b + F_IMM]!, code[b + F_IMM]! >> 31); break;
        case 0x9f: { const s = code[b + F_SRC]!; mod64(lo, hi, code[b + F_DST]!, lo[s]!, hi[s]!); break; }
        case 0xa7: { const d = code[b + F_DST]!, k = code[b + F_IMM]!; lo[d] ^= k; hi[d] ^= k >> 31; break; }
        case 0xaf: { const d = code[b + F_DST]!, s = code[b + F_SRC]!; lo[d] ^= lo[s]!; hi[d] ^= hi[s]!; break; }
        case 0xb7: { const d = code[b + F_DST]!, k = code[b + F_IMM]!; lo[d] = k; hi[d] = k >> 31; break; }
        case 0xbf: { const d = code[b + F_DST]!, s = code[b + F_SRC]!; lo[d] = lo[s]!; hi[d] = hi[s]!; break; }
        case 0xc7: arsh64(lo, hi, code[b + F_DST]!, code[b + F_IMM]! & 63); break;
        case 0xcf: arsh64(lo, hi, code[b + F_DST]!, lo[code[b + F_SRC]!]! & 63); break;
        case 0xd7: swap(lo, hi, code[b + F_DST]!, code[b + F_IMM]!); break;
        case 0x108: /* SDIV64_K */ sdiv64(lo, hi, code[b + F_DST]!, code[b + F_IMM]!, code[b + F_IMM]! >> 31); break;
        case 0x109: /* SDIV64_X */ { const s = code[b + F_SRC]!; sdiv64(lo, hi, code[b + F_DST]!, lo[s]!, hi[s]!); break; }
        case 0x10a: /* SMOD64_K */ smod64(lo, hi, code[b + F_DST]!, code[b + F_IMM]!, code[b + F_IMM]! >> 31); break;
        case 0x10b: /* SMOD64_X */ { const s = code[b + F_SRC]!; smod64(lo, hi, code[b + F_DST]!, lo[s]!, hi[s]!); break; }
        case 0x10d: /* MOVSX64 */ movsx64(lo, hi, code[b + F_DST]!, lo[code[b + F_SRC]!]!, code[b + F_OFF]!); break;

        // ---- ALU (32-bit: results zero-extend) ----
        case 0x04: { const d = code[b + F_DST]!; lo[d] = (lo[d]! + code[b + F_IMM]!) | 0; hi[d] = 0; break; }
        case 0x0c: { const d = code[b + F_DST]!; lo[d] = (lo[d]! + lo[code[b + F_SRC]!]!) | 0; hi[d] = 0; break; }
        case 0x14: { const d = code[b + F_DST]!; lo[d] = (lo[d]! - code[b + F_IMM]!) | 0; hi[d] = 0; break; }
        case 0x1c: { const d = code[b + F_DST]!; lo[d] = (lo[d]! - lo[code[b + F_SRC]!]!) | 0; hi[d] = 0; break; }
        case 0x24: { const d = code[b + F_DST]!; lo[d] = Math.imul(lo[d]!, code[b + F_IMM]!); hi[d] = 0; break; }
        case 0x2c: { const d = code[b + F_DST]!; lo[d] = Math.imul(lo[d]!, lo[code[b + F_SRC]!]!); hi[d] = 0; break; }
        case 0x34: { const d = code[b + F_DST]!; lo[d] = div32(lo[d]!, code[b + F_IMM]!); hi[d] = 0; break; }
        case 0x3c: { const d = code[b + F_DST]!; lo[d] = div32(lo[d]!, lo[code[b + F_SRC]!]!); hi[d] = 0; break; }
        case 0x44: { const d = code[b + F_DST]!; lo[d] |= code[b + F_IMM]!; hi[d] = 0; break; }
        case 0x4c: { const d = code[b + F_DST]!; lo[d] |= lo[code[b + F_SRC]!]!; hi[d] = 0; break; }
        case 0x54: { const d = code[b + F_DST]!; lo[d] &= code[b + F_IMM]!; hi[d] = 0; break; }
        case 0x5c: { const d = code[b + F_DST]!; lo[d] &= lo[code[b + F_SRC]!]!; hi[d] = 0; break; }
        case 0x64: { const d = code[b + F_DST]!; lo[d] <<= code[b + F_IMM]!; hi[d] = 0; break; }
        case 0x6c: { const d = code[b + F_DST]!; lo[d] <<= lo[code[b + F_SRC]!]!; hi[d] = 0; break; }
        case 0x74: { const d = code[b + F_DST]!; lo[d] = lo[d]! >>> code[b + F_IMM]!; hi[d] = 0; break; }
        case 0x7c: { const d = code[b + F_DST]!; lo[d] = lo[d]! >>> lo[code[b + F_SRC]!]!; hi[d] = 0; break; }
        case 0x84: { const d = code[b + F_DST]!; lo[d] = -lo[d]! | 0; hi[d] = 0; break; }
        case 0x94: { const d = code[b + F_DST]!; lo[d] = mod32(lo[d]!, code[b + F_IMM]!); hi[d] = 0; break; }
        case 0x9c: { const d = code[b + F_DST]!; lo[d] = mod32(lo[d]!, lo[code[b + F_SRC]!]!); hi[d] = 0; break; }
        case 0xa4: { const d = code[b + F_DST]!; lo[d] ^= code[b + F_IMM]!; hi[d] = 0; break; }
        case 0xac: { const d = code[b + F_DST]!; lo[d] ^= lo[code[b + F_SRC]!]!; hi[d] = 0; break; }
        case 0xb4: { const d = code[b + F_DST]!; lo[d] = code[b + F_IMM]!; hi[d] = 0; break; }
        case 0xbc: { const d = code[b + F_DST]!; lo[d] = lo[code[b + F_SRC]!]!; hi[d] = 0; break; }
        case 0xc4: { const d = code[b + F_DST]!; lo[d] >>= code[b + F_IMM]!; hi[d] = 0; break; }
        case 0xcc: { const d = code[b + F_DST]!; lo[d] >>= lo[code[b + F_SRC]!]!; hi[d] = 0; break; }
        case 0xd4: truncate(lo, hi, code[b + F_DST]!, code[b + F_IMM]!); break;
        case 0xdc: swap(lo, hi, code[b + F_DST]!, code[b + F_IMM]!); break;
        case 0x104: /* SDIV32_K */ { const d = code[b + F_DST]!; lo[d] = sdiv32(lo[d]!, code[b + F_IMM]!); hi[d] = 0; break; }
        case 0x105: /* SDIV32_X */ { const d = code[b + F_DST]!; lo[d] = sdiv32(lo[d]!, lo[code[b + F_SRC]!]!); hi[d] = 0; break; }
        case 0x106: /* SMOD32_K */ { const d = code[b + F_DST]!; lo[d] = smod32(lo[d]!, code[b + F_IMM]!); hi[d] = 0; break; }
        case 0x107: /* SMOD32_X */ { const d = code[b + F_DST]!; lo[d] = smod32(lo[d]!, lo[code[b + F_SRC]!]!); hi[d] = 0; break; }
        case 0x10c: /* MOVSX32 */ { const d = code[b + F_DST]!; lo[d] = signExtend(lo[code[b + F_SRC]!]!, code[b + F_OFF]!); hi[d] = 0; break; }

        // ---- loads, stores ----
        case 0x100: /* LDDW */ { const d = code[b + F_DST]!; lo[d] = code[b + F_IMM]!; hi[d] = code[b + F_AUX]!; pc++; break; }
        case 0x61: { const s = code[b + F_SRC]!, d = code[b + F_DST]!; const a = ea(m, lo[s]!, hi[s]!, code[b + F_OFF]!, 4, pc - 1, false); lo[d] = dv.getInt32(a, true); hi[d] = 0; break; }
        case 0x69: { const s = code[b + F_SRC]!, d = code[b + F_DST]!; const a = ea(m, lo[s]!, hi[s]!, code[b + F_OFF]!, 2, pc - 1, false); lo[d] = dv.getUint16(a, true); hi[d] = 0; break; }
        case 0x71: { const s = code[b + F_SRC]!, d = code[b + F_DST]!; const a = ea(m, lo[s]!, hi[s]!, code[b + F_OFF]!, 1, pc - 1, false); lo[d] = dv.getUint8(a); hi[d] = 0; break; }
        case 0x79: { const s = code[b + F_SRC]!, d = code[b + F_DST]!; const a = ea(m, lo[s]!, hi[s]!, code[b + F_OFF]!, 8, pc - 1, false); lo[d] = dv.getInt32(a, true); hi[d] = dv.getInt32(a + 4, true); break; }
        case 0x81: { const s = code[b + F_SRC]!, d = code[b + F_DST]!; const a = ea(m, lo[s]!, hi[s]!, code[b + F_OFF]!, 4, pc - 1, false); const v = dv.getInt32(a, true); lo[d] = v; hi[d] = v >> 31; break; }
        case 0x89: { const s = code[b + F_SRC]!, d = code[b + F_DST]!; const a = ea(m, lo[s]!, hi[s]!, code[b + F_OFF]!, 2, pc - 1, false); const v = dv.getInt16(a, true); lo[d] = v; hi[d] = v >> 31; break; }
        case 0x91: { const s = code[b + F_SRC]!, d = code[b + F_DST]!; const a = ea(m, lo[s]!, hi[s]!, code[b + F_OFF]!, 1, pc - 1, false); const v = dv.getInt8(a); lo[d] = v; hi[d] = v >> 31; break; }
        case 0x62: { const d = code[b + F_DST]!; dv.setInt32(ea(m, lo[d]!, hi[d]!, code[b + F_OFF]!, 4, pc - 1, true), code[b + F_IMM]!, true); break; }
        case 0x6a: { const d = code[b + F_DST]!; dv.setInt16(ea(m, lo[d]!, hi[d]!, code[b + F_OFF]!, 2, pc - 1, true), code[b + F_IMM]!, true); break; }
        case 0x72: { const d = code[b + F_DST]!; dv.setInt8(ea(m, lo[d]!, hi[d]!, code[b + F_OFF]!, 1, pc - 1, true), code[b + F_IMM]!); break; }
        case 0x7a: { const d = code[b + F_DST]!, k = code[b + F_IMM]!; const a = ea(m, lo[d]!, hi[d]!, code[b + F_OFF]!, 8, pc - 1, true); dv.setInt32(a, k, true); dv.setInt32(a + 4, k >> 31, true); break; }
        case 0x63: { const d = code[b + F_DST]!; dv.setInt32(ea(m, lo[d]!, hi[d]!, code[b + F_OFF]!, 4, pc - 1, true), lo[code[b + F_SRC]!]!, true); break; }
        case 0x6b: { const d = code[b + F_DST]!; dv.setInt16(ea(m, lo[d]!, hi[d]!, code[b + F_OFF]!, 2, pc - 1, true), lo[code[b + F_SRC]!]!, true); break; }
        case 0x73: { const d = code[b + F_DST]!; dv.setInt8(ea(m, lo[d]!, hi[d]!, code[b + F_OFF]!, 1, pc - 1, true), lo[code[b + F_SRC]!]!); break; }
        case 0x7b: { const d = code[b + F_DST]!, s = code[b + F_SRC]!; const a = ea(m, lo[d]!, hi[d]!, code[b + F_OFF]!, 8, pc - 1, true); dv.setInt32(a, lo[s]!, true); dv.setInt32(a + 4, hi[s]!, true); break; }
        case 0x10f: /* ATOMIC */ atomic(m, code, b, pc - 1); break;
        case 0x110: /* LOAD_ACQ */ acquireRelease(m, code, b, pc - 1, false); break;
        case 0x111: /* STORE_REL */ acquireRelease(m, code, b, pc - 1, true); break;
        case 0x10e: /* LD_PKT */ m.count = n; loadPacket(m, env, code, b, pc - 1); break;

        // ---- JMP (64-bit compares; imm sign-extended) ----
        case 0x05: case 0x06: pc = code[b + F_AUX]!; break;
        case 0x15: { const d = code[b + F_DST]!, k = code[b + F_IMM]!; if (eq64(hi[d]!, lo[d]!, k >> 31, k)) pc = code[b + F_AUX]!; break; }
        case 0x1d: { const d = code[b + F_DST]!, s = code[b + F_SRC]!; if (eq64(hi[d]!, lo[d]!, hi[s]!, lo[s]!)) pc = code[b + F_AUX]!; break; }
        case 0x55: { const d = code[b + F_DST]!, k = code[b + F_IMM]!; if (!eq64(hi[d]!, lo[d]!, k >> 31, k)) pc = code[b + F_AUX]!; break; }
        case 0x5d: { const d = code[b + F_DST]!, s = code[b + F_SRC]!; if (!eq64(hi[d]!, lo[d]!, hi[s]!, lo[s]!)) pc = code[b + F_AUX]!; break; }
        case 0x25: { const d = code[b + F_DST]!, k = code[b + F_IMM]!; if (gtU64(hi[d]!, lo[d]!, k >> 31, k)) pc = code[b + F_AUX]!; break; }
        case 0x2d: { const d = code[b + F_DST]!, s = code[b + F_SRC]!; if (gtU64(hi[d]!, lo[d]!, hi[s]!, lo[s]!)) pc = code[b + F_AUX]!; break; }
        case 0x35: { const d = code[b + F_DST]!, k = code[b + F_IMM]!; if (geU64(hi[d]!, lo[d]!, k >> 31, k)) pc = code[b + F_AUX]!; break; }
        case 0x3d: { const d = code[b + F_DST]!, s = code[b + F_SRC]!; if (geU64(hi[d]!, lo[d]!, hi[s]!, lo[s]!)) pc = code[b + F_AUX]!; break; }
        case 0xa5: { const d = code[b + F_DST]!, k = code[b + F_IMM]!; if (gtU64(k >> 31, k, hi[d]!, lo[d]!)) pc = code[b + F_AUX]!; break; }
        case 0xad: { const d = code[b + F_DST]!, s = code[b + F_SRC]!; if (gtU64(hi[s]!, lo[s]!, hi[d]!, lo[d]!)) pc = code[b + F_AUX]!; break; }
        case 0xb5: { const d = code[b + F_DST]!, k = code[b + F_IMM]!; if (geU64(k >> 31, k, hi[d]!, lo[d]!)) pc = code[b + F_AUX]!; break; }
        case 0xbd: { const d = code[b + F_DST]!, s = code[b + F_SRC]!; if (geU64(hi[s]!, lo[s]!, hi[d]!, lo[d]!)) pc = code[b + F_AUX]!; break; }
        case 0x65: { const d = code[b + F_DST]!, k = code[b + F_IMM]!; if (gtS64(hi[d]!, lo[d]!, k >> 31, k)) pc = code[b + F_AUX]!; break; }
        case 0x6d: { const d = code[b + F_DST]!, s = code[b + F_SRC]!; if (gtS64(hi[d]!, lo[d]!, hi[s]!, lo[s]!)) pc = code[b + F_AUX]!; break; }
        case 0x75: { const d = code[b + F_DST]!, k = code[b + F_IMM]!; if (geS64(hi[d]!, lo[d]!, k >> 31, k)) pc = code[b + F_AUX]!; break; }
        case 0x7d: { const d = code[b + F_DST]!, s = code[b + F_SRC]!; if (geS64(hi[d]!, lo[d]!, hi[s]!, lo[s]!)) pc = code[b + F_AUX]!; break; }
        case 0xc5: { const d = code[b + F_DST]!, k = code[b + F_IMM]!; if (gtS64(k >> 31, k, hi[d]!, lo[d]!)) pc = code[b + F_AUX]!; break; }
        case 0xcd: { const d = code[b + F_DST]!, s = code[b + F_SRC]!; if (gtS64(hi[s]!, lo[s]!, hi[d]!, lo[d]!)) pc = code[b + F_AUX]!; break; }
        case 0xd5: { const d = code[b + F_DST]!, k = code[b + F_IMM]!; if (geS64(k >> 31, k, hi[d]!, lo[d]!)) pc = code[b + F_AUX]!; break; }
        case 0xdd: { const d = code[b + F_DST]!, s = code[b + F_SRC]!; if (geS64(hi[s]!, lo[s]!, hi[d]!, lo[d]!)) pc = code[b + F_AUX]!; break; }
        case 0x45: { const d = code[b + F_DST]!, k = code[b + F_IMM]!; if ((lo[d]! & k) !== 0 || (hi[d]! & (k >> 31)) !== 0) pc = code[b + F_AUX]!; break; }
        case 0x4d: { const d = code[b + F_DST]!, s = code[b + F_SRC]!; if ((lo[d]! & lo[s]!) !== 0 || (hi[d]! & hi[s]!) !== 0) pc = code[b + F_AUX]!; break; }

        // ---- JMP32 (compare the low words) ----
        case 0x16: if (lo[code[b + F_DST]!] === code[b + F_IMM]!) pc = code[b + F_AUX]!; break;
        case 0x1e: if (lo[code[b + F_DST]!] === lo[code[b + F_SRC]!]) pc = code[b + F_AUX]!; break;
        case 0x56: if (lo[code[b + F_DST]!] !== code[b + F_IMM]!) pc = code[b + F_AUX]!; break;
        case 0x5e: if (lo[code[b + F_DST]!] !== lo[code[b + F_SRC]!]) pc = code[b + F_AUX]!; break;
        case 0x26: if (lo[code[b + F_DST]!]! >>> 0 > code[b + F_IMM]! >>> 0) pc = code[b + F_AUX]!; break;
        case 0x2e: if (lo[code[b + F_DST]!]! >>> 0 > lo[code[b + F_SRC]!]! >>> 0) pc = code[b + F_AUX]!; break;
        case 0x36: if (lo[code[b + F_DST]!]! >>> 0 >= code[b + F_IMM]! >>> 0) pc = code[b + F_AUX]!; break;
        case 0x3e: if (lo[code[b + F_DST]!]! >>> 0 >= lo[code[b + F_SRC]!]! >>> 0) pc = code[b + F_AUX]!; break;
        case 0xa6: if (lo[code[b + F_DST]!]! >>> 0 < code[b + F_IMM]! >>> 0) pc = code[b + F_AUX]!; break;
        case 0xae: if (lo[code[b + F_DST]!]! >>> 0 < lo[code[b + F_SRC]!]! >>> 0) pc = code[b + F_AUX]!; break;
        case 0xb6: if (lo[code[b + F_DST]!]! >>> 0 <= code[b + F_IMM]! >>> 0) pc = code[b + F_AUX]!; break;
        case 0xbe: if (lo[code[b + F_DST]!]! >>> 0 <= lo[code[b + F_SRC]!]! >>> 0) pc = code[b + F_AUX]!; break;
        case 0x66: if (lo[code[b + F_DST]!]! > code[b + F_IMM]!) pc = code[b + F_AUX]!; break;
        case 0x6e: if (lo[code[b + F_DST]!]! > lo[code[b + F_SRC]!]!) pc = code[b + F_AUX]!; break;
        case 0x76: if (lo[code[b + F_DST]!]! >= code[b + F_IMM]!) pc = code[b + F_AUX]!; break;
        case 0x7e: if (lo[code[b + F_DST]!]! >= lo[code[b + F_SRC]!]!) pc = code[b + F_AUX]!; break;
        case 0xc6: if (lo[code[b + F_DST]!]! < code[b + F_IMM]!) pc = code[b + F_AUX]!; break;
        case 0xce: if (lo[code[b + F_DST]!]! < lo[code[b + F_SRC]!]!) pc = code[b + F_AUX]!; break;
        case 0xd6: if (lo[code[b + F_DST]!]! <= code[b + F_IMM]!) pc = code[b + F_AUX]!; break;
        case 0xde: if (lo[code[b + F_DST]!]! <= lo[code[b + F_SRC]!]!) pc = code[b + F_AUX]!; break;
        case 0x46: if ((lo[code[b + F_DST]!]! & code[b + F_IMM]!) !== 0) pc = code[b + F_AUX]!; break;
        case 0x4e: if ((lo[code[b + F_DST]!]! & lo[code[b + F_SRC]!]!) !== 0) pc = code[b + F_AUX]!; break;

        case 0x112: /* MAY_GOTO */
          if (loops === 0) pc = code[b + F_AUX]!;
          else loops--;
          break;

        // ---- calls and exit ----
        case 0x85:
          m.count = n;
          callHelper(m, env, cur, code[b + F_IMM]!, pc - 1, depth, exec);
          n = m.count;
          dv = mem.dv;
          m.winLo = m.winHi = 0;
          break;
        case 0x103: /* CALL_KFUNC */
          m.count = n;
          callKfunc(m, env, cur, code[b + F_IMM]!, pc - 1, depth, exec);
          n = m.count;
          dv = mem.dv;
          m.winLo = m.winHi = 0;
          break;
        case 0x101: /* TAIL_CALL */ {
          const next = tailCallTarget(m, env, cur, code[b + F_AUX]!);
          dv = mem.dv;
          m.winLo = m.winHi = 0;
          if (next) {
            // The frame (and its stack) is reused; r1 still holds the ctx.
            cur = next;
            code = cur.code;
            m.checked = cur.checked;
            pc = 0;
            loops = BPF_MAX_LOOPS;
          }
          break;
        }
        case 0x102: /* CALL_LOCAL */
          if (depth + 1 >= MAX_CALL_FRAMES) throw tooDeep(pc - 1);
          m.pushFrame(depth, pc, cur, loops);
          depth++;
          lo[10] = m.frameTop(depth);
          pc = code[b + F_AUX]!;
          loops = BPF_MAX_LOOPS;
          break;
        case 0x8d: {
          // callx: a function address of this program, or (below 2^32) a helper id.
          const r = code[b + F_DST]!;
          const tl = lo[r]!;
          const th = hi[r]!;
          if (th === FUNC_TAG && cur.funcStarts.has(tl)) {
            if (depth + 1 >= MAX_CALL_FRAMES) throw tooDeep(pc - 1);
            m.pushFrame(depth, pc, cur, loops);
            depth++;
            lo[10] = m.frameTop(depth);
            pc = tl;
            loops = BPF_MAX_LOOPS;
          } else if (th === 0) {
            m.count = n;
            callHelper(m, env, cur, tl, pc - 1, depth, exec);
            n = m.count;
            dv = mem.dv;
            m.winLo = m.winHi = 0;
          } else {
            const v = toHex64(tl, th);
            throw new ExecError(`callx target 0x${v} is neither a function nor a helper id`, pc - 1);
          }
          break;
        }
        case 0x95:
          if (depth === baseDepth) {
            m.count = n;
            return;
          }
          depth--;
          m.popFrame(depth);
          pc = m.retPc[depth]!;
          loops = m.retLoops[depth]!;
          cur = m.retProg[depth]!;
          code = cur.code;
          m.checked = cur.checked;
          break;

        default:
          // Only the sentinel past the end (decode admits nothing else unknown).
          throw new ExecError("execution ran past the last instruction", pc - 1);
      }
    }
  } catch (e) {
    m.count = n;
    if (e instanceof TsbpfError || e instanceof ProgramExit) throw e;
    // A verified program trusted with a bad address, or a bug: still a typed fault.
    const msg = e instanceof Error ? e.message : String(e);
    throw new ExecError(`execution fault: ${msg}`, pc - 1);
  }
}
