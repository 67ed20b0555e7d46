#!/usr/bin/env bash
# resolve.sh — which Debian kernel package each cell of kernels.list boots.
# Prints one line per cell: ARCH PACKAGE RELEASE, where PACKAGE is the newest (version sort)
# package whose name matches the cell's anchored regex among the package lists apt knows, and
# RELEASE is its kernel release (`uname -r` in the guest: the name without linux-image- and
# -unsigned). Reads the lists only (no download, no root).
# Exit 0 when every cell resolves; 2 (and names the regex on stderr) when one does not —
# `make deps KERNELS=1` enables the arm64 architecture and refreshes the lists.
set -euo pipefail
here=$(dirname "$0")
rc=0
while read -r arch regex; do
  pkg=$(apt-cache search --names-only "$regex" 2>/dev/null | cut -d' ' -f1 | grep -E "$regex" |
        sort -V | tail -n 1 || true)
  if [[ -z $pkg ]]; then
    echo "kernels: no $arch package matches $regex (run 'make deps KERNELS=1')" >&2
    rc=2
    continue
  fi
  release=${pkg#linux-image-}
  release=${release%-unsigned}
  echo "$arch $pkg $release"
done < <(sed 's/#.*//; /^[[:space:]]*$/d' "$here/kernels.list")
exit "$rc"
