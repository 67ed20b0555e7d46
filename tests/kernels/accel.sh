#!/usr/bin/env bash
# accel.sh KERNEL INITRD — how to run amd64 guests here: prints "kvm" when /dev/kvm is
# usable, that is when KERNEL boots to the initramfs's init and powers off under KVM within
# 60 s (cowlab.runs=0: the facts only); else "tcg" and, on a second line, why not KVM.
# Writes build/kernels/kvm-probe.log*. Exit 0.
set -euo pipefail
kernel=$1 initrd=$2
log=build/kernels/kvm-probe.log
if [[ $(dpkg --print-architecture) != amd64 ]]; then
  printf 'tcg\nthe host is not amd64\n'; exit 0
fi
if [[ ! -r /dev/kvm || ! -w /dev/kvm ]]; then
  printf 'tcg\nno usable /dev/kvm\n'; exit 0
fi
status=0
bash "$(dirname "$0")/qemu.sh" amd64 kvm "$kernel" "$initrd" 0 "$log" 60 || status=$?
if [[ $status -eq 0 ]] && tr -d '\r' <"$log" | grep -qx '@@cowlab end'; then
  echo kvm
  exit 0
fi
why=$(grep -m 1 -i 'error\|failed' "$log.qemu" || true)
[[ $status -eq 124 ]] && why="no answer from a KVM guest in 60 s"
printf 'tcg\nKVM did not boot a guest: %s\n' "${why:-qemu exited with status $status}"
