// Helper calls (check_helper_call / check_func_arg): the prototype decides
// what each argument register must hold; memory arguments are checked for
// bounds and initialisation; maps must suit the helper; R0 gets the return
// type; R1-R5 are clobbered. References acquired by helpers (sockets, ring
// buffer records) and spin locks are tracked in refs.ts; BPF-to-BPF calls
// and the callbacks of bpf_loop & co. are entered in calls.ts.
import type { Insn } from "../isa/insn.ts";
import { helperName } from "../uapi/helper-ids.ts";
import { MapType } from "../uapi/map-types.ts";
import { ProgType } from "../uapi/prog-types.ts";
import {
  BPF_READ,
  BPF_WRITE,
  checkMapAccess,
  checkMapAccessType,
  checkMemAccess,
  checkMemRegionAccess,
  checkPacketAccess,
  checkPtrAlignment,
  checkPtrOffReg,
  isPointerValue,
  mayAccessDirectPktData,
} from "./check-mem.ts";
import { checkStackRangeInitialized, type RawModeMeta } from "./check-stack.ts";
import { markChainPrecision, markStackSlotPrecision } from "./precision.ts";
import { boundsSync, tnumIsConst } from "./domain.ts";
import type { Env } from "./env.ts";
import { isDynptrPktSlice } from "./dynptr.ts";
import { decodeArgType, decodeRetType } from "./helpers/decode.ts";
import { HELPER_ONLY_WITH, MAP_ONLY_WITH, RECORD_MAP_HELPERS } from "./helpers/map-compat.ts";
import { ArgKind, RetKind, type HelperProto } from "./helpers/proto-types.ts";
import { helperProtoFor } from "./helpers/protos.ts";
import type { MapInfo } from "./map-info.ts";
import { checkRegArg, DST_OP_NO_MARK, SRC_OP } from "./reg-access.ts";
import {
  DEF_NOT_SUBREG,
  isRegConst,
  markRegKnownZero,
  markRegNotInit,
  markRegUnknown,
  regIsNull,
  type RegState,
} from "./regs.ts";
import {
  baseType,
  isPktPointer,
  isPktPointerAny,
  RegType,
  regTypeStr,
  TypeFlag,
  typeMayBeNull,
} from "./reg-types.ts";
import { forEachReg } from "./state.ts";
import { CALLBACK_HELPERS, processTimerFunc } from "./callbacks.ts";
import { pushCallbackCall, pushLoopCallback, subprogTailCalls } from "./calls.ts";
import {
  acquireReference,
  activeLocks,
  checkResourceLeak,
  markRegInvalid,
  mayPointToSpinLock,
  processSpinLock,
  releaseReference,
} from "./refs.ts";

// Moved to their own files; still importable from here.
export { checkResourceLeak } from "./refs.ts";
export { checkFuncCall, prepareFuncExit } from "./calls.ts";

const CALLER_SAVED = [0, 1, 2, 3, 4, 5];
/** Helpers refuse sizes beyond this (BPF_MAX_VAR_SIZ). */
const BPF_MAX_VAR_SIZ = 1 << 29;
const MAX_ERRNO = 4095n;
/** BPF_FUNC_* ids the call logic special-cases. */
const F = {
  tail_call: 12,
  get_smp_processor_id: 8,
  probe_read_str: 45,
  get_stack: 67,
  get_local_storage: 81,
  probe_read_kernel_str: 115,
  probe_read_user_str: 114,
  get_task_stack: 141,
  for_each_map_elem: 164,
  loop: 181,
  find_vma: 180,
  timer_set_callback: 170,
  spin_lock: 93,
  spin_unlock: 94,
  user_ringbuf_drain: 209,
} as const;

/** Kernel name of a helper id for messages: `bpf_map_lookup_elem`, or `unknown`. */
export function funcIdName(id: number): string {
  return helperName(id) ?? "unknown";
}

