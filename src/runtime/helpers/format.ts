// The kernel's bprintf for BPF (bpf_bprintf_prepare's format rules, then
// vsprintf's output): what bpf_trace_printk accepts and prints.
//
// Accepted: `%%`; flags from "0+- " and a width; integers %d %i %u %x %X with
// no, `l` or `ll` length (int is 32 bits, long and long long 64); %c; %s (the
// next character must end the conversion: NUL, space or punctuation); %p with
// nothing or K/x/s/S after it; %pks/%pus (strings); %pB; %pI4 %pi4 %pI6 %pi6
// (addresses read through the pointer). Anything else, more conversions than
// arguments, a missing NUL or a non-printable byte is -EINVAL.
//
// Pointers print as 16 hex digits: the kernel hashes plain %p, but runtime
// addresses are offsets that hide nothing, so tsbpf prints them as %px does.
import { E } from "./util.ts";

/** Reads runtime memory for %s and %pI*: undefined where the bytes are not accessible. */
export interface MemReader {
  bytes(addr: bigint, n: number): Uint8Array | undefined;
  cString(addr: bigint, max: number): string | undefined;
}

/** vsprintf's output buffer for bpf_trace_printk (MAX_BPRINTF_BUF). */
export const BPRINTF_BUF = 1024;

const isPunct = (c: number): boolean =>
  (c >= 0x21 && c <= 0x2f) ||
  (c >= 0x3a && c <= 0x40) ||
  (c >= 0x5b && c <= 0x60) ||
  (c >= 0x7b && c <= 0x7e);
const isSpace = (c: number): boolean => c === 0x20 || (c >= 0x09 && c <= 0x0d);
const isPrint = (c: number): boolean => c >= 0x20 && c <= 0x7e;
/** Characters that may follow %s / %p: end of string, space, punctuation. */
const ends = (c: number | undefined): boolean => c === undefined || isSpace(c) || isPunct(c);

interface Spec {
  left: boolean;
  zero: boolean;
  plus: boolean;
  space: boolean;
  width: number;
}

function pad(s: string, spec: Spec, numeric: boolean): string {
  if (s.length >= spec.width) return s;
  const fill = spec.width - s.length;
  if (spec.left) return s + " ".repeat(fill);
  if (spec.zero && numeric) {
    const sign = /^[+\- ]/.test(s) ? s[0]! : "";
    return sign + "0".repeat(fill) + s.slice(sign.length);
  }
  return " ".repeat(fill) + s;
}

function integer(v: bigint, conv: string, bytes: number, spec: Spec): string {
  const bits = bytes * 8;
  let s: string;
  if (conv === "d" || conv === "i") {
    const n = BigInt.asIntN(bits, v);
    s = n.toString();
    if (n >= 0n && spec.plus) s = "+" + s;
    else if (n >= 0n && spec.space) s = " " + s;
  } else {
    const n = BigInt.asUintN(bits, v);
    s = conv === "u" ? n.toString() : n.toString(16);
    if (conv === "X") s = s.toUpperCase();
  }
  return pad(s, spec, true);
}

function ip(bytes: Uint8Array | undefined, kind: string): string {
  const b = bytes ?? new Uint8Array(kind.endsWith("4") ? 4 : 16);
  const hex2 = (i: number): string => b[i]!.toString(16).padStart(2, "0");
  switch (kind) {
    case "I4":
      return [...b].join(".");
    case "i4":
      return [...b].map((x) => String(x).padStart(3, "0")).join(".");
    case "I6":
      return Array.from({ length: 8 }, (_, g) => hex2(2 * g) + hex2(2 * g + 1)).join(":");
    default:
      return Array.from({ length: 16 }, (_, i) => hex2(i)).join("");
  }
}

const hex16 = (v: bigint): string => BigInt.asUintN(64, v).toString(16).padStart(16, "0");

/**
 * Format `fmt` (the bytes before its NUL) with `args`. Returns the text or a
 * negative errno.
 */
export function bprintf(fmt: Uint8Array, args: readonly bigint[], mem: MemReader): string | number {
  let out = "";
  let nextArg = 0;
  const at = (i: number): number | undefined => (i < fmt.length ? fmt[i] : undefined);
  const ch = (i: number): string => (i < fmt.length ? String.fromCharCode(fmt[i]!) : "");
  for (const c of fmt) if ((!isPrint(c) && !isSpace(c)) || c > 0x7f) return -E.EINVAL;
  for (let i = 0; i < fmt.length; i++) {
    if (ch(i) !== "%") {
      out += ch(i);
      continue;
    }
    if (ch(i + 1) === "%") {
      out += "%";
      i++;
      continue;
    }
    if (nextArg >= args.length) return -E.EINVAL;
    const arg = args[nextArg++]!;
    i++;
    const spec: Spec = { left: false, zero: false, plus: false, space: false, width: 0 };
    for (; "0+- ".includes(ch(i)) && ch(i) !== ""; i++) {
      if (ch(i) === "-") spec.left = true;
      else if (ch(i) === "0") spec.zero = true;
      else if (ch(i) === "+") spec.plus = true;
      else spec.space = true;
    }
    if (ch(i) >= "1" && ch(i) <= "9") {
      let w = 0;
      for (; ch(i) >= "0" && ch(i) <= "9" && ch(i) !== ""; i++) w = w * 10 + Number(ch(i));
      spec.width = w;
    }
    const conv = ch(i);
    if (conv === "p") {
      const m = ch(i + 1);
      if ((m === "k" || m === "u") && ch(i + 2) === "s") {
        if (!ends(at(i + 3))) return -E.EINVAL;
        out += pad(mem.cString(arg, BPRINTF_BUF) ?? "", spec, false);
        i += 2;
      } else if (at(i + 1) === undefined || ends(at(i + 1)) || "KxsS".includes(m)) {
        // %ps/%pS would print a symbol; there are none, so they print the address.
        out += pad(
          m === "s" || m === "S" ? `0x${BigInt.asUintN(64, arg).toString(16)}` : hex16(arg),
          spec,
          false,
        );
        if ("KxsS".includes(m) && m !== "") i++;
      } else if (m === "B") {
        out += pad(`0x${BigInt.asUintN(64, arg).toString(16)}`, spec, false);
        i++;
      } else if ((m === "i" || m === "I") && (ch(i + 2) === "4" || ch(i + 2) === "6")) {
        const kind = m + ch(i + 2);
        out += pad(ip(mem.bytes(arg, kind.endsWith("4") ? 4 : 16), kind), spec, false);
        i += 2;
      } else return -E.EINVAL;
      continue;
    }
    if (conv === "s") {
      if (!ends(at(i + 1))) return -E.EINVAL;
      out += pad(mem.cString(arg, BPRINTF_BUF) ?? "", spec, false);
      continue;
    }
    if (conv === "c") {
      out += pad(String.fromCharCode(Number(arg & 0xffn)), spec, false);
      continue;
    }
    let bytes = 4;
    if (ch(i) === "l") {
      bytes = 8;
      i++;
      if (ch(i) === "l") i++;
    }
    const k = ch(i);
    if (!"diuxX".includes(k) || k === "") return -E.EINVAL;
    out += integer(arg, k, bytes, spec);
  }
  return out;
}
