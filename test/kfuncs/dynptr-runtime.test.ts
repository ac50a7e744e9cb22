// The dynptr helpers and kfuncs at run time, verified and on both engines:
// a ring buffer record written through a ringbuf dynptr and read back by
// RingBufReader, discarded records never seen; skb dynptrs read packets in tc
// and socket filters, and are read-only where the program may not write
// packets; local dynptrs bound reads and writes to their memory.
import { afterAll, describe, expect, it } from "vitest";
import { Runtime } from "../../src/runtime/index.ts";
import { RingBufReader } from "../../src/runtime/maps/index.ts";
import { u64Args } from "../../src/runtime/progtypes/index.ts";
import { MapType } from "../../src/uapi/map-types.ts";
import { ProgType } from "../../src/uapi/index.ts";
import { asmWithKfuncs } from "./support.ts";

const ENGINES = ["interp", "jit"] as const;
const rt = new Runtime();
afterAll(() => rt.close());

const load = (asm: string, type: number, engine: "interp" | "jit") =>
  rt.loadProgram({ insns: asmWithKfuncs(rt, asm), type, verify: true, engine, logLevel: 0 });

describe.each(ENGINES)("dynptrs at run time (%s)", (engine) => {
  it("a ringbuf dynptr record reaches the reader; a discarded one does not", () => {
    const rb = rt.createMap({ type: MapType.RINGBUF, keySize: 0, valueSize: 0, maxEntries: 4096 });
    const reader = new RingBufReader(rb);
    // ctx[0]: value to write; ctx[1]: 1 = discard.
    const p = load(
      `r6 = r1
       r1 = map[id:${rb.id}]
       r2 = 8
       r3 = 0
       r4 = r10
       r4 += -16
       call bpf_ringbuf_reserve_dynptr
       r1 = *(u64 *)(r6 + 0)
       *(u64 *)(r10 - 24) = r1
       r1 = r10
       r1 += -16
       r2 = 0
       r3 = r10
       r3 += -24
       r4 = 8
       r5 = 0
       call bpf_dynptr_write
       r7 = r0
       r1 = *(u64 *)(r6 + 8)
       if r1 != 0 goto discard
       r1 = r10
       r1 += -16
       r2 = 0
       call bpf_ringbuf_submit_dynptr
       r0 = r7
       exit
     discard:
       r1 = r10
       r1 += -16
       r2 = 0
       call bpf_ringbuf_discard_dynptr
       r0 = r7
       exit`,
      ProgType.KPROBE,
      engine,
    );
    for (const [v, discard] of [
      [0x1122n, 0n],
      [0x3344n, 1n],
      [0x5566n, 0n],
    ] as const)
      expect(p.testRun({ ctx: u64Args(v, discard) }).retval).toBe(0);
    const got: bigint[] = [];
    reader.consume((s) => got.push(new DataView(s.buffer, s.byteOffset).getBigUint64(0, true)));
    expect(got).toEqual([0x1122n, 0x5566n]);
    reader.close();
    p.close();
    rb.close();
  });

  it("skb dynptrs read the packet; socket filters get read-only ones", () => {
    const asm = (type: string): string => `
       r2 = 0
       r3 = r10
       r3 += -16
       call bpf_dynptr_from_skb
       r1 = r10
       r1 += -24
       r2 = 2
       r3 = r10
       r3 += -16
       r4 = ${type === "tc" ? 12 : 0}
       r5 = 0
       call bpf_dynptr_read
       if r0 != 0 goto out
       r1 = r10
       r1 += -16
       r2 = 0
       r3 = r10
       r3 += -24
       r4 = 1
       r5 = 0
       call bpf_dynptr_write
       r6 = r0
       r0 = *(u16 *)(r10 - 24)
       r0 = be16 r0
       r6 &= 0xff
       r6 <<= 16
       r0 |= r6
     out:
       exit`;
    const frame = new Uint8Array(60);
    frame[12] = 0x86;
    frame[13] = 0xdd;
    const tc = load(asm("tc"), ProgType.SCHED_CLS, engine);
    // tc sees the frame from its MAC header: ethertype at 12; the write succeeds (0).
    expect(tc.testRun({ data: frame }).retval).toBe(0x86dd);
    const sf = load(asm("sf"), ProgType.SOCKET_FILTER, engine);
    // A socket filter sees it from the network header (offset 14 of the frame) and
    // may not write: bpf_dynptr_write says -EINVAL (0xea in the low byte).
    frame[14] = 0x45;
    expect(sf.testRun({ data: frame }).retval).toBe((0xea << 16) | 0x4500);
    tc.close();
    sf.close();
  });

  it("local dynptrs bound reads to their memory", () => {
    // Read 4 bytes at ctx[0] of a 6-byte dynptr: 0 when in bounds, -E2BIG beyond.
    const p = load(
      `r6 = r1
       r1 = 0x0605040302010000 ll
       *(u64 *)(r10 - 8) = r1
       r1 = r10
       r1 += -8
       r2 = 6
       r3 = 0
       r4 = r10
       r4 += -24
       call bpf_dynptr_from_mem
       r1 = r10
       r1 += -32
       r2 = 4
       r3 = r10
       r3 += -24
       r4 = *(u64 *)(r6 + 0)
       r5 = 0
       call bpf_dynptr_read
       if r0 != 0 goto out
       r0 = *(u32 *)(r10 - 32)
     out:
       exit`,
      ProgType.KPROBE,
      engine,
    );
    expect(p.testRun({ ctx: u64Args(2) }).r0).toBe(0x04030201n);
    expect(p.testRun({ ctx: u64Args(3) }).r0).toBe(BigInt.asUintN(64, -7n));
    p.close();
  });
});
