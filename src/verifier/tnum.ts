// Tnums (tracked numbers) of the verifier's scalar domain; the code lives in scalar/.
export * from "./scalar/tnum.ts";