/** Register types each argument kind accepts (compatible_reg_types). */
const MEM_TYPES = [
  RegType.PTR_TO_STACK,
  RegType.PTR_TO_PACKET,
  RegType.PTR_TO_PACKET_META,
  RegType.PTR_TO_MAP_KEY,
  RegType.PTR_TO_MAP_VALUE,
  RegType.PTR_TO_MEM,
  RegType.PTR_TO_MEM | TypeFlag.MEM_RINGBUF,
  RegType.PTR_TO_BUF,
  RegType.PTR_TO_BTF_ID | TypeFlag.PTR_TRUSTED,
];
const SOCK_TYPES = [
  RegType.PTR_TO_SOCK_COMMON,
  RegType.PTR_TO_SOCKET,
  RegType.PTR_TO_TCP_SOCK,
  RegType.PTR_TO_XDP_SOCK,
];
const COMPATIBLE: Partial<Record<number, readonly number[]>> = {
  [ArgKind.ARG_PTR_TO_MAP_KEY]: MEM_TYPES,
  [ArgKind.ARG_PTR_TO_MAP_VALUE]: MEM_TYPES,
  [ArgKind.ARG_PTR_TO_MEM]: MEM_TYPES,
  [ArgKind.ARG_CONST_SIZE]: [RegType.SCALAR_VALUE],
  [ArgKind.ARG_CONST_SIZE_OR_ZERO]: [RegType.SCALAR_VALUE],
  [ArgKind.ARG_CONST_ALLOC_SIZE_OR_ZERO]: [RegType.SCALAR_VALUE],
  [ArgKind.ARG_CONST_MAP_PTR]: [RegType.CONST_PTR_TO_MAP],
  [ArgKind.ARG_PTR_TO_CTX]: [RegType.PTR_TO_CTX],
  [ArgKind.ARG_PTR_TO_SOCK_COMMON]: SOCK_TYPES,
  [ArgKind.ARG_PTR_TO_BTF_ID_SOCK_COMMON]: [
    ...SOCK_TYPES,
    RegType.PTR_TO_BTF_ID,
    RegType.PTR_TO_BTF_ID | TypeFlag.PTR_TRUSTED,
  ],
  [ArgKind.ARG_PTR_TO_SOCKET]: [RegType.PTR_TO_SOCKET],
  [ArgKind.ARG_PTR_TO_BTF_ID]: [
    RegType.PTR_TO_BTF_ID,
    RegType.PTR_TO_BTF_ID | TypeFlag.PTR_TRUSTED,
    RegType.PTR_TO_BTF_ID | TypeFlag.MEM_RCU,
  ],
  [ArgKind.ARG_PTR_TO_SPIN_LOCK]: [
    RegType.PTR_TO_MAP_VALUE,
    RegType.PTR_TO_BTF_ID | TypeFlag.MEM_ALLOC,
  ],
  [ArgKind.ARG_PTR_TO_RINGBUF_MEM]: [RegType.PTR_TO_MEM | TypeFlag.MEM_RINGBUF],
  [ArgKind.ARG_PTR_TO_FUNC]: [RegType.PTR_TO_FUNC],
  [ArgKind.ARG_PTR_TO_STACK]: [RegType.PTR_TO_STACK],
  [ArgKind.ARG_PTR_TO_CONST_STR]: [RegType.PTR_TO_MAP_VALUE],
  [ArgKind.ARG_PTR_TO_TIMER]: [RegType.PTR_TO_MAP_VALUE],
  [ArgKind.ARG_KPTR_XCHG_DEST]: [
    RegType.PTR_TO_MAP_VALUE,
    RegType.PTR_TO_BTF_ID | TypeFlag.MEM_ALLOC,
  ],
  [ArgKind.ARG_PTR_TO_DYNPTR]: [RegType.PTR_TO_STACK, RegType.CONST_PTR_TO_DYNPTR],
};

/** The kernel's bpf_call_arg_meta: what earlier arguments taught about later ones. */
interface CallMeta extends RawModeMeta {
  map: MapInfo | null;
  mapUid: number;
  pktAccess: boolean;
  releaseRegno: number;
  msizeMaxValue: bigint;
  refObjId: number;
  funcId: number;
  memSize: number;
  constMapKey: bigint;
  subprogno: number;
}

/** check_reg_type(): the register's type is one the argument accepts. */
function checkRegType(env: Env, regno: number, argKind: number, argFlags: number): void {
  const reg = env.regs[regno]!;
  const compatible = COMPATIBLE[argKind];
  if (!compatible) env.fail(`verifier internal error: unsupported arg type ${argKind}`);
  let type = reg.type;
  if (argFlags & TypeFlag.MEM_RDONLY) type &= ~TypeFlag.MEM_RDONLY;
  if (argFlags & TypeFlag.PTR_MAYBE_NULL) type &= ~TypeFlag.PTR_MAYBE_NULL;
  if (compatible.includes(type)) return;
  env.fail(
    `R${regno} type=${regTypeStr(reg.type)} expected=${compatible.map(regTypeStr).join(", ")}`,
  );
}

