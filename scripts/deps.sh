#!/usr/bin/env bash
# deps.sh — install what cowlab needs from Debian's packages (make deps).
# Idempotent and quiet when everything is there; exit 2 with a clear message when something
# is missing and we are not root.
# With --kernels (make deps KERNELS=1) it also installs what `make kernels` needs
# (tests/kernels/host-packages), enables the arm64 architecture and refreshes the package
# lists until every kernel of tests/kernels/kernels.list can be found.
# With --grade it installs only what grading a submission needs (build, CUnit, bubblewrap,
# valgrind, python3): a grading service's image (scripts/gradescope/setup.sh).
# With --check it installs nothing: it names what is missing and exits 2 (make kernels uses
# `deps.sh --kernels --check`), or exits 0 quietly.
set -euo pipefail
cd "$(dirname "$0")/.."
kernels=0 check=0 grade=0
for arg in "$@"; do
  case $arg in
    --kernels) kernels=1 ;;
    --check) check=1 ;;
    --grade) grade=1 ;;
    *) echo "usage: deps.sh [--kernels] [--check] [--grade]" >&2; exit 2 ;;
  esac
done

# The packages: name, "grade" where grading a submission needs it (--grade installs only those:
# a grading service's image, scripts/gradescope/setup.sh), then what for.
packages=()
while read -r name use _; do
  [[ $grade -eq 1 && $use != grade ]] || packages+=("$name")
done <<'LIST'
build-essential   grade  gcc, make, libc headers
pkg-config        grade  finds CUnit's flags
libcunit1-dev     grade  the graded tests
gnuplot-nox       -      the plots
bubblewrap        grade  the grader's private view: submissions see nothing of the kit
valgrind          grade  the hygiene test runs the student's code under memcheck; make memcheck
python3           grade  lab 02's calibration against real CPython; run_autograder reads uploads
python3-numpy     -      lab 05's calibration: NumPy views of shared memory (Debian's python3)
python3-bitarray  -      lab 05's calibration: the question's bit arrays
patch             -      planted bugs are patches of the reference solutions
gawk              -      plot scripts filter the results CSV
smem              -      make bench compares snapshots with smem
hyperfine         -      make bench times whole commands
tmux              -      make test drives cowlab watch as a user would (send-keys, capture-pane)
LIST

# COWLAB_DEPS_EXTRA: more package names to require (the kit's tests use it to check the
# not-root path with a package that cannot be installed).
# shellcheck disable=SC2206
packages+=(${COWLAB_DEPS_EXTRA:-})

# Is package $1 installed? NAME:ARCH asks for that architecture; a bare NAME for the native
# one or "all" (dpkg-query prints one status per architecture once a foreign one is installed).
native=$(dpkg --print-architecture 2>/dev/null)
deps_installed() {
  if [[ $1 == *:* ]]; then
    [[ $(dpkg-query -W -f='${Status}' "$1" 2>/dev/null || true) == "install ok installed" ]]
    return
  fi
  dpkg-query -W -f='${Architecture} ${Status}\n' "$1" 2>/dev/null |
    grep -Eqx "($native|all) install ok installed"
}

# make kernels: its packages, the foreign architectures of its kernels, package lists that
# name every kernel of tests/kernels/kernels.list.
kernel_steps=() new_arches=()
if [[ $kernels -eq 1 ]]; then
  # shellcheck disable=SC2207
  packages+=($(sed 's/#.*//' tests/kernels/host-packages))
  for arch in $(sed 's/#.*//' tests/kernels/kernels.list | awk 'NF { print $1 }' | sort -u); do
    [[ $arch == "$native" ]] && continue
    dpkg --print-foreign-architectures 2>/dev/null | grep -qx "$arch" && continue
    new_arches+=("$arch")
    kernel_steps+=("the $arch architecture (dpkg --add-architecture $arch)")
  done
  while read -r line; do
    kernel_steps+=("package lists that have it (apt-get update): ${line#kernels: }")
  done < <(bash tests/kernels/resolve.sh 2>&1 >/dev/null | grep '^kernels: no ' || true)
fi

missing=()
for p in "${packages[@]}"; do
  deps_installed "$p" || missing+=("$p")
done
[[ ${#missing[@]} -eq 0 && ${#kernel_steps[@]} -eq 0 ]] && exit 0

if [[ $(id -u) -ne 0 || $check -eq 1 ]]; then
  [[ ${#missing[@]} -gt 0 ]] && echo "cowlab: missing Debian packages: ${missing[*]}" >&2
  for step in "${kernel_steps[@]}"; do echo "cowlab: missing: $step" >&2; done
  if [[ $kernels -eq 1 ]]; then
    echo "cowlab: get them with 'make deps KERNELS=1' (as root, or with sudo)" >&2
  else
    echo "cowlab: run 'sudo make deps', or: sudo apt-get install ${missing[*]}" >&2
  fi
  exit 2
fi
export DEBIAN_FRONTEND=noninteractive
for arch in "${new_arches[@]}"; do
  echo "cowlab: dpkg --add-architecture $arch"
  dpkg --add-architecture "$arch"
done
apt-get update -qq
if [[ ${#missing[@]} -gt 0 ]]; then
  echo "cowlab: installing ${missing[*]}"
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  echo "cowlab: installed ${missing[*]}"
fi
if [[ $kernels -eq 1 ]] && ! bash tests/kernels/resolve.sh >/dev/null; then
  echo "cowlab: a kernel of tests/kernels/kernels.list is not among Debian's packages" >&2
  exit 2
fi
