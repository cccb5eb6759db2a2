#!/usr/bin/env bash
# Packs a Release build made here for the GPU machine (see ../shared/DEVICE.md):
# kiln, kiln-runner, libkiln and the test binary, plus the shared libraries
# they need that the device lacks (libc, libm, libstdc++, libgcc_s and the
# loader are the device's own, newer ones). Writes .device/kiln-build.tar.xz,
# which scripts/device_check.sh unpacks there. .device/ is ignored by git.
set -euo pipefail
cd "$(dirname "$0")/.."
[ -x build/kiln ] && [ -x build/kiln-runner ] && [ -x build/tests/kiln_tests ] ||
  { echo "device_bundle: build first (scripts/build.sh)" >&2; exit 1; }
stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
mkdir -p "$stage/build/tests" "$stage/libs" .device
cp -a build/kiln build/kiln-runner build/libkiln.so* "$stage/build/"
cp -a build/tests/kiln_tests "$stage/build/tests/"
ldd build/kiln build/kiln-runner build/tests/kiln_tests | awk '$3 ~ /^\// {print $3}' | sort -u |
  grep -vE '/(libc|libm|libstdc\+\+|libgcc_s|ld-linux[^/]*)\.so' | grep -v '/work/' |
  while read -r lib; do cp -L "$lib" "$stage/libs/"; done
tar -C "$stage" -cf - build libs | xz -T0 -6 > .device/kiln-build.tar.xz
ls -la .device/kiln-build.tar.xz
