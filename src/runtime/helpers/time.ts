// Clocks, randomness and CPU identity. Time comes from the runtime's clock
// (monotonic nanoseconds, replaceable for deterministic tests).
import type { HelperTable } from "./types.ts";

const NSEC_PER_SEC = 1_000_000_000n;

export const TIME_HELPERS: HelperTable = {
  // bpf_ktime_get_ns
  5: (k) => k.ktimeNs(),
  // bpf_ktime_get_boot_ns: the runtime never suspends, so boot time is monotonic time
  125: (k) => k.ktimeNs(),
  // bpf_ktime_get_coarse_ns: the time of the last tick (a jiffy's resolution)
  160: (k) => {
    const tick = NSEC_PER_SEC / BigInt(k.hz);
    return (k.ktimeNs() / tick) * tick;
  },
  // bpf_jiffies64: jiffies start at INITIAL_JIFFIES, (u32)(-300 * HZ), to catch wrap bugs early
  118: (k) => {
    const initial = BigInt.asUintN(32, BigInt(-300 * k.hz));
    return initial + (k.ktimeNs() * BigInt(k.hz)) / NSEC_PER_SEC;
  },
  // bpf_get_prandom_u32
  7: (k) => k.randomU32(),
  // bpf_get_smp_processor_id
  8: (k) => k.maps.currentCpu,
  // bpf_get_numa_node_id: one node
  42: () => 0,
};
