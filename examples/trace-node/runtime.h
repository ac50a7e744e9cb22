#ifndef __VMLINUX_H__
#define __VMLINUX_H__

#ifndef BPF_NO_PRESERVE_ACCESS_INDEX
#pragma clang attribute push (__attribute__((preserve_access_index)), apply_to = record)
#endif

typedef unsigned long long __u64;

typedef __u64 u64;

typedef unsigned int __u32;

typedef __u32 u32;

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