/** check_func_arg_reg_off(): which pointers may carry an offset into a helper. */
export function checkFuncArgRegOff(env: Env, reg: RegState, regno: number, argFlags: number): void {
  if (argFlags & TypeFlag.OBJ_RELEASE) {
    if (reg.off)
      env.fail(
        `R${regno} must have zero offset when passed to release func or trusted arg to kfunc`,
      );
    checkPtrOffReg(env, reg, regno, false);
    return;
  }
  switch (reg.type) {
    case RegType.PTR_TO_STACK:
    case RegType.PTR_TO_PACKET:
    case RegType.PTR_TO_PACKET_META:
    case RegType.PTR_TO_MAP_KEY:
    case RegType.PTR_TO_MAP_VALUE:
    case RegType.PTR_TO_MEM:
    case RegType.PTR_TO_MEM | TypeFlag.MEM_RDONLY:
    case RegType.PTR_TO_MEM | TypeFlag.MEM_RINGBUF:
    case RegType.PTR_TO_BUF:
    case RegType.PTR_TO_BUF | TypeFlag.MEM_RDONLY:
    case RegType.SCALAR_VALUE:
      return;
    case RegType.PTR_TO_BTF_ID:
    case RegType.PTR_TO_BTF_ID | TypeFlag.PTR_TRUSTED:
    case RegType.PTR_TO_BTF_ID | TypeFlag.MEM_RCU:
      checkPtrOffReg(env, reg, regno, true);
      return;
    default:
      checkPtrOffReg(env, reg, regno, false);
  }
}

/**
 * Program types with a convert_ctx_access (their context is a UAPI view of
 * a kernel structure): helpers may not take their context as plain memory.
 */
const CTX_CONVERTED: ReadonlySet<number> = new Set([
  ProgType.SOCKET_FILTER,
  ProgType.SCHED_CLS,
  ProgType.SCHED_ACT,
  ProgType.XDP,
  ProgType.CGROUP_SKB,
  ProgType.CGROUP_SOCK,
  ProgType.CGROUP_SOCK_ADDR,
  ProgType.LWT_IN,
  ProgType.LWT_OUT,
  ProgType.LWT_XMIT,
  ProgType.LWT_SEG6LOCAL,
  ProgType.SOCK_OPS,
  ProgType.SK_SKB,
  ProgType.SK_MSG,
  ProgType.FLOW_DISSECTOR,
  ProgType.PERF_EVENT,
  ProgType.CGROUP_SYSCTL,
  ProgType.CGROUP_SOCKOPT,
  ProgType.SK_REUSEPORT,
  ProgType.SK_LOOKUP,
]);

/** check_helper_mem_access(): `regno` points at `accessSize` bytes the helper reads or writes. */
export function checkHelperMemAccess(
  env: Env,
  regno: number,
  accessSize: number,
  accessType: number,
  zeroOk: boolean,
  meta: RawModeMeta | null,
): void {
  const reg = env.regs[regno]!;
  switch (baseType(reg.type)) {
    case RegType.PTR_TO_PACKET:
    case RegType.PTR_TO_PACKET_META:
      checkPacketAccess(env, regno, reg.off, accessSize, zeroOk);
      return;
    case RegType.PTR_TO_MAP_KEY:
      if (accessType === BPF_WRITE) env.fail(`R${regno} cannot write into ${regTypeStr(reg.type)}`);
      checkMemRegionAccess(env, regno, reg.off, accessSize, reg.map!.keySize, false);
      return;
    case RegType.PTR_TO_MAP_VALUE:
      checkMapAccessType(env, regno, reg.off, accessSize, accessType);
      checkMapAccess(env, regno, reg.off, accessSize, zeroOk);
      return;
    case RegType.PTR_TO_MEM:
      if (reg.type & TypeFlag.MEM_RDONLY && accessType === BPF_WRITE) {
        env.fail(`R${regno} cannot write into ${regTypeStr(reg.type)}`);
      }
      checkMemRegionAccess(env, regno, reg.off, accessSize, reg.memSize, zeroOk);
      return;
    case RegType.PTR_TO_STACK:
      checkStackRangeInitialized(env, regno, reg.off, accessSize, zeroOk, accessType, meta);
      return;
    case RegType.PTR_TO_CTX:
      // Program types whose context is not rewritten check its bytes as an access would.
      if (!CTX_CONVERTED.has(env.progType)) {
        if (accessSize === 0) {
          if (zeroOk) return;
          env.fail(`R${regno} invalid zero-sized read`);
        }
        checkMemAccess(env, regno, accessSize - 1, 0x10 /* BPF_B */, accessType, -1, false, false);
        return;
      }
      if (zeroOk && accessSize === 0 && regIsNull(reg)) return;
      env.fail(
        `R${regno} type=${regTypeStr(reg.type)} expected=${regTypeStr(RegType.PTR_TO_STACK)}`,
      );
      return;
    default:
      if (zeroOk && accessSize === 0 && regIsNull(reg)) return;
      env.fail(
        `R${regno} type=${regTypeStr(reg.type)} expected=${regTypeStr(RegType.PTR_TO_STACK)}`,
      );
  }
}

