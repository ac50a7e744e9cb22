/* Tracing a BPF program: an fexit program on the XDP example's main function
 * (examples/packet_counter.bpf.c, `count_packets`) that records every verdict
 * it returns, and an fentry program counting the calls and reading the
 * receiving interface through the context pointer. Loaded with the XDP
 * program as its attach target (libbpf's attach_prog_fd; in tsbpf the
 * loadCollection option `attachTarget`).
 *
 * As in Linux, where fentry on an XDP program sees `struct xdp_buff *`, the
 * context pointer is the runtime's own structure, struct tsbpf_xdp_buff from
 * the runtime's BTF (runtime.h), not the struct xdp_md the XDP program reads. */
#include <tsbpf/bpf.h>
#include "runtime.h"
#include "tracing.h"

char LICENSE[] SEC("license") = "GPL";

/* Verdicts by XDP action: 0 aborted, 1 drop, 2 pass, 3 tx, 4 redirect. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 8);
	__type(key, __u32);
	__type(value, __u64);
} verdicts SEC(".maps");

/* [0] calls seen by fentry, [1] the ingress ifindex of the last one. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 2);
	__type(key, __u32);
	__type(value, __u64);
} calls SEC(".maps");

SEC("fentry/count_packets")
int BPF_PROG(xdp_enter, struct tsbpf_xdp_buff *xdp)
{
	__u32 k = 0;
	__u64 *n = bpf_map_lookup_elem(&calls, &k);
	__u64 ifindex;

	if (n)
		__sync_fetch_and_add(n, 1);
	/* Two loads the verifier checks against the runtime's BTF. */
	ifindex = xdp->rxq->ingress_ifindex;
	k = 1;
	bpf_map_update_elem(&calls, &k, &ifindex, BPF_ANY);
	return 0;
}

SEC("fexit/count_packets")
int BPF_PROG(xdp_verdict, struct tsbpf_xdp_buff *xdp, int verdict)
{
	__u32 k = (__u32)verdict & 7;
	__u64 *n = bpf_map_lookup_elem(&verdicts, &k);

	if (n)
		__sync_fetch_and_add(n, 1);
	return 0;
}
