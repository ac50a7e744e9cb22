#ifndef __VMLINUX_H__
#define __VMLINUX_H__

#ifndef BPF_NO_PRESERVE_ACCESS_INDEX
#pragma clang attribute push (__attribute__((preserve_access_index)), apply_to = record)
#endif

typedef unsigned int __u32;

typedef __u32 u32;

struct tsbpf_xdp_rxq_info {
	u32 ingress_ifindex;
	u32 rx_queue_index;
};

typedef unsigned long long __u64;

typedef __u64 u64;

struct tsbpf_xdp_buff {
	u64 data;
	u64 data_end;
	u64 data_meta;
	u64 data_hard_start;
	struct tsbpf_xdp_rxq_info *rxq;
	u32 frame_sz;
};

typedef unsigned short __u16;

typedef __u16 u16;

typedef unsigned char __u8;

typedef __u8 u8;

struct tsbpf_sk_buff {
	u64 data;
	u64 data_end;
	u64 data_meta;
	u64 tstamp;
	u64 hwtstamp;
	u64 sk;
	u32 len;
	u32 mark;
	u32 priority;
	u32 hash;
	u32 ifindex;
	u32 ingress_ifindex;
	u32 wire_len;
	u32 tc_classid;
	u32 napi_id;
	u32 gso_segs;
	u32 gso_size;
	u32 queue_mapping;
	u32 tc_index;
	u16 protocol;
	u16 vlan_proto;
	u16 vlan_tci;
	u8 pkt_type;
	u8 vlan_present;
	u8 tstamp_type;
	u8 __pad109[3];
	u8 cb[20];
	u32 family;
	u32 remote_ip4;
	u32 local_ip4;
	u8 remote_ip6[16];
	u8 local_ip6[16];
	u32 remote_port;
	u32 local_port;
};

struct request {
	u64 id;
	u32 method;
	u32 body_len;
	char path[48];
};

#ifndef BPF_NO_PRESERVE_ACCESS_INDEX
#pragma clang attribute pop
#endif

#endif /* __VMLINUX_H__ */

/* Attachable host functions (SEC("fentry/NAME") / SEC("fexit/NAME")):
 *   int handle_request(u64 id, struct request *req);
 */
