// The dynptr helpers (bpf_dynptr_from_mem, bpf_ringbuf_reserve/submit/
// discard_dynptr, bpf_dynptr_read/write/data): their prototypes as data and
// the parts of check_helper_call they need — memory and size arguments,
// dynptr arguments constructed (MEM_UNINIT), read (MEM_RDONLY) or released
// (OBJ_RELEASE: the ringbuf reference), and bpf_dynptr_data's slice, which
// carries its dynptr's id and reference so that it dies with the dynptr.
import type { Insn } from "../isa/insn.ts";
import { BPF_B } from "../isa/opcodes.ts";
import { funcIdName } from "./check-call.ts";
import {
  BPF_READ,
  BPF_WRITE,
  checkMemAccess,
  isPointerValue,
  mayAccessDirectPktData,
} from "./check-mem.ts";
import type { RawModeMeta } from "./check-stack.ts";
import { dynptrGetSpi, dynptrState, processDynptrArg, unmarkStackSlotsDynptr } from "./dynptr.ts";
import type { Env } from "./env.ts";
import { checkMemSizeReg } from "./kfuncs/mem-args.ts";
import { activeLocks } from "./refs.ts";
import { DynptrType } from "./kfuncs/types.ts";
import type { MapInfo } from "./map-info.ts";
import { checkRegArg, DST_OP_NO_MARK, SRC_OP } from "./reg-access.ts";
import { DEF_NOT_SUBREG, markRegKnownZero, markRegNotInit, markRegUnknown } from "./regs.ts";
import { isPktPointer, RegType, regTypeStr, TypeFlag } from "./reg-types.ts";
import { MapType } from "../uapi/map-types.ts";

type Arg =
  | { k: "any" }
  | { k: "map" }
  | { k: "mem"; uninit: boolean }
  | { k: "size" }
  | { k: "alloc_size" }
  | { k: "dynptr"; uninit?: boolean; rdonly?: boolean; release?: boolean; type?: number };

interface DynptrHelper {
  name: string;
  ret: "int" | "void" | "mem_or_null";
  args: Arg[];
}

const ANY: Arg = { k: "any" };
const SIZE0: Arg = { k: "size" };

/** Prototypes (kernel/bpf/helpers.c, kernel/bpf/ringbuf.c), by helper id. */
const HELPERS: Readonly<Record<number, DynptrHelper>> = {
  197: {
    name: "dynptr_from_mem",
    ret: "int",
    args: [
      { k: "mem", uninit: true },
      SIZE0,
      ANY,
      { k: "dynptr", uninit: true, type: DynptrType.LOCAL },
    ],
  },
  198: {
    name: "ringbuf_reserve_dynptr",
    ret: "int",
    args: [{ k: "map" }, ANY, ANY, { k: "dynptr", uninit: true, type: DynptrType.RINGBUF }],
  },
  199: {
    name: "ringbuf_submit_dynptr",
    ret: "void",
    args: [{ k: "dynptr", release: true, type: DynptrType.RINGBUF }, ANY],
  },
  200: {
    name: "ringbuf_discard_dynptr",
    ret: "void",
    args: [{ k: "dynptr", release: true, type: DynptrType.RINGBUF }, ANY],
  },
  201: {
    name: "dynptr_read",
    ret: "int",
    args: [{ k: "mem", uninit: true }, SIZE0, { k: "dynptr", rdonly: true }, ANY, ANY],
  },
  202: {
    name: "dynptr_write",
    ret: "int",
    args: [{ k: "dynptr", rdonly: true }, ANY, { k: "mem", uninit: false }, SIZE0, ANY],
  },
  203: {
    name: "dynptr_data",
    ret: "mem_or_null",
    args: [{ k: "dynptr", rdonly: true }, ANY, { k: "alloc_size" }],
  },
};

/** Helper ids handled here. */
export const isDynptrHelper = (id: number): boolean => HELPERS[id] !== undefined;

