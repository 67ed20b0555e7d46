#!/bin/sh
# facts.sh LAB TMPDIR — this machine's facts on stdout, one a line: NAME<TAB>VALUE<TAB>HOW,
# exactly as the lab binary's own probe (`LAB probe`, harness/probe.c) establishes them: the
# matrix never reads /proc or sysfs itself. When the probe says the labs cannot run here
# (exit 2), its facts are still printed, and a last line `probe<TAB>failed (exit N)<TAB>...`
# says so. POSIX sh: runs on the host and under busybox in a guest alike.
# Writes only TMPDIR/probe.tsv. Exit 0.
lab=$1 tmp=$2
"$lab" probe >"$tmp/probe.tsv" 2>/dev/null
rc=$?
cat "$tmp/probe.tsv"
[ "$rc" -eq 0 ] || printf 'probe\tfailed (exit %s)\t%s probe\n' "$rc" "$lab"
exit 0
