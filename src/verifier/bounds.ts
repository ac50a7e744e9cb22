// The verifier's scalar domain (ScalarBounds, ALU transfer functions, branch
// prediction and refinement, log text); the code lives in scalar/.
export * from "./scalar/index.ts";
