// Program type by section name: libbpf's table and its three pattern forms,
// then libbpf 0.x's legacy prefixes, then UNSPEC.
import { describe, expect, it } from "vitest";
import { BPF_F_SLEEPABLE, BPF_F_XDP_HAS_FRAGS, sectionInfo } from "../../src/elf/section-defs.ts";
import { AttachType, ProgType } from "../../src/uapi/index.ts";

const P = ProgType;
const A = AttachType;

describe("libbpf section names", () => {
  it.each([
    ["socket", P.SOCKET_FILTER, 0, ""],
    ["kprobe", P.KPROBE, 0, ""],
    ["kprobe/do_sys_open", P.KPROBE, 0, "do_sys_open"],
    ["kretprobe/tcp_close", P.KPROBE, 0, "tcp_close"],
    ["tracepoint/syscalls/sys_enter_open", P.TRACEPOINT, 0, "syscalls/sys_enter_open"],
    ["tp/sched/sched_switch", P.TRACEPOINT, 0, "sched/sched_switch"],
    ["raw_tp/sys_enter", P.RAW_TRACEPOINT, 0, "sys_enter"],
    ["raw_tracepoint.w/bpf_test_finish", P.RAW_TRACEPOINT_WRITABLE, 0, "bpf_test_finish"],
    ["tp_btf/sched_switch", P.TRACING, A.TRACE_RAW_TP, "sched_switch"],
    ["fentry/tcp_connect", P.TRACING, A.TRACE_FENTRY, "tcp_connect"],
    ["fexit/tcp_connect", P.TRACING, A.TRACE_FEXIT, "tcp_connect"],
    ["fmod_ret/security_file_open", P.TRACING, A.MODIFY_RETURN, "security_file_open"],
    ["freplace/handler", P.EXT, 0, "handler"],
    ["lsm/file_open", P.LSM, A.LSM_MAC, "file_open"],
    ["iter/task", P.TRACING, A.TRACE_ITER, "task"],
    ["xdp", P.XDP, A.XDP, ""],
    ["xdp/devmap", P.XDP, A.XDP_DEVMAP, ""],
    ["tc", P.SCHED_CLS, 0, ""],
    ["tc/ingress", P.SCHED_CLS, A.TCX_INGRESS, ""],
    ["tcx/egress", P.SCHED_CLS, A.TCX_EGRESS, ""],
    ["classifier", P.SCHED_CLS, 0, ""],
    ["action", P.SCHED_ACT, 0, ""],
    ["perf_event", P.PERF_EVENT, 0, ""],
    ["sockops", P.SOCK_OPS, A.CGROUP_SOCK_OPS, ""],
    ["sk_skb/stream_parser", P.SK_SKB, A.SK_SKB_STREAM_PARSER, ""],
    ["sk_msg", P.SK_MSG, A.SK_MSG_VERDICT, ""],
    ["sk_reuseport/migrate", P.SK_REUSEPORT, A.SK_REUSEPORT_SELECT_OR_MIGRATE, ""],
    ["cgroup_skb/egress", P.CGROUP_SKB, A.CGROUP_INET_EGRESS, ""],
    ["cgroup/skb", P.CGROUP_SKB, 0, ""],
    ["cgroup/sock_create", P.CGROUP_SOCK, A.CGROUP_INET_SOCK_CREATE, ""],
    ["cgroup/connect4", P.CGROUP_SOCK_ADDR, A.CGROUP_INET4_CONNECT, ""],
    ["cgroup/getsockopt", P.CGROUP_SOCKOPT, A.CGROUP_GETSOCKOPT, ""],
    ["cgroup/dev", P.CGROUP_DEVICE, A.CGROUP_DEVICE, ""],
    ["flow_dissector", P.FLOW_DISSECTOR, A.FLOW_DISSECTOR, ""],
    ["sk_lookup", P.SK_LOOKUP, A.SK_LOOKUP, ""],
    ["struct_ops/dctcp_init", P.STRUCT_OPS, 0, "dctcp_init"],
    ["syscall", P.SYSCALL, 0, ""],
    ["netfilter", P.NETFILTER, A.NETFILTER, ""],
    ["uprobe//bin/bash:readline", P.KPROBE, 0, "/bin/bash:readline"],
  ] as const)("%s", (name, type, attach, attachTo) => {
    expect(sectionInfo(name)).toMatchObject({
      progType: type,
      expectedAttachType: attach,
      attachTo,
      match: "libbpf",
    });
  });

  it("sets the flags of sleepable and frags sections", () => {
    expect(sectionInfo("fentry.s/do_exit")).toMatchObject({
      progFlags: BPF_F_SLEEPABLE,
      attachBtf: true,
    });
    expect(sectionInfo("lsm.s/bpf")).toMatchObject({ progType: P.LSM, progFlags: BPF_F_SLEEPABLE });
    expect(sectionInfo("xdp.frags")).toMatchObject({
      progType: P.XDP,
      progFlags: BPF_F_XDP_HAS_FRAGS,
    });
    expect(sectionInfo("kprobe/x")).toMatchObject({ progFlags: 0, attachBtf: false });
  });

  it("keeps the forms apart: 'type+' needs a slash, 'type/' needs a rest", () => {
    expect(sectionInfo("fentry").match).toBe("libbpf");
    expect(sectionInfo("fentryx").match).toBe("unknown");
    expect(sectionInfo("tcx").match).toBe("unknown");
    expect(sectionInfo("tc_mark").match).toBe("unknown");
  });
});

describe("legacy prefixes and unknown names", () => {
  it.each([
    ["socket1", P.SOCKET_FILTER, 0],
    ["socket/3", P.SOCKET_FILTER, 0],
    ["xdp_redirect_map", P.XDP, A.XDP],
    ["xdp_devmap/prog", P.XDP, A.XDP_DEVMAP],
    ["cgroup/sock1", P.CGROUP_SOCK, A.CGROUP_INET_SOCK_CREATE],
    ["sockops_v2", P.SOCK_OPS, A.CGROUP_SOCK_OPS],
    ["perf_event_x", P.PERF_EVENT, 0],
  ] as const)("%s is matched by libbpf 0.x's prefix", (name, type, attach) => {
    expect(sectionInfo(name)).toMatchObject({
      progType: type,
      expectedAttachType: attach,
      match: "legacy-prefix",
    });
  });

  it("gives UNSPEC for names no loader convention covers", () => {
    for (const n of ["2/1", "from-netdev", ".text", "len_hist", "filter", "maps"]) {
      expect(sectionInfo(n)).toMatchObject({ progType: P.UNSPEC, match: "unknown", attachTo: "" });
    }
  });
});
