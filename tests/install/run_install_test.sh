#!/usr/bin/env bash
# Installs a built kiln into a temporary prefix, then configures, builds and
# runs an outside project that finds it with find_package(kiln) and links
# kiln::kiln. Also checks that the kiln command was installed and runs and
# that no installed header includes LLVM.
# Usage: run_install_test.sh <kiln build dir> <work dir>
set -euo pipefail
build="$1"
work="$2"
here="$(cd "$(dirname "$0")" && pwd)"
rm -rf "$work"
mkdir -p "$work"
cmake --install "$build" --prefix "$work/prefix" >"$work/install.log"
"$work/prefix/bin/kiln" --version
# No installed header pulls in LLVM: users build against kiln without it.
if grep -rlE '^[[:space:]]*#[[:space:]]*include[[:space:]]*<(llvm|llvm-c)/' "$work/prefix/include"; then
  echo "installed headers above include LLVM headers" >&2
  exit 1
fi
# `kiln package` from the installed tree finds libkiln_runtime.a beside libkiln.
printf '{"name": "inst", "ops": [{"op": "matmul", "shape": {"M": 4, "N": "N", "K": 4}}]}' >"$work/spec.json"
"$work/prefix/bin/kiln" package --spec "$work/spec.json" --out "$work/pkg" --db "$work/empty.db" \
  >"$work/package.log" 2>&1 || { cat "$work/package.log"; exit 1; }
test -f "$work/pkg/libinst.so" && test -f "$work/pkg/include/inst.h"
generator=()
command -v ninja >/dev/null && generator=(-G Ninja)
cmake -S "$here/project" -B "$work/build" "${generator[@]}" -DCMAKE_BUILD_TYPE=Release \
  -DCMAKE_PREFIX_PATH="$work/prefix" >"$work/configure.log" || { cat "$work/configure.log"; exit 1; }
cmake --build "$work/build" >"$work/build.log" || { cat "$work/build.log"; exit 1; }
"$work/build/consumer"
rm -rf "$work"
