// Malformed objects of the corpus are rejected with typed errors that say what
// is wrong, and mutated valid objects give a spec or a typed error, quickly.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { BtfError } from "../../src/btf/errors.ts";
import { ElfError } from "../../src/elf/errors.ts";
import { loadCollectionSpec } from "../../src/elf/load.ts";
import { DEFAULT_INPUTS, fuzz, fuzzOnce } from "../../scripts/fuzz-elf.ts";
import { SAMPLES, invalidObjects } from "./samples.ts";

const load = (rel: string) => loadCollectionSpec(new Uint8Array(readFileSync(join(SAMPLES, rel))));

/** What each malformed file of samples/invalid/ must be rejected for. */
const EXPECTED: Record<
  string,
  { type: typeof ElfError | typeof BtfError; message: RegExp; offset?: boolean }
> = {
  "invalid/58087ea4ff41695f3186d628a3250b26dc8d237a": {
    type: ElfError,
    message: /symbol \[4\] has an invalid st_name/,
    offset: true,
  },
  "invalid/662b334a22904023c13f11008e072076a4f4d215": {
    type: ElfError,
    message: /symbol \[123\] has an invalid st_name/,
    offset: true,
  },
  "invalid/806cc077e56f0ec32236c99055714f63649e7a38": {
    type: ElfError,
    message: /section header table .* goes past the end of the file/,
    offset: true,
  },
  "invalid/ab3408afd06d68dd7e73bf21bde38350d9751a78": {
    type: ElfError,
    message: /symbol \[110\] refers to section 38, which does not exist/,
    offset: true,
  },
  "invalid/af99e766f6ba44fd7f2135c3e325c817224b99a3": {
    type: ElfError,
    message: /section \[17\] has an invalid sh_name/,
    offset: true,
  },
  "invalid/badsymsize.o": {
    type: ElfError,
    message: /symbol table \[10\] has invalid sh_entsize 8, expected 24/,
    offset: true,
  },
  "invalid/c049438cf649269921736e7306231385350dea58": {
    type: ElfError,
    message: /section \[3\] has an invalid sh_name/,
    offset: true,
  },
  "invalid/dac31099c3bb5b6395908c82cc8540e77a6a1849": {
    type: BtfError,
    message:
      /line_info\[46\] of section 'bind': insn_off 343 is past the end of the section \(94 instructions\)/,
  },
  "invalid/ef2e42c0bfcf4dab6b9c3926759365b6dfa73634": {
    type: ElfError,
    message: /'\.rel\.debug_line' applies to section \[12\] 'info': the names disagree/,
    offset: true,
  },
  "invalid/invalid-lddw.o": {
    type: ElfError,
    message: /lddw at insn 1 of section '\.text' is missing its second half/,
    offset: true,
  },
};

describe("samples/invalid", () => {
  const files = invalidObjects();
  const rejected = files.filter((f) => !f.startsWith("invalid/timeout-"));

  it("every malformed file has an expectation", () => {
    expect(rejected.sort()).toEqual(Object.keys(EXPECTED).sort());
  });

  it.each(rejected)("%s is rejected with a typed error naming the problem", (rel) => {
    const want = EXPECTED[rel]!;
    let err: unknown;
    try {
      load(rel);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(want.type);
    expect((err as Error).message).toMatch(want.message);
    if (want.offset) expect((err as ElfError).offset).toBeTypeOf("number");
  });

  // PREVAIL's fuzzer kept inputs on which its verifier timed out. The object is
  // well-formed (35 tail-called programs and a prog array); what matters for the
  // loader is that it does not hang.
  it.each(files.filter((f) => f.startsWith("invalid/timeout-")))(
    "%s loads without hanging",
    (rel) => {
      const t = performance.now();
      const spec = load(rel);
      expect(performance.now() - t).toBeLessThan(2000);
      const progArray = spec.maps.find((m) => m.init.length > 0)!;
      expect(progArray.init.map((s) => s.name)).toEqual(
        spec.programs.filter((p) => p.name.startsWith("bind_test_callee")).map((p) => p.name),
      );
    },
  );
});

describe("truncation and mutation", () => {
  const inputs = DEFAULT_INPUTS.map((f) => ({
    name: f,
    bytes: new Uint8Array(readFileSync(join(SAMPLES, f))),
  }));

  it("every truncation of a small object gives a typed error", () => {
    const bytes = inputs.find((i) => i.name === "build/bpf2bpf.o")!.bytes;
    for (let len = 0; len < bytes.length; len += 7) {
      const out = fuzzOnce(bytes.subarray(0, len));
      expect(out.result, `truncated to ${len}`).toBe("typed-error");
    }
  });

  it("thousands of random mutations give specs or typed errors, each fast", () => {
    const r = fuzz(inputs, 3000, 20240601, 6000);
    expect(r.crashes).toEqual([]);
    expect(r.runs).toBeGreaterThan(500);
    expect(r.typedErrors).toBeGreaterThan(r.runs / 10);
    expect(r.slowest.ms).toBeLessThan(1500);
  });
});
