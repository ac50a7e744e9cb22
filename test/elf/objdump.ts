// Test helper: an independent view of an object's functions from LLVM's
// llvm-objdump (symbol table + disassembly), to compare the loader against.
// Returns undefined when llvm-objdump is not installed, so tests can skip.
import { execFile, spawnSync } from "node:child_process";

export interface ObjdumpFunction {
  section: string;
  name: string;
  /** Instruction slots from the function's label to the next function label (lddw counts 2). */
  slots: number;
}

let available: boolean | undefined;

export function hasObjdump(): boolean {
  if (available === undefined) {
    const r = spawnSync("llvm-objdump", ["--version"], { encoding: "utf8" });
    available = r.status === 0;
  }
  return available;
}

function run(args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(
      "llvm-objdump",
      args,
      { encoding: "utf8", maxBuffer: 256 * 1024 * 1024 },
      (err, stdout, stderr) => {
        if (err) reject(new Error(`llvm-objdump ${args.join(" ")} failed: ${stderr}`));
        else resolve(stdout);
      },
    );
  });
}

/** Function symbols as llvm-objdump -t prints them: STT_FUNC, or global untyped symbols in code. */
function functionNames(lines: readonly string[]): Map<string, Set<string>> {
  const out = new Map<string, Set<string>>();
  const line = /^([0-9a-f]{16}) (.{7}) (\S+)\t([0-9a-f]{16}) (.*)$/;
  for (const l of lines) {
    const m = line.exec(l);
    if (!m) continue;
    const flags = m[2]!;
    const global = flags[0] === "g" || flags[1] === "w";
    const isFunc = flags[6] === "F" || (global && flags[6] === " ");
    if (!isFunc || !m[5]) continue;
    const set = out.get(m[3]!) ?? new Set<string>();
    set.add(m[5]!);
    out.set(m[3]!, set);
  }
  return out;
}

/** Functions of every disassembled section with their instruction slot counts. */
export async function objdumpFunctions(path: string): Promise<ObjdumpFunction[]> {
  // One run prints the symbol table, then the disassembly.
  const lines = (await run(["-t", "-d", path])).split("\n");
  const funcs = functionNames(lines);
  const out: ObjdumpFunction[] = [];
  let section = "";
  let current: ObjdumpFunction | undefined;
  let start = 0;
  let end = 0;
  const close = (): void => {
    if (current) current.slots = end - start;
    current = undefined;
  };
  for (const l of lines) {
    const sec = /^Disassembly of section (.+):$/.exec(l);
    if (sec) {
      close();
      section = sec[1]!;
      continue;
    }
    const label = /^([0-9a-f]{16}) <(.+)>:$/.exec(l);
    if (label) {
      if (funcs.get(section)?.has(label[2]!)) {
        close();
        current = { section, name: label[2]!, slots: 0 };
        out.push(current);
        start = end = parseInt(label[1]!, 16) / 8;
      }
      continue;
    }
    const insn = /^\s*(\d+):\s+([0-9a-f]{2}) /.exec(l);
    if (insn) end = Number(insn[1]) + (insn[2] === "18" ? 2 : 1);
  }
  close();
  return out;
}

/** objdumpFunctions for many files, a few processes at a time. */
export async function objdumpAll(
  paths: readonly string[],
  parallel = 4,
): Promise<Map<string, ObjdumpFunction[]>> {
  const out = new Map<string, ObjdumpFunction[]>();
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < paths.length) {
      const p = paths[next++]!;
      out.set(p, await objdumpFunctions(p));
    }
  };
  await Promise.all(Array.from({ length: parallel }, worker));
  return out;
}
