import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import {
  ConformanceFormatError,
  conformanceProgram,
  parseConformanceFile,
} from "../../src/conformance/index.ts";
import { AsmError } from "../../src/errors.ts";
import { encode } from "../../src/isa/index.ts";

const SUITE = join(import.meta.dirname, "../../../shared/conformance");

describe("parseConformanceFile", () => {
  it("reads asm, mem, result and ignored directives", () => {
    const t = parseConformanceFile(
      [
        "# header comment",
        "-- c",
        "int main() { return 0; }",
        "-- asm",
        "mov %r0, %r2 # len",
        "exit",
        "-- mem",
        "00 01 0a",
        "ff",
        "-- no register offset",
        "call instruction",
        "-- result",
        "0x4",
      ].join("\n"),
      "x.data",
    );
    expect(t.asm).toBe("mov %r0, %r2 # len\nexit");
    expect(t.asmLine).toBe(5);
    expect([...t.mem]).toEqual([0, 1, 10, 255]);
    expect(t.result).toBe(4n);
    expect(t.error).toBeUndefined();
    expect(t.ignored).toEqual(["c", "no register offset"]);
    expect(conformanceProgram(t)).toHaveLength(2);
  });

  it("reads raw sections as hex bytes or as little-endian 0x<u64> words", () => {
    const bytes = parseConformanceFile(
      "-- raw\nb7 00 00 00 05 00 00 00\n95 00 00 00 00 00 00 00\n",
    );
    const words = parseConformanceFile("-- raw\n0x00000005000000b7\n0x0000000000000095\n");
    expect(Buffer.from(encode(bytes.raw!)).toString("hex")).toBe(
      "b7000000050000009500000000000000",
    );
    expect(words.raw).toEqual(bytes.raw);
  });

  it("keeps the expected error text and negative results as u64", () => {
    expect(parseConformanceFile("-- asm\nexit\n-- error\nInvalid thing").error).toBe(
      "Invalid thing",
    );
    expect(parseConformanceFile("-- asm\nexit\n-- error\n").error).toBe("");
    expect(parseConformanceFile("-- asm\nexit\n-- result\n-1").result).toBe(0xffffffffffffffffn);
  });

  it("rejects unknown directives, bad hex and bad results with the line", () => {
    const cases: Array<[string, number, RegExp]> = [
      ["-- asm\nexit\n-- Unknown directive", 3, /unknown directive/],
      ["-- mem\n00 zz", 2, /invalid hex byte 'zz'/],
      ["-- raw\n0xg", 2, /invalid raw/],
      ["-- result\n0x1\n0x2", 3, /more than one value/],
      ["-- result\nabc", 2, /invalid result/],
      ["-- asm\n-- asm", 2, /duplicate directive/],
    ];
    for (const [text, line, re] of cases) {
      let err: unknown;
      try {
        parseConformanceFile(text, "f.data");
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(ConformanceFormatError);
      expect((err as ConformanceFormatError).line).toBe(line);
      expect((err as Error).message).toMatch(re);
    }
  });

  it("reports assembly errors with the line number of the file", () => {
    const t = parseConformanceFile("# one\n# two\n-- asm\nmov %r0, 1\nbogus %r0\n", "f.data");
    expect(() => conformanceProgram(t)).toThrow(AsmError);
    expect(() => conformanceProgram(t)).toThrow(/f\.data:5:1: invalid mnemonic 'bogus'/);
  });

  it("parses and assembles every file of the conformance suite", () => {
    const files = readdirSync(SUITE).filter((f) => f.endsWith(".data"));
    expect(files.length).toBe(225);
    for (const f of files) {
      const t = parseConformanceFile(readFileSync(join(SUITE, f), "utf8"), f);
      expect(t.result, f).toBeTypeOf("bigint");
      expect(conformanceProgram(t).length, f).toBeGreaterThan(0);
    }
  });

  it("assembles lddw.data's asm to exactly its raw bytes", () => {
    const t = parseConformanceFile(readFileSync(join(SUITE, "lddw.data"), "utf8"));
    const asmOnly = conformanceProgram({ ...t, raw: undefined });
    expect(encode(asmOnly)).toEqual(encode(t.raw!));
  });
});
