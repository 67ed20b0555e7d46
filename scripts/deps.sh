#!/usr/bin/env bash
# deps.sh — install what cowlab needs from Debian's packages (make deps).
# Idempotent and quiet when everything is there; exit 2 with a clear message when something
# is missing and we are not root.
set -euo pipefail

# package: why
packages=(
  build-essential   # gcc, make, libc headers
  pkg-config        # finds CUnit's flags
  libcunit1-dev     # the graded tests
  gnuplot-nox       # the plots
  valgrind          # make memcheck
  python3           # lab 02's calibration against real CPython
  patch             # planted bugs are patches of the reference solutions
  gawk              # plot scripts filter the results CSV
  smem              # make bench compares snapshots with smem
  hyperfine         # make bench times whole commands
)

# COWLAB_DEPS_EXTRA: more package names to require (the kit's tests use it to check the
# not-root path with a package that cannot be installed).
# shellcheck disable=SC2206
packages+=(${COWLAB_DEPS_EXTRA:-})

# Ask for the native architecture's package: once a foreign architecture is added (the kernel
# matrix adds arm64), a bare name prints one status per architecture, run together.
arch=$(dpkg --print-architecture)
missing=()
for p in "${packages[@]}"; do
  status=$(dpkg-query -W -f='${Status}' "$p:$arch" 2>/dev/null ||
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
  [[ $status == "install ok installed" ]] || missing+=("$p")
done
[[ ${#missing[@]} -eq 0 ]] && exit 0

if [[ $(id -u) -ne 0 ]]; then
  echo "cowlab: missing Debian packages: ${missing[*]}" >&2
  echo "cowlab: run 'sudo make deps', or: sudo apt-get install ${missing[*]}" >&2
  exit 2
fi
echo "cowlab: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
echo "cowlab: installed ${missing[*]}"
