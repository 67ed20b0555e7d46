#!/usr/bin/env bash
# tests/image/build.sh ROOT CONTEXT LOGS — what `docker build CONTEXT` does with
# CONTEXT/Dockerfile, done for real on the Debian 12 root ROOT (make image-test made it with
# debootstrap; tests/image/rootfs.sh): each step the Dockerfile names, in order, as
# tests/image/dockerfile.py reads them (it refuses instructions it does not know):
#   ENV, WORKDIR  kept for the steps below and for the image's config (LOGS/config);
#                 WORKDIR is created in ROOT
#   COPY SRC... DEST  the files tests/image/context.py lets through .dockerignore, copied
#                 from CONTEXT into ROOT (a folder's contents into DEST; links as links)
#   RUN CMD       /bin/sh -c CMD inside ROOT, as root with a container's default
#                 capabilities, in WORKDIR with ENV (chroot.sh: namespaces, /proc, /dev,
#                 /dev/shm, /sys as a container has them)
#   ENTRYPOINT, CMD  recorded in LOGS/config
# FROM is checked by dockerfile.py; the root stands for the base image.
# Writes LOGS/step-N.log (a step's output), LOGS/config (tab-separated: WORKDIR, ENV pairs,
# ENTRYPOINT and CMD, one line each) and LOGS/steps (one line per step: seconds, the step).
# Prints one line per step with its time. Exit 0 when every step succeeded; otherwise 1,
# after the failing step's last lines and the name of its log.
set -euo pipefail
root=${1:?usage: build.sh ROOT CONTEXT LOGS} context=${2:?} logs=${3:?}
here=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$logs"
root=$(cd "$root" && pwd) context=$(cd "$context" && pwd) logs=$(cd "$logs" && pwd)
steps=$(python3 "$here/dockerfile.py" "$context/Dockerfile") || exit 1
: >"$logs/steps"
workdir=/ envs=() entrypoint=() cmd=() n=0

copy() { # SRC... DEST: from CONTEXT into ROOT, DEST relative to WORKDIR
  local dest=${*: -1} src into=0
  [[ $dest == /* ]] || dest=$workdir/$dest
  [[ $dest == */ || $# -gt 2 ]] && into=1 # DEST is a folder
  for src in "${@:1:$#-1}"; do
    python3 "$here/context.py" "$context" "$src" >"$logs/copy.list" || return 1
    if [[ -d $context/$src && ! -L $context/$src ]]; then # its contents into DEST
      mkdir -p "$root$dest"
      (cd "$context/$src" && tar --null -T "$logs/copy.list" -cf -) | tar -xpf - -C "$root$dest" --no-same-owner
    elif [[ $into -eq 1 ]]; then
      mkdir -p "$root$dest"; cp -P "$context/$src" "$root$dest/"
    else
      mkdir -p "$root$(dirname "$dest")"; cp -P "$context/$src" "$root$dest"
    fi
  done
}

while IFS=$'\t' read -r -a f; do
  n=$((n + 1)) op=${f[0]} args=("${f[@]:1}") rc=0
  t0=$(date +%s%N)
  case $op in
    FROM) ;;
    ENV) envs+=("${args[@]}") ;;
    WORKDIR) workdir=${args[0]}; mkdir -p "$root$workdir" ;;
    COPY) copy "${args[@]}" >"$logs/step-$n.log" 2>&1 || rc=$? ;;
    RUN) bash "$here/chroot.sh" -c - "$root" "$workdir" "${envs[@]}" -- /bin/sh -c "${args[0]}" \
           >"$logs/step-$n.log" 2>&1 </dev/null || rc=$? ;;
    ENTRYPOINT) entrypoint=("${args[@]}") ;;
    CMD) cmd=("${args[@]}") ;;
    *) echo "build.sh: step $n: $op is not known here" >&2; exit 1 ;;
  esac
  ms=$((($(date +%s%N) - t0) / 1000000))
  line=$(printf '%4d.%d s  step %d: %s %s' $((ms / 1000)) $((ms % 1000 / 100)) "$n" "$op" "${args[*]}")
  echo "$line" | tee -a "$logs/steps"
  if [[ $rc -ne 0 ]]; then
    tail -20 "$logs/step-$n.log" >&2
    echo "build.sh: step $n ($op ${args[*]}) failed with status $rc (its output: $logs/step-$n.log)" >&2
    exit 1
  fi
done <<<"$steps"

{ printf 'WORKDIR\t%s\n' "$workdir"
  printf 'ENV'; printf '\t%s' "${envs[@]}"; echo
  printf 'ENTRYPOINT'; printf '\t%s' "${entrypoint[@]}"; echo
  printf 'CMD'; printf '\t%s' "${cmd[@]}"; echo
} >"$logs/config"
