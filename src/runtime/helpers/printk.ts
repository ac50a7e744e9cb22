// bpf_trace_printk(fmt, fmt_size, arg1, arg2, arg3): format as the kernel
// does (format.ts) and hand the line to the runtime's trace sink, which plays
// the part of trace_pipe. Returns the length of the formatted text, or
// -EINVAL for a format the kernel refuses.
import type { HelperTable } from "./types.ts";
import { BPRINTF_BUF, bprintf } from "./format.ts";
import { memReader } from "./memread.ts";
import { E, ptr, size } from "./util.ts";

export const PRINTK_HELPERS: HelperTable = {
  6: (k, fmt, fmtSize, a1, a2, a3) => {
    const n = size(fmtSize);
    const bytes = k.mem.read(ptr(fmt), Math.min(n, k.mem.byteLength));
    const nul = bytes.indexOf(0);
    if (nul < 0) return -E.EINVAL;
    const text = bprintf(bytes.subarray(0, nul), [a1, a2, a3], memReader(k.mem));
    if (typeof text === "number") return text;
    k.tracePrintk({
      message: text.slice(0, BPRINTF_BUF - 1),
      pid: k.task.pid,
      comm: k.task.comm,
      cpu: k.maps.currentCpu,
      timestampNs: k.ktimeNs(),
    });
    return text.length;
  },
};
