// The helpers of the new map types, run by programs on both engines:
// bpf_redirect_map per map type (flags, fallback action, broadcast, the
// record a test run reports), bpf_get_stackid / bpf_get_stack over the
// task's configured stacks, the cgroup_array helpers, and the sockmap
// redirects.
import { describe, expect, it } from "vitest";
import { Runtime, type Program } from "../../../src/runtime/index.ts";
import { BPF_F_USER_STACK, jhash2, type MapHandle } from "../../../src/runtime/maps/index.ts";
import { MapType, ProgType } from "../../../src/uapi/index.ts";
import { asmProgram, ENGINES, rdU64 } from "../support.ts";
import { u32, u64 } from "./setup.ts";

const PKT = new Uint8Array(64);
const s64 = (r: { r0: bigint }): number => Number(BigInt.asIntN(64, r.r0));

/** xdp_md input choosing the ingress device and queue. */
function xdpCtx(ingress: number, queue = 0): Uint8Array {
  const b = new Uint8Array(24);
  const dv = new DataView(b.buffer);
  dv.setUint32(4, PKT.length, true);
  dv.setUint32(12, ingress, true);
  dv.setUint32(16, queue, true);
  return b;
}

const redirect = (rt: Runtime, m: MapHandle, key: number, flags: number): Program =>
  asmProgram(
    rt,
    `r1 = map_fd ${m.id}\nr2 = ${key}\nr3 = ${flags}\ncall bpf_redirect_map\nexit`,
    ProgType.XDP,
  );

describe.each(ENGINES)("bpf_redirect_map on %s", (engine) => {
  it("devmap: target device, fallback action, bad flags, failed forward", () => {
    const rt = new Runtime({ engine });
    rt.maps.devices.add({ name: "eth1", ifindex: 2 });
    rt.maps.devices.add({ name: "eth2", ifindex: 3, mtu: 68 });
    const tx = rt.createMap({ type: MapType.DEVMAP, keySize: 4, valueSize: 4, maxEntries: 4 });
    tx.update(0, u32(2));
    tx.update(1, u32(3));
    const hit = redirect(rt, tx, 0, 0).testRun({ data: PKT });
    expect(hit.retval).toBe(4);
    expect(hit.redirect).toEqual({
      kind: "map",
      mapId: tx.id,
      mapName: "",
      mapType: MapType.DEVMAP,
      key: 0,
      flags: 0,
      toIfindex: 2,
    });
    // xdp_ok_fwd_dev allows MTU + 18 bytes: a 64-byte frame is too big for MTU 40.
    rt.maps.devices.get(3)!.mtu = 40;
    expect(redirect(rt, tx, 1, 0).testRun({ data: PKT }).redirect).toMatchObject({
      toIfindex: 3,
      err: "EMSGSIZE",
    });
    rt.maps.devices.get(3)!.up = false;
    expect(redirect(rt, tx, 1, 0).testRun({ data: PKT }).redirect).toMatchObject({
      err: "ENETDOWN",
    });
    // Empty slot and out of range: the action in the low flag bits, nothing recorded.
    for (const key of [2, 9]) {
      const miss = redirect(rt, tx, key, 2).testRun({ data: PKT });
      expect(miss.retval).toBe(2);
      expect(miss.redirect).toBeUndefined();
    }
    // Flags beyond the action bits and the broadcast pair abort.
    expect(redirect(rt, tx, 0, 1 << 5).testRun({ data: PKT }).retval).toBe(0);
    // A later failed lookup clears an earlier redirect: the last call decides.
    const twice = asmProgram(
      rt,
      `r1 = map_fd ${tx.id}\nr2 = 0\nr3 = 0\ncall bpf_redirect_map\n` +
        `r1 = map_fd ${tx.id}\nr2 = 3\nr3 = 1\ncall bpf_redirect_map\nexit`,
      ProgType.XDP,
    ).testRun({ data: PKT });
    expect(twice.retval).toBe(1);
    expect(twice.redirect).toBeUndefined();
    rt.close();
  });

  it("devmap broadcast: valid devices in walk order, minus the ingress one when asked", () => {
    const rt = new Runtime({ engine });
    for (const [i, up] of [
      [2, true],
      [3, false],
      [4, true],
      [5, true],
    ] as const)
      rt.maps.devices.add({ name: `eth${i}`, ifindex: i, up });
    const tx = rt.createMap({ type: MapType.DEVMAP_HASH, keySize: 4, valueSize: 4, maxEntries: 8 });
    for (const i of [5, 1, 3, 2, 4]) tx.update(i, u32(i));
    const BROADCAST = 1 << 3;
    const EXCLUDE = 1 << 4;
    // Key 99 is not in the map: a broadcast does not need it.
    const all = redirect(rt, tx, 99, BROADCAST).testRun({ data: PKT });
    expect(all.retval).toBe(4);
    // lo can't transmit XDP frames and eth3 is down; buckets are key & 7.
    expect(all.redirect).toMatchObject({ toIfindex: 0, broadcast: [2, 4, 5], key: 99 });
    const noIngress = redirect(rt, tx, 0, BROADCAST | EXCLUDE).testRun({
      data: PKT,
      ctx: xdpCtx(4),
    });
    expect(noIngress.redirect).toMatchObject({ broadcast: [2, 5] });
    rt.close();
  });

  it("cpumap and xskmap: no broadcast flags; the CPU, the socket and its queue check", () => {
    const rt = new Runtime({ engine, ncpus: 4 });
    const cpus = rt.createMap({ type: MapType.CPUMAP, keySize: 4, valueSize: 4, maxEntries: 4 });
    cpus.update(3, u32(128));
    const toCpu = redirect(rt, cpus, 3, 0).testRun({ data: PKT });
    expect(toCpu.retval).toBe(4);
    expect(toCpu.redirect).toMatchObject({ mapType: MapType.CPUMAP, cpu: 3, key: 3 });
    expect(redirect(rt, cpus, 3, 1 << 3).testRun({ data: PKT }).retval).toBe(0);
    expect(redirect(rt, cpus, 2, 3).testRun({ data: PKT }).retval).toBe(3);

    rt.maps.devices.add({ name: "eth1", ifindex: 2 });
    const xs = rt.maps.sockets.createXdp({ ifindex: 2, queueId: 1 });
    const xsks = rt.createMap({ type: MapType.XSKMAP, keySize: 4, valueSize: 4, maxEntries: 2 });
    xsks.update(0, u32(xs.id));
    const good = redirect(rt, xsks, 0, 0).testRun({ data: PKT, ctx: xdpCtx(2, 1) });
    expect(good.redirect).toEqual({
      kind: "map",
      mapId: xsks.id,
      mapName: "",
      mapType: MapType.XSKMAP,
      key: 0,
      flags: 0,
      xsk: xs.id,
    });
    // xsk_rcv: a frame from another queue can't go to this socket.
    const wrongQueue = redirect(rt, xsks, 0, 0).testRun({ data: PKT, ctx: xdpCtx(2, 0) });
    expect(wrongQueue.retval).toBe(4);
    expect(wrongQueue.redirect).toMatchObject({ xsk: xs.id, err: "EINVAL" });
    rt.close();
  });

  it("faults on a map that can't redirect (unverified program)", () => {
    const rt = new Runtime({ engine });
    const arr = rt.createMap({ type: MapType.ARRAY, keySize: 4, valueSize: 4, maxEntries: 1 });
    expect(() => redirect(rt, arr, 0, 0).testRun({ data: PKT })).toThrow(/is a array/);
    rt.close();
  });
});

