// The runtime's BTF for users writing tracing programs in C: `tsbpf btf dump
// --runtime --format c` prints the types as a header (bpftool's format) and
// lists the attachable functions' prototypes in a comment after it — the
// names to put in SEC("fentry/<name>") and the arguments BPF_PROG() takes.
// `--kernel MODULE` first runs a module's default export on the kernel, so
// an application can describe the host functions it defines.
import { resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { cDecl, dumpC } from "../../btf/dump-c.ts";
import { dumpRaw } from "../../btf/dump-raw.ts";
import { UsageError } from "../../errors.ts";
import { createRuntimeKernel } from "./context-types.ts";
import type { HostKernel } from "./host-kernel.ts";

/** The types as a C header, then the attachable functions as a comment. */
export function runtimeHeader(kernel: HostKernel): string {
  const btf = kernel.btf;
  const targets = kernel.targets();
  let text = dumpC(btf);
  if (targets.length) {
    const lines = targets.map((t) => ` *   ${cDecl(btf, t.btfId)};`);
    text +=
      '\n/* Attachable host functions (SEC("fentry/NAME") / SEC("fexit/NAME")):\n' +
      lines.join("\n") +
      "\n */\n";
  }
  return text;
}

/** Run `module`'s default export (kernel) => void on the kernel. */
export async function applyKernelModule(kernel: HostKernel, module: string): Promise<void> {
  const mod = (await import(pathToFileURL(resolve(module)).href)) as { default?: unknown };
  if (typeof mod.default !== "function") {
    throw new UsageError(`${module}: the default export must be a function (kernel) => void`);
  }
  await (mod.default as (k: HostKernel) => unknown)(kernel);
}

/** `tsbpf btf dump --runtime`: the runtime kernel's BTF in raw or C form. */
export async function dumpRuntimeBtf(format: "raw" | "c", module?: string): Promise<string> {
  const kernel = createRuntimeKernel();
  if (module) await applyKernelModule(kernel, module);
  return format === "c" ? runtimeHeader(kernel) : dumpRaw(kernel.btf);
}
