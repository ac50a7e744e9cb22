// What a BPF object file says, as plain deterministic data: programs with their
// relocated instructions, maps, externs, BTF. No runtime state — the runtime
// turns a CollectionSpec into loaded objects (assigning map fds and addresses,
// resolving externs and CO-RE against its own BTF). Reading the same .o twice
// gives deep-equal specs.
import type { Btf } from "../btf/btf.ts";
import type { CoreReloRecord, FuncInfoRecord, LineInfoRecord } from "../btf/ext.ts";
import type { Insn } from "../isa/insn.ts";
import type { SectionMatch } from "../elf/section-defs.ts";

/**
 * An `lddw` that refers to a map. In `ProgramSpec.insns` the pair already has
 * the kernel's pseudo source (`src = BPF_PSEUDO_MAP_FD` or
 * `BPF_PSEUDO_MAP_VALUE`) and, as a placeholder, `imm = mapIndex`; for a map
 * value the second half's `imm` holds `offset`. The runtime replaces the
 * placeholder with the real fd.
 */
export interface MapReference {
  /** Index of the first half of the lddw in the program's instructions. */
  insnOff: number;
  kind: "fd" | "value";
  /** Index into CollectionSpec.maps. */
  mapIndex: number;
  mapName: string;
  /** Byte offset into the map value (kind "value"; 0 for "fd"). */
  offset: number;
}

/**
 * A reference to something outside the object, resolved at load time:
 * - "kfunc": a `call` to an extern function; the insn has
 *   `src = BPF_PSEUDO_KFUNC_CALL`, `imm = 0` until the runtime puts the
 *   function's BTF id there.
 * - "ksym": an `lddw` of a `__ksym` variable; `src = BPF_PSEUDO_BTF_ID`,
 *   `imm = 0` until resolved (typeless ksyms keep `src = 0` and get an address).
 * - kconfig externs are not listed here: they live in the `.kconfig` map and are
 *   referenced through MapReference like any global variable.
 */
export interface ExternReference {
  insnOff: number;
  kind: "kfunc" | "ksym";
  /** Index into CollectionSpec.externs. */
  externIndex: number;
  name: string;
}

export interface ExternSpec {
  name: string;
  kind: "kfunc" | "ksym" | "kconfig";
  /** Declared __weak: unresolved is allowed (resolves to 0). */
  weak: boolean;
  /** BTF id of the extern's FUNC or VAR in the object's BTF, 0 when the object has none. */
  btfId: number;
  /** ksym: declared without a type (`extern const void x __ksym`); the runtime supplies an address, not a BTF id. */
  typeless?: boolean;
  /** kconfig: byte offset in the .kconfig map's value. */
  offset?: number;
  /** kconfig: size in bytes. */
  size?: number;
}

/** A function placed in a program's instructions (the entry itself or an appended subprogram). */
export interface FunctionPlacement {
  name: string;
  /** Where the function starts in ProgramSpec.insns. */
  insnOff: number;
  insnCount: number;
  /** ELF section the function came from. */
  section: string;
  /** Instruction index of the function inside that section. */
  sectionInsnOff: number;
}

/** One line_info entry, placed in the program. */
export type ProgramLineInfo = LineInfoRecord;
/** One func_info entry, placed in the program. */
export type ProgramFuncInfo = FuncInfoRecord;
/** One CO-RE relocation, placed in the program (not yet applied). */
export type ProgramCoreRelo = CoreReloRecord;

export interface ProgramSpec {
  /** The entry function's symbol name. */
  name: string;
  /** ELF section the program lives in ("xdp", "kprobe/sys_execve", "2/1", ".text"). */
  section: string;
  type: number;
  expectedAttachType: number;
  /** Attach target named by the section ("tcp_connect" for "fentry/tcp_connect"), or "". */
  attachTo: string;
  /** The attach target is a BTF-named function (fentry/fexit/lsm/...). */
  attachBtf: boolean;
  /** BPF_PROG_LOAD prog_flags implied by the section (sleepable, xdp frags). */
  progFlags: number;
  /** How the section name was recognised; "unknown" means the type is UNSPEC and the loader must choose. */
  sectionMatch: SectionMatch;
  license: string;
  kernelVersion: number;
  /** The entry function's instructions followed by every subprogram it calls, relocated. */
  insns: Insn[];
  /** Number of instructions of the entry function alone (before appended subprograms). */
  entryInsnCount: number;
  /** Instruction index of the entry function within its ELF section. */
  sectionInsnOff: number;
  /** The entry (first) and each appended subprogram, in placement order. */
  functions: FunctionPlacement[];
  mapRefs: MapReference[];
  externRefs: ExternReference[];
  /** BTF func_info for the program, sorted by insnOff (empty without .BTF.ext). */
  funcInfo: ProgramFuncInfo[];
  /** BTF line_info for the program, sorted by insnOff. */
  lineInfo: ProgramLineInfo[];
  /** CO-RE relocations to apply against the runtime's BTF before verification. */
  coreRelos: ProgramCoreRelo[];
}

export type MapSpecSource = "legacy" | "btf" | "data" | "rodata" | "bss" | "kconfig" | "inner";

/** A slot of a map-in-map or prog-array initialiser (`.values = { [1] = &inner }`). */
export interface MapInitSlot {
  key: number;
  kind: "map" | "program";
  /** Map name (CollectionSpec.maps) or program name (CollectionSpec.programs). */
  name: string;
}

export interface MapSpec {
  name: string;
  type: number;
  keySize: number;
  valueSize: number;
  maxEntries: number;
  flags: number;
  numaNode: number;
  /** map_extra (bloom filter hash count, arena address, ...); 0 when unset. */
  mapExtra: number;
  /** LIBBPF_PIN_* (0 none, 1 by name). */
  pinning: number;
  source: MapSpecSource;
  /** ELF section the definition came from. */
  section: string;
  /** BTF key/value type ids in CollectionSpec.btf (0 when not described). */
  btfKeyTypeId: number;
  btfValueTypeId: number;
  /** Template of the inner map for map-in-map types. */
  innerMap?: MapSpec;
  /** Initial slots of a map-in-map or prog array. */
  init: MapInitSlot[];
  /** Initial value bytes of a global-data map (`.data`, `.rodata`, ...); zeros for `.bss`. */
  initialValue?: Uint8Array;
  /** `.rodata`/`.kconfig`: frozen after creation so programs see constants. */
  freeze: boolean;
  /** Legacy definitions longer than struct bpf_map_def: the extra u32 words, as written. */
  legacyExtra?: number[];
}

export interface CollectionSpec {
  programs: ProgramSpec[];
  maps: MapSpec[];
  externs: ExternSpec[];
  license: string;
  kernelVersion: number;
  /** The object's BTF (with DATASEC sizes and offsets fixed up), if it has any. */
  btf?: Btf;
}