/** check_mem_size_reg(): a size argument bounding the preceding memory argument. */
function checkMemSizeReg(
  env: Env,
  reg: RegState,
  regno: number,
  accessType: number,
  zeroOk: boolean,
  meta: CallMeta,
): void {
  meta.msizeMaxValue = reg.umax;
  const m = tnumIsConst(reg.varOff) ? meta : null;
  if (reg.smin < 0n)
    env.fail(`R${regno} min value is negative, either use unsigned or 'var &= const'`);
  if (reg.umin === 0n && !zeroOk) {
    env.fail(
      `R${regno} invalid zero-sized read: u64=[${BigInt.asIntN(64, reg.umin)},${BigInt.asIntN(64, reg.umax)}]`,
    );
  }
  if (reg.umax >= BigInt(BPF_MAX_VAR_SIZ)) {
    env.fail(`R${regno} unbounded memory access, use 'var &= const' or 'if (var < const)'`);
  }
  checkHelperMemAccess(env, regno - 1, Number(reg.umax), accessType, zeroOk, m);
  markChainPrecision(env, regno);
}

/** get_constant_map_key(): a key spilled on the stack as a known constant (array lookups). */
function constantMapKey(env: Env, key: RegState, keySize: number): bigint {
  if (!env.bpfCapable || key.type !== RegType.PTR_TO_STACK || !tnumIsConst(key.varOff)) return -1n;
  const stackOff = key.off + Number(BigInt.asIntN(64, key.varOff.value));
  const slotIdx = -stackOff - 1;
  const spi = Math.floor(slotIdx / 8);
  const off = slotIdx % 8;
  const slot = env.frameOf(key).stack[spi];
  if (!slot) return -1n;
  let zero = 0;
  for (let i = off; i >= 0 && slot.slotType[i] === 3 /* ZERO */; i--) zero++;
  if (zero >= keySize) return 0n;
  if (slot.slotType[7] !== 1 /* SPILL */ || slot.spilled.type !== RegType.SCALAR_VALUE) return -1n;
  let spill = 0;
  for (let i = off; i >= 0 && slot.slotType[i] === 1; i--) spill++;
  if (spill !== keySize || !tnumIsConst(slot.spilled.varOff)) return -1n;
  // The lookup's result depends on this exact key.
  markStackSlotPrecision(env, key.frameno, spi);
  return BigInt.asIntN(64, slot.spilled.varOff.value);
}

const canElideValueNullness = (type: number): boolean =>
  type === MapType.ARRAY || type === MapType.PERCPU_ARRAY;

