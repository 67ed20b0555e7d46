#!/usr/bin/env bash
# initramfs.sh ARCH OUT — pack the guest's initramfs for ARCH (amd64|arm64) into OUT (gzip'd
# newc cpio): busybox-static (unpacked in build/kernels/busybox-ARCH), the lab binaries of
# build/kernels/build-ARCH/labs/*/lab, build.sh's grading set build-ARCH/grade/ (as /grade),
# the model-fixture capture (/capture), init, runlabs.sh, gradelabs.sh and facts.sh from this
# folder, and for dynamic binaries every
# library `ldd` names (amd64 only: ldd cannot inspect arm64; the grading set links the same).
# Exit 0 on success; non-zero (message on stderr) when a piece is missing.
set -euo pipefail
arch=$1 out=$2
here=$(cd "$(dirname "$0")" && pwd)
top=build/kernels
stage=$(mktemp -d "$top/.initramfs-$arch.XXXXXX")
trap 'rm -rf "$stage"' EXIT
mkdir -p "$stage/bin" "$stage/labs" "$stage/proc" "$stage/sys" "$stage/dev" "$stage/tmp"
cp "$top/busybox-$arch/bin/busybox" "$stage/bin/busybox"
ln -s busybox "$stage/bin/sh"
cp "$here/init" "$here/runlabs.sh" "$here/gradelabs.sh" "$here/facts.sh" "$stage/"
cp -r "$top/build-$arch/grade" "$stage/grade"
cp "$top/build-$arch/capture" "$stage/capture"
for lab in "$top/build-$arch"/labs/*/lab "$top/build-$arch"/labs/*/subject \
  "$top/build-$arch/capture"; do
  if [[ $lab == */labs/*/* ]]; then
    slug=$(basename "$(dirname "$lab")")
    mkdir -p "$stage/labs/$slug"
    cp "$lab" "$stage/labs/$slug/"
  fi
  if [[ $arch == "$(dpkg --print-architecture)" ]]; then
    # "libx.so => /path (0x…)" and "/lib64/ld-linux-x86-64.so.2 (0x…)"; vdso has no path.
    while read -r lib; do
      mkdir -p "$stage$(dirname "$lib")"
      cp -L "$lib" "$stage$lib"
    done < <(ldd "$lab" | grep -o '/[^ ]*' | sort -u)
  fi
done
(cd "$stage" && find . -mindepth 1 | LC_ALL=C sort | cpio -o -H newc --quiet -R 0:0) | gzip -9 >"$out.tmp"
mv "$out.tmp" "$out"
