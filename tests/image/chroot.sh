#!/usr/bin/env bash
# tests/image/chroot.sh [-u USER] [-n] [-c EXTRA] ROOT WORKDIR [NAME=VALUE ...] -- COMMAND [ARG ...]
# Run COMMAND inside the root file system ROOT as a container runtime runs a container's
# process (make image-test: tests/image/build.sh for the Dockerfile's RUN steps, run.sh for the
# entry point): in new mount, pid and IPC namespaces (its processes see only each other, and
# every one of them is killed when COMMAND ends), with /proc, a read-only /sys, a small /dev
# of its own (null, zero, full, random, urandom, tty, pts) and a 64 MiB /dev/shm (nosuid,
# nodev, noexec: Docker's defaults), this machine's /etc/resolv.conf and /etc/hosts bound
# over the root's (a build fetches packages), an environment of PATH, HOME and the NAME=VALUE pairs only, in WORKDIR,
# as root or as USER (docker run --user). Like runc, it enters ROOT with pivot_root, so that
# the process is not "chrooted" and may make user namespaces (bubblewrap's private view) where
# this machine allows them; -n enters with a plain chroot instead, which the kernel forbids
# to make user namespaces: a runtime that refuses them (many do, by seccomp). -c EXTRA limits
# the capabilities to Docker's default set plus EXTRA (comma-separated names such as
# sys_ptrace, or - for none: docker run --cap-add EXTRA); without -c, root keeps them all.
# Every mount lives in the private mount namespace
# and goes away with it, whatever happens; nothing is mounted on this machine's own tree.
# One departure from a container, for the machine's sake: the host's /run/cowlab-uids (the
# grader's uid claims) is shared, so that a grader in ROOT and one outside never run students
# as the same uid at once (uids are the kernel's, not the root's).
# Exit: COMMAND's status; 125 when the sandbox itself could not be set up (a message says why).
set -euo pipefail
user='' how=pivot caps=all
while [[ ${1:-} == -[unc] ]]; do
  case $1 in -u) user=$2; shift 2 ;; -n) how=chroot; shift ;; -c) caps=$2; shift 2 ;; esac
done
root=${1:?usage: chroot.sh [-u USER] [-n] [-c EXTRA] ROOT WORKDIR [NAME=VALUE ...] -- COMMAND ...} workdir=${2:?}
shift 2
envs=(PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin HOME=/root)
while [[ $# -gt 0 && $1 != -- ]]; do envs+=("$1"); shift; done
[[ ${1:-} == -- && $# -ge 2 ]] || { echo "chroot.sh: no -- COMMAND" >&2; exit 125; }
shift
root=$(cd "$root" && pwd)
if [[ -n $user && ! $user =~ ^[0-9]+(:[0-9]+)?$ ]]; then # a name: the root's own uid and gid
  user=$(awk -F: -v u="$user" '$1 == u { print $3 ":" $4 }' "$root/etc/passwd")
  [[ -n $user ]] || { echo "chroot.sh: no such user in $root/etc/passwd" >&2; exit 125; }
fi
[[ -x $root/bin/sh && -d $root/proc && -d $root/sys && -d $root/dev ]] ||
  { echo "chroot.sh: $root is not a root file system" >&2; exit 125; }
touch "$root/etc/resolv.conf" "$root/etc/hosts"
mkdir -p /run/cowlab-uids "$root/run/cowlab-uids" && chmod 700 /run/cowlab-uids

# The inside: runs as pid 1 of the new pid namespace, in the new mount namespace.
# shellcheck disable=SC2016
inside='
set -euo pipefail
r=$1 user=$2 how=$3 caps=$4; shift 4
fail() { echo "chroot.sh: $*" >&2; exit 125; }
[[ $how == chroot ]] || mount --bind "$r" "$r" || fail "cannot bind $r (pivot_root needs a mount)"
mount -t proc -o nosuid,nodev,noexec proc "$r/proc" || fail "cannot mount /proc"
mount -t sysfs -o ro,nosuid,nodev,noexec sysfs "$r/sys" || fail "cannot mount /sys"
mount -t tmpfs -o nosuid,mode=755,size=65536k tmpfs "$r/dev" || fail "cannot mount /dev"
for node in null:1:3 zero:1:5 full:1:7 random:1:8 urandom:1:9 tty:5:0; do
  IFS=: read -r name major minor <<<"$node"
  mknod -m 666 "$r/dev/$name" c "$major" "$minor" || fail "cannot make /dev/$name"
done
mkdir -p "$r/dev/pts" "$r/dev/shm"
mount -t devpts -o newinstance,ptmxmode=0666,mode=620 devpts "$r/dev/pts" || fail "cannot mount /dev/pts"
ln -s pts/ptmx "$r/dev/ptmx"
mount -t tmpfs -o nosuid,nodev,noexec,mode=1777,size=65536k shm "$r/dev/shm" || fail "cannot mount /dev/shm"
ln -s /proc/self/fd "$r/dev/fd"
ln -s /proc/self/fd/0 "$r/dev/stdin"; ln -s /proc/self/fd/1 "$r/dev/stdout"; ln -s /proc/self/fd/2 "$r/dev/stderr"
mount --bind /run/cowlab-uids "$r/run/cowlab-uids" || fail "cannot share /run/cowlab-uids"
for f in /etc/resolv.conf /etc/hosts; do # as a runtime does: bound, not copied into the image
  [[ -e $f ]] && { mount --bind "$f" "$r$f" || fail "cannot bind $f"; }
done
spec=(); [[ -n $user ]] && spec=(--userspec="$user")
if [[ $how == pivot ]]; then
  cd "$r"; mkdir -p .pivot-old
  pivot_root . .pivot-old || fail "pivot_root failed"
  umount -l /.pivot-old && rmdir /.pivot-old || fail "cannot detach the old root"
  r=/
fi
pre=() # with -c: the default capabilities of a Docker container, and the EXTRA asked for
docker=chown,dac_override,fsetid,fowner,mknod,net_raw,setgid,setuid,setfcap,setpcap,net_bind_service,sys_chroot,kill,audit_write
if [[ $caps != all ]]; then
  bset=-all; for c in ${docker//,/ } ${caps//,/ }; do [[ $c == - ]] || bset+=",+$c"; done
  pre=(setpriv --bounding-set="$bset")
fi
exec "${pre[@]}" chroot "${spec[@]}" "$r" /usr/bin/env -i "$@"
'
# env -i NAME=VALUE ... /bin/sh -c 'cd WORKDIR && exec "$@"' sh COMMAND...
# shellcheck disable=SC2016 # $0 and $@ are the inner shell's
exec unshare --mount --propagation private --pid --ipc --fork --kill-child -- \
  bash -c "$inside" inside "$root" "$user" "$how" "$caps" "${envs[@]}" \
  /bin/sh -c 'cd "$0" || exit 125; exec "$@"' "$workdir" "$@"
