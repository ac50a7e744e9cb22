/* tsbpf's BPF header for the examples: integer types, section and map
 * definition macros, and helper declarations. The numbers (map types, helper
 * ids, flags) are the UAPI's (include/uapi/linux/bpf.h); the declarations are
 * tsbpf's own. Build with: clang -target bpf -O2 -g -I examples/include -c x.c
 */
#ifndef TSBPF_BPF_H
#define TSBPF_BPF_H

typedef unsigned char __u8;
typedef signed char __s8;
typedef unsigned short __u16;
typedef short __s16;
typedef unsigned int __u32;
typedef int __s32;
typedef unsigned long long __u64;
typedef long long __s64;
typedef __u16 __be16;
typedef __u32 __be32;
typedef __u16 __sum16;

/* Put a function or variable in an ELF section: the loader reads the program
 * type from it ("xdp", "socket", "tc", "kprobe/...") and maps from ".maps". */
#define SEC(name) __attribute__((section(name), used))
#define __always_inline inline __attribute__((always_inline))

/* BTF map definitions: the loader reads each attribute from the type of a
 * member, so values are encoded as array sizes and types as pointer targets. */
#define __uint(name, val) int (*name)[val]
#define __type(name, val) typeof(val) *name
#define __array(name, val) typeof(val) *name[]

/* enum bpf_map_type (subset). */
enum {
	BPF_MAP_TYPE_HASH = 1,
	BPF_MAP_TYPE_ARRAY = 2,
	BPF_MAP_TYPE_PROG_ARRAY = 3,
	BPF_MAP_TYPE_PERF_EVENT_ARRAY = 4,
	BPF_MAP_TYPE_PERCPU_HASH = 5,
	BPF_MAP_TYPE_PERCPU_ARRAY = 6,
	BPF_MAP_TYPE_LRU_HASH = 9,
	BPF_MAP_TYPE_LRU_PERCPU_HASH = 10,
	BPF_MAP_TYPE_LPM_TRIE = 11,
	BPF_MAP_TYPE_QUEUE = 22,
	BPF_MAP_TYPE_STACK = 23,
	BPF_MAP_TYPE_RINGBUF = 27,
};

/* bpf_map_update_elem flags. */
#define BPF_ANY 0
#define BPF_NOEXIST 1
#define BPF_EXIST 2

/* Helpers are called by id: a call to a constant function pointer compiles to
 * `call <id>`. */
#define TSBPF_HELPER(ret, name, id, ...) static ret (*const name)(__VA_ARGS__) = (void *)id

TSBPF_HELPER(void *, bpf_map_lookup_elem, 1, void *map, const void *key);
TSBPF_HELPER(long, bpf_map_update_elem, 2, void *map, const void *key, const void *value, __u64 flags);
TSBPF_HELPER(long, bpf_map_delete_elem, 3, void *map, const void *key);
TSBPF_HELPER(long, bpf_probe_read_kernel, 113, void *dst, __u32 size, const void *src);
TSBPF_HELPER(__u64, bpf_ktime_get_ns, 5, void);
TSBPF_HELPER(long, bpf_trace_printk, 6, const char *fmt, __u32 fmt_size, ...);
TSBPF_HELPER(__u32, bpf_get_prandom_u32, 7, void);
TSBPF_HELPER(__u32, bpf_get_smp_processor_id, 8, void);
TSBPF_HELPER(long, bpf_tail_call, 12, void *ctx, void *prog_array, __u32 index);
TSBPF_HELPER(__u64, bpf_get_current_pid_tgid, 14, void);
TSBPF_HELPER(long, bpf_get_current_comm, 16, void *buf, __u32 size);
TSBPF_HELPER(long, bpf_redirect, 23, __u32 ifindex, __u64 flags);
TSBPF_HELPER(long, bpf_perf_event_output, 25, void *ctx, void *map, __u64 flags, void *data, __u64 size);
TSBPF_HELPER(long, bpf_skb_load_bytes, 26, const void *skb, __u32 offset, void *to, __u32 len);
TSBPF_HELPER(long, bpf_xdp_adjust_head, 44, void *xdp_md, int delta);
TSBPF_HELPER(long, bpf_xdp_adjust_tail, 65, void *xdp_md, int delta);
TSBPF_HELPER(long, bpf_ringbuf_output, 130, void *ringbuf, void *data, __u64 size, __u64 flags);
TSBPF_HELPER(void *, bpf_ringbuf_reserve, 131, void *ringbuf, __u64 size, __u64 flags);
TSBPF_HELPER(void, bpf_ringbuf_submit, 132, void *data, __u64 flags);
TSBPF_HELPER(void, bpf_ringbuf_discard, 133, void *data, __u64 flags);

/* Byte order: BPF programs run little-endian here, network order is big. */
#define bpf_htons(x) ((__be16)__builtin_bswap16(x))
#define bpf_ntohs(x) ((__u16)__builtin_bswap16(x))
#define bpf_htonl(x) ((__be32)__builtin_bswap32(x))
#define bpf_ntohl(x) ((__u32)__builtin_bswap32(x))

/* bpf_trace_printk with a format literal. */
#define bpf_printk(fmt, ...)                                                   \
	({                                                                     \
		static const char ____fmt[] = fmt;                             \
		bpf_trace_printk(____fmt, sizeof(____fmt), ##__VA_ARGS__);     \
	})

#endif
