// Parser of the BPF conformance suite's `.data` files: sections introduced by
// `-- <directive>` lines. `asm` holds uBPF assembly, `raw` instruction bytes
// (either eight hex bytes per instruction or one little-endian 0x<u64> per
// instruction), `mem` the input memory as hex bytes, `result` the expected r0,
// `error` the expected failure. `c` (the C source a test came from) and
// `no register offset` are recognised and ignored; any other directive is an
// error rather than being silently skipped.
import { assembleUbpf } from "../isa/asm/ubpf.ts";
import { decode, type Insn } from "../isa/index.ts";
import { ConformanceFormatError } from "./errors.ts";

export interface ConformanceFile {
  file?: string;
  /** Text of the `-- asm` section, or undefined when the file has none. */
  asm?: string;
  /** 1-based line number of the first line of the asm section in the file. */
  asmLine: number;
  /** Instructions of the `-- raw` section, or undefined when the file has none. */
  raw?: Insn[];
  /** Input memory (empty when the file has no `-- mem`). */
  mem: Uint8Array;
  /** Expected r0 as an unsigned 64-bit value, when the file has `-- result`. */
  result?: bigint;
  /** Expected error text when the file has `-- error` ("" when the section is empty). */
  error?: string;
  /** Ignored directives that were present, by name (e.g. "c", "no register offset"). */
  ignored: string[];
}

type Fail = (reason: string, line: number) => never;

type Section = "asm" | "raw" | "mem" | "result" | "error" | "ignore" | "preamble";

const DIRECTIVES: ReadonlyMap<string, Section> = new Map([
  ["asm", "asm"],
  ["raw", "raw"],
  ["mem", "mem"],
  ["result", "result"],
  ["error", "error"],
  ["c", "ignore"],
  ["no register offset", "ignore"],
]);

export function parseConformanceFile(text: string, file?: string): ConformanceFile {
  const lines = text.split(/\r?\n/);
  const out: ConformanceFile = { file, asmLine: 0, mem: new Uint8Array(0), ignored: [] };
  const fail: Fail = (reason, line) => {
    throw new ConformanceFormatError(reason, line, file);
  };
  const seen = new Set<string>();
  let section: Section = "preamble";
  const asm: string[] = [];
  const rawBytes: number[] = [];
  const memBytes: number[] = [];
  let resultText: { text: string; line: number } | undefined;
  const errorLines: string[] = [];
  for (let i = 0; i < lines.length; i++) {
    const no = i + 1;
    const line = lines[i]!;
    const d = /^--\s*(.*?)\s*$/.exec(line);
    if (d) {
      const name = d[1]!;
      const next = DIRECTIVES.get(name);
      if (next === undefined) fail(`unknown directive '-- ${name}'`, no);
      if (seen.has(name) && next !== "ignore") fail(`duplicate directive '-- ${name}'`, no);
      seen.add(name);
      section = next;
      if (next === "ignore") out.ignored.push(name);
      if (next === "asm") out.asmLine = no + 1;
      if (next === "error") out.error = "";
      continue;
    }
    const body = line.trim();
    switch (section) {
      case "asm":
        asm.push(line);
        break;
      case "raw":
        if (body !== "" && !body.startsWith("#")) parseRawLine(body, no, rawBytes, fail);
        break;
      case "mem":
        if (body !== "" && !body.startsWith("#")) parseHexBytes(body, no, memBytes, fail);
        break;
      case "result":
        if (body !== "" && !body.startsWith("#")) {
          if (resultText) fail("more than one value in '-- result'", no);
          resultText = { text: body, line: no };
        }
        break;
      case "error":
        if (body !== "") errorLines.push(body);
        break;
      case "ignore":
      case "preamble":
        break;
    }
  }
  if (seen.has("asm")) out.asm = asm.join("\n");
  if (seen.has("raw")) {
    if (rawBytes.length % 8 !== 0)
      fail(`'-- raw' holds ${rawBytes.length} bytes, not a multiple of 8`, 0);
    out.raw = decode(Uint8Array.from(rawBytes));
  }
  out.mem = Uint8Array.from(memBytes);
  if (resultText) out.result = parseResult(resultText.text, resultText.line, fail);
  if (out.error !== undefined) out.error = errorLines.join("\n");
  return out;
}

function parseHexBytes(body: string, line: number, into: number[], fail: Fail): void {
  for (const tok of body.split(/\s+/)) {
    if (!/^[0-9a-fA-F]{1,2}$/.test(tok)) fail(`invalid hex byte '${tok}'`, line);
    into.push(parseInt(tok, 16));
  }
}

/** A raw line is either one `0x<u64>` instruction (little-endian value) or hex bytes. */
function parseRawLine(body: string, line: number, into: number[], fail: Fail): void {
  for (const tok of body.split(/\s+/)) {
    const m = /^0[xX]([0-9a-fA-F]{1,16})$/.exec(tok);
    if (m) {
      let v = BigInt(`0x${m[1]}`);
      for (let k = 0; k < 8; k++, v >>= 8n) into.push(Number(v & 0xffn));
    } else if (/^[0-9a-fA-F]{2}$/.test(tok)) {
      into.push(parseInt(tok, 16));
    } else {
      fail(`invalid raw instruction token '${tok}'`, line);
    }
  }
}

function parseResult(text: string, line: number, fail: Fail): bigint {
  const m = /^(-?)(0[xX][0-9a-fA-F]+|[0-9]+)$/.exec(text);
  if (!m) return fail(`invalid result value '${text}'`, line);
  const v = BigInt(m[2]!) * (m[1] === "-" ? -1n : 1n);
  if (v < -(1n << 63n) || v >= 1n << 64n) fail(`result out of 64-bit range: ${text}`, line);
  return BigInt.asUintN(64, v);
}

/**
 * The program of a parsed file: the `-- raw` instructions when present (they
 * are the exact bytes under test), else the assembled `-- asm` section with
 * line numbers true to the file. Throws AsmError on an assembly error.
 */
export function conformanceProgram(t: ConformanceFile): Insn[] {
  if (t.raw) return t.raw;
  if (t.asm === undefined) return [];
  return assembleUbpf("\n".repeat(Math.max(0, t.asmLine - 1)) + t.asm, t.file);
}
