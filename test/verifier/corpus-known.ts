// Rows of the samples corpus where our verdict differs from the expected one,
// each with the error we give and why. The corpus test pins every entry to
// that exact error, so a fix (or a different failure) shows up and the entry
// must be removed or revised: this table should only ever shrink.
export interface KnownDisagreement {
  /** Our error on the row today (the first rejected program's). */
  error: string;
  why: string;
  /** Who can close it: "kernel" (we follow Linux on purpose) or the owning area. */
  owner: "kernel" | "calls" | "tracing";
}

export const KNOWN_DISAGREEMENTS: Record<string, KnownDisagreement> = {
  "build/byteswap.o .text": {
    error: "unreachable insn 6",
    why: "the object keeps a dead `goto` after each `exit`; Linux's check_cfg rejects any insn its walk never reaches (the table says accept)",
    owner: "kernel",
  },
  "build/tail_call.o xdp_prog": {
    error: "R0 !read_ok",
    why: "bpf_tail_call's proto returns RET_VOID, so R0 is NOT_INIT after the call and the program returns it unset; Linux rejects (the table says accept)",
    owner: "kernel",
  },
  "prototype-kernel/xdp_ddos01_blacklist_kern.o .text": {
    error: "R2 !read_ok",
    why: ".text holds the global function parse_port() that xdp_prog calls; alone it needs global-function verification from its BTF prototype (arguments typed by BTF, not left unset)",
    owner: "calls",
  },
  "cilium-examples/fentry_bpf_bpfel.o fentry/tcp_connect/tcp_connect": {
    error: "R7 invalid mem access 'scalar'",
    why: "fentry on the kernel's tcp_connect(struct sock *) reads through its BTF-typed argument; without a kernel BTF target (vmlinux) the context is a flat u64 array",
    owner: "tracing",
  },
  "cilium-examples/tcprtt_bpf_bpfel.o fentry/tcp_close/tcp_close": {
    error: "R6 invalid mem access 'scalar'",
    why: "fentry on the kernel's tcp_close(struct sock *, long): same as tcp_connect, needs the kernel's BTF for struct sock",
    owner: "tracing",
  },
};
