#!/usr/bin/env bash
# snap-test.sh — a flake in a cell of the matrix keeps what its run read from /proc: two stand-in
# labs (`lab probe` and `lab run CSV`, as runlabs.sh calls them), one whose CSV has a row that
# differs and one exact, each writing a file into $COWLAB_SNAPSHOTS as the harness does. Through
# runlabs.sh, collect.sh and keep.sh, the differing run's snapshots must arrive as
# run-1/SLUG-snapshots.tar.gz and be kept beside its CSV; the exact run's must not be sent.
# make test runs it. Exit 0 when that holds; 1 (what went wrong) otherwise.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
for slug in differs exact; do
  mkdir -p "$tmp/labs/$slug"
  cat >"$tmp/labs/$slug/lab" <<SH
#!/bin/sh
case \$1 in
  probe) printf 'page_size\t4096\tstand-in\n' ;;
  run)
    printf 'smaps of the stand-in %s\n' "$slug" >"\$COWLAB_SNAPSHOTS/000001-42-smaps"
    printf 'experiment,process,phase,metric,x,expected,measured,unit\n' >"\$2"
    printf 'e,parent,p,Rss,1,4,%s,kB\n' "$([ $slug = differs ] && echo 8 || echo 4)" >>"\$2"
    echo "1 rows"; exit $([ $slug = differs ] && echo 3 || echo 0) ;;
esac
SH
  chmod +x "$tmp/labs/$slug/lab"
done
mkdir -p "$tmp/scratch"
sh "$here/runlabs.sh" "$tmp/labs" 1 "$tmp/scratch" >"$tmp/console.log" 2>&1
bash "$here/collect.sh" "$tmp/console.log" "$tmp/cell" 2>"$tmp/collect.err" ||
  { echo "snap-test: collect.sh failed: $(cat "$tmp/collect.err")"; exit 1; }
got=$(tar -xzOf "$tmp/cell/run-1/differs-snapshots.tar.gz" ./000001-42-smaps 2>&1)
[[ $got == "smaps of the stand-in differs" ]] ||
  { echo "snap-test: the differing run's snapshots did not arrive: $got"; exit 1; }
[[ ! -e $tmp/cell/run-1/exact-snapshots.tar.gz && -z $(ls "$tmp/cell/run-1" | grep b64) ]] ||
  { echo "snap-test: the exact run sent snapshots, or one was not decoded: $(ls "$tmp/cell/run-1")"; exit 1; }
bash "$here/keep.sh" "$tmp/cell"
ls "$tmp/cell/kept" | grep -q -- '-differs-run-1-snapshots.tar.gz$' ||
  { echo "snap-test: keep.sh did not keep the snapshots: $(ls "$tmp/cell/kept" 2>&1)"; exit 1; }
echo "snap-test: a differing run's /proc snapshots reach the host and are kept; an exact run's are not sent"
