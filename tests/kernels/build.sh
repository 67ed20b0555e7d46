#!/usr/bin/env bash
# build.sh ARCH — build, for ARCH, everything a cell of the matrix runs, under
# build/kernels/build-ARCH/:
#   labs/SLUG/lab, subject   every lab's observer and its reference subject (the experiments,
#                            and graded)
#   labs/SLUG/subject-dynamic  (a static build only) the reference subject linked dynamically,
#                            for its hygiene test alone (gradelabs.sh): memcheck cannot watch a
#                            static subject; every other test and the experiments keep `subject`
#   grade/stubs/SLUG/lab     the observer beside a subject of the untouched stubs of labs/
#   grade/BUG/SLUG/lab       the observer beside the reference subject with one planted bug (tests/bugs/SLUG/BUG.patch,
#                            applied exactly by tests/plant.sh)
#   grade/plan.tsv           what gradelabs.sh runs and judge.sh expects, one test a line:
#                            VARIANT SLUG TEST TIMEOUT EXPECT NEEDS (tab-separated; VARIANT
#                            "ref" is labs/SLUG/lab; EXPECT pass or fail; NEEDS the probe's
#                            facts the test needs, space-separated, or "-")
#       ref: every test passes; stubs: every test fails; BUG: every test its Catches: names fails.
#       The hygiene test (valgrind's memcheck) only for ref: under TCG it is valgrind's JIT
#       under qemu's, by far the slowest test (tests/kernels/README.md).
#   grade/plan-exact.tsv     plan.tsv, and every other test of each BUG, which must pass: a bug
#                            fails exactly the tests it names; and the stubs' hygiene test (the
#                            native cell runs it; the guests run plan.tsv, under emulation every
#                            test counts)
#   capture                  tests/harness/capture.c: the model fixture of the cell's kernel
# Everything goes through the Makefile's own lab target, with STUDENT=1 (the grader's flags:
# a warning in a stub or a bug is not an error). The host's architecture: as `make`
# builds it (dynamic; initramfs.sh copies the libraries). Another one: statically, with the
# cross compiler TRIPLET-gcc and that architecture's libcunit.a (libcunit1-dev:ARCH through
# multiarch), but for subject-dynamic (the same compiler, no -static: it needs only the C
# library, which initramfs.sh takes from libc6:ARCH; built under build-ARCH/dynamic/, since
# make does not rebuild subject-kit.o when CFLAGS change). Needs build/bin/cowlab (make all)
# for the tests' timeouts and needs.
# Prints the slugs built, one a line. Exit non-zero when a build or a bug fails (why on stderr).
set -euo pipefail
arch=$1
build=build/kernels/build-$arch
args=(BUILD="$build" STUDENT=1) # as the grader compiles a submission: without -Werror
if [[ $arch != "$(dpkg --print-architecture)" ]]; then
  triplet=$(dpkg-architecture -a"$arch" -qDEB_HOST_MULTIARCH 2>/dev/null)
  args+=(CC="$triplet-gcc" "CFLAGS=-static -DCL_STATIC_LINK" CUNIT_LIBS="/usr/lib/$triplet/libcunit.a")
  dynamic=(BUILD="$build/dynamic" STUDENT=1 CC="$triplet-gcc" CFLAGS=)
fi
rm -rf "$build/labs" "$build/grade" "$build/src" "$build/dynamic"
mkdir -p "$build/grade"
plan=$build/grade/plan.tsv exact=$build/grade/plan-exact.tsv
: >"$plan"
: >"$exact"

# make_lab SRC SLUG DEST: the lab's observer (DEST) and, beside it, its subject built from
# SRC/SLUG/*.c (DEST's folder/subject).
make_lab() {
  make -s "${args[@]}" SRC="$1" "$build/labs/$2/lab" "$build/labs/$2/subject" >"$build.log" 2>&1 ||
    { echo "kernels: $2 from $1 does not build for $arch:" >&2; cat "$build.log" >&2; exit 1; }
  if [[ $3 != "$build/labs/$2/lab" ]]; then
    mkdir -p "$(dirname "$3")"
    cp "$build/labs/$2/lab" "$3"
    mv "$build/labs/$2/subject" "$(dirname "$3")/subject"
  fi
}

