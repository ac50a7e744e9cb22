// bpf_probe_read* and bpf_probe_write_user on runtime memory. There is one
// address space, so the kernel/user variants behave alike: a source that is
// not entirely allocated gives -EFAULT with the destination zero-filled, as
// copy_from_*_nofault failures do in the kernel.
import type { Kernel } from "../kernel.ts";
import type { HelperTable } from "./types.ts";
import { readNofault, strNofault } from "./memread.ts";
import { E, ptr, size } from "./util.ts";

function probeRead(k: Kernel, dst: bigint, sz: bigint, src: bigint): number {
  const n = Math.min(size(sz), 0xffff_ffff);
  const d = ptr(dst);
  const bytes = readNofault(k.mem, ptr(src), n);
  if (!bytes) {
    k.mem.u8.fill(0, d, d + n);
    return -E.EFAULT;
  }
  k.mem.write(d, bytes);
  return 0;
}

/** The *_str variants: length copied including the NUL, or -EFAULT (dst zeroed). */
function probeReadStr(k: Kernel, dst: bigint, sz: bigint, src: bigint): number {
  const n = Math.min(size(sz), 0xffff_ffff);
  if (n === 0) return 0;
  const d = ptr(dst);
  const s = strNofault(k.mem, ptr(src), n);
  if (!s) {
    k.mem.u8.fill(0, d, d + n);
    return -E.EFAULT;
  }
  k.mem.write(d, s);
  return s.length;
}

export const PROBE_HELPERS: HelperTable = {
  4: (k, dst, sz, src) => probeRead(k, dst, sz, src), // bpf_probe_read
  112: (k, dst, sz, src) => probeRead(k, dst, sz, src), // bpf_probe_read_user
  113: (k, dst, sz, src) => probeRead(k, dst, sz, src), // bpf_probe_read_kernel
  45: (k, dst, sz, src) => probeReadStr(k, dst, sz, src), // bpf_probe_read_str
  114: (k, dst, sz, src) => probeReadStr(k, dst, sz, src), // bpf_probe_read_user_str
  115: (k, dst, sz, src) => probeReadStr(k, dst, sz, src), // bpf_probe_read_kernel_str
  // bpf_probe_write_user(dst, src, size): copy_to_user_nofault
  36: (k, dst, src, sz) => {
    const n = Math.min(size(sz), 0xffff_ffff);
    const d = ptr(dst);
    if (n > 0 && !k.mem.isAccessible(d, n)) return -E.EFAULT;
    k.mem.u8.copyWithin(d, ptr(src), ptr(src) + n);
    return 0;
  },
};
