// Memory accesses through pointers (check_mem_access and friends): alignment,
// map values and keys, packets, the context, helper memory (PTR_TO_MEM), the
// stack (check-stack.ts), and the LDX/STX/ST/atomic instructions built on them.
import {
  BPF_ADD,
  BPF_AND,
  BPF_CMPXCHG,
  BPF_DW,
  BPF_FETCH,
  BPF_MEMSX,
  BPF_OR,
  BPF_W,
  BPF_XCHG,
  BPF_XOR,
  opMode,
  opSize,
  sizeBytes,
} from "../isa/opcodes.ts";
import type { Insn } from "../isa/insn.ts";
import { S64_MIN, toS32 } from "./bigmath.ts";
import { BPF_MAX_VAR_OFF } from "./cfg.ts";
import {
  checkStackAccessWithinBounds,
  checkStackRead,
  checkStackWrite,
  BPF_READ,
  BPF_WRITE,
} from "./check-stack.ts";
import { checkCtxAccess } from "./ctx/index.ts";
import { sockLayoutFor } from "./ctx/sock.ts";
import { checkMapValueFields } from "./refs.ts";
import { checkPtrToBtfAccess } from "./btf-ptr.ts";
import { checkTracingCtxAccess, isFentryFexit } from "./tracing.ts";
import {
  coerceToSize,
  coerceToSizeSx,
  tnumAdd,
  tnumConst,
  tnumIsAligned,
  tnumIsConst,
} from "./domain.ts";
import type { Env } from "./env.ts";
import { kernelValueAccess } from "./kernel-value.ts";
import { tnumText } from "./log.ts";
import { mapProgCaps } from "./map-info.ts";
import { checkRegArg, DST_OP, DST_OP_NO_MARK, SRC_OP } from "./reg-access.ts";
import {
  DEF_NOT_SUBREG,
  markRegKnown,
  markRegKnownZero,
  markRegUnknown,
  type RegState,
} from "./regs.ts";
import {
  baseType,
  isPktPointer,
  isSkPointer,
  RegType,
  regTypeStr,
  TypeFlag,
  typeMayBeNull,
} from "./reg-types.ts";
import { ProgType } from "../uapi/prog-types.ts";

export { BPF_READ, BPF_WRITE };

/** BPF_LOAD_ACQ / BPF_STORE_REL atomic "operations" (load-acquire, store-release). */
const BPF_LOAD_ACQ = 0x100;
const BPF_STORE_REL = 0x110;

/** Kernel register type names used by the ctx tables -> numeric types. */
const CTX_REG_TYPES: Record<string, number> = {
  SCALAR_VALUE: RegType.SCALAR_VALUE,
  PTR_TO_PACKET: RegType.PTR_TO_PACKET,
  PTR_TO_PACKET_META: RegType.PTR_TO_PACKET_META,
  PTR_TO_PACKET_END: RegType.PTR_TO_PACKET_END,
  PTR_TO_SOCK_COMMON_OR_NULL: RegType.PTR_TO_SOCK_COMMON | TypeFlag.PTR_MAYBE_NULL,
  PTR_TO_SOCKET_OR_NULL: RegType.PTR_TO_SOCKET | TypeFlag.PTR_MAYBE_NULL,
  PTR_TO_FLOW_KEYS: RegType.PTR_TO_FLOW_KEYS,
  PTR_TO_SOCKET: RegType.PTR_TO_SOCKET,
  PTR_TO_TP_BUFFER: RegType.PTR_TO_TP_BUFFER,
};

/** Pointer values may not be stored where unprivileged code could read them back. */
export function isPointerValue(env: Env, reg: RegState): boolean {
  return !env.allowPtrLeaks && reg.type !== RegType.SCALAR_VALUE;
}

function alignmentCheck(
  env: Env,
  reg: RegState,
  desc: string,
  off: number,
  size: number,
  strict: boolean,
): void {
  if (!strict || size === 1) return;
  const regOff = tnumAdd(reg.varOff, tnumConst(BigInt.asUintN(64, BigInt(reg.off + off))));
  if (!tnumIsAligned(regOff, BigInt(size))) {
    env.fail(`misaligned ${desc}access off ${tnumText(reg.varOff)}+${reg.off}+${off} size ${size}`);
  }
}

/** The variable part of a packet pointer's offset in an alignment message, when it has one. */
const varOffText = (reg: RegState): string =>
  tnumIsConst(reg.varOff) && reg.varOff.value === 0n ? "" : `${tnumText(reg.varOff)}+`;

