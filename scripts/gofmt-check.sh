#!/usr/bin/env bash
# Lists Go files that gofmt would change (tracked and new files, both modules) and fails if there are any.
set -euo pipefail
cd "$(dirname "$0")/.."
mapfile -t files < <(git ls-files --cached --others --exclude-standard "*.go" | while read -r f; do [ -f "$f" ] && echo "$f"; done)
[ ${#files[@]} -eq 0 ] && exit 0
bad=$(gofmt -l "${files[@]}")
if [ -n "$bad" ]; then
  echo "gofmt needed (run 'make fmt'):" >&2
  echo "$bad" >&2
  exit 1
fi
