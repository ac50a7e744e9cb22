// The current task as the runtime configures it (pid/tgid, uid/gid, comm,
// cgroup): what bpf_get_current_* report.
import type { HelperTable } from "./types.ts";
import { ptr, size } from "./util.ts";

/** TASK_COMM_LEN: comm holds 15 characters and a NUL. */
export const TASK_COMM_LEN = 16;

export const TASK_HELPERS: HelperTable = {
  // bpf_get_current_pid_tgid: tgid << 32 | pid
  14: (k) => (BigInt(k.task.tgid >>> 0) << 32n) | BigInt(k.task.pid >>> 0),
  // bpf_get_current_uid_gid: gid << 32 | uid
  15: (k) => (BigInt(k.task.gid >>> 0) << 32n) | BigInt(k.task.uid >>> 0),
  // bpf_get_current_comm(buf, size): strscpy_pad — NUL-terminated, zero-padded, 0
  16: (k, buf, sz) => {
    const n = Math.min(size(sz), 0xffff);
    const dst = ptr(buf);
    const comm = new TextEncoder().encode(k.task.comm).subarray(0, TASK_COMM_LEN - 1);
    const u8 = k.mem.u8;
    u8.fill(0, dst, dst + n);
    if (n > 0) u8.set(comm.subarray(0, n - 1), dst);
    return 0;
  },
  // bpf_get_current_cgroup_id
  80: (k) => k.task.cgroupId,
};