/** check_ptr_alignment(). */
export function checkPtrAlignment(
  env: Env,
  reg: RegState,
  off: number,
  size: number,
  strictOnce: boolean,
): void {
  let strict = env.strictAlignment || strictOnce;
  let desc = "";
  switch (reg.type) {
    case RegType.PTR_TO_PACKET:
    case RegType.PTR_TO_PACKET_META: {
      // NET_IP_ALIGN == 2 is assumed, as the kernel does in strict mode.
      if (!strict || size === 1) return;
      const regOff = tnumAdd(reg.varOff, tnumConst(BigInt.asUintN(64, BigInt(2 + reg.off + off))));
      if (!tnumIsAligned(regOff, BigInt(size))) {
        env.fail(`misaligned packet access off 2+${varOffText(reg)}${reg.off}+${off} size ${size}`);
      }
      return;
    }
    case RegType.PTR_TO_FLOW_KEYS:
      desc = "flow keys ";
      break;
    case RegType.PTR_TO_MAP_KEY:
      desc = "key ";
      break;
    case RegType.PTR_TO_MAP_VALUE:
      desc = "value ";
      break;
    case RegType.PTR_TO_CTX:
      desc = "context ";
      break;
    case RegType.PTR_TO_STACK:
      desc = "stack ";
      strict = true;
      break;
    case RegType.PTR_TO_SOCKET:
      desc = "sock ";
      break;
    case RegType.PTR_TO_SOCK_COMMON:
      desc = "sock_common ";
      break;
    case RegType.PTR_TO_TCP_SOCK:
      desc = "tcp_sock ";
      break;
    case RegType.PTR_TO_XDP_SOCK:
      desc = "xdp_sock ";
      break;
  }
  alignmentCheck(env, reg, desc, off, size, strict);
}

/** __check_mem_access(): [off, off+size) inside [0, memSize). */
function checkMemAccessRange(
  env: Env,
  regno: number,
  off: number,
  size: number,
  memSize: number,
  zeroOk: boolean,
): boolean {
  const sizeOk = size > 0 || (size === 0 && zeroOk);
  if (off >= 0 && sizeOk && off + size <= memSize) return true;
  const reg = env.regs[regno]!;
  switch (reg.type) {
    case RegType.PTR_TO_MAP_KEY:
      env.errorLine(`invalid access to map key, key_size=${memSize} off=${off} size=${size}`);
      break;
    case RegType.PTR_TO_MAP_VALUE:
      env.errorLine(`invalid access to map value, value_size=${memSize} off=${off} size=${size}`);
      break;
    case RegType.PTR_TO_PACKET:
    case RegType.PTR_TO_PACKET_META:
    case RegType.PTR_TO_PACKET_END:
      env.errorLine(
        `invalid access to packet, off=${off} size=${size}, R${regno}(id=${reg.id},off=${off},r=${memSize})`,
      );
      break;
    default:
      env.errorLine(`invalid access to memory, mem_size=${memSize >>> 0} off=${off} size=${size}`);
  }
  return false;
}

/** check_mem_region_access(): a region of `memSize` bytes, pointer possibly with a variable offset. */
export function checkMemRegionAccess(
  env: Env,
  regno: number,
  off: number,
  size: number,
  memSize: number,
  zeroOk: boolean,
): void {
  const reg = env.regs[regno]!;
  const o = BigInt(off);
  if (
    reg.smin < 0n &&
    (reg.smin === S64_MIN || o + reg.smin !== BigInt(toS32(o + reg.smin)) || reg.smin + o < 0n)
  ) {
    env.fail(
      `R${regno} min value is negative, either use unsigned index or do a if (index >=0) check.`,
    );
  }
  if (!checkMemAccessRange(env, regno, toS32(reg.smin + o), size, memSize, zeroOk)) {
    env.fail(`R${regno} min value is outside of the allowed memory range`);
  }
  if (reg.umax >= BigInt(BPF_MAX_VAR_OFF)) {
    env.fail(`R${regno} unbounded memory access, make sure to bounds check any such access`);
  }
  if (!checkMemAccessRange(env, regno, toS32(reg.umax + o), size, memSize, zeroOk)) {
    env.fail(`R${regno} max value is outside of the allowed memory range`);
  }
}

