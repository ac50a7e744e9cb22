// Per-program run statistics (bpf_prog_info's run_cnt and run_time_ns). They
// are recorded only while statistics are enabled (BPF_ENABLE_STATS): turning
// them on or off regenerates every trampoline, so with stats off the
// generated code has no counting or clock reads at all.

/** Run count and accumulated run time of one program. */
export interface ProgStats {
  runCount: number;
  /** Nanoseconds (fractional while accumulating; read through `statsOf`). */
  runTimeNs: number;
}

export const newStats = (): ProgStats => ({ runCount: 0, runTimeNs: 0 });

/** The clock statistics use: nanoseconds as a float, monotonic. */
export const nowNs = (): number => performance.now() * 1e6;

/**
 * A reference-counted switch, as BPF_ENABLE_STATS hands out an fd and stats
 * stay on while any fd is open. `onChange` runs when the state flips.
 */
export class StatsSwitch {
  private holders = 0;

  constructor(private readonly onChange: (enabled: boolean) => void) {}

  get enabled(): boolean {
    return this.holders > 0;
  }

  /** Turn stats on; the returned function turns this holder's request off (idempotent). */
  enable(): () => void {
    let held = true;
    if (this.holders++ === 0) this.onChange(true);
    return () => {
      if (!held) return;
      held = false;
      if (--this.holders === 0) this.onChange(false);
    };
  }
}
