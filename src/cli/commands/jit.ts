// `tsbpf jit FILE`: compile a BPF program to WebAssembly and show what came
// out: a summary (functions, table slots, size, compile time), the module as
// text (--wat, through wabt), or the binary (-o out.wasm). Exit 0 when it
// compiles, 2 on bad input (an undecodable program is an InsnError).
import { writeFileSync } from "node:fs";
import type { Command } from "commander";
import { compileProgram } from "../../jit/index.ts";
import { wasmToText } from "../../jit/wat.ts";
import type { CommandContext } from "../context.ts";
import { readProgram } from "./run.ts";

interface JitFlags {
  wat?: boolean;
  verified?: boolean;
  directCalls?: boolean;
  output?: string;
}

async function jitFile(file: string, flags: JitFlags, ctx: CommandContext): Promise<void> {
  const insns = readProgram(file);
  const t0 = performance.now();
  const c = compileProgram(insns, {
    verified: flags.verified,
    directCalls: flags.directCalls,
    names: flags.wat,
  });
  const ms = performance.now() - t0;
  if (flags.output !== undefined) writeFileSync(flags.output, c.bytes);
  if (flags.wat) {
    ctx.out(await wasmToText(c.bytes));
    return;
  }
  const mode = flags.verified ? "verified (no checks)" : "unverified (bounds checks, budget)";
  ctx.out(`${file}: ${insns.length} instructions, ${mode}\n`);
  ctx.out(`module: ${c.bytes.length} bytes, compiled in ${ms.toFixed(2)} ms\n`);
  for (const [i, pc] of c.funcPcs.entries()) {
    const irreducible = c.irreducible.includes(pc)
      ? " (irreducible flow: dispatch node added)"
      : "";
    ctx.out(`  slot +${i}: ${pc === 0 ? "main" : `function at pc ${pc}`}${irreducible}\n`);
  }
  const imports = [
    ...c.helperIds.map((id) => `helper ${id}`),
    ...c.kfuncIds.map((id) => `kfunc ${id}`),
  ];
  if (imports.length > 0) ctx.out(`calls: ${imports.join(", ")}\n`);
  if (flags.output !== undefined) ctx.out(`wrote ${flags.output}\n`);
}

export function registerJit(program: Command, ctx: CommandContext): void {
  program
    .command("jit")
    .description(
      "Compile a BPF program to WebAssembly (the JIT) and print a summary: one function per " +
        "BPF function, in consecutive table slots. --wat prints the module as text, -o writes " +
        "the .wasm binary. FILE is assembly (uBPF or kernel syntax) or raw bytecode (*.bin). " +
        "Exit 0 when it compiles, 2 on bad input.",
    )
    .argument("<FILE>", "assembly file, or .bin with little-endian bytecode")
    .option("--wat", "print the generated module in the WebAssembly text format")
    .option("--verified", "compile as a verified program: no bounds checks, no budget")
    .option("--direct-calls", "BPF-to-BPF calls as direct calls instead of through table slots")
    .option("-o, --output <FILE>", "write the module's binary (.wasm)")
    .action((file: string, flags: JitFlags) => jitFile(file, flags, ctx));
}
