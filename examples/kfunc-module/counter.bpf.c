/* An XDP program counting packets with the flowstats kfuncs: totals, the
 * largest and smallest frame, a moving average of the frame length, and
 * frames per ethertype class read through an XDP dynptr. */
#include "flowstats.h"

char LICENSE[] SEC("license") = "GPL";

struct stats {
	__u64 packets;
	__u64 bytes;
	__u64 max_len;
	__u64 min_len;
	__u64 ipv4;
	__u64 ipv6;
	__u64 other;
	__u32 avg_len;
	__u32 pad;
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct stats);
} stats SEC(".maps");

#define XDP_PASS 2

SEC("xdp")
int count(struct xdp_md *ctx)
{
	struct bpf_dynptr d;
	__u32 key = 0;
	struct stats *s = bpf_map_lookup_elem(&stats, &key);
	__u64 len;
	__u32 proto;

	if (!s)
		return XDP_PASS;
	if (bpf_dynptr_from_xdp(ctx, 0, &d))
		return XDP_PASS;
	len = ((__u32 *)ctx)[1] - ((__u32 *)ctx)[0]; /* data_end - data */
	fs_update(&s->packets, 1, FS_ADD);
	fs_update(&s->bytes, len, FS_ADD);
	fs_update(&s->max_len, len, FS_MAX);
	fs_update(&s->min_len, len, FS_MIN);
	s->avg_len = fs_ewma(s->avg_len, len, 3);
	proto = fs_be16(&d, 12);
	if (proto == 0x0800)
		fs_update(&s->ipv4, 1, FS_ADD);
	else if (proto == 0x86dd)
		fs_update(&s->ipv6, 1, FS_ADD);
	else
		fs_update(&s->other, 1, FS_ADD);
	return XDP_PASS;
}