/** check_func_arg() for argument `arg` (R1 + arg). */
function checkFuncArg(env: Env, arg: number, meta: CallMeta, proto: HelperProto): void {
  const regno = arg + 1;
  const text = proto.args[arg];
  if (!text) return;
  let { kind, flags } = decodeArgType(text);
  if (kind === ArgKind.ARG_DONTCARE) return;
  checkRegArg(env, regno, SRC_OP);
  const reg = env.regs[regno]!;
  if (kind === ArgKind.ARG_ANYTHING) {
    if (isPointerValue(env, reg)) env.fail(`R${regno} leaks addr into helper function`);
    return;
  }
  if (isPktPointer(reg.type) && !mayAccessDirectPktData(env, meta.pktAccess, false)) {
    env.fail("helper access to the packet is not allowed");
  }
  if (kind === ArgKind.ARG_PTR_TO_MAP_VALUE) {
    if (!meta.map) env.fail("invalid map_ptr to access map->type");
    if (meta.map.type === MapType.SOCKMAP || meta.map.type === MapType.SOCKHASH) {
      if (flags & (TypeFlag.MEM_UNINIT | TypeFlag.PTR_MAYBE_NULL))
        env.fail("invalid arg_type for sockmap/sockhash");
      kind = ArgKind.ARG_PTR_TO_BTF_ID_SOCK_COMMON;
    } else if (meta.map.type === MapType.BLOOM_FILTER && meta.funcId === 89 /* map_peek_elem */) {
      flags = 0;
    }
  }
  const maybeNull = (flags & TypeFlag.PTR_MAYBE_NULL) !== 0;
  if (!(regIsNull(reg) && maybeNull)) {
    checkRegType(env, regno, kind, flags);
    checkFuncArgRegOff(env, reg, regno, flags);
  }
  if (flags & TypeFlag.OBJ_RELEASE) {
    if (!reg.refObjId && !regIsNull(reg))
      env.fail(`R${regno} must be referenced when passed to release function`);
    meta.releaseRegno = regno;
  }
  if (reg.refObjId && kind !== ArgKind.ARG_KPTR_XCHG_DEST) {
    if (meta.refObjId) {
      env.fail(
        `verifier internal error: more than one arg with ref_obj_id R${regno} ${reg.refObjId} ${meta.refObjId}`,
      );
    }
    meta.refObjId = reg.refObjId;
  }
  const writes = (flags & TypeFlag.MEM_WRITE) !== 0;
  switch (kind) {
    case ArgKind.ARG_CONST_MAP_PTR:
      if (meta.map && (meta.map !== reg.map || meta.mapUid !== reg.mapUid)) {
        env.fail(
          `timer pointer in R1 map_uid=${meta.mapUid} doesn't match map pointer in R2 map_uid=${reg.mapUid}`,
        );
      }
      meta.map = reg.map;
      meta.mapUid = reg.mapUid;
      break;
    case ArgKind.ARG_PTR_TO_MAP_KEY:
      if (!meta.map) env.fail("invalid map_ptr to access map->key");
      checkHelperMemAccess(env, regno, meta.map.keySize, BPF_READ, false, null);
      if (canElideValueNullness(meta.map.type))
        meta.constMapKey = constantMapKey(env, reg, meta.map.keySize);
      break;
    case ArgKind.ARG_PTR_TO_MAP_VALUE:
      if (maybeNull && regIsNull(reg)) return;
      if (!meta.map) env.fail("invalid map_ptr to access map->value");
      meta.rawMode = (flags & TypeFlag.MEM_UNINIT) !== 0;
      checkHelperMemAccess(
        env,
        regno,
        meta.map.valueSize,
        writes ? BPF_WRITE : BPF_READ,
        false,
        meta,
      );
      break;
    case ArgKind.ARG_PTR_TO_SPIN_LOCK:
      if (meta.funcId !== F.spin_lock && meta.funcId !== F.spin_unlock)
        env.fail("verifier bug: spin lock arg on unexpected helper");
      processSpinLock(env, regno, meta.funcId === F.spin_lock);
      break;
    case ArgKind.ARG_PTR_TO_TIMER: {
      if (meta.map) env.fail("verifier bug: Two map pointers in a timer helper");
      meta.map = processTimerFunc(env, regno);
      meta.mapUid = reg.mapUid;
      break;
    }
    case ArgKind.ARG_PTR_TO_FUNC:
      meta.subprogno = reg.subprogno;
      break;
    case ArgKind.ARG_PTR_TO_MEM: {
      meta.rawMode = (flags & TypeFlag.MEM_UNINIT) !== 0;
      if (flags & TypeFlag.MEM_FIXED_SIZE) {
        const size = proto.argSize?.[arg] ?? 0;
        checkHelperMemAccess(env, regno, size, writes ? BPF_WRITE : BPF_READ, false, meta);
        if (flags & TypeFlag.MEM_ALIGNED) checkPtrAlignment(env, reg, 0, size, true);
      }
      break;
    }
    case ArgKind.ARG_CONST_SIZE:
    case ArgKind.ARG_CONST_SIZE_OR_ZERO: {
      const prev = decodeArgType(proto.args[arg - 1] ?? "ARG_DONTCARE");
      const type = prev.flags & TypeFlag.MEM_WRITE ? BPF_WRITE : BPF_READ;
      checkMemSizeReg(env, reg, regno, type, kind === ArgKind.ARG_CONST_SIZE_OR_ZERO, meta);
      break;
    }
    case ArgKind.ARG_CONST_ALLOC_SIZE_OR_ZERO:
      if (!tnumIsConst(reg.varOff)) env.fail(`R${regno} is not a known constant'`);
      meta.memSize = Number(reg.varOff.value);
      markChainPrecision(env, regno);
      break;
    case ArgKind.ARG_PTR_TO_CONST_STR:
      checkRegConstStr(env, reg, regno);
      break;
  }
}

