// The text form of a compiled module, for `tsbpf jit --wat` and debugging:
// our binary, read back by wabt (which also validates it).
import wabtInit from "wabt";

export async function wasmToText(bytes: Uint8Array): Promise<string> {
  const wabt = await wabtInit();
  const m = wabt.readWasm(bytes, {
    readDebugNames: true,
    tail_call: true,
    sign_extension: true,
    mutable_globals: true,
    multi_value: true,
  });
  try {
    m.validate();
    m.generateNames();
    m.applyNames();
    return m.toText({ foldExprs: false, inlineExport: true });
  } finally {
    m.destroy();
  }
}
