#!/usr/bin/env bash
# build.sh ARCH — build every lab's reference solution for ARCH into
# build/kernels/build-ARCH/labs/SLUG/lab, through the Makefile's own lab target.
# The host's architecture: as `make` builds it (dynamic; initramfs.sh copies the libraries).
# Another one: statically, with the cross compiler TRIPLET-gcc and that architecture's
# libcunit.a (libcunit1-dev:ARCH through multiarch). Prints the slugs built, one a line.
# Exit non-zero when a build fails (the compiler's messages on stderr).
set -euo pipefail
arch=$1
build=build/kernels/build-$arch
args=(BUILD="$build" SRC=solutions)
if [[ $arch != "$(dpkg --print-architecture)" ]]; then
  triplet=$(dpkg-architecture -a"$arch" -qDEB_HOST_MULTIARCH 2>/dev/null)
  args+=(CC="$triplet-gcc" CFLAGS=-static CUNIT_LIBS="/usr/lib/$triplet/libcunit.a")
fi
rm -rf "$build/labs"
for dir in solutions/*/; do
  slug=$(basename "$dir")
  [[ -d tests/$slug ]] || continue
  make -s "${args[@]}" "$build/labs/$slug/lab" >"$build.log" 2>&1 || { cat "$build.log" >&2; exit 1; }
  echo "$slug"
done
