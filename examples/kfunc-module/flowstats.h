/* The "flowstats" kfunc module, as BPF programs and the module's own BPF
 * bodies see it: three inlinable kfuncs (main.ts registers them with their
 * host implementations and the bodies in flowstats.bpf.o), the dynptr kfuncs
 * tsbpf provides, and what both sides share. */
#ifndef FLOWSTATS_H
#define FLOWSTATS_H

#include <tsbpf/bpf.h>

/* A kfunc: an extern function the loader resolves by name (libbpf's __ksym). */
#define __ksym __attribute__((section(".ksyms")))

/* fs_update() modes: a constant mode at a call site leaves one path. */
#define FS_ADD 0
#define FS_MAX 1
#define FS_MIN 2 /* 0 in the slot means "no value yet" */

struct bpf_dynptr {
	__u64 __opaque[2];
} __attribute__((aligned(8)));

struct xdp_md;

/* The module's kfuncs, for programs (flowstats.bpf.c defines them instead). */
#ifndef FLOWSTATS_BODIES
extern __u64 fs_update(__u64 *slot, __u64 value, __u32 mode) __ksym;
extern __u32 fs_ewma(__u32 avg, __u32 sample, __u32 shift) __ksym;
extern __u32 fs_be16(const struct bpf_dynptr *p, __u32 off) __ksym;
#endif

extern int bpf_dynptr_from_xdp(struct xdp_md *x, __u64 flags, struct bpf_dynptr *ptr__uninit) __ksym;
extern void *bpf_dynptr_slice(const struct bpf_dynptr *p, __u32 offset, void *buffer__opt,
			      __u32 buffer__szk) __ksym;

#endif
