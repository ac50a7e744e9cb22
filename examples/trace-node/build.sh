#!/bin/sh
# Rebuild the example: runtime.h from the runtime's BTF (kernel.ts describes
# the host side), then every example object with clang
# (scripts/build-examples.sh, which builds trace.bpf.o and verdicts.bpf.o
# here too). Everything is committed, so running the example needs neither.
set -eu
cd "$(dirname "$0")/../.."
node bin/tsbpf.js btf dump --runtime --kernel examples/trace-node/kernel.ts --format c \
  > examples/trace-node/runtime.h
exec sh scripts/build-examples.sh
