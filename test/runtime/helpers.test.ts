// Helpers on raw "mem" programs (r1 = data, r2 = its length; the output is
// the data afterwards): probe_read* zero-fill on a bad source, trace_printk to
// the sink, the configurable current task, the clock and jiffies, seeded
// randomness, the CPU id, and argument checks for unverified programs.
import { describe, expect, it } from "vitest";
import { ExecError } from "../../src/errors.ts";
import { BPF_ADD, BPF_DW, BPF_JNE, BPF_PSEUDO_FUNC, build } from "../../src/isa/index.ts";
import { Runtime, type TracePrintkRecord } from "../../src/runtime/index.ts";
import { MapType } from "../../src/uapi/index.ts";
import { asmProgram, ENGINES, rdU64 } from "./support.ts";

const s64 = (b: Uint8Array, off: number): bigint => BigInt.asIntN(64, rdU64(b, off));
const enc = (s: string): Uint8Array => new TextEncoder().encode(s);

describe.each(ENGINES)("helpers on %s", (engine) => {
  it("probe_read copies from readable memory, and zero-fills with -EFAULT otherwise", () => {
    const rt = new Runtime({ engine });
    const p = asmProgram(
      rt,
      `r6 = r1
      *(u64 *)(r10 -8) = -1
      r1 = r10
      r1 += -8
      r2 = 8
      r3 = 0x1234
      call bpf_probe_read_kernel
      r1 = *(u64 *)(r10 -8)
      *(u64 *)(r6 +0) = r1
      *(u64 *)(r6 +8) = r0
      r1 = r10
      r1 += -8
      r2 = 8
      r3 = r6
      r3 += 16
      call bpf_probe_read
      r1 = *(u64 *)(r10 -8)
      *(u64 *)(r6 +24) = r1
      *(u64 *)(r6 +32) = r0
      r0 = 0
      exit`,
    );
    const data = new Uint8Array(40).fill(0xee);
    data.set([1, 2, 3, 4, 5, 6, 7, 8], 16);
    const out = p.testRun({ data }).data!;
    expect(rdU64(out, 0)).toBe(0n);
    expect(s64(out, 8)).toBe(-14n);
    expect(out.subarray(24, 32)).toEqual(Uint8Array.of(1, 2, 3, 4, 5, 6, 7, 8));
    expect(s64(out, 32)).toBe(0n);
    rt.close();
  });

  it("probe_read_str copies up to the NUL, cuts long strings, returns the length with the NUL", () => {
    const rt = new Runtime({ engine });
    const p = asmProgram(
      rt,
      `r6 = r1
      r1 = r6
      r1 += 32
      r2 = 8
      r3 = r6
      call bpf_probe_read_kernel_str
      *(u64 *)(r6 +48) = r0
      r1 = r6
      r1 += 40
      r2 = 8
      r3 = r6
      r3 += 16
      call bpf_probe_read_user_str
      *(u64 *)(r6 +56) = r0
      r0 = 0
      exit`,
    );
    const data = new Uint8Array(64);
    data.set(enc("a long string\0"), 0);
    data.set(enc("abc\0"), 16);
    const out = p.testRun({ data }).data!;
    expect(out.subarray(32, 40)).toEqual(enc("a long \0"));
    expect(rdU64(out, 48)).toBe(8n);
    expect(out.subarray(40, 44)).toEqual(enc("abc\0"));
    expect(rdU64(out, 56)).toBe(4n);
    rt.close();
  });

  it("trace_printk formats into the sink and returns the length", () => {
    const lines: TracePrintkRecord[] = [];
    const rt = new Runtime({
      engine,
      tracePrintk: (r) => lines.push(r),
      task: { pid: 77, comm: "nginx" },
    });
    const fmt = enc("n=%d s=%s\0");
    const data = new Uint8Array(32);
    data.set(fmt, 0);
    data.set(enc("hi\0"), 16);
    const p = asmProgram(
      rt,
      `r6 = r1
      r2 = ${fmt.length}
      r3 = -5
      r4 = r6
      r4 += 16
      call bpf_trace_printk
      exit`,
    );
    expect(p.testRun({ data }).retval).toBe("n=-5 s=hi".length);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ message: "n=-5 s=hi", pid: 77, comm: "nginx", cpu: 0 });
    rt.close();
  });

  it("reports the configured task, clock, jiffies and CPU", () => {
    const rt = new Runtime({
      engine,
      ncpus: 4,
      hz: 1000,
      clock: () => 5_000_000_123n,
      task: { pid: 12, tgid: 34, uid: 56, gid: 78, comm: "a-very-long-command-name" },
    });
    const p = asmProgram(
      rt,
      `r6 = r1
      call bpf_get_current_pid_tgid
      *(u64 *)(r6 +0) = r0
      call bpf_get_current_uid_gid
      *(u64 *)(r6 +8) = r0
      call bpf_ktime_get_ns
      *(u64 *)(r6 +16) = r0
      call bpf_jiffies64
      *(u64 *)(r6 +24) = r0
      call bpf_get_smp_processor_id
      *(u64 *)(r6 +32) = r0
      r1 = r6
      r1 += 40
      r2 = 16
      call bpf_get_current_comm
      r0 = 0
      exit`,
    );
    const out = p.testRun({ data: new Uint8Array(56).fill(0xaa), cpu: 2 }).data!;
    expect(rdU64(out, 0)).toBe((34n << 32n) | 12n);
    expect(rdU64(out, 8)).toBe((78n << 32n) | 56n);
    expect(rdU64(out, 16)).toBe(5_000_000_123n);
    // INITIAL_JIFFIES = (u32)(-300 * HZ), then 5 s at 1000 Hz.
    expect(rdU64(out, 24)).toBe(2n ** 32n - 300_000n + 5000n);
    expect(rdU64(out, 32)).toBe(2n);
    expect(out.subarray(40, 56)).toEqual(enc("a-very-long-com\0"));
    rt.close();
  });

  it("get_prandom_u32 is reproducible from the seed", () => {
    const run = (seed: number): bigint[] => {
      const rt = new Runtime({ engine, seed });
      const p = asmProgram(rt, "call bpf_get_prandom_u32\nexit");
      const out = Array.from({ length: 5 }, () => p.testRun().r0);
      rt.close();
      return out;
    };
    const a = run(1);
    expect(run(1)).toEqual(a);
    expect(run(2)).not.toEqual(a);
    expect(new Set(a).size).toBe(5);
    for (const v of a) expect(v < 2n ** 32n).toBe(true);
  });

  it("bpf_loop calls back into the program until the count or a non-zero return", () => {
    const rt = new Runtime({ engine });
    const loop = (stopAt: number) =>
      rt.loadProgram({
        insns: [
          build.mov64Reg(6, 1),
          ...build.ld64Imm(2, 7n, BPF_PSEUDO_FUNC), // callback at insn 2 + 7
          build.mov64Imm(1, 10),
          build.mov64Reg(3, 6),
          build.mov64Imm(4, 0),
          build.callHelper(181),
          build.exit(),
          build.exit(), // padding, never reached
          // callback(index = r1, ctx = r2): *ctx += index; return index == stopAt
          build.ldxMem(BPF_DW, 3, 2, 0),
          build.alu64Reg(BPF_ADD, 3, 1),
          build.stxMem(BPF_DW, 2, 3, 0),
          build.mov64Imm(0, 1),
          build.jmpImm(BPF_JNE, 1, stopAt, 1),
          build.exit(),
          build.mov64Imm(0, 0),
          build.exit(),
        ],
      });
    const all = loop(-1).testRun({ data: new Uint8Array(8) });
    expect(all.retval).toBe(10);
    expect(rdU64(all.data!, 0)).toBe(45n);
    const early = loop(4).testRun({ data: new Uint8Array(8) });
    expect(early.retval).toBe(5);
    expect(rdU64(early.data!, 0)).toBe(0n + 1n + 2n + 3n + 4n);
    rt.close();
  });

  it("unverified programs fault on pointer arguments the proto rules out", () => {
    const rt = new Runtime({ engine });
    const m = rt.createMap({ type: MapType.HASH, keySize: 8, valueSize: 8, maxEntries: 4 });
    const badMap = asmProgram(
      rt,
      "r1 = 0x1234\nr2 = r10\nr2 += -8\ncall bpf_map_lookup_elem\nexit",
    );
    expect(() => badMap.testRun()).toThrow(ExecError);
    expect(() => badMap.testRun()).toThrow(
      /bpf_map_lookup_elem#1: R1 \(0x1234\) is not a map pointer/,
    );
    const badKey = asmProgram(rt, `r1 = map_fd ${m.id}\nr2 = 0x50\ncall bpf_map_lookup_elem\nexit`);
    expect(() => badKey.testRun()).toThrow(/R2 \(0x50\) does not point to 8 bytes of map key/);
    const badMem = asmProgram(rt, "r1 = r10\nr1 += -8\nr2 = 64\ncall bpf_get_current_comm\nexit");
    expect(() => badMem.testRun()).toThrow(
      /bpf_get_current_comm#16: R1 .* does not point to 64 accessible bytes/,
    );
    rt.close();
  });
});
