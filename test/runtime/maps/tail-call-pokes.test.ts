// Direct tail calls through prog_array pokes, end to end: verified programs
// get a poke per constant site, the prog_array keeps the poke's target
// current through updates, deletes and the last-handle clear, both engines
// take the same paths as the map-lookup form (results, the 33-call limit,
// fall-through), no map lookup happens at run time, and the pokes go away
// with their program.
import { describe, expect, it, vi } from "vitest";
import { assemble } from "../../../src/isa/index.ts";
import { Runtime, type Program } from "../../../src/runtime/index.ts";
import type { MapHandle, ProgArrayMap } from "../../../src/runtime/maps/index.ts";
import { MapType, ProgType } from "../../../src/uapi/index.ts";
import { ENGINES, rdU64 } from "../support.ts";

const PKT = { data: new Uint8Array(64) };

function setupRt(engine: (typeof ENGINES)[number]) {
  const rt = new Runtime({ engine });
  const jmp = rt.createMap({
    type: MapType.PROG_ARRAY,
    keySize: 4,
    valueSize: 4,
    maxEntries: 4,
    name: "jmp",
  });
  const cnt = rt.createMap({ type: MapType.ARRAY, keySize: 4, valueSize: 8, maxEntries: 1 });
  const load = (src: string, direct: boolean): Program =>
    rt.loadProgram({
      insns: assemble(src),
      type: ProgType.XDP,
      verify: true,
      directTailCalls: direct,
    });
  return { rt, jmp, cnt, load };
}

/** Tail-call slot `key`; falling through returns 100. */
const caller = (jmp: MapHandle, key: number) =>
  `r2 = map_fd ${jmp.id}\nr3 = ${key}\ncall bpf_tail_call\nr0 = 100\nexit`;

/** Count runs in cnt[0], then tail-call slot `key` (itself, in the tests); fall-through returns 1. */
const counter = (jmp: MapHandle, cnt: MapHandle, key: number) => `
  r6 = r1
  r1 = map_fd ${cnt.id}
  r2 = r10
  r2 += -4
  r3 = 0
  *(u32 *)(r10 -4) = r3
  call bpf_map_lookup_elem
  if r0 == 0 goto out
  r1 = *(u64 *)(r0 +0)
  r1 += 1
  *(u64 *)(r0 +0) = r1
  r1 = r6
  r2 = map_fd ${jmp.id}
  r3 = ${key}
  call bpf_tail_call
out:
  r0 = 1
  exit`;

describe.each(ENGINES)("direct tail calls on %s", (engine) => {
  it.each([true, false])(
    "direct=%s: the slot's current program, updated and deleted after load",
    (direct) => {
      const { rt, jmp, load } = setupRt(engine);
      const a = load(caller(jmp, 1), direct);
      expect(a.exec.tailCallPokes?.length ?? 0).toBe(direct ? 1 : 0);
      const seven = load("r0 = 7\nexit", direct);
      const nine = load("r0 = 9\nexit", direct);
      const run = () => a.testRun(PKT).retval;
      const seen = [run()];
      jmp.setProgram(1, seven);
      seen.push(run());
      jmp.setProgram(1, nine);
      seen.push(run());
      jmp.setProgram(2, seven); // another slot changes nothing for this site
      seen.push(run());
      jmp.delete(1);
      seen.push(run());
      jmp.setProgram(1, seven);
      seen.push(run());
      expect(seen).toEqual([100, 7, 9, 9, 100, 7]);
      // The last user handle closing empties every slot: the site falls through.
      jmp.close();
      expect(run()).toBe(100);
      rt.close();
    },
  );

  it("keeps the 33-tail-call limit, counted alike in both forms and when mixed", () => {
    for (const [first, second] of [
      [true, true],
      [false, false],
      [true, false],
    ] as const) {
      const { rt, jmp, cnt, load } = setupRt(engine);
      // Slot 0 runs a direct counter that tail-calls slot 1, a counter that calls slot 0.
      jmp.setProgram(0, load(counter(jmp, cnt, 1), first));
      jmp.setProgram(1, load(counter(jmp, cnt, 0), second));
      const entry = load(caller(jmp, 0), first);
      expect(entry.testRun(PKT).retval).toBe(1);
      expect(rdU64(cnt.lookup(0)!)).toBe(33n); // 33 tail calls reach a counter, then fall through
      rt.close();
    }
  });

  it("looks nothing up at run time, and counts a call to an empty slot", () => {
    const { rt, jmp, cnt, load } = setupRt(engine);
    const lookups = vi.spyOn(rt.env, "tailCallTarget");
    const self = load(counter(jmp, cnt, 0), true);
    jmp.setProgram(0, self);
    expect(self.testRun(PKT).retval).toBe(1);
    expect(rdU64(cnt.lookup(0)!)).toBe(34n); // the first run plus 33 tail calls
    expect(lookups).not.toHaveBeenCalled();
    const viaMap = load(counter(jmp, cnt, 0), false);
    viaMap.testRun(PKT);
    expect(lookups).toHaveBeenCalled();
    rt.close();
  });

  it("releases a program's pokes when it goes away", () => {
    const { rt, jmp, load } = setupRt(engine);
    const m = jmp.map as ProgArrayMap;
    const a = load(caller(jmp, 1), true);
    const b = load(caller(jmp, 2) + "\n", true);
    expect(m.pokeCount).toBe(2);
    jmp.setProgram(3, a); // the slot holds a: it outlives its loader's reference
    a.close();
    expect(m.pokeCount).toBe(2);
    jmp.delete(3);
    expect(m.pokeCount).toBe(1);
    b.close();
    expect(m.pokeCount).toBe(0);
    load(caller(jmp, 1), false).close();
    expect(m.pokeCount).toBe(0);
    rt.close();
  });
});