/** check_map_access_type(): BPF_F_RDONLY_PROG / BPF_F_WRONLY_PROG. */
export function checkMapAccessType(
  env: Env,
  regno: number,
  off: number,
  size: number,
  type: number,
): void {
  const map = env.regs[regno]!.map!;
  const caps = mapProgCaps(map);
  if (type === BPF_WRITE && !caps.write) {
    env.fail(`write into map forbidden, value_size=${map.valueSize} off=${off} size=${size}`);
  }
  if (type === BPF_READ && !caps.read) {
    env.fail(`read from map forbidden, value_size=${map.valueSize} off=${off} size=${size}`);
  }
}

/** check_map_access(): a map value (BTF-described special fields are not modelled yet). */
export function checkMapAccess(
  env: Env,
  regno: number,
  off: number,
  size: number,
  zeroOk: boolean,
): void {
  checkMemRegionAccess(env, regno, off, size, env.regs[regno]!.map!.valueSize, zeroOk);
  checkMapValueFields(env, regno, off, size);
}

/** may_access_direct_pkt_data(). `pktAccess` is the helper's flag (undefined: an instruction). */
export function mayAccessDirectPktData(
  env: Env,
  pktAccess: boolean | undefined,
  write: boolean,
): boolean {
  const P = ProgType;
  switch (env.progType) {
    case P.LWT_IN:
    case P.LWT_OUT:
    case P.LWT_SEG6LOCAL:
    case P.SK_REUSEPORT:
    case P.FLOW_DISSECTOR:
    case P.CGROUP_SKB:
      // Read-only direct packet access.
      if (write) return false;
      return directAccess(env, pktAccess);
    case P.SCHED_CLS:
    case P.SCHED_ACT:
    case P.XDP:
    case P.LWT_XMIT:
    case P.SK_SKB:
    case P.SK_MSG:
      return directAccess(env, pktAccess);
    case P.CGROUP_SOCKOPT:
      if (write) env.seenDirectWrite = true;
      return true;
    default:
      return false;
  }
}

function directAccess(env: Env, pktAccess: boolean | undefined): boolean {
  if (pktAccess !== undefined) return pktAccess;
  env.seenDirectWrite = true;
  return true;
}

/** check_packet_access(): only the fixed offset is checked; range covers the variable part. */
export function checkPacketAccess(
  env: Env,
  regno: number,
  off: number,
  size: number,
  zeroOk: boolean,
): void {
  const reg = env.regs[regno]!;
  if (reg.smin < 0n) {
    env.fail(
      `R${regno} min value is negative, either use unsigned index or do a if (index >=0) check.`,
    );
  }
  const ok = reg.range >= 0 && checkMemAccessRange(env, regno, off, size, reg.range, zeroOk);
  if (!ok) env.fail(`R${regno} offset is outside of the packet`);
}

/** __check_ptr_off_reg(): a pointer that must be unmodified (ctx, sockets, ...). */
export function checkPtrOffReg(env: Env, reg: RegState, regno: number, fixedOffOk: boolean): void {
  if (reg.off < 0)
    env.fail(`negative offset ${regTypeStr(reg.type)} ptr R${regno} off=${reg.off} disallowed`);
  if (!fixedOffOk && reg.off) {
    env.fail(
      `dereference of modified ${regTypeStr(reg.type)} ptr R${regno} off=${reg.off} disallowed`,
    );
  }
  if (!tnumIsConst(reg.varOff) || reg.varOff.value) {
    env.fail(`variable ${regTypeStr(reg.type)} access var_off=${tnumText(reg.varOff)} disallowed`);
  }
}

/** Unprivileged programs may not store a pointer into memory the user can read. */
function checkLeak(env: Env, t: number, valueRegno: number, where: string): void {
  if (t === BPF_WRITE && valueRegno >= 0 && isPointerValue(env, env.regs[valueRegno]!)) {
    env.fail(`R${valueRegno} leaks addr into ${where}`);
  }
}

/**
 * check_mem_access(): may `regno + off` be read (t = BPF_READ, result in
 * valueRegno) or written (valueRegno the stored register, -1 for an immediate)?
 */
