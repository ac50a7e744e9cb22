// Rewritten programs behave as the originals: every corpus program of a type
// with a runtime-side context (XDP and the skb family) that our verifier
// accepts is loaded twice — verified, so the rewrite passes run and its ctx
// accesses are converted; and unverified, so it runs as compiled on the
// user-visible context — and test-run on the same packets on both engines.
// Return value, output packet and output ctx must agree.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { VerifierError } from "../../src/verifier/index.ts";
import { MapError } from "../../src/runtime/maps/index.ts";
import { kernCtxFor } from "../../src/fixup/index.ts";
import { frame, Runtime } from "../../src/runtime/index.ts";
import { findPrograms } from "../../src/spec/index.ts";
import { ProgType } from "../../src/uapi/index.ts";
import { ENGINES, SAMPLES, sample } from "../e2e/support.ts";

const DIRS = new Set(["linux", "new_linux", "prototype-kernel"]);
const rows = readFileSync(`${SAMPLES}expected.tsv`, "utf8")
  .trim()
  .split("\n")
  .slice(1)
  .map((l) => l.split("\t") as [string, string, string, string, string])
  .filter(([dir, , , , expected]) => DIRS.has(dir) && expected === "accept");

const PACKETS = [
  frame({ ipv4: { src: "10.0.0.1", dst: "10.0.0.2" }, udp: { sport: 1000, dport: 53 } }),
  frame({ ipv4: { src: "192.168.1.66", dst: "10.0.0.2" }, tcp: { sport: 4000, dport: 80 } }),
  frame({ ipv6: { src: "fe80::1", dst: "fe80::2" }, udp: { sport: 7, dport: 9 } }),
];

function typeOf(type: number): number {
  return type === ProgType.UNSPEC ? ProgType.SCHED_CLS : type;
}

describe.each(ENGINES)("corpus programs, rewritten vs as compiled, on %s", (engine) => {
  it("agree on every packet", { timeout: 240_000 }, () => {
    let compared = 0;
    let converted = 0;
    const mismatches: string[] = [];
    for (const [dir, file, section, program] of rows) {
      const spec = sample(`${dir}/${file}`);
      for (const ps of findPrograms(spec, { section, name: program || undefined })) {
        const type = typeOf(ps.type);
        if (!kernCtxFor(type)) continue;
        const load = (verify: boolean) => {
          const rt = new Runtime({ engine, seed: 7, clock: () => 1_000_000n });
          const c = rt.loadCollection(spec, {
            programs: [ps.name],
            types: { [ps.name]: type },
            verify,
          });
          return { rt, prog: c.program(ps.name) };
        };
        let fixed;
        try {
          fixed = load(true);
        } catch (e) {
          // Gaps of our verifier or of the runtime's map types, not of the passes.
          if (e instanceof VerifierError) continue;
          if (e instanceof MapError && /is not supported/.test(e.message)) continue;
          throw e;
        }
        const plain = load(false);
        if (fixed.prog.ctxConverted) converted++;
        for (const data of PACKETS) {
          const run = (p: typeof fixed.prog) => {
            try {
              const r = p.testRun({ data });
              return { retval: r.retval, data: r.data, ctx: r.ctx };
            } catch (e) {
              return { error: String(e) };
            }
          };
          const a = run(fixed.prog);
          const b = run(plain.prog);
          compared++;
          try {
            expect(a).toEqual(b);
          } catch {
            mismatches.push(
              `${dir}/${file} ${ps.name}: ${JSON.stringify(a).slice(0, 200)} vs ${JSON.stringify(b).slice(0, 200)}`,
            );
          }
        }
        fixed.rt.close();
        plain.rt.close();
      }
    }
    expect(mismatches).toEqual([]);
    expect(converted).toBeGreaterThan(10);
    expect(compared).toBeGreaterThan(60);
  });
});
