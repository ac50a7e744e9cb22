#!/bin/sh
# Rebuild the example: runtime.h from the runtime's BTF (kernel.ts describes
# the host side), then trace.bpf.o and verdicts.bpf.o with clang. Both are committed, so running
# the example needs neither; this is for changing them.
# Uses $CLANG, else clang-16, else clang.
set -eu
here="$(cd "$(dirname "$0")" && pwd)"
root="$here/../.."
cd "$root"
node bin/tsbpf.js btf dump --runtime --kernel examples/trace-node/kernel.ts --format c \
  > examples/trace-node/runtime.h
CLANG="${CLANG:-}"
if [ -z "$CLANG" ]; then
  for c in clang-16 clang; do
    if command -v "$c" >/dev/null 2>&1; then CLANG="$c"; break; fi
  done
fi
if [ -z "$CLANG" ]; then
  echo "trace-node/build.sh: clang not found (apt-get install clang-16); the .o files stay as they are" >&2
  exit 0
fi
for name in trace verdicts; do
  echo "$CLANG -target bpf -O2 -g -c examples/trace-node/$name.bpf.c -o examples/trace-node/$name.bpf.o"
  "$CLANG" -target bpf -O2 -g -Wall -Werror -I examples/include -I examples/trace-node \
    -c "examples/trace-node/$name.bpf.c" -o "examples/trace-node/$name.bpf.o"
done
