#!/usr/bin/env bash
# tests/image/run.sh [LAB] — make image-test: the grading image's Dockerfile, run for real.
# This machine has no container daemon and no image registry, so nothing here is a container
# build; instead, as root:
#   1. rootfs   a fresh Debian 12 root, build/image/root, from debootstrap --variant=minbase
#               bookworm (cached as build/image/bookworm-minbase.tar: delete it for a cold run;
#               tests/image/rootfs.sh), standing for the Dockerfile's FROM;
#   2. build    the Dockerfile's own steps, in order, in that root (tests/image/build.sh:
#               COPY through .dockerignore, RUN inside the root with /proc, /dev, /dev/shm and
#               /sys mounted as a container runtime mounts them; an instruction it does not
#               know fails the test);
#   3. checks   the image holds no solutions/ and no tests/ (so no planted bugs), and no file
#               with the bytes of one of theirs; its entry point with the default CMD works;
#   4. grading  through the image's ENTRYPOINT, inside the root (tests/image/chroot.sh), as
#               `docker run --cap-add SYS_PTRACE IMAGE grade ...` would (Docker's default
#               capabilities and the one the grader needs): LAB's reference solutions (full marks, in
#               bubblewrap's private view: the root is entered with pivot_root, as runc does),
#               its stubs (built, 0), the reference where user namespaces are refused (entered
#               with a plain chroot: full marks, and the grader says `isolation: none`), and as
#               the image's non-root user `cowlab` (full marks). Each results folder passes
#               tests/report_check.py as make test's grading does; expected scores come from
#               the lab's registry via the reports, never from here.
# LAB: the lab to grade (default 01, the fastest). Prints each step with its time, the
# isolation the grader reported, one line per check, each phase's time and the total; logs in
# build/image/logs/. Last line: "image-test: N checks, F failed (T s)". Exit 0 when every check
# held, 1 otherwise, 2 when it cannot run here (not root). Every mount is made in a private
# mount namespace (chroot.sh) and the exit trap unmounts anything still found under the root
# before it is removed; the root is kept for inspection until the next run.
set -euo pipefail
cd "$(dirname "$0")/../.."
kit=$PWD LAB=${1:-${LAB:-01}}
[[ $(id -u) -eq 0 ]] || { echo "image-test: needs root (debootstrap, chroot, mounts): sudo make image-test" >&2; exit 2; }
img=$kit/build/image root=$kit/build/image/root logs=$kit/build/image/logs
cache=$img/bookworm-minbase.tar
defs=(labs/"$LAB"*/tests.def) slug=$(basename "$(dirname "${defs[0]}")")
[[ -f labs/$slug/tests.def && -d solutions/$slug ]] ||
  { echo "image-test: no lab '$LAB' with solutions here" >&2; exit 2; }

# Anything still mounted under the root (nothing should be: chroot.sh mounts privately) is
# unmounted; a root that cannot be freed is never removed (rm -rf would walk into a mount).
unmount_all() {
  local m
  while read -r m; do
    echo "image-test: unmounting $m, left mounted" >&2
    umount -l "$m" || true
  done < <(awk -v r="$root" '$5 == r || index($5, r "/") == 1 { print $5 }' /proc/self/mountinfo | sort -r)
  ! awk -v r="$root" '$5 == r || index($5, r "/") == 1 { found = 1 } END { exit !found }' /proc/self/mountinfo
}
trap 'unmount_all || echo "image-test: something is still mounted under $root" >&2' EXIT