# plan VARIANT SLUG EXPECT TESTS...: one line per test, timeout and needs from tests.def, in
# both plans (the hygiene test of any VARIANT but ref: in plan-exact.tsv only, see above);
# plan_exact (same arguments): in plan-exact.tsv only.
plan_to() {
  local variant=$2 slug=$3 expect=$4 t
  local -a to
  read -ra to <<<"$1"
  shift 4
  for t in "$@"; do
    build/bin/cowlab list "$slug" --tsv | awk -F'\t' -v v="$variant" -v s="$slug" -v e="$expect" \
      -v t="$t" '$1 == t { print v "\t" s "\t" t "\t" $3 "\t" e "\t" $4; found = 1 }
                 END { exit !found }' | tee -a "${to[@]}" >/dev/null ||
      { echo "kernels: $slug has no test '$t' (named by $variant)" >&2; exit 1; }
  done
}
# Tests this architecture's cells cannot judge, as ARCH/SLUG/TEST (tests/kernels/README.md,
# "Memcheck in the arm64-16k guest"): valgrind 3.19's arm64 JIT asserts in cow_spawn's forks
# (chainXDirect_ARM64) now and then, on the reference too: a verdict of valgrind's, not the lab's.
unjudgeable=" arm64/01-fork-cow/hygiene "
plan() {
  local t
  for t in "${@:4}"; do
    if [[ $unjudgeable == *" $arch/$2/$t "* ]]; then
      continue
    elif [[ $t == hygiene && $1 != ref ]]; then
      plan_to "$exact" "$1" "$2" "$3" "$t"
    else
      plan_to "$plan $exact" "$1" "$2" "$3" "$t"
    fi
  done
}
plan_exact() { plan_to "$exact" "$@"; }

slugs=()
for dir in solutions/*/; do
  slug=$(basename "$dir")
  [[ -f labs/$slug/tests.def ]] || continue
  slugs+=("$slug")
  mapfile -t tests < <(build/bin/cowlab list "$slug" --tsv | cut -f1)
  make_lab solutions "$slug" "$build/labs/$slug/lab"
  ref=$build/labs/$slug/subject.ref
  mv "$build/labs/$slug/subject" "$ref" # the next builds use the same path
  if [[ -n ${dynamic:-} ]]; then
    make -s "${dynamic[@]}" SRC=solutions "$build/dynamic/labs/$slug/subject" >"$build.log" 2>&1 ||
      { echo "kernels: $slug's dynamic subject does not build for $arch:" >&2; cat "$build.log" >&2; exit 1; }
    mv "$build/dynamic/labs/$slug/subject" "$build/labs/$slug/subject-dynamic"
  fi
  plan ref "$slug" pass "${tests[@]}"
  make_lab labs "$slug" "$build/grade/stubs/$slug/lab"
  plan stubs "$slug" fail "${tests[@]}"
  for bug in tests/bugs/"$slug"/*.patch; do
    [[ -e $bug ]] || continue
    name=$(basename "$bug" .patch)
    src=$build/src/$name
    mkdir -p "$src/$slug"
    cp solutions/"$slug"/* "$src/$slug/"
    bash tests/plant.sh "$bug" "$src/$slug" || { echo "kernels: $bug does not apply exactly" >&2; exit 1; }
    make_lab "$src" "$slug" "$build/grade/$name/$slug/lab"
    read -ra catches <<<"$(sed -n 's/^Catches: //p' "$bug")"
    plan "$name" "$slug" fail "${catches[@]}"
    others=()
    for t in "${tests[@]}"; do [[ " ${catches[*]} " == *" $t "* ]] || others+=("$t"); done
    plan_exact "$name" "$slug" pass "${others[@]}"
  done
  mv "$ref" "$build/labs/$slug/subject"
done
rm -rf "$build/src" "$build/dynamic"
make -s "${args[@]}" "$build/test/capture" >"$build.log" 2>&1 ||
  { echo "kernels: tests/harness/capture.c does not build for $arch:" >&2; cat "$build.log" >&2; exit 1; }
cp "$build/test/capture" "$build/capture"
printf '%s\n' "${slugs[@]}"
