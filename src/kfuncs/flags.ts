// KF_* flags of kfuncs (include/linux/btf.h values), shared with the verifier.
export { KF } from "../verifier/kfuncs/types.ts";
