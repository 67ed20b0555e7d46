#!/usr/bin/env bash
# fetch.sh PACKAGE ARCH DIR — Debian package PACKAGE (architecture ARCH) unpacked in DIR.
# The .deb of the candidate version is downloaded once with `apt-get download` into
# build/kernels/cache/ (no root needed; nothing is installed) and unpacked with `dpkg-deb -x`.
# DIR/.package names the .deb unpacked there: a newer candidate unpacks afresh. Kernel
# modules (lib/modules) are dropped: the matrix boots without them.
# Exit 0 when DIR is ready; 2 (with the reason on stderr) when the package cannot be had.
set -euo pipefail
pkg=$1 arch=$2 dir=$3
cache=build/kernels/cache
mkdir -p "$cache"
version=$(apt-cache show --no-all-versions "$pkg:$arch" 2>/dev/null | sed -n 's/^Version: //p' | head -n 1 || true)
if [[ -z $version ]]; then
  echo "kernels: package $pkg:$arch is not known to apt (run 'make deps KERNELS=1')" >&2
  exit 2
fi
deb=${pkg}_${version//:/%3a}_$arch.deb
if [[ ! -s $cache/$deb ]]; then
  echo "kernels: downloading $pkg:$arch $version" >&2
  tmp=$(mktemp -d "$cache/.download.XXXXXX")
  if ! (cd "$tmp" && apt-get download -q "$pkg:$arch=$version") >"$tmp.log" 2>&1; then
    echo "kernels: apt-get download $pkg:$arch=$version failed:" >&2
    tail -n 3 "$tmp.log" >&2
    rm -rf "$tmp" "$tmp.log"
    exit 2
  fi
  mv "$tmp/$deb" "$cache/$deb"
  rm -rf "$tmp" "$tmp.log"
fi
if [[ ! -f $dir/.package || $(cat "$dir/.package") != "$deb" ]]; then
  rm -rf "$dir"
  mkdir -p "$dir"
  dpkg-deb -x "$cache/$deb" "$dir"
  rm -rf "$dir/lib/modules" "$dir/usr/lib/modules"
  echo "$deb" >"$dir/.package"
fi