/** Register types a memory argument accepts (compatible_reg_types for ARG_PTR_TO_MEM). */
const MEM_TYPES: readonly number[] = [
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
const DYNPTR_TYPES: readonly number[] = [RegType.PTR_TO_STACK, RegType.CONST_PTR_TO_DYNPTR];

interface Meta {
  map: MapInfo | null;
  raw: RawModeMeta;
  releaseRegno: number;
  dynptrId: number;
  refObjId: number;
  memSize: number;
}

function checkType(env: Env, regno: number, allowed: readonly number[], ignore: number): void {
  const t = env.regs[regno]!.type & ~ignore;
  if (allowed.includes(t)) return;
  env.fail(
    `R${regno} type=${regTypeStr(env.regs[regno]!.type)} expected=${allowed.map(regTypeStr).join(", ")}`,
  );
}

function checkArg(env: Env, proto: DynptrHelper, i: number, meta: Meta): void {
  const arg = proto.args[i]!;
  const regno = i + 1;
  checkRegArg(env, regno, SRC_OP);
  const reg = env.regs[regno]!;
  if (arg.k === "any") {
    if (isPointerValue(env, reg)) env.fail(`R${regno} leaks addr into helper function`);
    return;
  }
  if (isPktPointer(reg.type) && !mayAccessDirectPktData(env, false, false))
    env.fail("helper access to the packet is not allowed");
  switch (arg.k) {
    case "map":
      checkType(env, regno, [RegType.CONST_PTR_TO_MAP], 0);
      meta.map = reg.map;
      return;
    case "mem":
      checkType(env, regno, MEM_TYPES, TypeFlag.MEM_RDONLY);
      meta.raw.rawMode = arg.uninit;
      return;
    case "size": {
      const uninit = (proto.args[i - 1] as { uninit?: boolean }).uninit === true;
      checkType(env, regno, [RegType.SCALAR_VALUE], 0);
      checkMemSizeReg(env, regno, uninit ? BPF_WRITE : BPF_READ, true, meta.raw);
      return;
    }
    case "alloc_size":
      checkType(env, regno, [RegType.SCALAR_VALUE], 0);
      if (reg.varOff.mask !== 0n) env.fail(`R${regno} is not a known constant'`);
      meta.memSize = Number(reg.varOff.value);
      return;
    case "dynptr":
      checkType(env, regno, DYNPTR_TYPES, 0);
      if (arg.release) {
        if (reg.type === RegType.PTR_TO_STACK) {
          const spi = dynptrGetSpi(env, reg);
          if (spi < 0 || !env.frameOf(reg).stack[spi]!.spilled.refObjId)
            env.fail(`arg ${regno} is an unacquired reference`);
        } else {
          env.fail("cannot release unowned const bpf_dynptr");
        }
        meta.releaseRegno = regno;
      }
      processDynptrArg(env, regno, {
        uninit: arg.uninit === true,
        rdonly: arg.rdonly === true,
        type: arg.type ?? DynptrType.INVALID,
      });
      if (!arg.uninit) {
        const st = dynptrState(env, env.regs[regno]!);
        meta.dynptrId = st.id;
        meta.refObjId = st.refObjId;
      }
      return;
  }
}

/** check_helper_call() for the dynptr helpers. */
export function checkDynptrHelperCall(env: Env, insn: Insn): void {
  const id = insn.imm;
  const proto = HELPERS[id]!;
  // bpf_base_func_proto() offers them behind CAP_BPF only.
  if (!env.bpfCapable) env.fail(`program of this type cannot use helper bpf_${proto.name}#${id}`);
  if (activeLocks(env.cur)) env.fail("function calls are not allowed while holding a lock");
  const meta: Meta = {
    map: null,
    raw: { rawMode: false, accessSize: 0, regno: 0 },
    releaseRegno: 0,
    dynptrId: 0,
    refObjId: 0,
    memSize: 0,
  };
  for (let i = 0; i < proto.args.length; i++) checkArg(env, proto, i, meta);
  // Raw-mode memory is written by the helper: its bytes are initialised now.
  for (let i = 0; i < meta.raw.accessSize; i++)
    checkMemAccess(env, meta.raw.regno, i, BPF_B, BPF_WRITE, -1, false, false);
  if (meta.releaseRegno) unmarkStackSlotsDynptr(env, env.regs[meta.releaseRegno]!);
  if (meta.map && meta.map.type !== MapType.RINGBUF)
    env.fail(`cannot pass map_type ${meta.map.type} into func ${funcIdName(id)}#${id}`);
  const regs = env.regs;
  for (let r = 0; r <= 5; r++) {
    markRegNotInit(regs[r]!, env.bpfCapable);
    checkRegArg(env, r, DST_OP_NO_MARK);
  }
  const r0 = regs[0]!;
  r0.subregDef = DEF_NOT_SUBREG;
  if (proto.ret === "int") {
    markRegUnknown(r0, env.bpfCapable);
  } else if (proto.ret === "mem_or_null") {
    markRegKnownZero(r0);
    r0.type = RegType.PTR_TO_MEM | TypeFlag.PTR_MAYBE_NULL;
    r0.memSize = meta.memSize;
    r0.id = ++env.idGen;
    r0.dynptrId = meta.dynptrId;
    r0.refObjId = meta.refObjId;
  }
}
