#!/usr/bin/env bash
# qemu.sh ARCH ACCEL KERNEL INITRD RUNS LOG TIMEOUT — boot KERNEL with INITRD under qemu
# (-m 2048 -smp 2, no default devices, serial console into LOG, -no-reboot) and wait until
# the guest powers off, or TIMEOUT seconds. ARCH: amd64 (qemu-system-x86_64; ACCEL kvm with
# -cpu host, or tcg with -cpu max) or arm64 (qemu-system-aarch64 -M virt -cpu max, tcg).
# RUNS goes to the guest's init as cowlab.runs=RUNS, and how much slower than native the
# guest's tests may be as cowlab.slow (KVM 3, TCG 30). qemu's own messages go to LOG.qemu.
# Exit: qemu's status (124 on timeout).
set -euo pipefail
arch=$1 accel=$2 kernel=$3 initrd=$4 runs=$5 log=$6 limit=$7
case $arch/$accel in
  amd64/kvm) cmd=(qemu-system-x86_64 -accel kvm -cpu host) console=ttyS0 slow=3 ;;
  amd64/tcg) cmd=(qemu-system-x86_64 -accel tcg -cpu max) console=ttyS0 slow=30 ;;
  arm64/tcg) cmd=(qemu-system-aarch64 -M virt -cpu max -accel tcg) console=ttyAMA0 slow=30 ;;
  *) echo "qemu.sh: no way to boot $arch with $accel" >&2; exit 2 ;;
esac
rm -f "$log"
status=0
# The subshell keeps bash's own report of a crashed qemu ("Aborted") in LOG.qemu too.
(
  timeout "$limit" "${cmd[@]}" -m 2048 -smp 2 -nodefaults -display none -no-reboot \
    -serial "file:$log" -kernel "$kernel" -initrd "$initrd" \
    -append "console=$console panic=-1 quiet cowlab.runs=$runs cowlab.slow=$slow" </dev/null
  exit $?
) >"$log.qemu" 2>&1 || status=$?
exit "$status"