/** check_reg_const_str(): a NUL-terminated string in frozen read-only map data. */
function checkRegConstStr(env: Env, reg: RegState, regno: number): void {
  const map = reg.map!;
  if (!(map.flags & 0x80) || !map.frozenValue)
    env.fail(`R${regno} does not point to a readonly map'`);
  if (!tnumIsConst(reg.varOff)) env.fail(`R${regno} is not a constant address'`);
  if (map.type !== MapType.ARRAY || map.maxEntries !== 1)
    env.fail("no direct value access support for this map type");
  checkMapAccess(env, regno, reg.off, map.valueSize - reg.off, false);
  const start = reg.off + Number(reg.varOff.value);
  if (!map.frozenValue.subarray(start, map.valueSize).includes(0))
    env.fail("string is not zero-terminated");
}

/** record_func_map(): the map used at this call site (for later inlining), and read-only maps. */
function recordFuncMap(env: Env, meta: CallMeta, proto: HelperProto): void {
  if (!RECORD_MAP_HELPERS.has(proto.name)) return;
  const map = meta.map;
  if (!map) env.fail("kernel subsystem misconfigured verifier");
  const writes = ["map_delete_elem", "map_update_elem", "map_push_elem", "map_pop_elem"];
  if (map.flags & 0x80 /* BPF_F_RDONLY_PROG */ && writes.includes(proto.name))
    env.fail("write into map forbidden");
  const aux = env.aux[env.insnIdx]!;
  if (!aux.mapPtr) aux.mapPtr = map;
  else if (aux.mapPtr !== map) aux.mapPtrPoisoned = true;
}

/** record_func_key(): a constant in-bounds tail call index can become a direct jump. */
function recordFuncKey(env: Env, meta: CallMeta, funcId: number): void {
  if (funcId !== F.tail_call) return;
  const map = meta.map;
  if (!map || map.type !== MapType.PROG_ARRAY) env.fail("kernel subsystem misconfigured verifier");
  const aux = env.aux[env.insnIdx]!;
  const r3 = env.regs[3]!;
  const val = r3.varOff.value;
  if (!(isRegConst(r3, false) && val < BigInt(map.maxEntries))) {
    aux.mapKey = "poisoned";
    return;
  }
  // A direct jump needs this exact key on every path.
  markChainPrecision(env, 3);
  if (aux.mapKey === "unseen") aux.mapKey = val;
  else if (aux.mapKey !== "poisoned" && aux.mapKey !== val) aux.mapKey = "poisoned";
}

/** check_map_func_compatibility(). */
function checkMapFuncCompatibility(env: Env, map: MapInfo | null, proto: HelperProto): void {
  if (!map) return;
  const onlyWith = MAP_ONLY_WITH[map.type];
  const okForMap = !onlyWith || onlyWith.includes(proto.name);
  const types = HELPER_ONLY_WITH[proto.name];
  const okForFn = !types || types.includes(map.type);
  if (okForMap && okForFn) {
    // allow_tail_call_in_subprogs(): only JITs that keep the tail call counter across calls.
    if (proto.id === F.tail_call && env.subprogs.length > 1 && !subprogTailCalls(env))
      env.fail("mixing of tail_calls and bpf-to-bpf calls is not supported");
    return;
  }
  env.fail(`cannot pass map_type ${map.type} into func ${funcIdName(proto.id)}#${proto.id}`);
}

