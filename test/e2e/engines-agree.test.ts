// The interpreter and the JIT agree on real programs run through the runtime:
// the same random and well-formed packets give the same return values, output
// packets, redirects and, at the end, the same map contents. (Both runtimes
// use the same seed and a frozen clock, so helpers answer alike.)
import { describe, expect, it } from "vitest";
import { frame, Runtime, type Collection } from "../../src/runtime/index.ts";
import { ProgType } from "../../src/uapi/index.ts";
import { sample } from "./support.ts";

const PROGRAMS: [file: string, program: string, type?: number][] = [
  ["prototype-kernel/xdp_ddos01_blacklist_kern.o", "xdp_program"],
  ["prototype-kernel/xdp_ttl_kern.o", "xdp_ttl_program"],
  ["prototype-kernel/xdp_vlan01_kern.o", "xdp_prognum1"],
  ["linux/xdp2_kern.o", "xdp_prog1"],
  ["linux/xdp_tx_iptunnel_kern.o", "_xdp_tx_iptunnel"],
  ["linux/sockex2_kern.o", "bpf_prog2"],
  ["linux/tcbpf1_kern.o", "bpf_prog1"],
  ["cilium/bpf_xdp.o", "xdp_start", ProgType.XDP],
];

function packets(n: number): Uint8Array[] {
  let s = 0x2545f491;
  const rnd = (k: number): number => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return (s >>> 0) % k;
  };
  return Array.from({ length: n }, (_, i) => {
    if (i % 3 === 0) return Uint8Array.from({ length: 14 + rnd(150) }, () => rnd(256));
    const l3 =
      i % 3 === 1
        ? { ipv4: { src: `10.0.${rnd(4)}.1`, dst: "10.0.0.2", ttl: rnd(3) } }
        : { ipv6: { src: "fe80::1", dst: "fe80::2" } };
    const l4 = rnd(2)
      ? { tcp: { sport: rnd(65536), dport: rnd(1024), flags: rnd(64) } }
      : { udp: { sport: 53, dport: rnd(65536) } };
    return frame({ ...l3, ...l4, vlan: rnd(4) === 0 ? rnd(4096) : undefined, payload: rnd(64) });
  });
}

function mapDump(c: Collection): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const [name, h] of c.maps) {
    if (h.maxEntries > 4096) continue; // iterating 64K-slot arrays twice per test costs seconds
    try {
      out[name] = [...h.entries()].map(
        ([k, v]) => `${Buffer.from(k).toString("hex")}=${Buffer.from(v).toString("hex")}`,
      );
    } catch {
      out[name] = ["(not iterable)"];
    }
  }
  return out;
}

describe("interpreter and JIT agree through the runtime", () => {
  const traffic = packets(24);
  const exercised: string[] = [];
  for (const [file, program, type] of PROGRAMS) {
    it(`${file} ${program}`, { timeout: 60_000 }, () => {
      const results = (["interp", "jit"] as const).map((engine) => {
        const rt = new Runtime({ engine, seed: 3, clock: () => 5_000_000_000n });
        const opts =
          type === undefined
            ? { programs: [program] }
            : { programs: [program], types: { [program]: type } };
        const c = rt.loadCollection(sample(file), opts);
        const runs = traffic.map((data) => {
          const r = c.program(program).testRun({ data });
          return { retval: r.retval, data: r.data, redirect: r.redirect };
        });
        const maps = mapDump(c);
        rt.close();
        return { runs, maps };
      });
      expect(results[1]!.runs).toEqual(results[0]!.runs);
      // Did the traffic exercise the program (several verdicts, rewritten packets, counters)?
      const runs = results[0]!.runs;
      const verdicts = new Set(runs.map((r) => r.retval)).size;
      // (Socket filters hand back a zeroed Ethernet header; look past it.)
      const rewritten = runs.some(
        (r, i) => r.data && Buffer.compare(r.data.subarray(14), traffic[i]!.subarray(14)) !== 0,
      );
      const counted = Object.values(results[0]!.maps).some((e) => e.some((x) => !/=0*$/.test(x)));
      if (verdicts > 1 || rewritten || counted) exercised.push(file);
      expect(results[1]!.maps).toEqual(results[0]!.maps);
    });
  }

  it("the traffic drove most programs past a single constant answer", () => {
    expect(exercised.length).toBeGreaterThanOrEqual(4);
  });
});
