/* Tracing a BPF program: an fexit program on the XDP example's main function
 * (examples/packet_counter.bpf.c, `count_packets`) that records every verdict
 * it returns, and an fentry program counting the calls. Loaded with the
 * XDP program as its attach target (libbpf's attach_prog_fd; in tsbpf the
 * loadCollection option `attachTarget`). */
#include <tsbpf/bpf.h>
#include "tracing.h"

char LICENSE[] SEC("license") = "GPL";

struct xdp_md;

/* Verdicts by XDP action: 0 aborted, 1 drop, 2 pass, 3 tx, 4 redirect. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 8);
	__type(key, __u32);
	__type(value, __u64);
} verdicts SEC(".maps");

/* [0] calls seen by fentry, [1] the last context pointer. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 2);
	__type(key, __u32);
	__type(value, __u64);
} calls SEC(".maps");

SEC("fentry/count_packets")
int BPF_PROG(xdp_enter, struct xdp_md *xdp)
{
	__u32 k = 0;
	__u64 *n = bpf_map_lookup_elem(&calls, &k);

	if (n)
		__sync_fetch_and_add(n, 1);
	k = 1;
	bpf_map_update_elem(&calls, &k, &xdp, BPF_ANY);
	return 0;
}

SEC("fexit/count_packets")
int BPF_PROG(xdp_verdict, struct xdp_md *xdp, int verdict)
{
	__u32 k = (__u32)verdict & 7;
	__u64 *n = bpf_map_lookup_elem(&verdicts, &k);

	if (n)
		__sync_fetch_and_add(n, 1);
	return 0;
}