t_start=$(date +%s%N) phases=()
phase() { # NAME COMMAND...: run it, record its time; its status
  local name=$1 t0 ms rc=0; shift; t0=$(date +%s%N)
  echo "== $name"
  "$@" || rc=$?
  ms=$((($(date +%s%N) - t0) / 1000000))
  phases+=("$(printf '%6d.%d s  %s' $((ms / 1000)) $((ms % 1000 / 100)) "$name")")
  return $rc
}
checks=0 failed=0 built='' # built: this run's build step has started (its steps file is ours)
check() { # WHAT COMMAND...: one verdict line; the command's output is the reason
  local what=$1 why; shift; checks=$((checks + 1))
  if why=$("$@" 2>&1); then echo "ok    $what"
  else failed=$((failed + 1)); echo "FAIL  $what"; printf '%s\n' "$why" | tail -15 | sed 's/^/      /'; fi
}
finish() {
  echo "== times"; [[ ${#phases[@]} -eq 0 ]] || printf '%s\n' "${phases[@]}"
  [[ -n $built && -s $logs/steps ]] && { echo "   the build's steps:"; awk '$1 >= 0.1' "$logs/steps" | sed 's/^/   /'; }
  local ms=$((($(date +%s%N) - t_start) / 1000000))
  echo "image-test: $checks checks, $failed failed ($((ms / 1000)).$((ms % 1000 / 100)) s)"
  [[ $failed -eq 0 ]]
}

# A Dockerfile this test cannot run fails before minutes go into a root.
parses() { python3 tests/image/dockerfile.py Dockerfile >/dev/null; }
check "the Dockerfile uses only instructions this test knows how to run" parses
[[ $failed -eq 0 ]] || { finish; exit 1; }
unmount_all || { echo "image-test: $root has mounts that would not go: not touching it" >&2; exit 1; }
rm -rf "$root" "$logs"; mkdir -p "$logs"
if ! phase "rootfs (Debian 12 minbase)" bash tests/image/rootfs.sh "$root" "$cache"; then
  check "a Debian 12 root from debootstrap" false; finish; exit 1
fi
built=1
if ! phase "build (the Dockerfile's steps)" bash tests/image/build.sh "$root" "$kit" "$logs"; then
  check "the Dockerfile's steps all succeed" false; finish; exit 1
fi
check "the Dockerfile's steps all succeed" true

# The image as `docker run` starts it: its config (tab-separated lines from build.sh).
workdir=/ envs=() entrypoint=() cmd=()
while IFS=$'\t' read -r -a f; do
  case ${f[0]} in
    WORKDIR) workdir=${f[1]} ;; ENV) envs=("${f[@]:1}") ;;
    ENTRYPOINT) entrypoint=("${f[@]:1}") ;; CMD) cmd=("${f[@]:1}") ;;
  esac
