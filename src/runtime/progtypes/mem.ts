// The raw "mem" program type of the conformance style (BPF_PROG_TYPE_UNSPEC,
// e.g. `.text` programs of PREVAIL-style objects): r1 points at a copy of the
// data (ctx bytes when no data is given) and r2 holds its length; the bytes
// after the run are the output.
import type { VmMemory } from "../../memory/index.ts";
import { ProgType } from "../../uapi/index.ts";
import type { RunContext } from "../contexts.ts";
import { MemContext } from "./flat-context.ts";
import type { ProgTypeRunner, TestRunOptions } from "./types.ts";

export const MEM_PROG_TYPES: readonly number[] = [ProgType.UNSPEC];

function prepare(mem: VmMemory, _type: number, input: TestRunOptions): RunContext {
  return new MemContext(mem, input.data ?? input.ctx ?? new Uint8Array(0));
}

function finish(c: RunContext): { data: Uint8Array } {
  return { data: c.readCtx() };
}

export const MEM_RUNNER: ProgTypeRunner = { name: "mem", prepare, finish };