export function checkMemAccess(
  env: Env,
  regno: number,
  offIn: number,
  bpfSize: number,
  t: number,
  valueRegno: number,
  strictOnce: boolean,
  isLdsx: boolean,
): void {
  const regs = env.regs;
  const reg = regs[regno]!;
  const size = sizeBytes(bpfSize);
  checkPtrAlignment(env, reg, offIn, size, strictOnce);
  const off = offIn + reg.off;

  if (reg.type === RegType.PTR_TO_MAP_KEY) {
    if (t === BPF_WRITE) env.fail(`write to change key R${regno} not allowed`);
    checkMemRegionAccess(env, regno, off, size, reg.map!.keySize, false);
    if (valueRegno >= 0) markRegUnknown(regs[valueRegno]!, env.bpfCapable);
  } else if (reg.type === RegType.PTR_TO_MAP_VALUE) {
    checkLeak(env, t, valueRegno, "map");
    checkMapAccessType(env, regno, off, size, t);
    checkMapAccess(env, regno, off, size, false);
    if (t === BPF_READ && valueRegno >= 0) {
      const map = reg.map!;
      const dst = regs[valueRegno]!;
      const frozen = map.frozenValue;
      if (tnumIsConst(reg.varOff) && frozen && map.flags & 0x80 /* BPF_F_RDONLY_PROG */) {
        const at = off + Number(reg.varOff.value);
        dst.type = RegType.SCALAR_VALUE;
        markRegKnown(dst, readFrozen(frozen, at, size, isLdsx));
      } else {
        markRegUnknown(dst, env.bpfCapable);
      }
    }
  } else if (baseType(reg.type) === RegType.PTR_TO_MEM) {
    if (typeMayBeNull(reg.type)) env.fail(`R${regno} invalid mem access '${regTypeStr(reg.type)}'`);
    const rdonly = (reg.type & TypeFlag.MEM_RDONLY) !== 0;
    if (t === BPF_WRITE && rdonly) env.fail(`R${regno} cannot write into ${regTypeStr(reg.type)}`);
    checkLeak(env, t, valueRegno, "mem");
    checkMemRegionAccess(env, regno, off, size, reg.memSize, false);
    if (valueRegno >= 0 && (t === BPF_READ || rdonly))
      markRegUnknown(regs[valueRegno]!, env.bpfCapable);
  } else if (reg.type === RegType.PTR_TO_CTX && env.attachTarget && isFentryFexit(env)) {
    // fentry/fexit: the traced function's arguments, typed by its BTF (tracing.ts).
    checkLeak(env, t, valueRegno, "ctx");
    checkPtrOffReg(env, reg, regno, false);
    checkTracingCtxAccess(env, env.attachTarget, off, size, t === BPF_WRITE, valueRegno);
  } else if (baseType(reg.type) === RegType.PTR_TO_BTF_ID && !typeMayBeNull(reg.type)) {
    checkPtrToBtfAccess(env, regno, off, size, t === BPF_WRITE, valueRegno);
  } else if (reg.type === RegType.PTR_TO_CTX) {
    checkLeak(env, t, valueRegno, "ctx");
    checkPtrOffReg(env, reg, regno, false);
    const layout = env.ctxLayout;
    const res = layout
      ? checkCtxAccess(layout, off, size, t === BPF_WRITE, env.expectedAttachType)
      : undefined;
    if (!res) env.fail(`invalid bpf_context access off=${off} size=${size}`);
    env.aux[env.insnIdx]!.ctxFieldSize = res.ctxFieldSize;
    if (t === BPF_READ && valueRegno >= 0) {
      const dst = regs[valueRegno]!;
      const type = CTX_REG_TYPES[res.regType] ?? RegType.SCALAR_VALUE;
      if (type === RegType.SCALAR_VALUE) {
        markRegUnknown(dst, env.bpfCapable);
      } else {
        markRegKnownZero(dst);
        if (typeMayBeNull(type)) dst.id = ++env.idGen;
        dst.subregDef = DEF_NOT_SUBREG;
      }
      dst.type = type;
    }
  } else if (reg.type === RegType.PTR_TO_STACK) {
    checkStackAccessWithinBounds(env, regno, off, size, t);
    if (t === BPF_READ) checkStackRead(env, regno, off, size, valueRegno);
    else checkStackWrite(env, regno, off, size, valueRegno);
  } else if (isPktPointer(reg.type)) {
    if (t === BPF_WRITE && !mayAccessDirectPktData(env, undefined, true))
      env.fail("cannot write into packet");
    checkLeak(env, t, valueRegno, "packet");
    checkPacketAccess(env, regno, off, size, false);
    if (t === BPF_READ && valueRegno >= 0) markRegUnknown(regs[valueRegno]!, env.bpfCapable);
  } else if (reg.type === RegType.PTR_TO_TP_BUFFER) {
    // check_tp_buffer_access(): any constant offset; the attach checks the buffer's size.
    if (off < 0) env.fail(`R${regno} invalid tracepoint buffer access: off=${off}, size=${size}`);
    if (!tnumIsConst(reg.varOff) || reg.varOff.value) {
      env.fail(
        `R${regno} invalid variable buffer offset: off=${off}, var_off=${tnumText(reg.varOff)}`,
      );
    }
    if (t === BPF_READ && valueRegno >= 0) markRegUnknown(regs[valueRegno]!, env.bpfCapable);
  } else if (reg.type === RegType.PTR_TO_FLOW_KEYS) {
    checkLeak(env, t, valueRegno, "flow keys");
    if (size < 0 || off < 0 || off + size > 56 /* sizeof(struct bpf_flow_keys) */) {
      env.fail(`invalid access to flow keys off=${off} size=${size}`);
    }
    if (t === BPF_READ && valueRegno >= 0) markRegUnknown(regs[valueRegno]!, env.bpfCapable);
  } else if (isSkPointer(reg.type)) {
    if (t === BPF_WRITE) env.fail(`R${regno} cannot write into ${regTypeStr(reg.type)}`);
    if (reg.smin < 0n) {
      env.fail(
        `R${regno} min value is negative, either use unsigned index or do a if (index >=0) check.`,
      );
    }
    // check_sock_access(): the fields of struct bpf_sock / bpf_tcp_sock / bpf_xdp_sock.
    const layout = sockLayoutFor(reg.type);
    const res = layout ? checkCtxAccess(layout, off, size, false) : undefined;
    if (!res) env.fail(`R${regno} invalid ${regTypeStr(reg.type)} access off=${off} size=${size}`);
    env.aux[env.insnIdx]!.ctxFieldSize = res.ctxFieldSize;
    if (valueRegno >= 0) markRegUnknown(regs[valueRegno]!, env.bpfCapable);
  } else if (reg.type === RegType.CONST_PTR_TO_MAP) {
    env.fail("map_ptr access not supported without CONFIG_DEBUG_INFO_BTF");
  } else if (reg.type === RegType.KERNEL_VALUE) {
    // Inside an inlinable kfunc's body: trusted kernel memory (kernel-value.ts).
    kernelValueAccess(env, t === BPF_READ, valueRegno);
  } else {
    env.fail(`R${regno} invalid mem access '${regTypeStr(reg.type)}'`);
  }

  if (
    size < 8 &&
    valueRegno >= 0 &&
    t === BPF_READ &&
    regs[valueRegno]!.type === RegType.SCALAR_VALUE
  ) {
    if (isLdsx) coerceToSizeSx(regs[valueRegno]!, size);
    else coerceToSize(regs[valueRegno]!, size);
  }
}

