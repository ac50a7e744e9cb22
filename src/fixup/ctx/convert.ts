// convert_ctx_accesses(): every load/store the verifier saw through a ctx
// pointer is rewritten to the runtime-side structure of the program type
// (kern-layouts.ts), the way each type's convert_ctx_access() does in the
// kernel. The verifier recorded which instructions touch the ctx (aux
// ptrType) and, for narrow loads, the full field size (ctxFieldSize); the
// user-visible field comes from the verifier's layout table.
//
// Narrow loads follow the kernel: the whole runtime-side field is loaded,
// then shifted and masked to the bytes asked for; bytes beyond a field the
// runtime stores narrower than the program sees read as zero (a u16 load of
// the upper half of __sk_buff->protocol). A sign-extending load gets a movsx.
import {
  BPF_ALU,
  BPF_ALU64,
  BPF_AND,
  BPF_K,
  BPF_LDX,
  BPF_MEM,
  BPF_MEMSX,
  BPF_RSH,
  BPF_ST,
  BPF_STX,
  build,
  insn,
  opClass,
  opMode,
  opSize,
  type Insn,
} from "../../isa/index.ts";
import type { CtxField, CtxLayout } from "../../verifier/index.ts";
import { ctxLayoutFor, RegType } from "../../verifier/index.ts";
import { FixupError } from "../errors.ts";
import type { FixupList, PassContext } from "../types.ts";
import { kernCtxFor } from "./index.ts";
import type { KernCtxLayout, KernField } from "./kern-layouts.ts";

const SIZE_CODE: Record<number, number> = { 1: 0x10, 2: 0x08, 4: 0x00, 8: 0x18 };
const BYTES_OF: Record<number, number> = { 0x10: 1, 0x08: 2, 0x00: 4, 0x18: 8 };

function fieldAt(layout: CtxLayout, off: number): CtxField | undefined {
  for (const f of layout.fields) if (off >= f.off && off < f.off + f.size) return f;
  return undefined;
}

const ldx = (bytes: number, dst: number, src: number, off: number): Insn =>
  build.ldxMem(SIZE_CODE[bytes]!, dst, src, off);

/** The loads that bring a runtime-side field into `dst` (through its pointer when it has one). */
function loadField(k: KernField, dst: number, src: number): Insn[] {
  if (k.via === undefined) return [ldx(k.size, dst, src, k.off)];
  return [ldx(8, dst, src, k.via), ldx(k.size, dst, dst, k.off)];
}

/** A ctx load of `size` bytes at user-visible `off` (insn x), rewritten. */
function convertLoad(x: Insn, f: CtxField, k: KernField, ctxFieldSize: number, pc: number): Insn[] {
  const size = BYTES_OF[opSize(x.code)]!;
  const sx = opMode(x.code) === BPF_MEMSX;
  // Same bytes, another place: the access keeps its size and sign mode.
  if (k.bytes) return [insn(x.code, x.dst, x.src, k.off + (x.off - f.off))];
  let out: Insn[];
  const fieldSize = ctxFieldSize || size;
  const narrow = size < fieldSize;
  const accessOff = x.off - f.off;
  if (!narrow && k.size > size && !f.regType)
    throw new FixupError(
      `ctx field ${f.name} is stored wider (${k.size}) than loaded (${size})`,
      pc,
    );
  if (narrow && accessOff >= k.size) {
    // Nothing is stored there: the bytes the program asks for are zero.
    out = [fieldSize <= 4 ? build.mov32Imm(x.dst, 0) : build.mov64Imm(x.dst, 0)];
  } else {
    out = loadField(k, x.dst, x.src);
    if (narrow && size < k.size) {
      const shift = accessOff * 8;
      const cls = fieldSize <= 4 ? BPF_ALU : BPF_ALU64;
      if (shift) out.push(insn(cls | BPF_RSH | BPF_K, x.dst, 0, 0, shift));
      out.push(
        insn(BPF_ALU | BPF_AND | BPF_K, x.dst, 0, 0, size === 4 ? -1 : (1 << (size * 8)) - 1),
      );
    }
  }
  if (sx) out.push(build.movsx64(x.dst, x.dst, (size * 8) as 8 | 16 | 32));
  return out;
}

/** A ctx store (STX or ST): writable fields keep their width, so only the offset moves. */
function convertStore(x: Insn, f: CtxField, k: KernField, pc: number): Insn[] {
  const size = BYTES_OF[opSize(x.code)]!;
  if (k.via !== undefined) throw new FixupError(`ctx field ${f.name} is not writable here`, pc);
  const off = k.bytes ? k.off + (x.off - f.off) : k.off;
  if (!k.bytes && (k.size !== size || x.off !== f.off))
    throw new FixupError(
      `ctx store of ${size} bytes to ${f.name} (stored as ${k.size} bytes) has no conversion`,
      pc,
    );
  return [insn(x.code, x.dst, x.src, off, x.imm)];
}

function isCtxAccess(code: number): boolean {
  const cls = opClass(code);
  if (cls === BPF_LDX) return opMode(code) === BPF_MEM || opMode(code) === BPF_MEMSX;
  if (cls === BPF_ST || cls === BPF_STX) return opMode(code) === BPF_MEM;
  return false;
}

/** Rewrite ctx accesses; does nothing for program types without a runtime-side structure. */
export function convertCtxAccesses(list: FixupList, pc: PassContext): void {
  const kern: KernCtxLayout | undefined = kernCtxFor(pc.opts.progType);
  const uapi = ctxLayoutFor(pc.opts.progType);
  if (!kern || !uapi) return;
  for (const n of list) {
    const a = list.aux(n);
    if (a.ptrType !== RegType.PTR_TO_CTX || !a.seen) continue;
    const x = list.insn(n);
    const at = list.origIndex(n);
    if (!isCtxAccess(x.code)) throw new FixupError("ctx access by an unexpected instruction", at);
    const f = fieldAt(uapi, x.off);
    if (!f) throw new FixupError(`no ${uapi.name} field at offset ${x.off}`, at);
    const k = kern.fields[f.name];
    if (!k) throw new FixupError(`${kern.name} has no place for ${uapi.name} field ${f.name}`, at);
    const seq =
      opClass(x.code) === BPF_LDX
        ? convertLoad(x, f, k, a.ctxFieldSize, at)
        : convertStore(x, f, k, at);
    // The access itself keeps its aux (the kernel keeps it on the patch's last insn).
    list.replace(n, seq);
    pc.stats.ctxConverted++;
  }
}