describe.each(ENGINES)("stack helpers on %s", (engine) => {
  const KSTACK = [0xffffffff81001000n, 0xffffffff81002000n, 0xffffffff81003000n];

  it("bpf_get_stackid: the kernel's id for the task's stack, skip and user flags", () => {
    const rt = new Runtime({ engine, task: { kernelStack: KSTACK } });
    const st = rt.createMap({
      type: MapType.STACK_TRACE,
      keySize: 4,
      valueSize: 16,
      maxEntries: 8,
    });
    const stackid = (flags: number) =>
      s64(
        asmProgram(
          rt,
          `r2 = map_fd ${st.id}\nr3 = ${flags}\ncall bpf_get_stackid\nexit`,
          ProgType.KPROBE,
        ).testRun({}),
      );
    // value_size 16 holds two frames: the stack is cut to them.
    const words = new Uint32Array(new BigUint64Array(KSTACK.slice(0, 2)).buffer);
    const id = stackid(0);
    expect(id).toBe(jhash2(words) & 7);
    expect(stackid(0)).toBe(id);
    expect(st.lookup(id)).toEqual(new Uint8Array(new BigUint64Array(KSTACK.slice(0, 2)).buffer));
    const skip1 = stackid(1);
    expect(rdU64(st.lookup(skip1)!, 0)).toBe(KSTACK[1]);
    expect(stackid(3)).toBe(-14); // skipping every frame: EFAULT
    expect(stackid(1 << 12)).toBe(-22); // unknown flag
    expect(stackid(BPF_F_USER_STACK)).toBe(-14); // no user stack configured
    rt.task.userStack = [0x401000n];
    expect(rdU64(st.lookup(stackid(BPF_F_USER_STACK))!, 0)).toBe(0x401000n);
    rt.close();
  });

  it("bpf_get_stack: frames copied, the rest zeroed, the byte count returned", () => {
    const rt = new Runtime({ engine, task: { kernelStack: KSTACK } });
    const out = rt.createMap({ type: MapType.ARRAY, keySize: 4, valueSize: 32, maxEntries: 1 });
    const getStack = (size: number, flags: number): number =>
      s64(
        asmProgram(
          rt,
          [
            `r6 = r1\nr1 = map_fd ${out.id}\nr2 = r10\nr2 += -4\n*(u32 *)(r10 -4) = 0`,
            "call bpf_map_lookup_elem\nif r0 == 0 goto +6\nr7 = r0",
            `r1 = r6\nr2 = r7\nr3 = ${size}\nr4 = ${flags}\ncall bpf_get_stack\nexit`,
            "r0 = -1\nexit",
          ].join("\n"),
          ProgType.KPROBE,
        ).testRun({}),
      );
    out.update(0, new Uint8Array(32).fill(0xff));
    expect(getStack(32, 1)).toBe(16); // two frames after skipping one
    const v = out.lookup(0)!;
    expect([rdU64(v, 0), rdU64(v, 8), rdU64(v, 16), rdU64(v, 24)]).toEqual([
      KSTACK[1],
      KSTACK[2],
      0n,
      0n,
    ]);
    expect(getStack(16, 0)).toBe(16);
    expect(getStack(12, 0)).toBe(-22); // not a multiple of the frame size: cleared, EINVAL
    expect(out.lookup(0)!.subarray(0, 12)).toEqual(new Uint8Array(12));
    expect(getStack(32, 1 << 11)).toBe(-22); // build ids only for user stacks
    expect(getStack(32, 4)).toBe(-14); // skip past the trace
    rt.close();
  });
});

