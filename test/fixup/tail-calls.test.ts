// Direct tail calls (src/fixup/tail-calls.ts): which bpf_tail_call sites get
// a poke (the verifier's map and key facts constant on every path, the key in
// range, privileged, asked for), the rewritten form and the poke table, and
// how `tsbpf verify --xlated` shows them.
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { dumpXlated } from "../../src/fixup/index.ts";
import { MapType, ProgType } from "../../src/uapi/index.ts";
import type { MapInfo } from "../../src/verifier/index.ts";
import { cli, tempFiles } from "../support/cli.ts";
import { SAMPLES } from "../e2e/support.ts";
import { fixup } from "./support.ts";

const JMP: MapInfo = {
  type: MapType.PROG_ARRAY,
  keySize: 4,
  valueSize: 4,
  maxEntries: 4,
  flags: 0,
  name: "jmp_table",
};
const OTHER: MapInfo = { ...JMP, name: "other" };
const maps = new Map([
  [1, JMP],
  [2, OTHER],
]);
const direct = { maps, type: ProgType.XDP, fix: { directTailCalls: true } };

const tailCall = (key: string, map = 1) =>
  `r6 = r1\nr1 = r6\nr2 = map[id:${map}]\nr3 = ${key}\ncall bpf_tail_call\nr0 = 1\nexit`;

describe("direct tail calls", () => {
  it("mark a constant map and key: off = poke index + 1, and the poke table", () => {
    const src = `${tailCall("2").replace("r0 = 1\nexit", "")}
      r1 = r6
      r2 = map[id:1]
      r3 = 0
      call bpf_tail_call
      r0 = 1
      exit`;
    const { result } = fixup(src, direct);
    const sites = result.insns
      .map((x, pc) => ({ x, pc }))
      .filter(({ x }) => x.code === 0x85 && x.imm === 12);
    expect(sites.map(({ x }) => x.off)).toEqual([1, 2]);
    expect(result.pokes).toEqual([
      { pc: sites[0]!.pc, map: JMP, key: 2 },
      { pc: sites[1]!.pc, map: JMP, key: 0 },
    ]);
    expect(result.stats.directTailCalls).toBe(2);
    const lines = dumpXlated(result.insns, { pokes: result.pokes });
    expect(lines).toContain(
      `${String(sites[0]!.pc).padStart(4)}: (85) call bpf_tail_call#12 ; direct: jmp_table[2]`,
    );
    expect(lines).toContain(
      `${String(sites[1]!.pc).padStart(4)}: (85) call bpf_tail_call#12 ; direct: jmp_table[0]`,
    );
  });

  it("leave the map-lookup form where the kernel does", () => {
    const unmarked = (src: string, extra: object = {}) => {
      const { result } = fixup(src, { ...direct, ...extra });
      expect(result.pokes).toEqual([]);
      expect(result.insns.every((x) => x.off === 0 || x.code !== 0x85)).toBe(true);
    };
    // Not asked for (the pass is off by default).
    unmarked(tailCall("1"), { fix: {} });
    // Unprivileged: map pointers are Spectre-masked, no pokes.
    unmarked(tailCall("1"), { unprivileged: true, type: ProgType.SOCKET_FILTER });
    // A key the verifier can't pin down, or one out of range.
    unmarked(tailCall("1").replace("r3 = 1", "r3 = *(u32 *)(r6 +0)"));
    unmarked(tailCall("4"));
    // Two keys, or two maps, reaching the same call.
    const twoWays = (a: string, b: string) => `
      r6 = r1
      r7 = *(u32 *)(r6 +0)
      ${a}
      if r7 > 5 goto join
      ${b}
    join:
      r1 = r6
      call bpf_tail_call
      r0 = 1
      exit`;
    unmarked(twoWays("r2 = map[id:1]\nr3 = 0", "r3 = 1"));
    unmarked(twoWays("r2 = map[id:1]\nr3 = 0", "r2 = map[id:2]"));
    // The same key and map on both paths is still direct.
    const { result } = fixup(twoWays("r2 = map[id:1]\nr3 = 3", "r3 = 3"), direct);
    expect(result.pokes.map((p) => p.key)).toEqual([3]);
  });

  it("show in tsbpf verify --xlated", async () => {
    // sockex3 tail-calls through one site with the key of the protocol it parsed: map lookups.
    const obj = await cli("verify", `${SAMPLES}linux/sockex3_kern.o`, "--xlated");
    expect(obj.code).toBe(0);
    expect(obj.out).toContain("(85) call bpf_tail_call#12\n");
    expect(obj.out).not.toContain("direct:");
    const dir = tempFiles({ "t.s": tailCall("3") });
    const asm = await cli(
      "verify",
      ...["--asm", join(dir, "t.s"), "--type", "xdp", "--map", "1=prog_array:4:4:4", "--xlated"],
    );
    expect(asm.code).toBe(0);
    expect(asm.out).toContain("   5: (85) call bpf_tail_call#12 ; direct: prog_array[3]");
    const unpriv = await cli(
      "verify",
      ...["--asm", join(dir, "t.s"), "--type", "socket_filter", "--unpriv"],
      ...["--map", "1=prog_array:4:4:4", "--xlated"],
    );
    expect(unpriv.out).toContain("call bpf_tail_call#12\n");
  });
});
