// `tsbpf test-run`: runs a program of an object on a packet or context and
// reports retval, data and (with --maps) map contents; exit 0 when it ran,
// 1 when rejected or faulted, 2 on bad input.
import { describe, expect, it } from "vitest";
import { frame } from "../../src/runtime/index.ts";
import { cli, tempFiles } from "../support/cli.ts";
import { SAMPLES } from "./support.ts";

const hex = (b: Uint8Array): string => Buffer.from(b).toString("hex");
const TCP = frame({
  ipv4: { src: "10.0.0.1", dst: "10.0.0.2" },
  tcp: { sport: 1, dport: 80 },
  payload: 50,
});

describe("tsbpf test-run", () => {
  it("runs sockex1 on a packet and shows what the map counted (--json)", async () => {
    const args = ["test-run", `${SAMPLES}linux/sockex1_kern.o`, "--data-hex", hex(TCP)];
    const r = await cli(
      ...args,
      "--pkt-type",
      "4",
      "--l2",
      "--maps",
      "--repeat",
      "3",
      "--json",
      "--engine",
      "interp",
    );
    expect(r.code).toBe(0);
    const out = JSON.parse(r.out.trim().split("\n").pop()!);
    expect(out).toMatchObject({
      program: "bpf_prog1",
      type: "socket_filter",
      retval: 0,
      repeat: 3,
      engine: "interp",
    });
    // Three runs of one TCP frame: 3 * length bytes under protocol 6.
    const count = Buffer.alloc(8);
    count.writeBigUInt64LE(BigInt(3 * TCP.length));
    expect(out.maps.my_map).toEqual([{ key: "06000000", value: count.toString("hex") }]);
  });

  it("prints a readable report and reads data from a file", async () => {
    const dir = tempFiles({ "pkt.bin": TCP });
    const r = await cli("test-run", `${SAMPLES}linux/xdp2_kern.o`, "--data", `${dir}/pkt.bin`);
    expect(r.code).toBe(0);
    expect(r.out).toContain("program xdp_prog1 (xdp), engine jit");
    expect(r.out).toContain("retval 1 (0x1)"); // TCP: XDP_DROP
    expect(r.out).toMatch(/data \d+ bytes: /);
  });

  it("exits 1 when the verifier rejects or the program faults", async () => {
    const rejected = await cli(
      "test-run",
      `${SAMPLES}build/tail_call.o`,
      "--program",
      "caller",
      "--verify",
      "--data-hex",
      hex(TCP),
    );
    expect(rejected.code).toBe(1);
    expect(rejected.err).toContain("R0 !read_ok");
    const fault = await cli("test-run", `${SAMPLES}build/nullmapref.o`, "--data-hex", "00");
    expect(fault.code).toBe(1);
    expect(fault.err).toMatch(/ExecError: out-of-bounds/);
  });

  it("exits 2 on bad input", async () => {
    expect((await cli("test-run", `${SAMPLES}build/tail_call.o`)).err).toMatch(
      /pick one with --program \(caller, callee\)/,
    );
    expect((await cli("test-run", `${SAMPLES}build/tail_call.o`, "--program", "x")).code).toBe(2);
    expect((await cli("test-run", `${SAMPLES}linux/xdp2_kern.o`, "--data-hex", "zz")).code).toBe(2);
    const short = await cli("test-run", `${SAMPLES}linux/xdp2_kern.o`, "--data-hex", "0011");
    expect(short.code).toBe(2);
    expect(short.err).toMatch(/TestRunError: EINVAL: xdp test run/);
    expect((await cli("test-run", `${SAMPLES}linux/xdp2_kern.o`, "--engine", "nope")).code).toBe(2);
    expect(
      (
        await cli(
          "test-run",
          `${SAMPLES}build/tail_call.o`,
          "--program",
          "callee",
          "--type",
          "bogus",
        )
      ).code,
    ).toBe(2);
  });

  it("has a help text naming its options", async () => {
    const r = await cli("test-run", "--help");
    expect(r.code).toBe(0);
    for (const opt of ["--program", "--data-hex", "--repeat", "--engine", "--json", "--maps"])
      expect(r.out).toContain(opt);
  });
});
