#!/usr/bin/env bash
# tests/image/mirror.sh — print the Debian archive this machine's apt already uses, for
# debootstrap (make image-test): $MIRROR when set, else the first URI of a "deb" source for
# bookworm (or bookworm-updates) with the main component, read from /etc/apt/sources.list and
# /etc/apt/sources.list.d/*.list (one-line form) or *.sources (deb822 form). Security and other
# suites are skipped: debootstrap needs the release's own archive. No address is written here.
# Exit 0 with one line on stdout, or 2 with a reason on stderr when no source qualifies.
set -euo pipefail
if [[ -n ${MIRROR:-} ]]; then echo "$MIRROR"; exit 0; fi
shopt -s nullglob
mirror=$(
  for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
    [[ -r $f ]] || continue
    # deb [options] URI SUITE COMPONENT...
    sed 's/#.*//; s/\[[^]]*\]//' "$f" | awk '$1 == "deb" && $3 == "bookworm" && / main( |$)/ { print $2 }'
  done
  for f in /etc/apt/sources.list.d/*.sources; do
    # deb822 stanzas, separated by blank lines; Enabled: no skips one.
    awk 'BEGIN { RS = ""; FS = "\n" }
      { types = uris = suites = comps = ""; enabled = 1
        for (i = 1; i <= NF; i++) {
          line = $i; sub(/#.*/, "", line)
          if (line ~ /^Types:/) types = line
          else if (line ~ /^URIs:/) uris = line
          else if (line ~ /^Suites:/) suites = line
          else if (line ~ /^Components:/) comps = line
          else if (line ~ /^Enabled: *no/) enabled = 0 }
        if (enabled && types ~ / deb( |$)/ && suites ~ / bookworm( |$)/ && comps ~ / main( |$)/) {
          split(uris, u, " "); print u[2] } }' "$f"
  done | head -1
)
[[ -n $mirror ]] || {
  echo "mirror.sh: no bookworm main source in /etc/apt (set MIRROR=URL of a Debian archive)" >&2; exit 2; }
echo "$mirror"
