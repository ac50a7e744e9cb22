// The small clang-built objects of ../shared/samples/build get the verdicts of
// expected.tsv. These objects were judged without pointer leaks, so they are
// verified with CAP_BPF, without CAP_PERFMON, on a `mitigations=off` kernel.
import { existsSync, readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { CollectionSpec, findPrograms } from "../../src/spec/index.ts";
import { verifyOptionsForProgram } from "../../src/verifier/from-spec.ts";
import { verify } from "../../src/verifier/index.ts";

const ROOT = "../shared/samples";
const rows = existsSync(`${ROOT}/expected.tsv`)
  ? readFileSync(`${ROOT}/expected.tsv`, "utf8")
      .trim()
      .split("\n")
      .slice(1)
      .map((l) => l.split("\t"))
      .filter((r) => r[0] === "build")
  : [];

// Rows where expected.tsv disagrees with kernel/bpf/verifier.c. We follow the
// kernel and pin its exact verdict and message here, so that a change on either
// side (our verifier or the table) shows up.
const KERNEL_DIFFERS: Record<string, { tsv: string; error: string; why: string }> = {
  // The object keeps a dead `goto` after each `exit`; check_cfg rejects any
  // instruction its depth-first walk never reaches.
  "byteswap.o": { tsv: "accept", error: "unreachable insn 6", why: "dead code after exit" },
  // bpf_tail_call's proto returns RET_VOID, so R0 is NOT_INIT after the call,
  // and the program returns the helper's "result" without setting R0.
  "tail_call.o": { tsv: "accept", error: "R0 !read_ok", why: "tail call is RET_VOID" },
};

describe.skipIf(rows.length === 0)("samples/build verdicts", () => {
  for (const [dir, file, section, program, expected] of rows) {
    const differs = KERNEL_DIFFERS[file];
    const title = `${file} ${section}${program ? "/" + program : ""}`;
    it(`${title}: ${differs ? `reject (${differs.why}; table says ${expected})` : expected}`, () => {
      const spec = CollectionSpec.fromFile(`${ROOT}/${dir}/${file}`);
      const progs = findPrograms(spec, { section, name: program || undefined });
      expect(progs.length).toBeGreaterThan(0);
      for (const prog of progs) {
        const r = verify(
          prog.insns,
          verifyOptionsForProgram(spec, prog, {
            caps: { bpf: true, perfmon: false, mitigationsOff: true },
          }),
        );
        if (differs) {
          expect(expected).toBe(differs.tsv);
          expect(r.accepted).toBe(false);
          expect(r.error).toBe(differs.error);
        } else {
          expect(r.accepted ? "accept" : "reject", r.error ?? "").toBe(expected);
        }
      }
    });
  }
});
