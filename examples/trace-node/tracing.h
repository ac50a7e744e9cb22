/* BPF_PROG for fentry/fexit programs: the context of a tracing program is
 * the traced function's arguments as an array of u64 (then, for fexit, its
 * return value). BPF_PROG(name, args...) declares the program `name(ctx)` and
 * a body that receives the arguments typed as the traced function declares
 * them: each ctx[i] is converted to the i-th parameter's type. */
#ifndef TSBPF_TRACING_H
#define TSBPF_TRACING_H

#define ___tsbpf_cat(a, b) a##b
#define ___tsbpf_apply(fn, n) ___tsbpf_cat(fn, n)
#define ___tsbpf_count(_0, _1, _2, _3, _4, _5, _6, n, ...) n
#define ___tsbpf_nargs(args...) ___tsbpf_count(_, ##args, 6, 5, 4, 3, 2, 1, 0)

/* ctx, ctx[0], ..., ctx[n-1]: the arguments of the typed body. */
#define ___tsbpf_ctx0() ctx
#define ___tsbpf_ctx1(a) ___tsbpf_ctx0(), (void *)ctx[0]
#define ___tsbpf_ctx2(a, args...) ___tsbpf_ctx1(args), (void *)ctx[1]
#define ___tsbpf_ctx3(a, args...) ___tsbpf_ctx2(args), (void *)ctx[2]
#define ___tsbpf_ctx4(a, args...) ___tsbpf_ctx3(args), (void *)ctx[3]
#define ___tsbpf_ctx5(a, args...) ___tsbpf_ctx4(args), (void *)ctx[4]
#define ___tsbpf_ctx6(a, args...) ___tsbpf_ctx5(args), (void *)ctx[5]
#define ___tsbpf_ctx(args...) ___tsbpf_apply(___tsbpf_ctx, ___tsbpf_nargs(args))(args)

/* Used as `int BPF_PROG(name, args...) { body }`: the leading `int` completes
 * the first declaration, and the others take their return type from it. */
#define BPF_PROG(name, args...)                                                        \
	name(unsigned long long *ctx);                                                 \
	static __always_inline typeof(name(0)) ____##name(unsigned long long *ctx, ##args); \
	typeof(name(0)) name(unsigned long long *ctx)                                  \
	{                                                                              \
		_Pragma("GCC diagnostic push")                                         \
		_Pragma("GCC diagnostic ignored \"-Wint-conversion\"")                 \
		return ____##name(___tsbpf_ctx(args));                                 \
		_Pragma("GCC diagnostic pop")                                          \
	}                                                                              \
	static __always_inline typeof(name(0)) ____##name(unsigned long long *ctx, ##args)

#endif
