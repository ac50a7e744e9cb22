// Stack state of one frame: 8-byte slots, each with a per-byte slot type and,
// for spills, the saved register. Slot `spi` covers fp-8*(spi+1) .. fp-8*spi-1,
// as in the kernel (`__get_spi`). Byte index k of a slot is the address
// fp-8*spi-1-k: index 0 is the highest byte, index 7 the lowest, so a 4-byte
// spill at fp-8 fills indices 4..7 and the log prints it as `????rrrr`.
import { REG_LIVE_NONE, cloneReg, markRegNotInit, newReg, type RegState } from "./regs.ts";
import { RegType } from "./reg-types.ts";

export const BPF_REG_SIZE = 8;

/** `enum bpf_stack_slot_type`, and the character the log prints for each. */
export const StackType = {
  INVALID: 0,
  SPILL: 1,
  MISC: 2,
  ZERO: 3,
  /** Both 8-byte slots of a bpf_dynptr (dynptr.ts); the state is in `spilled`. */
  DYNPTR: 4,
} as const;
export const SLOT_TYPE_CHAR = "?rm0d";

export interface StackSlot {
  /**
   * One StackType per byte; index 0 is the highest address (fp-8*spi-1). A
   * plain array: states are cloned at every branch, and copying a small
   * array is several times cheaper than copying a typed array.
   */
  slotType: number[];
  spilled: RegState;
}

export function newSlot(bpfCapable: boolean): StackSlot {
  const spilled = newReg();
  markRegNotInit(spilled, bpfCapable);
  spilled.live = REG_LIVE_NONE;
  return { slotType: [0, 0, 0, 0, 0, 0, 0, 0], spilled };
}

export function cloneSlot(s: StackSlot): StackSlot {
  return { slotType: s.slotType.slice(), spilled: cloneReg(s.spilled) };
}

/** The slot index of a (negative) frame offset. */
export const getSpi = (off: number): number => Math.floor((-off - 1) / BPF_REG_SIZE);

/** is_spilled_reg(): the last byte of the slot holds a spill. */
export const isSpilledReg = (s: StackSlot): boolean =>
  s.slotType[BPF_REG_SIZE - 1] === StackType.SPILL;

export const isSpilledScalarReg = (s: StackSlot): boolean =>
  isSpilledReg(s) && s.spilled.type === RegType.SCALAR_VALUE;

/** is_spilled_scalar_reg64(): a full 8-byte scalar spill (its lowest byte is SPILL). */
export const isSpilledScalarReg64 = (s: StackSlot): boolean =>
  s.slotType[0] === StackType.SPILL && s.spilled.type === RegType.SCALAR_VALUE;

/** scrub_spilled_slot(): a byte that held part of a spill becomes MISC unless it was INVALID. */
export function scrubSpilledSlot(types: number[], i: number): void {
  if (types[i] !== StackType.INVALID) types[i] = StackType.MISC;
}

/**
 * mark_stack_slot_misc(): ZERO keeps its better knowledge; INVALID stays INVALID
 * when uninitialised reads are allowed anyway (privileged), else becomes MISC.
 */
export function markStackSlotMisc(types: number[], i: number, allowPtrLeaks: boolean): void {
  if (types[i] === StackType.ZERO) return;
  if (allowPtrLeaks && types[i] === StackType.INVALID) return;
  types[i] = StackType.MISC;
}
