/* packet_counter: an XDP program that parses Ethernet (with one VLAN tag),
 * IPv4/IPv6 and TCP/UDP/ICMP, and counts what it sees into maps:
 *   proto_stats  ARRAY     IP protocol -> packets and bytes
 *   flows        LRU_HASH  5-tuple     -> packets and bytes
 *   dport_hits   HASH      TCP/UDP destination port -> packets
 *   syn_events   RINGBUF   one record per TCP connection attempt (SYN without ACK)
 * and into global variables (.bss): total, dropped, malformed, non-IP counts.
 * Packets to `blocked_port` (.rodata, set before loading) are dropped; all
 * others pass.
 */
#include "tsbpf/bpf.h"
#include "tsbpf/net.h"

struct counters {
	__u64 packets;
	__u64 bytes;
};

struct flow_key {
	__u8 family; /* 4 or 6 */
	__u8 proto;
	__be16 sport;
	__be16 dport;
	__u16 pad;
	__be32 saddr[4];
	__be32 daddr[4];
};

struct syn_event {
	__u64 timestamp_ns;
	struct flow_key flow;
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 256);
	__type(key, __u32);
	__type(value, struct counters);
} proto_stats SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 4096);
	__type(key, struct flow_key);
	__type(value, struct counters);
} flows SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1024);
	__type(key, __u16);
	__type(value, __u64);
} dport_hits SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 64 * 1024);
} syn_events SEC(".maps");

/* Set before loading (the loader's `globals` option); 0 blocks nothing. */
const volatile __u16 blocked_port = 0;

__u64 total_packets;
__u64 dropped_packets;
__u64 malformed_packets;
__u64 non_ip_packets;

static __always_inline void count(struct counters *c, __u64 bytes)
{
	__sync_fetch_and_add(&c->packets, 1);
	__sync_fetch_and_add(&c->bytes, bytes);
}

static __always_inline void count_flow(struct flow_key *key, __u64 bytes)
{
	struct counters *c = bpf_map_lookup_elem(&flows, key);
	if (c) {
		count(c, bytes);
	} else {
		struct counters first = { .packets = 1, .bytes = bytes };
		bpf_map_update_elem(&flows, key, &first, BPF_NOEXIST);
	}
}

static __always_inline void count_port(__u16 port)
{
	__u64 *hits = bpf_map_lookup_elem(&dport_hits, &port);
	if (hits) {
		__sync_fetch_and_add(hits, 1);
	} else {
		__u64 one = 1;
		bpf_map_update_elem(&dport_hits, &port, &one, BPF_NOEXIST);
	}
}

static __always_inline void report_syn(struct flow_key *key)
{
	struct syn_event *e = bpf_ringbuf_reserve(&syn_events, sizeof(*e), 0);
	if (!e)
		return;
	e->timestamp_ns = bpf_ktime_get_ns();
	__builtin_memcpy(&e->flow, key, sizeof(*key));
	bpf_ringbuf_submit(e, 0);
}

SEC("xdp")
int count_packets(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *end = (void *)(long)ctx->data_end;
	__u64 len = end - data;
	struct flow_key key;
	void *l4;

	__builtin_memset(&key, 0, sizeof(key));
	__sync_fetch_and_add(&total_packets, 1);

	struct ethhdr *eth = data;
	if ((void *)(eth + 1) > end)
		goto malformed;
	__be16 proto = eth->h_proto;
	void *l3 = eth + 1;
	if (proto == bpf_htons(ETH_P_8021Q) || proto == bpf_htons(ETH_P_8021AD)) {
		struct vlan_hdr *vlan = l3;
		if ((void *)(vlan + 1) > end)
			goto malformed;
		proto = vlan->h_vlan_encapsulated_proto;
		l3 = vlan + 1;
	}

	if (proto == bpf_htons(ETH_P_IP)) {
		struct iphdr *ip = l3;
		if ((void *)(ip + 1) > end || ip->ihl < 5)
			goto malformed;
		key.family = 4;
		key.proto = ip->protocol;
		key.saddr[0] = ip->saddr;
		key.daddr[0] = ip->daddr;
		l4 = (void *)ip + ip->ihl * 4;
	} else if (proto == bpf_htons(ETH_P_IPV6)) {
		struct ipv6hdr *ip6 = l3;
		if ((void *)(ip6 + 1) > end)
			goto malformed;
		key.family = 6;
		key.proto = ip6->nexthdr;
		__builtin_memcpy(key.saddr, ip6->saddr, sizeof(key.saddr));
		__builtin_memcpy(key.daddr, ip6->daddr, sizeof(key.daddr));
		l4 = ip6 + 1;
	} else {
		__sync_fetch_and_add(&non_ip_packets, 1);
		return XDP_PASS;
	}

	__u32 p = key.proto;
	struct counters *stats = bpf_map_lookup_elem(&proto_stats, &p);
	if (stats)
		count(stats, len);

	if (key.proto == IPPROTO_TCP) {
		struct tcphdr *tcp = l4;
		if ((void *)(tcp + 1) > end)
			goto malformed;
		key.sport = tcp->source;
		key.dport = tcp->dest;
		if ((tcp->flags & (TCP_FLAG_SYN | TCP_FLAG_ACK)) == TCP_FLAG_SYN)
			report_syn(&key);
	} else if (key.proto == IPPROTO_UDP) {
		struct udphdr *udp = l4;
		if ((void *)(udp + 1) > end)
			goto malformed;
		key.sport = udp->source;
		key.dport = udp->dest;
	}

	count_flow(&key, len);
	if (key.dport) {
		__u16 port = bpf_ntohs(key.dport);
		count_port(port);
		if (blocked_port && port == blocked_port) {
			__sync_fetch_and_add(&dropped_packets, 1);
			return XDP_DROP;
		}
	}
	return XDP_PASS;

malformed:
	__sync_fetch_and_add(&malformed_packets, 1);
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "Dual MIT/GPL";
