// Public surface of the JIT: BPF → WebAssembly.
export { jit, createJit, JitProgram, type JitOptions, type BpfFunction } from "./engine.ts";
export { compileProgram, type Compiled, type CompileOptions } from "./compile.ts";
export { FRAME_SIZE, STACK_SIZE } from "./layout.ts";
