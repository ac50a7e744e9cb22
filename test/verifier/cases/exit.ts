// Program exit: R0 must be initialised, must not leak a pointer, and must be
// in the range the program type allows (cgroup, sock_ops, ...).
import type { VerifierCase } from "../harness.ts";

export const cases: VerifierCase[] = [
  { name: "R0 not initialised", asm: `exit`, err: "R0 !read_ok" },
  {
    name: "R0 not initialised on one path",
    asm: `r1 = *(u32 *)(r1 + 0)\n if r1 == 0 goto +1\n r0 = 0\n exit`,
    err: "R0 !read_ok",
  },
  { name: "XDP may return anything", type: "xdp", asm: `r0 = 1234\n exit` },
  { name: "cgroup_skb returns 1", type: "cgroup_skb", asm: `r0 = 1\n exit` },
  {
    name: "cgroup_skb returns 2",
    type: "cgroup_skb",
    asm: `r0 = 2\n exit`,
    err: "At program exit the register R0 has smin=2 smax=2 should have been in [0, 1]",
  },
  {
    name: "cgroup_skb egress may return 3",
    type: "cgroup_skb",
    attach: "CGROUP_INET_EGRESS",
    asm: `r0 = 3\n exit`,
  },
  {
    name: "cgroup_skb egress returns 4",
    type: "cgroup_skb",
    attach: "CGROUP_INET_EGRESS",
    asm: `r0 = 4\n exit`,
    err: "At program exit the register R0 has smin=4 smax=4 should have been in [0, 3]",
  },
  {
    name: "cgroup_skb returns a 32-bit unknown",
    type: "cgroup_skb",
    asm: `r0 = *(u32 *)(r1 + 0)\n exit`,
    err: "At program exit the register R0 has smin=0 smax=4294967295 should have been in [0, 1]",
  },
  {
    name: "cgroup_skb returns an unknown",
    type: "cgroup_skb",
    asm: `call bpf_get_prandom_u32\n r0 <<= 32\n r0 s>>= 32\n exit`,
    err: "At program exit the register R0 has smin=-2147483648 smax=2147483647 should have been in [0, 1]",
  },
  {
    name: "cgroup_skb returns a negative constant",
    type: "cgroup_skb",
    asm: `r0 = -1\n exit`,
    err: "At program exit the register R0 has smin=-1 smax=-1 should have been in [0, 1]",
  },
  {
    name: "cgroup_skb returns a fully unknown value",
    type: "cgroup_skb",
    asm: `call bpf_get_prandom_u32\n exit`,
    err: "At program exit the register R0 has unknown scalar value should have been in [0, 1]",
  },
  {
    name: "cgroup_skb return masked to one bit",
    type: "cgroup_skb",
    asm: `r0 = *(u32 *)(r1 + 0)\n r0 &= 1\n exit`,
  },
  {
    name: "cgroup_skb return bounded by a branch",
    type: "cgroup_skb",
    asm: `r0 = *(u32 *)(r1 + 0)
      if r0 > 1 goto +1
      exit
      r0 = 0
      exit`,
  },
  {
    name: "sock_ops returns a pointer",
    type: "sock_ops",
    asm: `r0 = r1\n exit`,
    err: "At program exit the register R0 is not a known value (ctx)",
  },
  {
    name: "sock_ops returns 7",
    type: "sock_ops",
    asm: `r0 = 7\n exit`,
    err: "At program exit the register R0 has smin=7 smax=7 should have been in [0, 1]",
  },
  { name: "cgroup_sock returns 0", type: "cgroup_sock", asm: `r0 = 0\n exit` },
  {
    name: "cgroup_sock_addr bind may return 3",
    type: "cgroup_sock_addr",
    attach: "CGROUP_INET4_BIND",
    asm: `r0 = 3\n exit`,
  },
  {
    name: "cgroup_sock_addr recvmsg must return 1",
    type: "cgroup_sock_addr",
    attach: "CGROUP_UDP4_RECVMSG",
    asm: `r0 = 0\n exit`,
    err: "At program exit the register R0 has smin=0 smax=0 should have been in [1, 1]",
  },
  {
    // (fentry/fexit ranges need a BTF attach target and are not covered here.)
    name: "cgroup_sock must return 0 or 1",
    type: "cgroup_sock",
    asm: `r0 = 2\n exit`,
    err: "At program exit the register R0 has smin=2 smax=2 should have been in [0, 1]",
  },
  { name: "kprobe returns anything", type: "kprobe", asm: `r0 = -5\n exit` },
  {
    name: "socket filter returns a pointer (root)",
    asm: `r0 = r10\n exit`,
    unpriv: "R0 leaks addr as return value",
  },
];
