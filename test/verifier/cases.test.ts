// Runs every verifier case of test/verifier/cases/*.ts: privileged verdicts
// and messages, and unprivileged ones where a case states them.
import { describe, expect, it } from "vitest";
import { errorMatches, runCase, type VerifierCase } from "./harness.ts";
import { cases as alu } from "./cases/alu.ts";
import { cases as atomic } from "./cases/atomic.ts";
import { cases as calls } from "./cases/calls.ts";
import { cases as cfg } from "./cases/cfg.ts";
import { cases as ctx } from "./cases/ctx.ts";
import { cases as exit } from "./cases/exit.ts";
import { cases as facts } from "./cases/facts.ts";
import { cases as helpers } from "./cases/helpers.ts";
import { cases as jmp } from "./cases/jmp.ts";
import { cases as ldabs } from "./cases/ldabs.ts";
import { cases as maps } from "./cases/maps.ts";
import { cases as packet } from "./cases/packet.ts";
import { cases as selBounds } from "./cases/sel-bounds.ts";
import { cases as selStackPtr } from "./cases/sel-stack-ptr.ts";
import { cases as selUnpriv } from "./cases/sel-unpriv.ts";
import { cases as stack } from "./cases/stack.ts";
import { cases as unpriv } from "./cases/unpriv.ts";
import { cases as selRefTracking } from "./cases/sel-ref-tracking.ts";
import { cases as selSpinLock } from "./cases/sel-spin-lock.ts";
import { cases as callbacks } from "./cases/callbacks.ts";
import { cases as globalFuncs } from "./cases/global-funcs.ts";
import { cases as selCalls } from "./cases/sel-calls.ts";
import { cases as selDirectPacket } from "./cases/sel-direct-packet.ts";
import { cases as ctxTypes } from "./cases/ctx-types.ts";
import { cases as pruning } from "./cases/pruning.ts";
import { cases as selSearchPruning } from "./cases/sel-search-pruning.ts";
import { cases as selPrecision } from "./cases/sel-precision.ts";
import { cases as selLoops } from "./cases/sel-loops.ts";

const AREAS: Record<string, VerifierCase[]> = {
  cfg,
  alu,
  stack,
  maps,
  helpers,
  ctx,
  "ctx (more program types)": ctxTypes,
  packet,
  exit,
  atomic,
  ldabs,
  calls,
  callbacks,
  "global functions": globalFuncs,
  jmp,
  unpriv,
  facts,
  "pruning, liveness, precision and limits": pruning,
  "selftests verifier_search_pruning": selSearchPruning,
  "selftests verifier_precision": selPrecision,
  "selftests verifier_loops1": selLoops,
  "selftests verifier_unpriv": selUnpriv,
  "selftests verifier_stack_ptr": selStackPtr,
  "selftests verifier_bounds": selBounds,
  "selftests verifier_ref_tracking": selRefTracking,
  "selftests verifier_spin_lock": selSpinLock,
  "selftests verifier/calls.c": selCalls,
  "selftests verifier_direct_packet_access": selDirectPacket,
};

for (const [area, cases] of Object.entries(AREAS)) {
  describe(`verifier cases: ${area}`, () => {
    for (const c of cases) {
      it(c.name, () => {
        const { r, insns } = runCase(c, false);
        if (c.err === undefined) {
          // The level-2 log only for a failure: printing it is costly on long paths.
          const why = r.error === undefined ? "" : `; log:\n${runCase(c, false, 2).r.log}`;
          expect(r.error, `expected accept${why}`).toBeUndefined();
        } else {
          expect(errorMatches(r.error, c.err), `expected '${c.err}', got '${r.error}'`).toBe(true);
        }
        c.check?.(r, insns);
        if (c.logHas || c.logLacks) {
          const log = runCase(c, false, 2).r.log;
          for (const m of c.logHas ?? []) {
            if (typeof m === "string") expect(log, "level-2 log").toContain(m);
            else expect(log, "level-2 log").toMatch(m);
          }
          for (const m of c.logLacks ?? []) {
            if (typeof m === "string") expect(log, "level-2 log").not.toContain(m);
            else expect(log, "level-2 log").not.toMatch(m);
          }
        }
        if (c.unpriv !== undefined) {
          const u = runCase(c, true).r;
          if (c.unpriv === "ok") expect(u.error, "expected unprivileged accept").toBeUndefined();
          else
            expect(
              errorMatches(u.error, c.unpriv),
              `unpriv: expected '${c.unpriv}', got '${u.error}'`,
            ).toBe(true);
        }
      });
    }
  });
}
