#!/bin/sh
# facts.sh LAB TMPDIR — this machine's facts on stdout, one a line: NAME<TAB>VALUE<TAB>HOW.
# POSIX sh: runs on the host and under busybox in a guest alike.
# When the lab binary LAB has a `probe` command (it exits 0), its lines are the facts.
# Otherwise a fallback reads what busybox can: the kernel release, the machine, the base page
# size (KernelPageSize of this process's first mapping), the THP mode.
# Writes only TMPDIR/probe.tsv. Exit 0.
lab=$1 tmp=$2
if "$lab" probe >"$tmp/probe.tsv" 2>/dev/null; then
  cat "$tmp/probe.tsv"
  exit 0
fi
t=$(printf '\t')
echo "kernel$t$(uname -r)${t}uname -r (no 'lab probe' yet)"
echo "machine$t$(uname -m)${t}uname -m"
kb=$(sed -n 's/^KernelPageSize: *\([0-9]*\) kB$/\1/p' /proc/self/smaps | head -n 1)
echo "page_size$t$((kb * 1024))${t}KernelPageSize in /proc/self/smaps"
thp=$(sed -n 's/.*\[\(.*\)\].*/\1/p' /sys/kernel/mm/transparent_hugepage/enabled 2>/dev/null)
echo "thp$t${thp:-none}$t/sys/kernel/mm/transparent_hugepage/enabled"
exit 0