/** Little-endian load from frozen read-only map data (bpf_map_direct_read). */
function readFrozen(bytes: Uint8Array, at: number, size: number, signed: boolean): bigint {
  let v = 0n;
  for (let i = size - 1; i >= 0; i--) v = (v << 8n) | BigInt(bytes[at + i] ?? 0);
  if (signed && size < 8) v = BigInt.asUintN(64, BigInt.asIntN(size * 8, v));
  return v;
}

/** reg_type_mismatch_ok(): these pointer kinds are converted per insn, so one insn must see one kind. */
function regTypeMismatchOk(type: number): boolean {
  switch (baseType(type)) {
    case RegType.PTR_TO_CTX:
    case RegType.PTR_TO_SOCKET:
    case RegType.PTR_TO_SOCK_COMMON:
    case RegType.PTR_TO_TCP_SOCK:
    case RegType.PTR_TO_XDP_SOCK:
    case RegType.PTR_TO_BTF_ID:
      return false;
    default:
      return true;
  }
}

/** save_aux_ptr_type(): one load/store insn may not be used with incompatible pointer kinds. */
export function saveAuxPtrType(env: Env, type: number): void {
  const aux = env.aux[env.insnIdx]!;
  if (aux.ptrType === RegType.NOT_INIT) {
    aux.ptrType = type;
  } else if (
    type !== aux.ptrType &&
    (!regTypeMismatchOk(type) || !regTypeMismatchOk(aux.ptrType))
  ) {
    env.fail("same insn cannot be used with different pointers");
  }
}

/** check_load_mem(): LDX (and atomic load-acquire). */
export function checkLoadMem(env: Env, insn: Insn, strictOnce: boolean): void {
  checkRegArg(env, insn.src, SRC_OP);
  checkRegArg(env, insn.dst, DST_OP_NO_MARK);
  const srcType = env.regs[insn.src]!.type;
  const isLdsx = opMode(insn.code) === BPF_MEMSX;
  checkMemAccess(
    env,
    insn.src,
    insn.off,
    opSize(insn.code),
    BPF_READ,
    insn.dst,
    strictOnce,
    isLdsx,
  );
  saveAuxPtrType(env, srcType);
}

