// BPF bodies of the inlinable dynptr kfuncs: the same computations as ops.ts
// on struct bpf_dynptr_kern (data +0, size word +8, offset +12), written so
// that the verifier, which knows a call site's dynptr type (from the fake
// frame kernel-value.ts builds) and its constant arguments, decides their
// branches: a slice of a local dynptr loses its packet path and the offset
// check. u32 arguments are zero-extended first (the host functions read
// only their low halves). Packet dynptrs call the host for the data address.

/** Read the dynptr type into r5 (size word & ~rdonly >> 28) and the size into r0. */
const TYPE_AND_SIZE = `
  r5 = *(u32 *)(r1 + 8)
  r0 = r5
  r0 &= 0xffffff
  r5 &= 0x7fffffff
  r5 >>= 28
`;

/** The local/ringbuf slice: r0 = data + offset + r2, or NULL when out of bounds. */
const LOCAL_SLICE = `
  if r2 > r0 goto null
  r0 -= r2
  if r4 > r0 goto null
  r0 = *(u64 *)(r1 + 0)
  if r0 == 0 goto out
  r5 = *(u32 *)(r1 + 12)
  r0 += r5
  r0 += r2
  goto out
null:
  r0 = 0
out:
  exit
pkt:
  call bpf_dynptr_slice_pkt
  exit
`;

export const SLICE_BODY = `
  w2 = w2
  w4 = w4
${TYPE_AND_SIZE}
  if r5 == 3 goto pkt
  if r5 == 4 goto pkt
${LOCAL_SLICE}`;

/** bpf_dynptr_slice_rdwr: NULL for a read-only dynptr, else a slice. */
export const SLICE_RDWR_BODY = `
  w2 = w2
  w4 = w4
  r0 = *(u32 *)(r1 + 8)
  if w0 s< 0 goto null
${TYPE_AND_SIZE}
  if r5 == 3 goto pkt
  if r5 == 4 goto pkt
${LOCAL_SLICE}`;

export const IS_NULL_BODY = `
  r0 = *(u64 *)(r1 + 0)
  if r0 == 0 goto yes
  r0 = 0
  exit
yes:
  r0 = 1
  exit
`;

export const IS_RDONLY_BODY = `
  r0 = *(u64 *)(r1 + 0)
  if r0 == 0 goto out
  r0 = *(u32 *)(r1 + 8)
  r0 >>= 31
out:
  exit
`;

/** bpf_dynptr_size: -EINVAL (as u32) for a NULL dynptr. */
export const SIZE_BODY = `
  r0 = *(u64 *)(r1 + 0)
  if r0 == 0 goto inval
  r0 = *(u32 *)(r1 + 8)
  r0 &= 0xffffff
  exit
inval:
  w0 = -22
  exit
`;
