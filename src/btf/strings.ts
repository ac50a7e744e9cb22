// The string section shared by .BTF and .BTF.ext: NUL-terminated strings
// addressed by byte offset. Decoding is cached per offset because type names
// repeat (every `int` member names the same string).
import { BtfError } from "./errors.ts";

const utf8 = new TextDecoder("utf-8");

export class StringTable {
  private readonly cache = new Map<number, string>();

  constructor(readonly bytes: Uint8Array) {}

  get size(): number {
    return this.bytes.length;
  }

  /** True when `off` points inside the table (the kernel's btf_name_offset_valid). */
  valid(off: number): boolean {
    return off < this.bytes.length;
  }

  /** The string at `off`; `what` names the reference for the error message. */
  get(off: number, what = "string"): string {
    const hit = this.cache.get(off);
    if (hit !== undefined) return hit;
    if (off >= this.bytes.length) {
      throw new BtfError(
        `${what}: string offset ${off} is past the string section (${this.bytes.length} bytes)`,
      );
    }
    const b = this.bytes;
    let end = off;
    let ascii = true;
    while (end < b.length && b[end] !== 0) {
      if (b[end]! >= 0x80) ascii = false;
      end++;
    }
    if (end === b.length)
      throw new BtfError(`${what}: string at offset ${off} is not NUL-terminated`);
    let s: string;
    if (ascii && end - off < 64) {
      s = "";
      for (let i = off; i < end; i++) s += String.fromCharCode(b[i]!);
    } else {
      s = utf8.decode(b.subarray(off, end));
    }
    this.cache.set(off, s);
    return s;
  }
}

/** C identifier, as the kernel's btf_name_valid_identifier checks (optionally allowing '.'). */
export function isIdentifier(s: string, dotOk = false): boolean {
  if (s.length === 0 || s.length >= 512) return false;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    const alpha = (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95 || (dotOk && c === 46);
    const digit = c >= 48 && c <= 57;
    if (!(alpha || (i > 0 && digit))) return false;
  }
  return true;
}

/** A DATASEC name: printable, no spaces (the kernel's btf_name_valid_section). */
export function isSectionName(s: string): boolean {
  if (s.length === 0 || s.length >= 512) return false;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c <= 32 || c >= 127) return false;
  }
  return true;
}