/** check_store_reg(): STX (and atomic store-release). */
export function checkStoreReg(env: Env, insn: Insn, strictOnce: boolean): void {
  checkRegArg(env, insn.src, SRC_OP);
  checkRegArg(env, insn.dst, SRC_OP);
  const dstType = env.regs[insn.dst]!.type;
  checkMemAccess(
    env,
    insn.dst,
    insn.off,
    opSize(insn.code),
    BPF_WRITE,
    insn.src,
    strictOnce,
    false,
  );
  saveAuxPtrType(env, dstType);
}

/** BPF_ST: store an immediate. */
export function checkStoreImm(env: Env, insn: Insn): void {
  checkRegArg(env, insn.dst, SRC_OP);
  const dstType = env.regs[insn.dst]!.type;
  checkMemAccess(env, insn.dst, insn.off, opSize(insn.code), BPF_WRITE, -1, false, false);
  saveAuxPtrType(env, dstType);
}

/** atomic_ptr_type_ok(): atomics are not allowed on ctx, packet, flow keys or socket pointers. */
function atomicPtrTypeOk(reg: RegState): boolean {
  return !(
    reg.type === RegType.PTR_TO_CTX ||
    isPktPointer(reg.type) ||
    reg.type === RegType.PTR_TO_FLOW_KEYS ||
    isSkPointer(reg.type)
  );
}

function checkAtomicRmw(env: Env, insn: Insn): void {
  const sz = opSize(insn.code);
  if (sz !== BPF_W && sz !== BPF_DW) env.fail("invalid atomic operand size");
  checkRegArg(env, insn.src, SRC_OP);
  checkRegArg(env, insn.dst, SRC_OP);
  const regs = env.regs;
  if (insn.imm === BPF_CMPXCHG) {
    checkRegArg(env, 0, SRC_OP);
    if (isPointerValue(env, regs[0]!)) env.fail("R0 leaks addr into mem");
  }
  if (isPointerValue(env, regs[insn.src]!)) env.fail(`R${insn.src} leaks addr into mem`);
  if (!atomicPtrTypeOk(regs[insn.dst]!)) {
    env.fail(
      `BPF_ATOMIC stores into R${insn.dst} ${regTypeStr(regs[insn.dst]!.type)} is not allowed`,
    );
  }
  let loadReg = -1;
  if (insn.imm & BPF_FETCH) {
    loadReg = insn.imm === BPF_CMPXCHG ? 0 : insn.src;
    checkRegArg(env, loadReg, DST_OP);
  }
  checkMemAccess(env, insn.dst, insn.off, sz, BPF_READ, -1, true, false);
  if (loadReg >= 0) checkMemAccess(env, insn.dst, insn.off, sz, BPF_READ, loadReg, true, false);
  checkMemAccess(env, insn.dst, insn.off, sz, BPF_WRITE, -1, true, false);
}

/** check_atomic(): BPF_STX | BPF_ATOMIC. */
export function checkAtomic(env: Env, insn: Insn): void {
  switch (insn.imm) {
    case BPF_ADD:
    case BPF_ADD | BPF_FETCH:
    case BPF_AND:
    case BPF_AND | BPF_FETCH:
    case BPF_OR:
    case BPF_OR | BPF_FETCH:
    case BPF_XOR:
    case BPF_XOR | BPF_FETCH:
    case BPF_XCHG:
    case BPF_CMPXCHG:
      checkAtomicRmw(env, insn);
      return;
    case BPF_LOAD_ACQ: {
      checkLoadMem(env, insn, true);
      const src = env.regs[insn.src]!;
      if (!atomicPtrTypeOk(src)) {
        env.fail(`BPF_ATOMIC loads from R${insn.src} ${regTypeStr(src.type)} is not allowed`);
      }
      return;
    }
    case BPF_STORE_REL: {
      checkStoreReg(env, insn, true);
      const dst = env.regs[insn.dst]!;
      if (!atomicPtrTypeOk(dst)) {
        env.fail(`BPF_ATOMIC stores into R${insn.dst} ${regTypeStr(dst.type)} is not allowed`);
      }
      return;
    }
    default:
      env.fail(
        `BPF_ATOMIC uses invalid atomic opcode ${(insn.imm >>> 0).toString(16).padStart(2, "0")}`,
      );
  }
}
