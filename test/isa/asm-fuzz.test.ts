// Bad input never crashes the assemblers, the .data parser or the
// disassembler: they either succeed or throw a typed TsbpfError.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { parseConformanceFile, conformanceProgram } from "../../src/conformance/index.ts";
import { TsbpfError } from "../../src/errors.ts";
import { assemble, decode, disasm, validate } from "../../src/isa/index.ts";

function typedOrOk(fn: () => unknown): void {
  try {
    fn();
  } catch (e) {
    if (!(e instanceof TsbpfError)) throw e;
  }
}

/** Lines built from the pieces both syntaxes use, so the fuzzer reaches deep into the parsers. */
const piece = fc.constantFrom(
  "r1",
  "w2",
  "r10",
  "r11",
  "%r1",
  "%r0",
  "=",
  "+=",
  "s>>=",
  ">>>=",
  "(",
  ")",
  "[",
  "]",
  "*",
  "u32",
  "s8",
  "u64",
  "+",
  "-",
  "8",
  "0x10",
  "-1",
  "0xffffffffffffffffff",
  "goto",
  "pc",
  "if",
  "==",
  "s<",
  "call",
  "exit",
  "lock",
  "fetch",
  "add",
  "add32",
  "mov32",
  "ldxw",
  "lddw",
  "ja",
  "ja32",
  "jne",
  ",",
  "#",
  ":",
  "map",
  "id",
  "idx",
  "skb",
  "ll",
  "label",
  "label:",
  "bpf_map_lookup_elem",
  "atomic64_fetch_add",
  "cmpxchg_64",
  "be16",
  "?",
  "subprog",
  "btf_id",
  "map_fd",
  "callx",
  "may_goto",
  "gotol",
  "(s16)",
  "local",
  "helper",
  "runtime",
);
const line = fc.array(piece, { maxLength: 9 }).map((ps) => ps.join(" "));
const text = fc
  .array(fc.oneof(line, fc.string({ maxLength: 30 })), { maxLength: 6 })
  .map((ls) => ls.join("\n"));

describe("assemblers and parsers on arbitrary input", () => {
  it("assemble() in both syntaxes throws only typed errors", () => {
    fc.assert(
      fc.property(text, (t) => {
        typedOrOk(() => assemble(t, { syntax: "ubpf" }));
        typedOrOk(() => assemble(t, { syntax: "kernel" }));
        typedOrOk(() => assemble(t));
      }),
      { numRuns: 2000 },
    );
  });

  it("parseConformanceFile and the program it holds throw only typed errors", () => {
    const directive = fc.constantFrom(
      "-- asm",
      "-- raw",
      "-- mem",
      "-- result",
      "-- error",
      "-- c",
      "-- x",
    );
    const data = fc.array(
      fc.oneof(
        directive,
        line,
        fc.string({ unit: fc.constantFrom(..."0123456789abcdefx "), maxLength: 20 }),
      ),
      {
        maxLength: 8,
      },
    );
    fc.assert(
      fc.property(data, (ls) =>
        typedOrOk(() => conformanceProgram(parseConformanceFile(ls.join("\n")))),
      ),
      { numRuns: 1000 },
    );
  });

  it("disasm prints any bytes and validate rejects them with typed errors", () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ maxLength: 80 }).map((b) => b.subarray(0, b.length - (b.length % 8))),
        (b) => {
          const insns = decode(b);
          expect(disasm(insns).length).toBeLessThanOrEqual(insns.length);
          typedOrOk(() => validate(insns, { callx: true }));
        },
      ),
      { numRuns: 1000 },
    );
  });
});