done <"$logs/config"
[[ ${#entrypoint[@]} -gt 0 ]] || { check "the Dockerfile has an ENTRYPOINT" false; finish; exit 1; }
drun() { # [-u USER] [-n] ARG...: docker run --cap-add SYS_PTRACE [--user USER] IMAGE ARG...
  # (-n: in a runtime that refuses user namespaces; tests/image/chroot.sh)
  local o=()
  while [[ $1 == -[un] ]]; do if [[ $1 == -u ]]; then o+=(-u "$2"); shift 2; else o+=(-n); shift; fi; done
  bash tests/image/chroot.sh -c sys_ptrace "${o[@]}" "$root" "$workdir" "${envs[@]}" -- "${entrypoint[@]}" "$@"
}

# What the image holds.
no_leak() { # no solutions/ or tests/ in the image's kit, and no file with one of their bytes
  local k=$root${workdir%/} h
  [[ ! -e $k/solutions && ! -e $k/tests ]] || { echo "the image's kit holds solutions/ or tests/"; return 1; }
  h=$(comm -12 <(find solutions tests/bugs -type f -exec sha256sum {} + | awk '{ print $1 }' | sort -u) \
    <(find "$k" -type f -exec sha256sum {} + | awk '{ print $1 }' | sort -u) | head -1)
  [[ -z $h ]] || { echo "a file in the image has the bytes of a solution or planted bug: $(
    find "$k" -type f -exec sha256sum {} + | awk -v h="$h" '$1 == h && !n++ { print $2 }')"; return 1; }
}
check "the image holds no solutions/, no tests/ and no copy of their files" no_leak
default_cmd() { drun "${cmd[@]}" >"$logs/cmd.log" 2>&1 && [[ -s $logs/cmd.log ]]; }
check "docker run IMAGE (the ENTRYPOINT with the default CMD: ${cmd[*]}) exits 0 and prints" default_cmd
drun doctor >"$logs/doctor.log" 2>&1 && echo "   cowlab doctor in the image: exit 0" ||
  echo "   cowlab doctor in the image: exit $? (build/image/logs/doctor.log)"

# Grading, as `docker run -v SUBMISSION:/grading/NAME IMAGE grade ...` would.
mkdir -p "$root/grading"
grade() { # NAME SOURCE-FOLDER [-u USER] [-n]: grade SOURCE's .c files as a submission of the lab
  local name=$1 src=$2 out=/grading/out-$1; shift 2
  mkdir -p "$root/grading/$name/$slug" "$root$out"; cp "$src"/*.c "$root/grading/$name/$slug/"
  if [[ ${1:-} == -u ]]; then chown "$(awk -F: -v u="$2" '$1 == u { print $3 ":" $4 }' "$root/etc/passwd")" "$root$out"; fi
  phase "grading: $name" drun "$@" grade --submission "/grading/$name" --lab "$slug" --out "$out" \
    >"$logs/grade-$name.log" 2>&1 || echo "   (cowlab grade exited $?: build/image/logs/grade-$name.log)"
  grep -h '^isolation:' "$logs/grade-$name.log" | cut -c1-150 | sed "s/^/   $name: /" || true
}
grade reference "solutions/$slug"
grade stubs "labs/$slug/stubs"
grade no-userns "solutions/$slug" -n
grade non-root "solutions/$slug" -u cowlab
isolated() { grep -q '^isolation: bwrap' "$logs/grade-$1.log" || { grep '^isolation' "$logs/grade-$1.log"; return 1; }; }
degraded() { grep -q '^isolation: none' "$logs/grade-$1.log" || { grep '^isolation' "$logs/grade-$1.log"; return 1; }; }
res=$root/grading/out
check "$slug: the reference solutions score full marks (as root)" \
  python3 tests/report_check.py "$res-reference" --lab "$slug" --expect full
check "$slug: ... in bubblewrap's private view (the root entered as runc enters it)" isolated reference
check "$slug: its reports pass the schema checks" python3 tests/report_check.py "$res-reference" --schema
check "$slug: the stubs compile" python3 tests/report_check.py "$res-stubs" --lab "$slug" --expect built
check "$slug: the stubs score 0" python3 tests/report_check.py "$res-stubs" --lab "$slug" --expect zero
check "$slug: the reference scores full marks where user namespaces are refused (entered by chroot)" \
  python3 tests/report_check.py "$res-no-userns" --lab "$slug" --expect full
check "$slug: ... and the grader says it graded without the private view" degraded no-userns
check "$slug: the reference scores full marks as the image's non-root user cowlab" \
  python3 tests/report_check.py "$res-non-root" --lab "$slug" --expect full
# Docker's default capabilities (no --cap-add SYS_PTRACE): root cannot read the /proc files of
# student code under another uid, so the grader refuses (exit 2, naming the fix, no report)
# rather than fail every measuring test on the student's account.
no_ptrace() {
  local out=/grading/out-no-ptrace rc=0
  mkdir -p "$root/grading/no-ptrace/$slug"; cp "solutions/$slug"/*.c "$root/grading/no-ptrace/$slug/"
  bash tests/image/chroot.sh -c - "$root" "$workdir" "${envs[@]}" -- "${entrypoint[@]}" grade \
    --submission /grading/no-ptrace --lab "$slug" --out "$out" >"$logs/grade-no-ptrace.log" 2>&1 || rc=$?
  [[ $rc -eq 2 && ! -e $root$out/results.json ]] && grep -q 'CAP_SYS_PTRACE' "$logs/grade-no-ptrace.log" ||
    { echo "exit $rc"; tail -5 "$logs/grade-no-ptrace.log"; return 1; }
}
check "$slug: with Docker's default capabilities (no SYS_PTRACE) grading as root is refused, never a partial grade" no_ptrace
finish
