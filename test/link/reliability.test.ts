// Which BPF functions have a BTF prototype the code contradicts (their
// arguments are then u64 scalars to tracing programs).
import { readdirSync, readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { BtfBuilder, BtfLinkage } from "../../src/btf/index.ts";
import { assemble } from "../../src/isa/index.ts";
import { unreliableFunctions } from "../../src/link/reliability.ts";
import { CollectionSpec } from "../../src/spec/index.ts";

/**
 * main(ctx) calls f(a, b) at pc 5 with r1, r2 set; f returns a + b.
 *   0: r6 = r1 ; 1: r1 = 1 ; 2: r2 = 2 ; 3: call f ; 4: exit
 *   5: f: r0 = r1 ; 6: r0 += r2 ; 7: exit
 */
const insns = assemble(
  ["r6 = r1", "r1 = 1", "r2 = 2", "call pc+1", "exit", "r0 = r1", "r0 += r2", "exit"].join("\n"),
);

function btfWith(fParams: number) {
  const b = new BtfBuilder();
  const int = b.addInt("int", 4, { signed: true });
  const ptr = b.addPtr(0);
  const main = b.addFunction("main", int, [{ name: "ctx", type: ptr }]);
  const params = Array.from({ length: fParams }, (_, i) => ({ name: `p${i}`, type: int }));
  const f = b.addFunction("f", int, params, BtfLinkage.STATIC);
  return {
    btf: b.build(),
    info: [
      { insnOff: 0, typeId: main },
      { insnOff: 5, typeId: f },
    ],
  };
}

describe("unreliableFunctions", () => {
  it("trusts a prototype that covers the argument registers the function reads", () => {
    const { btf, info } = btfWith(2);
    expect(unreliableFunctions(insns, info, btf)).toEqual(new Set());
  });

  it("flags a function reading an argument its prototype lacks (clang dropped it)", () => {
    const { btf, info } = btfWith(1);
    expect(unreliableFunctions(insns, info, btf)).toEqual(new Set([5]));
    // Too many parameters for registers is unreliable too.
    const wide = btfWith(6);
    expect(unreliableFunctions(insns, wide.info, wide.btf)).toEqual(new Set([5]));
  });

  it("finds every function of the clang-built samples reliable", () => {
    const root = "../shared/samples";
    let funcs = 0;
    for (const dir of readdirSync(root, { withFileTypes: true })) {
      if (!dir.isDirectory() || dir.name === "invalid") continue;
      for (const f of readdirSync(`${root}/${dir.name}`).filter((n) => n.endsWith(".o"))) {
        let spec: ReturnType<typeof CollectionSpec.fromBuffer>;
        try {
          spec = CollectionSpec.fromBuffer(
            new Uint8Array(readFileSync(`${root}/${dir.name}/${f}`)),
          );
        } catch {
          continue; // objects the loader refuses are other tests' business
        }
        if (!spec.btf) continue;
        for (const p of spec.programs) {
          funcs += p.funcInfo.length;
          expect(unreliableFunctions(p.insns, p.funcInfo, spec.btf), `${f} ${p.name}`).toEqual(
            new Set(),
          );
        }
      }
    }
    expect(funcs).toBeGreaterThan(100);
  });
});
