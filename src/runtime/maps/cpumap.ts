// BPF_MAP_TYPE_CPUMAP (kernel/bpf/cpumap.c semantics): slot i stands for CPU
// i of the runtime; an entry says the CPU takes redirected frames, with its
// queue size and optionally an XDP program (loaded for BPF_XDP_CPUMAP) to run
// there. Value: `struct bpf_cpumap_val { u32 qsize; u32 prog; }`, the program
// word only when value_size is 8 (user space writes the program's id where
// the kernel takes an fd, and reads back its id).
//
// Update: flags above BPF_EXIST EINVAL, index past max_entries E2BIG,
// BPF_NOEXIST EEXIST, qsize above 16384 EOVERFLOW, a CPU the runtime does not
// have ENODEV, qsize 0 empties the slot, an unsuitable program EINVAL.
// Delete: any index in range succeeds, beyond it EINVAL. Programs can only
// redirect through the map; there is no remote CPU to run anything on, so
// the entry's program is held but not run.
import { BPF_EXIST, BPF_F_NUMA_NODE, BPF_NOEXIST } from "../../uapi/index.ts";
import { AttachType, ProgType } from "../../uapi/index.ts";
import type { ProgramRef } from "../object.ts";
import { arrayNextKey, readIndex } from "./array.ts";
import { problem, type AttrProblem, type MapAttrs } from "./attrs.ts";
import { Errno } from "./errors.ts";
import { CPUMAP_MAX_QSIZE, NR_CPUS } from "./flags.ts";
import { BpfMap, isFlagWord } from "./map.ts";
import type { RedirectTarget, XdpRedirectMap } from "./xdp-redirect.ts";

/** sizeof(struct bpf_cpumap_val). */
const CPUMAP_VAL_SIZE = 8;

/** cpu_map_alloc's checks. */
export function checkCpumapAttrs(a: MapAttrs): AttrProblem | undefined {
  const flags = a.flags ?? 0;
  if (a.maxEntries === 0) return problem("EINVAL", "max_entries must be at least 1");
  if (a.keySize !== 4) return problem("EINVAL", `cpumap key_size must be 4, got ${a.keySize}`);
  if (a.valueSize !== 4 && a.valueSize !== CPUMAP_VAL_SIZE)
    return problem(
      "EINVAL",
      `cpumap value_size must be 4 (qsize) or 8 (qsize and program), got ${a.valueSize}`,
    );
  if (flags & ~BPF_F_NUMA_NODE)
    return problem("EINVAL", `unsupported flags 0x${(flags & ~BPF_F_NUMA_NODE).toString(16)}`);
  if (a.maxEntries > NR_CPUS)
    return problem("E2BIG", `cpumap max_entries ${a.maxEntries} exceeds NR_CPUS (${NR_CPUS})`);
  return undefined;
}

interface CpuEntry {
  qsize: number;
  prog: ProgramRef | undefined;
}

export class CpuMap extends BpfMap implements XdpRedirectMap {
  readonly redirectFlagMask = 0;
  private readonly slots: (CpuEntry | undefined)[] = [];
  private valuesAddr = 0;

  static check(a: MapAttrs): AttrProblem | undefined {
    return checkCpumapAttrs(a);
  }

  protected initStorage(): void {
    this.valuesAddr = this.allocTracked(this.maxEntries * CPUMAP_VAL_SIZE, 8);
  }

  override lookupElem(keyAddr: number): number {
    const i = readIndex(this.mem.u8, keyAddr);
    return i < this.maxEntries && this.slots[i] ? this.valuesAddr + i * CPUMAP_VAL_SIZE : 0;
  }

  redirectLookup(key: number): RedirectTarget | undefined {
    const e = key < this.maxEntries ? this.slots[key] : undefined;
    return e && { kind: "cpu", cpu: key, qsize: e.qsize, progId: e.prog?.id ?? 0 };
  }

  override updateElem(keyAddr: number, valueAddr: number, flags: number): number {
    const dv = this.mem.dv;
    const cpu = readIndex(this.mem.u8, keyAddr);
    const qsize = dv.getUint32(valueAddr, true);
    const fd = this.valueSize === CPUMAP_VAL_SIZE ? dv.getInt32(valueAddr + 4, true) : 0;
    if (!isFlagWord(flags) || flags > BPF_EXIST) return -Errno.EINVAL;
    if (cpu >= this.maxEntries) return -Errno.E2BIG;
    if (flags === BPF_NOEXIST) return -Errno.EEXIST;
    if (qsize > CPUMAP_MAX_QSIZE) return -Errno.EOVERFLOW;
    if (cpu >= this.ncpus) return -Errno.ENODEV;
    let e: CpuEntry | undefined;
    if (qsize !== 0) {
      let prog: ProgramRef | undefined;
      if (fd > 0) {
        prog = this.registry.programs?.program(fd);
        if (!prog) return -Errno.EBADF;
        if (prog.type !== ProgType.XDP || prog.expectedAttachType !== AttachType.XDP_CPUMAP)
          return -Errno.EINVAL;
        prog.acquire();
      }
      e = { qsize, prog };
      const slot = this.valuesAddr + cpu * CPUMAP_VAL_SIZE;
      dv.setUint32(slot, qsize, true);
      dv.setUint32(slot + 4, prog?.id ?? 0, true);
    }
    const old = this.slots[cpu];
    this.slots[cpu] = e;
    old?.prog?.release();
    return 0;
  }

  override deleteElem(keyAddr: number): number {
    const cpu = readIndex(this.mem.u8, keyAddr);
    if (cpu >= this.maxEntries) return -Errno.EINVAL;
    const old = this.slots[cpu];
    this.slots[cpu] = undefined;
    old?.prog?.release();
    return 0;
  }

  override getNextKey(keyAddr: number, nextAddr: number): number {
    return arrayNextKey(this, keyAddr, nextAddr);
  }

  protected override releaseContents(): void {
    for (const e of this.slots) e?.prog?.release();
    this.slots.length = 0;
  }
}
