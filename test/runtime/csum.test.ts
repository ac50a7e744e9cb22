// The checksum helpers keep checksums right the way the kernel's incremental
// updates do: rewriting an IPv4 destination address with
// l3_csum_replace/l4_csum_replace (4-byte and by-diff via csum_diff, with the
// pseudo-header flag for UDP) and a port with the 2-byte form must leave
// headers whose full checksums verify. Plus the helpers' argument checks.
import { describe, expect, it } from "vitest";
import { frame, inetChecksum, parseIpv4, Runtime } from "../../src/runtime/index.ts";
import { ProgType } from "../../src/uapi/index.ts";
import { asmProgram, ENGINES, rdU32 } from "./support.ts";

const PKT = frame({
  ipv4: { src: "10.0.0.1", dst: "10.0.0.2" },
  udp: { sport: 1000, dport: 53 },
  payload: 23,
});
const NEW_DST = parseIpv4("10.9.8.7");
const IP = 14;
const UDP = 34;

/** The IPv4 header and UDP checksums of `f` verify (sum over header / pseudo-header + datagram is all ones). */
function checksumsValid(f: Uint8Array): boolean {
  const ip = f.subarray(IP, IP + 20);
  const udp = f.subarray(UDP);
  const pseudo = new Uint8Array(12);
  pseudo.set(ip.subarray(12, 20), 0);
  pseudo[9] = 17;
  pseudo[10] = udp.length >> 8;
  pseudo[11] = udp.length & 0xff;
  return inetChecksum(ip) === 0 && inetChecksum(pseudo, udp) === 0;
}

// Shared prologue: r6 = skb, old dst at fp-8 (loaded from the packet), new dst at fp-4.
const prologue = `
  r6 = r1
  *(u32 *)(r10 -4) = ${rdU32(NEW_DST)}
  r1 = r6
  r2 = 30
  r3 = r10
  r3 += -8
  r4 = 4
  call bpf_skb_load_bytes
`;
const storeNewDst = `
  r1 = r6
  r2 = 30
  r3 = r10
  r3 += -4
  r4 = 4
  r5 = 0
  call bpf_skb_store_bytes
  r0 = 0
  exit
`;

describe.each(ENGINES)("checksum helpers on %s", (engine) => {
  it("4-byte replace keeps the IP and UDP (pseudo-header) checksums valid", () => {
    const rt = new Runtime({ engine });
    const p = asmProgram(
      rt,
      `${prologue}
      r1 = r6
      r2 = 40
      r3 = *(u32 *)(r10 -8)
      r4 = *(u32 *)(r10 -4)
      r5 = 20
      call bpf_l4_csum_replace
      r1 = r6
      r2 = 24
      r3 = *(u32 *)(r10 -8)
      r4 = *(u32 *)(r10 -4)
      r5 = 4
      call bpf_l3_csum_replace
      ${storeNewDst}`,
      ProgType.SCHED_CLS,
    );
    expect(checksumsValid(PKT)).toBe(true);
    const out = p.testRun({ data: PKT }).data!;
    expect(out.subarray(30, 34)).toEqual(NEW_DST);
    expect(checksumsValid(out)).toBe(true);
    rt.close();
  });

  it("csum_diff + replace-by-diff does the same", () => {
    const rt = new Runtime({ engine });
    const p = asmProgram(
      rt,
      `${prologue}
      r1 = r10
      r1 += -8
      r2 = 4
      r3 = r10
      r3 += -4
      r4 = 4
      r5 = 0
      call bpf_csum_diff
      r7 = r0
      r1 = r6
      r2 = 24
      r3 = 0
      r4 = r7
      r5 = 0
      call bpf_l3_csum_replace
      r1 = r6
      r2 = 40
      r3 = 0
      r4 = r7
      r5 = 16
      call bpf_l4_csum_replace
      ${storeNewDst}`,
      ProgType.SCHED_CLS,
    );
    const out = p.testRun({ data: PKT }).data!;
    expect(out.subarray(30, 34)).toEqual(NEW_DST);
    expect(checksumsValid(out)).toBe(true);
    rt.close();
  });

  it("2-byte replace updates the UDP checksum for a new port", () => {
    const rt = new Runtime({ engine });
    // dport 53 -> 5353 (network order as loaded: bytes 0x00 0x35 -> 0x14 0xe9)
    const p = asmProgram(
      rt,
      `r6 = r1
      r1 = r6
      r2 = 40
      r3 = 0x3500
      r4 = 0xe914
      r5 = 2
      call bpf_l4_csum_replace
      *(u16 *)(r10 -2) = 0xe914
      r1 = r6
      r2 = 36
      r3 = r10
      r3 += -2
      r4 = 2
      r5 = 0
      call bpf_skb_store_bytes
      r0 = 0
      exit`,
      ProgType.SCHED_CLS,
    );
    const out = p.testRun({ data: PKT }).data!;
    expect((out[36]! << 8) | out[37]!).toBe(5353);
    expect(checksumsValid(out)).toBe(true);
    rt.close();
  });

  it("returns the kernel's errors for bad offsets and flags", () => {
    const rt = new Runtime({ engine });
    const call = (helper: string, off: number, from: number, flags: number): number => {
      const text = `r2 = ${off}\nr3 = ${from}\nr4 = 0\nr5 = ${flags}\ncall ${helper}\nexit`;
      const r0 = asmProgram(rt, text, ProgType.SCHED_CLS).testRun({ data: PKT }).r0;
      return Number(BigInt.asIntN(64, r0));
    };
    expect(call("bpf_l3_csum_replace", 25, 0, 2)).toBe(-14); // odd offset: EFAULT
    expect(call("bpf_l3_csum_replace", 24, 0, 3)).toBe(-22); // field size 3: EINVAL
    expect(call("bpf_l3_csum_replace", 24, 1, 0)).toBe(-22); // by-diff with from != 0
    expect(call("bpf_l3_csum_replace", PKT.length, 0, 2)).toBe(-14); // past the packet
    expect(call("bpf_l4_csum_replace", 40, 0, 0x100)).toBe(-22); // unknown flag
    rt.close();
  });
});
