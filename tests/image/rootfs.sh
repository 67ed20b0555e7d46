#!/usr/bin/env bash
# tests/image/rootfs.sh ROOT CACHE — a fresh Debian 12 root in ROOT (which must not exist), as
# `FROM debian:12` starts a container build: debootstrap --variant=minbase bookworm, from the
# archive this machine's apt uses (tests/image/mirror.sh; MIRROR=URL overrides). The finished
# root is kept as the tar CACHE, so the next run unpacks it instead (seconds, not minutes);
# delete CACHE for a cold run. Installs debootstrap first when it is missing (the kit's
# scripts/deps.sh, as root). Prints "rootfs: debootstrap" or "rootfs: cached CACHE".
# Exit 0 when ROOT holds the root; non-zero with the failing step's output otherwise.
set -euo pipefail
root=${1:?usage: rootfs.sh ROOT CACHE} cache=${2:?usage: rootfs.sh ROOT CACHE}
kit=$(cd "$(dirname "$0")/../.." && pwd)
[[ ! -e $root ]] || { echo "rootfs: $root exists: give a new path" >&2; exit 2; }
mkdir -p "$root" "$(dirname "$cache")"
if [[ -s $cache ]]; then
  tar --numeric-owner -xpf "$cache" -C "$root"
  echo "rootfs: cached $cache"
  exit 0
fi
COWLAB_DEPS_EXTRA=debootstrap bash "$kit/scripts/deps.sh" --grade
mirror=$(bash "$kit/tests/image/mirror.sh")
log=$(dirname "$cache")/debootstrap.log
if ! debootstrap --variant=minbase bookworm "$root" "$mirror" >"$log" 2>&1; then
  tail -20 "$log" >&2; echo "rootfs: debootstrap failed (all of it: $log)" >&2; exit 1
fi
# debootstrap leaves its apt lists and downloaded .debs; an image starts without the latter.
rm -f "$root"/var/cache/apt/archives/*.deb
tar --numeric-owner -cpf "$cache.tmp" -C "$root" . && mv "$cache.tmp" "$cache"
echo "rootfs: debootstrap ($mirror)"
