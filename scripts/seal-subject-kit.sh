#!/usr/bin/env bash
# seal-subject-kit.sh OBJ HEADER CC — make the kit's half of a subject (subject-kit.o) show the
# student's files only what they are given: every symbol it defines becomes local (callable
# inside the kit, unreachable to student code, no clash with a student's own name), except
#   main                         the subject's entry point;
#   the names HEADER declares    the lab's public header: the world functions a contract
#                                says are provided (lab 02), nothing else;
#   names the C library defines  the subject's interpositions (lab 01 wraps fork() to make a
#                                fork fail): they must replace libc's for the student's calls;
#   __asan_*, __ubsan_* hooks    the sanitizer runtimes' (make sanitize) look them up by name;
#   __wrap_* functions           a static link's interpositions (lab 04's allocator: the link
#                                sends every call of NAME to __wrap_NAME, -Wl,--wrap=NAME).
# Without it a submission could link the world's model hooks or the barrier (issue 7: "links no
# model ... and no reference answer"). CC picks the binutils of CC's target (cross builds).
set -euo pipefail
obj=$1 header=$2 cc=$3
nm=$($cc -print-prog-name=nm) objcopy=$($cc -print-prog-name=objcopy)
[[ $nm == */* ]] || nm=nm
[[ $objcopy == */* ]] || objcopy=objcopy
libc=$($cc -print-file-name=libc.a)
libc_names=$($nm --defined-only "$libc" 2>/dev/null | awk '$2 ~ /^[TWi]$/ {print $3}' | sort -u)
# The header's code, not its comments (a comment naming a kit function must not expose it).
header_names=$($cc -E -P -fpreprocessed -x c "$header" | grep -o '[A-Za-z_][A-Za-z_0-9]*' | sort -u)
args=()
while read -r name; do
  [[ $name == main || $name == __asan_* || $name == __ubsan_* || $name == __wrap_* ]] && continue
  grep -qxF "$name" <<<"$header_names" && continue
  grep -qxF "$name" <<<"$libc_names" && continue
  args+=(--localize-symbol="$name")
done < <($nm -g --defined-only "$obj" | awk '{print $3}')
[[ ${#args[@]} -eq 0 ]] || "$objcopy" "${args[@]}" "$obj"
