#!/bin/sh
# Rebuild the example's objects (flowstats.bpf.o: the kfunc bodies;
# counter.bpf.o: the XDP program calling them) with clang, through
# scripts/build-examples.sh, which builds every examples/*/*.bpf.c. Both are
# committed, so running the example needs no clang.
set -eu
cd "$(dirname "$0")/../.."
exec sh scripts/build-examples.sh
