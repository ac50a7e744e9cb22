// Test runs of the context-only program types: kprobe (x86-64 pt_regs, with
// bpf_override_return), raw tracepoint and tracing (u64 args), tracepoint
// records, sock_ops (callback flags, socket options, skb_data), the raw mem
// type, and the refusals (data where none is taken, oversized ctx, types
// without a test run).
import { describe, expect, it } from "vitest";
import { ptRegs, Runtime, TestRunError, u64Args } from "../../src/runtime/index.ts";
import { SOCK_OPS_CTX } from "../../src/verifier/ctx/others.ts";
import { ProgType } from "../../src/uapi/index.ts";
import { asmProgram, ENGINES, rdU32, rdU64, u32 } from "./support.ts";

const sockOps = (name: string): number => SOCK_OPS_CTX.fields.find((f) => f.name === name)!.off;

describe.each(ENGINES)("context program types on %s", (engine) => {
  it("kprobe reads pt_regs and bpf_override_return sets ax", () => {
    const rt = new Runtime({ engine });
    // PT_REGS_PARM1 = di (offset 112), PARM2 = si (104) on x86-64.
    const sum = asmProgram(
      rt,
      "r2 = *(u64 *)(r1 +112)\nr0 = *(u64 *)(r1 +104)\nr0 += r2\nexit",
      ProgType.KPROBE,
    );
    expect(sum.testRun({ ctx: ptRegs({ di: 5, si: 7 }) }).retval).toBe(12);
    const over = asmProgram(rt, "r2 = 99\ncall bpf_override_return\nr0 = 0\nexit", ProgType.KPROBE);
    const r = over.testRun({ ctx: ptRegs({ ax: 1 }) });
    expect(r.overrideReturn).toBe(99n);
    expect(rdU64(r.ctx!, 80)).toBe(99n);
    expect(() => sum.testRun({ data: new Uint8Array(4) })).toThrow(/take no data/);
    const long = new Uint8Array(200);
    long[190] = 1;
    expect(() => sum.testRun({ ctx: long })).toThrow(TestRunError);
    rt.close();
  });

  it("raw tracepoint and tracing programs get u64 arguments", () => {
    const rt = new Runtime({ engine });
    for (const type of [ProgType.RAW_TRACEPOINT, ProgType.TRACING]) {
      const p = asmProgram(rt, "r0 = *(u64 *)(r1 +8)\nexit", type);
      expect(p.testRun({ ctx: u64Args(1, 0x1234_5678_9abcn) }).r0).toBe(0x1234_5678_9abcn);
    }
    const tp = asmProgram(rt, "r0 = *(u32 *)(r1 +8)\nexit", ProgType.TRACEPOINT);
    const rec = new Uint8Array(16);
    rec.set(u32(31337), 8);
    expect(tp.testRun({ ctx: rec }).retval).toBe(31337);
    rt.close();
  });

  it("sock_ops: callback flags need a full socket; options set in a run read back", () => {
    const rt = new Runtime({ engine });
    const flags = asmProgram(
      rt,
      "r2 = 0x185\ncall bpf_sock_ops_cb_flags_set\nexit",
      ProgType.SOCK_OPS,
    );
    const ctx = new Uint8Array(SOCK_OPS_CTX.size);
    ctx.set(u32(1), sockOps("is_fullsock"));
    const r = flags.testRun({ ctx });
    expect(r.retval).toBe(0x180); // bits beyond BPF_SOCK_OPS_ALL_CB_FLAGS come back
    expect(rdU32(r.ctx!, sockOps("bpf_sock_ops_cb_flags"))).toBe(0x05);
    expect(Number(BigInt.asIntN(64, flags.testRun().r0))).toBe(-22); // not a full socket
    const opts = asmProgram(
      rt,
      `r6 = r1
      *(u32 *)(r10 -4) = 1400
      r1 = r6
      r2 = 6
      r3 = 2
      r4 = r10
      r4 += -4
      r5 = 4
      call bpf_setsockopt
      *(u32 *)(r10 -8) = 0
      r1 = r6
      r2 = 6
      r3 = 2
      r4 = r10
      r4 += -8
      r5 = 4
      call bpf_getsockopt
      r0 = *(u32 *)(r10 -8)
      exit`,
      ProgType.SOCK_OPS,
    );
    expect(opts.testRun().retval).toBe(1400);
    const pkt = asmProgram(
      rt,
      `r2 = *(u64 *)(r1 +${sockOps("skb_data")})
      r3 = *(u64 *)(r1 +${sockOps("skb_data_end")})
      r0 = *(u32 *)(r1 +${sockOps("skb_len")})
      r3 -= r2
      if r3 != r0 goto +1
      r0 = *(u8 *)(r2 +2)
      exit`,
      ProgType.SOCK_OPS,
    );
    expect(pkt.testRun({ data: Uint8Array.of(9, 8, 7, 6) }).retval).toBe(7);
    rt.close();
  });

  it("the mem type passes data in r1/r2 and returns it as the program left it", () => {
    const rt = new Runtime({ engine });
    const p = asmProgram(rt, "r0 = r2\n*(u8 *)(r1 +1) = 0xaa\nexit");
    const r = p.testRun({ data: Uint8Array.of(1, 2, 3) });
    expect(r.retval).toBe(3);
    expect(r.data).toEqual(Uint8Array.of(1, 0xaa, 3));
    rt.close();
  });

  it("refuses program types without a test run", () => {
    const rt = new Runtime({ engine });
    const p = asmProgram(rt, "r0 = 1\nexit", ProgType.CGROUP_SOCK);
    expect(() => p.testRun()).toThrow(/ENOTSUPP: program type cgroup_sock can't be test-run/);
    rt.close();
  });
});
