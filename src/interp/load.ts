// Decoded programs, cached per ExecProgram object: decoding does not depend on
// the environment, so a tail-call target or a program prepared for several
// environments is decoded once.
import { decodeProgram } from "./decode.ts";
import type { ExecProgram } from "./env.ts";
import type { Loaded } from "./machine.ts";

const cache = new WeakMap<ExecProgram, Loaded>();

export function loadProgram(prog: ExecProgram): Loaded {
  let l = cache.get(prog);
  if (!l) {
    l = { ...decodeProgram(prog.insns), prog, checked: prog.verified !== true };
    cache.set(prog, l);
  }
  return l;
}
