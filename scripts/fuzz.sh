#!/usr/bin/env bash
# Runs every fuzz target (fuzz/) for MINUTES minutes in all, split evenly,
# starting from the saved corpus. Inputs that crash, abort, hang or let a
# non-kiln exception escape are written to build/fuzz_artifacts/; add them
# to fuzz/corpus/<target>/ once fixed, so the tests replay them.
#   scripts/fuzz.sh 60          # an hour
set -euo pipefail
cd "$(dirname "$0")/.."
minutes="${1:-10}"
if ! [[ "$minutes" =~ ^[0-9]+([.][0-9]+)?$ ]]; then
  echo "usage: scripts/fuzz.sh MINUTES" >&2
  exit 2
fi
scripts/build.sh --target kiln_fuzz >/dev/null
targets=(trace_json shape package_spec db_import schedules)
seconds=$(python3 -c "print(max(1, int($minutes * 60 / ${#targets[@]})))")
mkdir -p build/fuzz_artifacts build/fuzz_tmp
status=0
for t in "${targets[@]}"; do
  if ! TMPDIR="$PWD/build/fuzz_tmp" build/kiln_fuzz "$t" --seconds "$seconds" \
      --corpus "fuzz/corpus/$t" --artifacts build/fuzz_artifacts; then
    status=1
  fi
done
exit "$status"
