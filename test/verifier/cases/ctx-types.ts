// Context layouts of the program types beyond skb/XDP/sock_ops/cgroup_sock
// (the kernel's per-type is_valid_access as data): bpf_sock_addr,
// sk_msg_md, the flow dissector's __sk_buff, bpf_sysctl, bpf_sockopt,
// bpf_sk_lookup, sk_reuseport_md, bpf_cgroup_dev_ctx, LIRC samples,
// writable raw tracepoints and syscall programs; plus the helpers that only
// these types may call, and the sockets read through their pointers.
import type { VerifierCase } from "../harness.ts";

const ok = (
  name: string,
  type: VerifierCase["type"],
  asm: string,
  extra: Partial<VerifierCase> = {},
): VerifierCase => ({
  name,
  type,
  asm: `${asm}
      r0 = 1
      exit`,
  ...extra,
});
const bad = (
  name: string,
  type: VerifierCase["type"],
  asm: string,
  err: string,
  extra: Partial<VerifierCase> = {},
): VerifierCase => ({ ...ok(name, type, asm, extra), err });

const ctxErr = (off: number, size: number): string =>
  `invalid bpf_context access off=${off} size=${size}`;

export const cases: VerifierCase[] = [
  // struct bpf_sock_addr
  ok("sock_addr: user_ip4 in an IPv4 hook", "cgroup_sock_addr", "r0 = *(u32 *)(r1 + 4)", {
    attach: "CGROUP_INET4_CONNECT",
  }),
  bad(
    "sock_addr: user_ip4 in an IPv6 hook",
    "cgroup_sock_addr",
    "r0 = *(u32 *)(r1 + 4)",
    ctxErr(4, 4),
    { attach: "CGROUP_INET6_CONNECT" },
  ),
  ok(
    "sock_addr: 8-byte loads and stores of user_ip6",
    "cgroup_sock_addr",
    `r0 = *(u64 *)(r1 + 8)
      *(u64 *)(r1 + 16) = r0
      r0 = *(u8 *)(r1 + 9)`,
    { attach: "CGROUP_INET6_CONNECT" },
  ),
  bad(
    "sock_addr: 2-byte store to user_port",
    "cgroup_sock_addr",
    "*(u16 *)(r1 + 24) = 0",
    ctxErr(24, 2),
    { attach: "CGROUP_INET4_CONNECT" },
  ),
  ok("sock_addr: 4-byte store to user_port", "cgroup_sock_addr", "*(u32 *)(r1 + 24) = 0", {
    attach: "CGROUP_INET4_CONNECT",
  }),
  bad(
    "sock_addr: family is read-only",
    "cgroup_sock_addr",
    "*(u32 *)(r1 + 28) = 0",
    ctxErr(28, 4),
    {
      attach: "CGROUP_INET4_CONNECT",
    },
  ),
  bad(
    "sock_addr: msg_src_ip4 only in UDP4 sendmsg",
    "cgroup_sock_addr",
    "r0 = *(u32 *)(r1 + 40)",
    ctxErr(40, 4),
    { attach: "CGROUP_INET4_CONNECT" },
  ),
  ok("sock_addr: msg_src_ip4 in UDP4 sendmsg", "cgroup_sock_addr", "r0 = *(u32 *)(r1 + 40)", {
    attach: "CGROUP_UDP4_SENDMSG",
  }),
  ok(
    "sock_addr: the socket is a full socket",
    "cgroup_sock_addr",
    `r2 = *(u64 *)(r1 + 64)
      r0 = *(u32 *)(r2 + 8)`,
    { attach: "CGROUP_INET4_CONNECT" },
  ),
  // struct sk_msg_md
  ok(
    "sk_msg: data and data_end are packet pointers",
    "sk_msg",
    `r2 = *(u64 *)(r1 + 0)
      r3 = *(u64 *)(r1 + 8)
      r4 = r2
      r4 += 4
      if r4 > r3 goto pc+1
      r0 = *(u32 *)(r2 + 0)`,
  ),
  bad("sk_msg: data read as 4 bytes", "sk_msg", "r2 = *(u32 *)(r1 + 0)", ctxErr(0, 4)),
  bad("sk_msg: the context is read-only", "sk_msg", "*(u32 *)(r1 + 68) = 0", ctxErr(68, 4)),
  ok("sk_msg: size and ports", "sk_msg", "r0 = *(u32 *)(r1 + 68)\n      r0 = *(u32 *)(r1 + 60)"),
  // flow dissector
  ok(
    "flow_dissector: packet and flow keys",
    "flow_dissector",
    `r2 = *(u32 *)(r1 + 76)
      r3 = *(u32 *)(r1 + 80)
      r4 = *(u64 *)(r1 + 144)
      r0 = *(u16 *)(r4 + 0)
      *(u32 *)(r4 + 52) = r0`,
  ),
  bad(
    "flow_dissector: no other __sk_buff field",
    "flow_dissector",
    "r0 = *(u32 *)(r1 + 0)",
    ctxErr(0, 4),
  ),
  bad(
    "flow_dissector: flow keys end at 56 bytes",
    "flow_dissector",
    `r4 = *(u64 *)(r1 + 144)
      r0 = *(u8 *)(r4 + 56)`,
    "invalid access to flow keys off=56 size=1",
  ),
  // struct bpf_sysctl
  ok(
    "sysctl: narrow read of write, store to file_pos",
    "cgroup_sysctl",
    "r0 = *(u8 *)(r1 + 0)\n      *(u32 *)(r1 + 4) = 0",
  ),
  bad("sysctl: write is read-only", "cgroup_sysctl", "*(u32 *)(r1 + 0) = 0", ctxErr(0, 4)),
  ok(
    "sysctl: bpf_sysctl_get_name",
    "cgroup_sysctl",
    `r6 = r1
      r2 = r10
      r2 += -16
      r3 = 16
      r4 = 0
      call bpf_sysctl_get_name`,
  ),
  bad(
    "sysctl: helpers of other program types",
    "socket_filter",
    `r2 = r10
      r2 += -16
      r3 = 16
      r4 = 0
      call bpf_sysctl_get_name`,
    "program of this type cannot use helper bpf_sysctl_get_name#101",
  ),
  // struct bpf_sockopt
  ok(
    "sockopt: optval as packet memory",
    "cgroup_sockopt",
    `r2 = *(u64 *)(r1 + 8)
      r3 = *(u64 *)(r1 + 16)
      r4 = r2
      r4 += 1
      if r4 > r3 goto pc+1
      r0 = *(u8 *)(r2 + 0)`,
    { attach: "CGROUP_GETSOCKOPT" },
  ),
  ok("sockopt: getsockopt sets retval", "cgroup_sockopt", "*(u32 *)(r1 + 36) = 0", {
    attach: "CGROUP_GETSOCKOPT",
  }),
  bad(
    "sockopt: setsockopt has no retval",
    "cgroup_sockopt",
    "r0 = *(u32 *)(r1 + 36)",
    ctxErr(36, 4),
    {
      attach: "CGROUP_SETSOCKOPT",
    },
  ),
  ok("sockopt: setsockopt may change optname", "cgroup_sockopt", "*(u32 *)(r1 + 28) = 0", {
    attach: "CGROUP_SETSOCKOPT",
  }),
  bad(
    "sockopt: getsockopt may not change optname",
    "cgroup_sockopt",
    "*(u32 *)(r1 + 28) = 0",
    ctxErr(28, 4),
    {
      attach: "CGROUP_GETSOCKOPT",
    },
  ),
  ok("sockopt: both may change optlen", "cgroup_sockopt", "*(u32 *)(r1 + 32) = 0", {
    attach: "CGROUP_GETSOCKOPT",
  }),
  // struct bpf_sk_lookup
  bad(
    "sk_lookup: the socket may be NULL",
    "sk_lookup",
    `r2 = *(u64 *)(r1 + 0)
      r0 = *(u32 *)(r2 + 4)`,
    "R2 invalid mem access 'sock_or_null'",
  ),
  ok(
    "sk_lookup: ports and addresses",
    "sk_lookup",
    `r0 = *(u32 *)(r1 + 36)
      r0 = *(u16 *)(r1 + 36)
      r0 = *(u16 *)(r1 + 38)
      r0 = *(u8 *)(r1 + 61)
      r0 = *(u32 *)(r1 + 64)`,
  ),
  ok(
    "sk_lookup: bpf_sk_assign takes NULL (its own prototype)",
    "sk_lookup",
    `r2 = 0
      r3 = 0
      call bpf_sk_assign`,
  ),
  // struct sk_reuseport_md
  bad(
    "sk_reuseport: no 1-byte eth_protocol",
    "sk_reuseport",
    "r0 = *(u8 *)(r1 + 20)",
    ctxErr(20, 1),
  ),
  ok(
    "sk_reuseport: 2-byte eth_protocol and the hash",
    "sk_reuseport",
    "r0 = *(u16 *)(r1 + 20)\n      r0 = *(u32 *)(r1 + 32)",
  ),
  // struct bpf_cgroup_dev_ctx
  ok(
    "cgroup_device: narrow access_type",
    "cgroup_device",
    "r0 = *(u8 *)(r1 + 0)\n      r0 = *(u32 *)(r1 + 8)",
  ),
  bad("cgroup_device: no narrow major", "cgroup_device", "r0 = *(u16 *)(r1 + 4)", ctxErr(4, 2)),
  bad("cgroup_device: read-only", "cgroup_device", "*(u32 *)(r1 + 4) = 0", ctxErr(4, 4)),
  // LIRC, writable raw tracepoints, syscall programs
  ok("lirc_mode2: the sample", "lirc_mode2", "r0 = *(u32 *)(r1 + 0)"),
  bad("lirc_mode2: nothing past the sample", "lirc_mode2", "r0 = *(u32 *)(r1 + 4)", ctxErr(4, 4)),
  ok(
    "raw_tp writable: argument 0 is the tracepoint buffer",
    "raw_tracepoint_writable",
    `r2 = *(u64 *)(r1 + 0)
      r0 = *(u64 *)(r2 + 8)
      *(u64 *)(r2 + 16) = r0`,
  ),
  bad(
    "raw_tp writable: no negative buffer offsets",
    "raw_tracepoint_writable",
    `r2 = *(u64 *)(r1 + 0)
      r0 = *(u64 *)(r2 - 8)`,
    "R2 invalid tracepoint buffer access: off=-8, size=8",
  ),
  ok(
    "syscall: the argument buffer is read and written",
    "syscall",
    "r0 = *(u64 *)(r1 + 104)\n      *(u64 *)(r1 + 200) = r0",
  ),
  // Sockets read through socket pointers (check_sock_access).
  ok(
    "sockets: bpf_tcp_sock fields",
    "sched_cls",
    `r1 = *(u64 *)(r1 + 168)
      if r1 == 0 goto pc+5
      call bpf_tcp_sock
      if r0 == 0 goto pc+3
      r1 = *(u32 *)(r0 + 0)
      r1 = *(u64 *)(r0 + 80)
      r1 = *(u32 *)(r0 + 92)`,
  ),
  bad(
    "sockets: bpf_tcp_sock ends at bytes_acked",
    "sched_cls",
    `r1 = *(u64 *)(r1 + 168)
      if r1 == 0 goto pc+3
      call bpf_tcp_sock
      if r0 == 0 goto pc+1
      r1 = *(u32 *)(r0 + 96)`,
    "R0 invalid tcp_sock access off=96 size=4",
  ),
  bad(
    "sockets: sock_common has no type",
    "sched_cls",
    `r1 = *(u64 *)(r1 + 168)
      if r1 == 0 goto pc+1
      r0 = *(u32 *)(r1 + 8)`,
    "R1 invalid sock_common access off=8 size=4",
  ),
  bad(
    "sockets: narrow loads of family only at its offset",
    "sched_cls",
    `r1 = *(u64 *)(r1 + 168)
      if r1 == 0 goto pc+1
      r0 = *(u8 *)(r1 + 5)`,
    "R1 invalid sock_common access off=5 size=1",
  ),
];