/** clear_all_pkt_pointers(): the packet may have moved. */
export function clearAllPktPointers(env: Env): void {
  forEachReg(env.cur, (reg) => {
    // Slices of skb/xdp dynptrs point into the packet too (reg_is_dynptr_slice_pkt).
    if (isPktPointerAny(reg.type) || isDynptrPktSlice(reg)) markRegInvalid(env, reg);
  });
}

const isAcquireFunction = (name: string, map: MapInfo | null): boolean =>
  name === "sk_lookup_tcp" ||
  name === "sk_lookup_udp" ||
  name === "skc_lookup_tcp" ||
  name === "ringbuf_reserve" ||
  (name === "map_lookup_elem" &&
    !!map &&
    (map.type === MapType.SOCKMAP || map.type === MapType.SOCKHASH));

const isPtrCastFunction = (name: string): boolean =>
  [
    "tcp_sock",
    "sk_fullsock",
    "skc_to_tcp_sock",
    "skc_to_tcp6_sock",
    "skc_to_udp6_sock",
    "skc_to_mptcp_sock",
    "skc_to_tcp_timewait_sock",
    "skc_to_tcp_request_sock",
  ].includes(name);

/**
 * Look up the prototype (get_helper_proto). Ids outside enum bpf_func_id are
 * invalid; helpers the program type may not call are reported as such;
 * "unknown func" remains for allowed helpers whose prototype this table
 * does not describe yet.
 */
function getHelperProto(env: Env, id: number): HelperProto {
  const name = id === 0 ? "bpf_unspec" : helperName(id);
  if (name === undefined) env.fail(`invalid func unknown#${id}`);
  if (!env.helpers.has(name.slice(4)))
    env.fail(`program of this type cannot use helper ${name}#${id}`);
  const proto = helperProtoFor(id, env.progType);
  if (!proto) env.fail(`unknown func ${name}#${id}`);
  return proto;
}

