import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { cli, tempFiles } from "../support/cli.ts";
import { SAMPLES } from "../e2e/support.ts";

const XDP_BOUNDS = `
r0 = 0
r2 = *(u32 *)(r1 +0)
r3 = *(u32 *)(r1 +4)
r4 = r2
r4 += 14
if r4 > r3 goto out
r5 = 1
if r5 == 0 goto out
r0 = 2
out:
exit
`;

describe("tsbpf verify --xlated", () => {
  it("prints the rewritten program as bpftool does", async () => {
    const dir = tempFiles({ "x.s": XDP_BOUNDS });
    const r = await cli("verify", "--asm", join(dir, "x.s"), "--type", "xdp", "--xlated");
    expect(r.code).toBe(0);
    expect(r.out.split("\n").slice(1, -1)).toEqual([
      "   0: (b7) r0 = 0",
      "   1: (79) r2 = *(u64 *)(r1 +0)",
      "   2: (79) r3 = *(u64 *)(r1 +8)",
      "   3: (bf) r4 = r2",
      "   4: (07) r4 += 14",
      "   5: (2d) if r4 > r3 goto pc+2",
      "   6: (b7) r5 = 1",
      "   7: (b7) r0 = 2",
      "   8: (95) exit",
    ]);
  });

  it("names maps and helpers, shows BPF-to-BPF calls as call pc+N", async () => {
    const src = `
      r2 = r10
      r2 += -4
      r1 = 0
      *(u32 *)(r10 -4) = r1
      r1 = map[id:3]
      call bpf_map_lookup_elem
      call f
      exit
    f:
      call bpf_ktime_get_ns
      exit`;
    const dir = tempFiles({ "m.s": src });
    const r = await cli(
      "verify",
      ...[
        "--asm",
        join(dir, "m.s"),
        "--type",
        "socket_filter",
        "--map",
        "3=hash:4:8:16",
        "--xlated",
      ],
    );
    expect(r.code).toBe(0);
    const lines = r.out.split("\n");
    expect(lines).toContain("   4: (18) r1 = map[id:3]");
    expect(lines).toContain("   6: (85) call bpf_map_lookup_elem#1");
    expect(lines).toContain("   7: (85) call pc+1");
    expect(lines).toContain("   9: (85) call bpf_ktime_get_ns#5");
  });

  it("works on objects, and rejected programs print no dump", async () => {
    const r = await cli("verify", `${SAMPLES}linux/sockex1_kern.o`, "--xlated");
    expect(r.code).toBe(0);
    // __sk_buff->pkt_type reads the byte of the runtime-side skb; the array lookup is inline.
    expect(r.out).toContain("(71) r1 = *(u8 *)(r6 +106)");
    expect(r.out).toContain("(61) r1 = *(u32 *)(r1 +24)");
    expect(r.out).not.toContain("call bpf_map_lookup_elem");
    const dir = tempFiles({ "bad.s": "r0 = *(u32 *)(r1 +0)\nr0 = *(u64 *)(r0 +0)\nexit\n" });
    const bad = await cli("verify", "--asm", join(dir, "bad.s"), "--type", "xdp", "--xlated");
    expect(bad.code).toBe(1);
    expect(bad.out).not.toMatch(/^ +0: /m);
  });
});
