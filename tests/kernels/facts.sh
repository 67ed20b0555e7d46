#!/bin/sh
# facts.sh LAB TMPDIR — this machine's facts on stdout, one a line: NAME<TAB>VALUE<TAB>HOW,
# exactly as the lab binary's own probe (`LAB probe`, harness/probe.c) establishes them: the
# matrix never reads /proc or sysfs itself. When the probe says the labs cannot run here
# (exit 2), its facts are still printed, and a last line `probe<TAB>failed (exit N)<TAB>...`
# says so. Then one tool, not the kernel's: `valgrind` (yes or no), which the hygiene test
# needs (CL_NEEDS(valgrind, ...)): found as the observer looks for it (cl_memcheck_available,
# harness/memcheck.c): $COWLAB_VALGRIND or /usr/bin/valgrind, and this machine's memcheck tool
# in $VALGRIND_LIB or valgrind's own folders. POSIX sh: runs on the host and under busybox in
# a guest alike.
# Writes only TMPDIR/probe.tsv. Exit 0.
lab=$1 tmp=$2
"$lab" probe >"$tmp/probe.tsv" 2>/dev/null
rc=$?
cat "$tmp/probe.tsv"
[ "$rc" -eq 0 ] || printf 'probe\tfailed (exit %s)\t%s probe\n' "$rc" "$lab"
vg=${COWLAB_VALGRIND:-/usr/bin/valgrind} tool=
case $(uname -m) in x86_64) arch=amd64 ;; aarch64) arch=arm64 ;; *) arch=unknown ;; esac
for dir in "${VALGRIND_LIB:-}" /usr/libexec/valgrind /usr/lib/valgrind \
  /usr/lib/x86_64-linux-gnu/valgrind /usr/lib/aarch64-linux-gnu/valgrind; do
  [ -n "$dir" ] && [ -x "$dir/memcheck-$arch-linux" ] && { tool=$dir/memcheck-$arch-linux; break; }
done
if [ -x "$vg" ] && [ -n "$tool" ]; then
  printf 'valgrind\tyes\t%s and %s\n' "$vg" "$tool"
else
  printf 'valgrind\tno\t%s or memcheck-%s-linux is missing\n' "$vg" "$arch"
fi
exit 0
