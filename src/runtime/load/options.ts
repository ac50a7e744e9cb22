// Options of Runtime.loadCollection.
import type { VerifierCaps } from "../../verifier/index.ts";
import type { EngineChoice } from "../engines.ts";
import type { Program } from "../program.ts";

/** A value for a global variable: a number/bigint/boolean for scalars, bytes for anything. */
export type GlobalValue = number | bigint | boolean | Uint8Array;

export interface LoadCollectionOptions {
  /**
   * Run the verifier on every program (default false: programs run
   * unverified, every memory access bounds-checked by the engine). A rejected
   * program fails the load with a VerifierError carrying the log.
   */
  verify?: boolean;
  /** Verifier log level when verifying (default 1: the error path). */
  logLevel?: number;
  /** Loader capabilities for the verifier (default root: CAP_BPF and CAP_PERFMON). */
  caps?: Partial<VerifierCaps>;
  /** Keep the engine's per-access checks even for verified programs. */
  boundsChecks?: boolean;
  /** Engine for this collection's programs (default the runtime's). */
  engine?: EngineChoice;
  /** Load only these programs (by function name) and the maps they use. */
  programs?: readonly string[];
  /** Program type by program name, for sections that name none (Cilium's "2/1", ".text", ...). */
  types?: Readonly<Record<string, number>>;
  /** Type of the programs whose section names none and that `types` does not list (default: leave UNSPEC, the raw "mem" type). */
  defaultType?: number;
  /** Initial values of global variables by name (`.data`, `.bss`, `.rodata` before it is frozen). */
  globals?: Readonly<Record<string, GlobalValue>>;
  /**
   * fentry/fexit programs of this collection trace functions of this program
   * (libbpf's attach_prog_fd): its main function, or the function a section
   * such as "fexit/handle_pkt" names. Without it they trace host functions of
   * runtime.kernel. Attach them with runtime.attach(prog).
   */
  attachTarget?: Program;
  /** Inline the bodies of inlinable kfuncs at their call sites (default true; src/kfuncs). */
  inlineKfuncs?: boolean;
  /** Simplify each inlined kfunc body for its call site (default true). */
  pruneKfuncs?: boolean;
  /**
   * Verified programs: tail calls whose prog_array and key the verifier found
   * constant jump through a per-site slot the map keeps current, with no map
   * lookup (default true; src/fixup/tail-calls.ts).
   */
  directTailCalls?: boolean;
  /** Values of `extern ... __kconfig` variables by name (LINUX_KERNEL_VERSION has a default). */
  kconfig?: Readonly<Record<string, number | bigint | boolean>>;
}
