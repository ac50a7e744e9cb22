// The kernel's text for a scalar register (print_reg_state and
// print_scalar_ranges in kernel/bpf/log.c): a constant prints as its value;
// otherwise `scalar(...)` lists the non-default range ends, merging ends with
// the same value (`smax=umax=255`), then var_off unless it is unknown.
// Small numbers print in decimal, others in hex.
import type { ScalarBounds } from "./bounds.ts";
import * as int from "./int.ts";
import * as tn from "./tnum.ts";

// Imported bindings are read through getters under the TypeScript loaders we
// run on (tsx, vitest); local copies keep the hot paths free of those calls.
const {
  S16_MAX,
  S16_MIN,
  S32_MAX,
  S32_MIN,
  S64_MAX,
  S64_MIN,
  U16_MAX,
  U32_MAX,
  U64_MAX,
  hex,
  s64,
  u32,
  u64,
} = int;
const { tnumIsUnknown, tnumStr } = tn;

/** verbose_snum: decimal within [S16_MIN, S16_MAX], else the 64-bit pattern in hex. */
export function formatSnum(v: bigint): string {
  const s = s64(v);
  return s >= S16_MIN && s <= S16_MAX ? s.toString() : hex(u64(v));
}

/** verbose_unum: decimal up to U16_MAX, else hex. */
export const formatUnum = (v: bigint): string => (v <= U16_MAX ? v.toString() : hex(v));

interface Field {
  readonly name: string;
  /** The value as the kernel's u64 slot holds it. */
  val: bigint;
  omit: boolean;
}

const isSigned = (f: Field): boolean => f.name.charCodeAt(0) === 115; /* 's' */

/**
 * s32 ends print sign-extended when decimal but as their own 32-bit pattern
 * when hex, so smin=-2 and smin32=-2 can merge while 0xfffffffe is not shown
 * as 0xfffffffffffffffe.
 */
const s32Slot = (v: bigint): bigint => (v >= S16_MIN && v <= S16_MAX ? u64(v) : u32(v));

/** The comma-separated range ends and var_off, without the `scalar(` wrapper. */
export function formatScalarBody(b: ScalarBounds): string {
  const fields: Field[] = [
    { name: "smin", val: u64(b.smin), omit: b.smin === S64_MIN },
    { name: "smax", val: u64(b.smax), omit: b.smax === S64_MAX },
    { name: "umin", val: b.umin, omit: b.umin === 0n },
    { name: "umax", val: b.umax, omit: b.umax === U64_MAX },
    { name: "smin32", val: s32Slot(b.s32min), omit: b.s32min === S32_MIN },
    { name: "smax32", val: s32Slot(b.s32max), omit: b.s32max === S32_MAX },
    { name: "umin32", val: b.u32min, omit: b.u32min === 0n },
    { name: "umax32", val: b.u32max, omit: b.u32max === U32_MAX },
  ];
  const parts: string[] = [];
  for (let i = 0; i < fields.length; i++) {
    const m1 = fields[i];
    if (m1.omit) continue;
    const neg1 = isSigned(m1) && s64(m1.val) < 0n;
    let text = m1.name + "=";
    // Later fields of the same parity (min with min, max with max) that hold
    // the same value, and agree on being negative, are printed together.
    for (let j = i + 2; j < fields.length; j += 2) {
      const m2 = fields[j];
      if (m2.omit || m2.val !== m1.val) continue;
      const neg2 = isSigned(m2) && s64(m2.val) < 0n;
      if (neg2 !== neg1) continue;
      m2.omit = true;
      text += m2.name + "=";
    }
    parts.push(text + (isSigned(m1) ? formatSnum(m1.val) : formatUnum(m1.val)));
  }
  if (!tnumIsUnknown(b.varOff)) parts.push("var_off=" + tnumStr(b.varOff));
  return parts.join(",");
}

export interface ScalarPrintOptions {
  /** Prefix `P` for a precise scalar. */
  precise?: boolean;
  /** The register id, printed first inside the parentheses when non-zero. */
  id?: number;
}

/**
 * The log text of a scalar register: `42`, `-1`, `0xffffffff` for a
 * constant (`P42` when precise), else `scalar(...)`, e.g.
 * `scalar(smin=smin32=0,smax=umax=smax32=umax32=255,var_off=(0x0; 0xff))`.
 */
export function formatScalar(b: ScalarBounds, opts: ScalarPrintOptions = {}): string {
  const p = opts.precise ? "P" : "";
  if (b.varOff.mask === 0n) return p + formatSnum(b.varOff.value);
  const body = formatScalarBody(b);
  const id = opts.id ? `id=${opts.id}` : "";
  const inner = id && body ? `${id},${body}` : id || body;
  return `${p}scalar(${inner})`;
}