describe.each(ENGINES)("cgroup_array helpers on %s", (engine) => {
  it("current_task_under_cgroup and skb_under_cgroup follow the task's cgroup", () => {
    const rt = new Runtime({ engine });
    const a = rt.maps.cgroups.create("/a");
    const ab = rt.maps.cgroups.create("/a/b");
    const other = rt.maps.cgroups.create("/other");
    rt.task.cgroupId = BigInt(ab.id);
    const arr = rt.createMap({
      type: MapType.CGROUP_ARRAY,
      keySize: 4,
      valueSize: 4,
      maxEntries: 3,
    });
    arr.update(0, u32(a.id));
    arr.update(1, u32(other.id));
    const task = (i: number) =>
      s64(
        asmProgram(
          rt,
          `r1 = map_fd ${arr.id}\nr2 = ${i}\ncall bpf_current_task_under_cgroup\nexit`,
          ProgType.KPROBE,
        ).testRun({}),
      );
    const skb = (i: number) =>
      s64(
        asmProgram(
          rt,
          `r2 = map_fd ${arr.id}\nr3 = ${i}\ncall bpf_skb_under_cgroup\nexit`,
          ProgType.SCHED_CLS,
        ).testRun({ data: PKT }),
      );
    for (const f of [task, skb]) expect([0, 1, 2, 3].map(f)).toEqual([1, 0, -11, -7]);
    rt.task.cgroupId = 1n; // the root is under no other cgroup
    expect(task(0)).toBe(0);
    rt.close();
  });
});

describe.each(ENGINES)("sockmap redirects on %s", (engine) => {
  it("bpf_sk_redirect_map / _hash: SK_PASS with the socket recorded, SK_DROP otherwise", () => {
    const rt = new Runtime({ engine });
    const est = rt.maps.sockets.create({ protocol: "tcp" });
    const lst = rt.maps.sockets.create({ protocol: "tcp", state: "LISTEN" });
    const sm = rt.createMap({ type: MapType.SOCKMAP, keySize: 4, valueSize: 8, maxEntries: 2 });
    sm.update(0, u64(est.id));
    sm.update(1, u64(lst.id));
    // sk_skb programs can't be test-run (nor in the kernel); a tc program stands in.
    const viaMap = (key: number, flags: number) =>
      asmProgram(
        rt,
        `r2 = map_fd ${sm.id}\nr3 = ${key}\nr4 = ${flags}\ncall bpf_sk_redirect_map\nexit`,
        ProgType.SCHED_CLS,
      ).testRun({ data: PKT });
    const pass = viaMap(0, 1);
    expect(pass.retval).toBe(1);
    expect(pass.redirect).toEqual({
      kind: "sock",
      mapId: sm.id,
      mapName: "",
      mapType: MapType.SOCKMAP,
      key: 0,
      ingress: true,
      socketId: est.id,
      cookie: Number(est.cookie),
    });
    expect(viaMap(1, 0).retval).toBe(0); // a listening socket can't be a target
    expect(viaMap(0, 2).retval).toBe(0); // only BPF_F_INGRESS is a flag
    const sh = rt.createMap({ type: MapType.SOCKHASH, keySize: 4, valueSize: 4, maxEntries: 2 });
    sh.update(7, u32(est.id));
    const viaHash = asmProgram(
      rt,
      `*(u32 *)(r10 -4) = 7\nr2 = map_fd ${sh.id}\nr3 = r10\nr3 += -4\nr4 = 0\ncall bpf_sk_redirect_hash\nexit`,
      ProgType.SCHED_CLS,
    ).testRun({ data: PKT });
    expect(viaHash.retval).toBe(1);
    expect(viaHash.redirect).toMatchObject({ kind: "sock", key: "07000000", ingress: false });
    rt.close();
  });
});
