/* The BPF bodies of the flowstats kfuncs: each global function here is the
 * body of the kfunc of the same name. tsbpf pastes a copy over every call
 * site, simplified for what the verifier knows there (a constant mode or
 * shift loses the other paths). They must compute what the host
 * implementations in main.ts compute; calls they make are host calls. */
#define FLOWSTATS_BODIES
#include "flowstats.h"

char LICENSE[] SEC("license") = "GPL";

__u64 fs_update(__u64 *slot, __u64 value, __u32 mode)
{
	__u64 cur = *slot;

	if (mode == FS_ADD)
		cur += value;
	else if (mode == FS_MAX) {
		if (value > cur)
			cur = value;
	} else if (mode == FS_MIN) {
		if (cur == 0 || value < cur)
			cur = value;
	}
	*slot = cur;
	return cur;
}

/* An exponentially weighted moving average with weight 1/2^shift. */
__u32 fs_ewma(__u32 avg, __u32 sample, __u32 shift)
{
	if (shift == 0 || avg == 0)
		return sample;
	return avg - (avg >> shift) + (sample >> shift);
}

/* The big-endian u16 at `off` of a dynptr's data, or 0x10000 when out of bounds. */
__u32 fs_be16(const struct bpf_dynptr *p, __u32 off)
{
	__u8 *b = bpf_dynptr_slice(p, off, 0, 2);

	if (!b)
		return 0x10000;
	return (__u32)b[0] << 8 | b[1];
}
