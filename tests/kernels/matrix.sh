#!/usr/bin/env bash
# matrix.sh — `make kernels`: every lab's reference solution, RUNS times (default 3), on this
# machine's kernel natively and on each Debian kernel of kernels.list under qemu, then in the
# same cell the graded tests of the reference, the stubs and every planted bug (build.sh,
# gradelabs.sh); then the table (table.sh, judge.sh), whose last line is
# "kernels: K kernels x L labs, D rows differ".
# Everything lives under build/kernels/: cache/ (the .debs), RELEASE/pkg (an unpacked kernel),
# RELEASE/ and native-RELEASE/ (one cell: console.log, facts.tsv, run-N/SLUG.csv …, and
# kept/: every run that differed, from this and earlier calls).
# Exit 0 when no row differs and every run came back; 2 when a piece is missing (what, and
# `make deps KERNELS=1` to get it); 1 otherwise.
set -euo pipefail
cd "$(dirname "$0")/../.."
here=tests/kernels
runs=${RUNS:-3}
top=build/kernels
start=$SECONDS
mkdir -p "$top"
say() { echo "kernels: $*" >&2; }
[[ $runs =~ ^[1-9][0-9]*$ ]] || { say "RUNS must be a positive number, not '$runs'"; exit 2; }

bash scripts/deps.sh --kernels --check || exit 2
resolved=$(bash "$here/resolve.sh") || exit 2
[[ -n $resolved ]] || { say "no kernel in $here/kernels.list"; exit 2; }
mapfile -t cells <<<"$resolved"

host_arch=$(dpkg --print-architecture)
arches=$(printf '%s\n' "$host_arch" "${cells[@]%% *}" | sort -u)
for arch in $arches; do
  bash "$here/fetch.sh" busybox-static "$arch" "$top/busybox-$arch" || exit 2
  bash "$here/fetch.sh" valgrind "$arch" "$top/valgrind-$arch" || exit 2 # the hygiene test
  if [[ $arch != "$host_arch" ]]; then # the C library of valgrind's launcher and the subjects
    bash "$here/fetch.sh" libc6 "$arch" "$top/libc6-$arch" || exit 2 # (initramfs.sh)
  fi # the dynamic loader's symbols, which memcheck needs for a dynamic subject
  bash "$here/fetch.sh" libc6-dbg "$arch" "$top/libc6-dbg-$arch" || exit 2
done
for cell in "${cells[@]}"; do
  read -r arch pkg release <<<"$cell"
  bash "$here/fetch.sh" "$pkg" "$arch" "$top/$release/pkg" || exit 2
done
make -s all build/test/harness-unit >/dev/null || exit 1 # cowlab for build.sh; the unit tests replay fixtures
for arch in $arches; do
  say "building the labs, the stubs and every planted bug for $arch"
  built=$(bash "$here/build.sh" "$arch") || exit 1
  mapfile -t labs <<<"$built"
  bash "$here/initramfs.sh" "$arch" "$top/initrd-$arch.gz"
done

# Write CELL/cell.info: CELL NAME ARCH HOW SECONDS [EXIT [PLAN]] (qemu's exit status, "-"
# natively; the grading plan the cell ran, in build-ARCH/grade/).
cell_info() {
  printf 'name=%s\narch=%s\nhow=%s\nsecs=%s\nexit=%s\nplan=%s\n' "$2" "$3" "$4" "$5" "${6:--}" \
    "${7:-plan.tsv}" >"$1/cell.info"
}

host_cell=$top/native-$(uname -r)
say "running the labs natively on $(uname -r)"
t0=$SECONDS
bash "$here/native.sh" "$host_cell" "$runs" || true
bash "$here/keep.sh" "$host_cell"
cell_info "$host_cell" "$(uname -r)" "$host_arch" native $((SECONDS - t0)) - plan-exact.tsv
dirs=("$host_cell")

# Every guest runs under TCG unless KVM=1: TCG behaves the same on every machine, this one
# included (its nested KVM does not boot these kernels), so CI runs what a developer can rerun.
# With KVM=1 the amd64 guests use KVM when accel.sh boots one.
amd64_accel=tcg notes=()
for cell in "${cells[@]}"; do
  read -r arch pkg release <<<"$cell"
  [[ $arch == amd64 && ${KVM:-0} == 1 ]] || continue
  mapfile -t probe < <(bash "$here/accel.sh" "$top/$release/pkg/boot/vmlinuz-$release" "$top/initrd-amd64.gz")
  amd64_accel=${probe[0]}
  [[ -n ${probe[1]:-} ]] && notes+=("amd64 guests run under TCG: ${probe[1]}")
  break
done

for cell in "${cells[@]}"; do
  read -r arch pkg release <<<"$cell"
  accel=tcg
  [[ $arch == amd64 ]] && accel=$amd64_accel
  dir=$top/$release
  say "booting $release ($arch, ${accel^^}, $runs runs)"
  t0=$SECONDS
  status=0
  bash "$here/qemu.sh" "$arch" "$accel" "$dir/pkg/boot/vmlinuz-$release" "$top/initrd-$arch.gz" \
    "$runs" "$dir/console.log" $((300 + runs * 900)) || status=$?
  [[ $status -eq 0 ]] || say "$release: qemu exited with status $status (see $dir/console.log.qemu)"
  bash "$here/collect.sh" "$dir/console.log" "$dir" || true
  bash "$here/keep.sh" "$dir"
  cell_info "$dir" "$release" "$arch" "${accel^^}" $((SECONDS - t0)) "$status"
  dirs+=("$dir")
done

notes+=("the matrix took $((SECONDS - start)) s, RUNS=$runs (cached packages in $top/cache)")
printf '%s\n' "${notes[@]}"
bash "$here/table.sh" "$runs" "${labs[*]}" "$host_cell" "${dirs[@]}"
