#!/usr/bin/env bash
# initramfs.sh ARCH OUT — pack the guest's initramfs for ARCH (amd64|arm64) into OUT (gzip'd
# newc cpio): busybox-static (unpacked in build/kernels/busybox-ARCH), the lab binaries of
# build/kernels/build-ARCH/labs/*/ (lab, subject, and on arm64 subject-dynamic: the reference
# subject the hygiene test runs, build.sh), build.sh's grading set build-ARCH/grade/ (as /grade),
# the model-fixture capture (/capture), init, runlabs.sh, gradelabs.sh and facts.sh from this
# folder, and for dynamic binaries every
# library `ldd` names (amd64 only: ldd cannot inspect arm64; the grading set links the same);
# and valgrind's memcheck for the hygiene test: Debian's valgrind (unpacked in
# build/kernels/valgrind-ARCH) reduced to /usr/bin/valgrind (a sh wrapper), valgrind.bin, and in
# /usr/libexec/valgrind the memcheck tool, its two preload libraries and default.supp, with
# valgrind.bin's libraries (amd64: `ldd`; arm64: the loader and the NEEDED libraries of
# valgrind.bin and subject-dynamic, from libc6:arm64, unpacked in build/kernels/libc6-arm64),
# and the loader's detached symbols (one file of libc6-dbg:ARCH, in build/kernels/libc6-dbg-ARCH).
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
for lab in "$top/build-$arch"/labs/*/subject-dynamic; do # arm64 (build.sh); its libraries: below
  [[ -e $lab ]] && cp "$lab" "$stage/labs/$(basename "$(dirname "$lab")")/"
done
# Where valgrind was built to find its tool (so no VALGRIND_LIB is needed), and where the
# observer looks (cowlab/memcheck.h).
vg=$top/valgrind-$arch
mkdir -p "$stage/usr/bin" "$stage/usr/libexec/valgrind"
cp "$vg/usr/bin/valgrind" "$vg/usr/bin/valgrind.bin" "$stage/usr/bin/"
for f in "memcheck-$arch-linux" "vgpreload_core-$arch-linux.so" \
  "vgpreload_memcheck-$arch-linux.so" default.supp; do
  cp "$vg/usr/libexec/valgrind/$f" "$stage/usr/libexec/valgrind/"
done
loader=$(readelf -l "$vg/usr/bin/valgrind.bin" | sed -n 's/.*interpreter: \(.*\)]$/\1/p')
if [[ $arch == "$(dpkg --print-architecture)" ]]; then
  while read -r lib; do
    mkdir -p "$stage$(dirname "$lib")"
    cp -L "$lib" "$stage$lib"
  done < <(ldd "$vg/usr/bin/valgrind.bin" | grep -o '/[^ ]*' | sort -u)
  root=
else
  # readelf reads any architecture's ELF: the loader at its own path, each NEEDED library of
  # valgrind.bin and of the dynamic subjects (build.sh) in the multiarch folder (the loader's
  # own search path: no ld.so.cache in the guest).
  root=$top/libc6-$arch triplet=$(dpkg-architecture -a"$arch" -qDEB_HOST_MULTIARCH 2>/dev/null)
  mkdir -p "$stage$(dirname "$loader")" "$stage/lib/$triplet"
  cp -L "$root$loader" "$stage$loader"
  for lib in $(for elf in "$vg/usr/bin/valgrind.bin" "$top/build-$arch"/labs/*/subject-dynamic; do
    [[ -e $elf ]] && readelf -d "$elf"; done | sed -n 's/.*(NEEDED).*\[\(.*\)\]$/\1/p' | sort -u); do
    [[ -f $root/lib/$triplet/$lib ]] || { echo "kernels: $lib is not in $root (libc6:$arch)" >&2; exit 1; }
    cp -L "$root/lib/$triplet/$lib" "$stage/lib/$triplet/$lib"
  done
fi
# memcheck must redirect the dynamic loader's strlen, which Debian's ld.so has only in its
# detached symbols (else valgrind refuses to start a dynamic subject): that one file of
# libc6-dbg (unpacked in build/kernels/libc6-dbg-ARCH), found by the loader's build-id.
id=$(readelf -n "$root$loader" | sed -n 's/.*Build ID: //p')
debug=usr/lib/debug/.build-id/${id:0:2}/${id:2}.debug
[[ -n $id && -f $top/libc6-dbg-$arch/$debug ]] || {
  echo "kernels: $top/libc6-dbg-$arch has no symbols for $loader (build-id '$id'):" \
    "libc6 and libc6-dbg differ in version (amd64: apt-get install libc6)" >&2
  exit 1
}
mkdir -p "$stage/$(dirname "$debug")"
cp "$top/libc6-dbg-$arch/$debug" "$stage/$debug"
(cd "$stage" && find . -mindepth 1 | LC_ALL=C sort | cpio -o -H newc --quiet -R 0:0) | gzip -9 >"$out.tmp"
mv "$out.tmp" "$out"
