/* Latency of a Node.js request handler, measured by fentry/fexit programs on
 * the host function `handle_request` (defined by main.ts through
 * runtime.kernel.define). fentry stamps the request's start time, fexit adds
 * the elapsed time to a log2 histogram of microseconds and counts status
 * classes and methods. The types come from runtime.h, which
 * `tsbpf btf dump --runtime --kernel kernel.ts --format c` generates. */
#include <tsbpf/bpf.h>
#include "runtime.h"
#include "tracing.h"

char LICENSE[] SEC("license") = "GPL";

#define SLOTS 32

/* Start time of each request in flight, by request id. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1024);
	__type(key, __u64);
	__type(value, __u64);
} start SEC(".maps");

/* Requests whose latency in microseconds has log2 == index. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, SLOTS);
	__type(key, __u32);
	__type(value, __u64);
} latency_us SEC(".maps");

/* Responses by status class: index 1 = 1xx ... 5 = 5xx. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 6);
	__type(key, __u32);
	__type(value, __u64);
} status_class SEC(".maps");

/* Requests by method (read through the struct request pointer argument). */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 4);
	__type(key, __u32);
	__type(value, __u64);
} methods SEC(".maps");

static __always_inline void bump(void *map, __u32 key)
{
	__u64 *v = bpf_map_lookup_elem(map, &key);
	if (v)
		__sync_fetch_and_add(v, 1);
}

/* floor(log2(v)) for v > 0, 0 for 0: a fixed number of steps. */
static __always_inline __u32 log2_u64(__u64 v)
{
	__u32 r = 0, shift;
	shift = (v > 0xffffffffULL) << 5; v >>= shift; r |= shift;
	shift = (v > 0xffff) << 4; v >>= shift; r |= shift;
	shift = (v > 0xff) << 3; v >>= shift; r |= shift;
	shift = (v > 0xf) << 2; v >>= shift; r |= shift;
	shift = (v > 0x3) << 1; v >>= shift; r |= shift;
	r |= (v >> 1);
	return r;
}

SEC("fentry/handle_request")
int BPF_PROG(request_start, __u64 id, struct request *req)
{
	__u64 now = bpf_ktime_get_ns();

	bpf_map_update_elem(&start, &id, &now, BPF_ANY);
	/* req is typed by the runtime's BTF: the verifier checks this load. */
	bump(&methods, req->method & 3);
	return 0;
}

SEC("fexit/handle_request")
int BPF_PROG(request_end, __u64 id, struct request *req, int status)
{
	__u64 *t0 = bpf_map_lookup_elem(&start, &id);
	__u32 slot, cls;

	if (!t0)
		return 0;
	slot = log2_u64((bpf_ktime_get_ns() - *t0) / 1000);
	if (slot >= SLOTS)
		slot = SLOTS - 1;
	bump(&latency_us, slot);
	bpf_map_delete_elem(&start, &id);
	cls = (__u32)status / 100;
	if (cls < 6)
		bump(&status_class, cls);
	return 0;
}
