// The one place the verifier core imports the scalar domain (tnum + 64/32-bit
// bounds, src/verifier/tnum.ts and bounds.ts over src/verifier/scalar/, owned
// by the scalar-domain work). Everything else in the verifier imports these
// names from here, so the core and the domain meet at a single, small surface.
export type { Tnum } from "./tnum.ts";
export {
  tnumConst,
  tnumAdd,
  tnumSub,
  tnumIsConst,
  tnumIsAligned,
  tnumIn,
  tnumEquals,
  tnumSubreg,
} from "./tnum.ts";
export type { ScalarBounds } from "./bounds.ts";
export {
  markKnown,
  markUnknown,
  boundsSync,
  scalarAlu,
  coerceToSize,
  coerceToSizeSx,
  coerceSubregToSizeSx,
  zext32to64,
  isBranchTaken,
  refineCondOp,
  negateJmpOp,
  flipJmpOp,
  formatScalar,
  formatScalarBody,
} from "./bounds.ts";
