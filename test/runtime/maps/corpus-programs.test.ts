// Corpus programs that use the new map types, verified and run on both
// engines with their maps filled as the samples' loaders would: a devmap
// redirect (xdp_redirect_map), an AF_XDP socket (xdpsock), a cpumap
// (xdp_redirect_cpu), stack ids (trace_event), and the cgroup check
// (test_current_task_under_cgroup).
import { describe, expect, it } from "vitest";
import { Runtime } from "../../../src/runtime/index.ts";
import { frame } from "../../../src/runtime/packets.ts";
import { CollectionSpec } from "../../../src/spec/index.ts";
import { MapType } from "../../../src/uapi/index.ts";
import { ENGINES, rdU32, rdU64 } from "../support.ts";
import { u32, u64 } from "./setup.ts";

const SAMPLES = new URL("../../../../shared/samples/", import.meta.url).pathname;
const spec = (rel: string) => CollectionSpec.fromFile(SAMPLES + rel);
const PKT = frame({
  srcMac: "02:00:00:00:00:01",
  dstMac: "02:00:00:00:00:02",
  ipv4: { src: "10.0.0.1", dst: "10.0.0.2" },
  udp: { sport: 1, dport: 2 },
  payload: 18,
});

describe.each(ENGINES)("corpus programs with the new maps on %s", (engine) => {
  it("xdp_redirect_map: aborts on an empty devmap, redirects to the device in slot 0", () => {
    const rt = new Runtime({ engine });
    const c = rt.loadCollection(spec("linux/xdp_redirect_map_kern.o"), { verify: true });
    const p = c.program("xdp_redirect_map_prog");
    expect(p.testRun({ data: PKT }).retval).toBe(0); // fallback action 0 = XDP_ABORTED
    const eth1 = rt.maps.devices.add({ name: "eth1" });
    c.map("tx_port").update(0, u32(eth1.ifindex));
    const r = p.testRun({ data: PKT });
    expect(r.retval).toBe(4);
    expect(r.redirect).toMatchObject({ kind: "map", mapName: "tx_port", key: 0, toIfindex: 2 });
    expect(r.redirect).not.toHaveProperty("err");
    // The sample swaps the MAC addresses before redirecting.
    expect(r.data!.subarray(0, 12)).toEqual(
      Uint8Array.from([...PKT.subarray(6, 12), ...PKT.subarray(0, 6)]),
    );
    c.close();
    rt.close();
  });

  it("xdpsock: frames of the configured queue go to the AF_XDP socket in slot 0", () => {
    const rt = new Runtime({ engine });
    const c = rt.loadCollection(spec("linux/xdpsock_kern.o"), { verify: true });
    const xs = rt.maps.sockets.createXdp({ ifindex: 1, queueId: 0 });
    c.map("qidconf_map").update(0, u32(0));
    c.map("xsks_map").update(0, u32(xs.id));
    const r = c.program("xdp_sock_prog").testRun({ data: PKT });
    expect(r.retval).toBe(4);
    expect(r.redirect).toMatchObject({ mapType: MapType.XSKMAP, xsk: xs.id });
    expect(r.redirect).not.toHaveProperty("err");
    c.map("qidconf_map").update(0, u32(1)); // another queue: XDP_PASS
    expect(c.program("xdp_sock_prog").testRun({ data: PKT }).retval).toBe(2);
    c.close();
    rt.close();
  });

  it("xdp_redirect_cpu: the CPU from cpus_available gets the frame", () => {
    const rt = new Runtime({ engine, ncpus: 2 });
    const c = rt.loadCollection(spec("linux/xdp_redirect_cpu_kern.o"), {
      verify: true,
      programs: ["xdp_prognum0_no_touch"],
    });
    c.map("cpus_available").update(0, u32(1));
    c.map("cpu_map").update(1, u32(192));
    const r = c.program("xdp_prognum0_no_touch").testRun({ data: PKT });
    expect(r.retval).toBe(4);
    expect(r.redirect).toMatchObject({ mapName: "cpu_map", cpu: 1, key: 1 });
    c.close();
    rt.close();
  });

  it("trace_event: counts by kernel and user stack id, the stacks readable from user space", () => {
    const kstack = [0xffffffff81000100n, 0xffffffff81000200n];
    const ustack = [0x401000n, 0x402000n, 0x403000n];
    const rt = new Runtime({ engine, task: { kernelStack: kstack, userStack: ustack } });
    const c = rt.loadCollection(spec("linux/trace_event_kern.o"), { verify: true });
    const p = c.program("bpf_prog1");
    // struct bpf_perf_event_data: pt_regs, then sample_period (the sample ignores < 10000).
    const ctx = new Uint8Array(184);
    new DataView(ctx.buffer).setBigUint64(168, 20000n, true);
    for (let i = 0; i < 3; i++) p.testRun({ ctx });
    const counts = [...c.map("counts").entries()];
    expect(counts).toHaveLength(1);
    const [key, val] = counts[0]!;
    // struct key_t { char comm[16]; u32 kernstack; u32 userstack; }
    const stacks = c.map("stackmap");
    const frames = (id: number, n: number) =>
      Array.from({ length: n }, (_, i) => rdU64(stacks.lookup(id)!, i * 8));
    expect(frames(rdU32(key, 16), 2)).toEqual(kstack);
    expect(frames(rdU32(key, 20), 3)).toEqual(ustack);
    expect(rdU64(val)).toBe(3n);
    c.close();
    rt.close();
  });

  it("test_current_task_under_cgroup: pid_tgid is recorded only under the cgroup", () => {
    const rt = new Runtime({ engine, task: { pid: 4321, tgid: 4321 } });
    const c = rt.loadCollection(spec("linux/test_current_task_under_cgroup_kern.o"), {
      verify: true,
    });
    const cg = rt.maps.cgroups.create("/test");
    c.map("cgroup_map").update(0, u32(cg.id));
    const p = c.program("bpf_prog1");
    p.testRun({});
    expect(c.map("perf_map").lookup(0)).toEqual(u64(0));
    rt.task.cgroupId = BigInt(cg.id);
    p.testRun({});
    expect(rdU64(c.map("perf_map").lookup(0)!)).toBe((4321n << 32n) | 4321n); // pid_tgid
    c.close();
    rt.close();
  });
});
