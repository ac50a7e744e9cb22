// A tiny stand-in Engine for testing code that drives engines (the conformance
// runner, CLI commands) without depending on the real interpreter: it runs
// straight-line mov/add (64-bit, imm or reg), ldxb, helper calls and exit.
import { ExecError } from "../../src/errors.ts";
import { ProgramExit, type Engine } from "../../src/interp/env.ts";

export const fakeEngine: Engine = {
  name: "interp",
  prepare(program, env) {
    return {
      run(opts = {}) {
        const r = new Array<bigint>(11).fill(0n);
        (opts.args ?? []).forEach((v, i) => (r[i + 1] = v));
        const insns = program.insns;
        for (let pc = 0; pc < insns.length; pc++) {
          const x = insns[pc]!;
          const rhs = x.code & 0x08 ? r[x.src]! : BigInt(x.imm);
          switch (x.code) {
            case 0xb7:
            case 0xbf:
              r[x.dst] = BigInt.asUintN(64, rhs);
              break;
            case 0x07:
            case 0x0f:
              r[x.dst] = BigInt.asUintN(64, r[x.dst]! + rhs);
              break;
            case 0x71: {
              const addr = Number(r[x.src]!) + x.off;
              if (!env.mem.isAccessible(addr, 1)) throw new ExecError("fake: bad load", pc);
              r[x.dst] = BigInt(env.mem.u8[addr]!);
              break;
            }
            case 0x85: {
              const fn = env.helper(x.imm);
              if (!fn) throw new ExecError(`fake: no helper ${x.imm}`, pc);
              try {
                r[0] = BigInt.asUintN(64, fn(r[1]!, r[2]!, r[3]!, r[4]!, r[5]!, { pc, program }));
              } catch (e) {
                if (e instanceof ProgramExit) return { r0: e.r0 };
                throw e;
              }
              break;
            }
            case 0x95:
              return { r0: r[0]! };
            default:
              throw new ExecError(`fake engine: opcode ${x.code.toString(16)} not supported`, pc);
          }
        }
        throw new ExecError("fake: fell off the end");
      },
    };
  },
};
