#!/usr/bin/env bash
# make fuzz: runs every Go fuzz target of the module (func Fuzz* in *_test.go) for the given time each
# (default 30 s; `make fuzz FUZZTIME=120` or scripts/fuzz.sh 120), one target at a time, and prints per target
# how long it ran, the executions and whether it found a failure. New failing inputs are written by Go to
# <package>/testdata/fuzz/<target>/ — commit them with the fix as regression seeds. Exit status 1 when any
# target failed.
set -euo pipefail
cd "$(dirname "$0")/.."
secs=${1:-${FUZZTIME:-30}}
[[ "$secs" =~ ^[0-9]+$ ]] || { echo "usage: scripts/fuzz.sh [seconds per target]" >&2; exit 2; }
log=$(mktemp -d "${TMPDIR:-/tmp}/itwin-fuzz.XXXXXX")
trap 'rm -rf "$log"' EXIT

# package dir <TAB> target, from the test sources themselves.
mapfile -t targets < <(grep -rn --include='*_test.go' -E '^func Fuzz[A-Za-z0-9_]*\(' . |
  sed -E 's#^\./(.*)/[^/]*_test\.go:[0-9]+:func (Fuzz[A-Za-z0-9_]*)\(.*#\1\t\2#' | sort -u)
[ "${#targets[@]}" -gt 0 ] || { echo "no fuzz targets found" >&2; exit 1; }
echo "fuzzing ${#targets[@]} targets for ${secs}s each ($(nproc) CPUs, load $(cut -d' ' -f1-3 /proc/loadavg))"

failed=0
summary=()
for t in "${targets[@]}"; do
  pkg=${t%%$'\t'*}
  name=${t##*$'\t'}
  out="$log/$name.log"
  start=$(date +%s)
  # -parallel 1: this machine is shared; one worker per target keeps the others responsive. -run '^$' skips
  # the unit tests.
  if go test "./$pkg" -run '^$' -fuzz "^${name}\$" -fuzztime "${secs}s" -parallel 1 >"$out" 2>&1; then
    status=ok
  else
    status=FAILED
    failed=$((failed + 1))
  fi
  took=$(($(date +%s) - start))
  # The last progress line: "fuzz: elapsed: 30s, execs: 123456 (4115/sec), new interesting: 12 (total: 40)".
  last=$(grep -E '^fuzz: elapsed' "$out" | tail -n1 | sed -E 's/^fuzz: //')
  line=$(printf '%-7s %-45s %-32s %4ss wall  %s' "$status" "$name" "$pkg" "$took" "${last:-no progress line}")
  echo "$line"
  summary+=("$line")
  if [ "$status" = FAILED ]; then
    grep -E -- '--- FAIL|panic:|Failing input written to|testdata/fuzz' "$out" | head -n 20 | sed 's/^/        /'
  fi
done
echo
echo "fuzz summary (${secs}s per target): ${#targets[@]} targets, $failed failed"
[ "$failed" -eq 0 ]