/** check_helper_call(). */
export function checkHelperCall(env: Env, insn: Insn): void {
  const funcId = insn.imm;
  if (activeLocks(env.cur) && funcId !== F.spin_unlock)
    env.fail("function calls are not allowed while holding a lock");
  const proto = getHelperProto(env, funcId);
  if (!env.gplCompatible && proto.gplOnly) {
    env.fail("cannot call GPL-restricted function from non-GPL compatible program");
  }
  if (proto.mightSleep) env.fail("helper call might sleep in a non-sleepable prog");
  const meta: CallMeta = {
    map: null,
    mapUid: 0,
    rawMode: false,
    accessSize: 0,
    regno: 0,
    pktAccess: proto.pktAccess ?? false,
    releaseRegno: 0,
    msizeMaxValue: 0n,
    refObjId: 0,
    funcId,
    memSize: 0,
    constMapKey: -1n,
    subprogno: 0,
  };
  for (let i = 0; i < 5; i++) checkFuncArg(env, i, meta, proto);
  recordFuncMap(env, meta, proto);
  recordFuncKey(env, meta, funcId);
  // Raw-mode stack memory is written by the helper: mark those bytes initialised.
  for (let i = 0; i < meta.accessSize; i++) {
    checkMemAccess(env, meta.regno, i, 0x10 /* BPF_B */, BPF_WRITE, -1, false, false);
  }
  const regs = env.regs;
  if (meta.releaseRegno) {
    let ok = false;
    if (meta.refObjId) ok = releaseReference(env, meta.refObjId);
    else if (regIsNull(regs[meta.releaseRegno]!)) ok = true;
    if (!ok)
      env.fail(`func ${funcIdName(funcId)}#${funcId} reference has not been acquired before`);
  }
  switch (funcId) {
    case F.tail_call:
      checkResourceLeak(env, "tail_call");
      break;
    case F.get_local_storage:
      if (!regIsNull(regs[2]!)) env.fail("get_local_storage() doesn't support non-zero flags");
      break;
    case F.for_each_map_elem:
    case F.timer_set_callback:
      pushCallbackCall(env, meta.subprogno, CALLBACK_HELPERS.get(funcId)!);
      break;
    case F.loop:
      pushLoopCallback(env, meta.subprogno, CALLBACK_HELPERS.get(funcId)!);
      break;
    case F.find_vma:
    case F.user_ringbuf_drain:
      env.fail(`callback functions (${funcIdName(funcId)}#${funcId}) are not supported yet`);
  }
  for (const r of CALLER_SAVED) {
    markRegNotInit(regs[r]!, env.bpfCapable);
    checkRegArg(env, r, DST_OP_NO_MARK);
  }
  const r0 = regs[0]!;
  r0.subregDef = DEF_NOT_SUBREG;
  const ret = decodeRetType(proto.ret);
  let retFlags = ret.flags;
  switch (ret.kind) {
    case RetKind.RET_INTEGER:
      markRegUnknown(r0, env.bpfCapable);
      break;
    case RetKind.RET_VOID:
      r0.type = RegType.NOT_INIT;
      break;
    case RetKind.RET_PTR_TO_MAP_VALUE:
      markRegKnownZero(r0);
      if (!meta.map) env.fail("kernel subsystem misconfigured verifier");
      if (
        proto.name === "map_lookup_elem" &&
        canElideValueNullness(meta.map.type) &&
        meta.constMapKey >= 0n &&
        meta.constMapKey < BigInt(meta.map.maxEntries)
      ) {
        retFlags &= ~TypeFlag.PTR_MAYBE_NULL;
      }
      r0.map = meta.map;
      r0.mapUid = meta.mapUid;
      r0.type = RegType.PTR_TO_MAP_VALUE | retFlags;
      // A value that is never NULL still needs an id to pair its spin lock and unlock.
      if (!(retFlags & TypeFlag.PTR_MAYBE_NULL) && mayPointToSpinLock(r0)) r0.id = ++env.idGen;
      break;
    case RetKind.RET_PTR_TO_SOCKET:
      markRegKnownZero(r0);
      r0.type = RegType.PTR_TO_SOCKET | retFlags;
      break;
    case RetKind.RET_PTR_TO_SOCK_COMMON:
      markRegKnownZero(r0);
      r0.type = RegType.PTR_TO_SOCK_COMMON | retFlags;
      break;
    case RetKind.RET_PTR_TO_TCP_SOCK:
      markRegKnownZero(r0);
      r0.type = RegType.PTR_TO_TCP_SOCK | retFlags;
      break;
    case RetKind.RET_PTR_TO_MEM:
      markRegKnownZero(r0);
      r0.type = RegType.PTR_TO_MEM | retFlags;
      r0.memSize = meta.memSize;
      break;
    default:
      env.fail(`unknown return type ${ret.kind} of func ${funcIdName(funcId)}#${funcId}`);
  }
  if (typeMayBeNull(r0.type)) r0.id = ++env.idGen;
  if (isPtrCastFunction(proto.name)) {
    r0.refObjId = meta.refObjId;
  } else if (isAcquireFunction(proto.name, meta.map)) {
    const id = acquireReference(env);
    r0.id = id;
    r0.refObjId = id;
  }
  refineRetvalRange(env, r0, ret.kind, funcId, meta);
  checkMapFuncCompatibility(env, meta.map, proto);
  if (proto.changesPktData) clearAllPktPointers(env);
}

/** do_refine_retval_range(): helpers whose integer result is bounded. */
function refineRetvalRange(
  env: Env,
  r0: RegState,
  retKind: number,
  funcId: number,
  meta: CallMeta,
): void {
  if (retKind !== RetKind.RET_INTEGER) return;
  switch (funcId) {
    case F.get_stack:
    case F.get_task_stack:
    case F.probe_read_str:
    case F.probe_read_kernel_str:
    case F.probe_read_user_str:
      r0.smax = BigInt.asIntN(64, meta.msizeMaxValue);
      r0.s32max = BigInt.asIntN(32, meta.msizeMaxValue);
      r0.smin = -MAX_ERRNO;
      r0.s32min = -MAX_ERRNO;
      boundsSync(r0);
      break;
    case F.get_smp_processor_id: {
      const max = BigInt(env.nrCpuIds - 1);
      r0.umin = r0.u32min = r0.smin = r0.s32min = 0n;
      r0.umax = r0.u32max = r0.smax = r0.s32max = max;
      boundsSync(r0);
      break;
    }
  }
}
