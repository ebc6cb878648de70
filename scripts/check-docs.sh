#!/usr/bin/env bash
# Run after `make generate`: fails when the committed docs/ differ from the freshly rendered ones.
set -euo pipefail
cd "$(dirname "$0")/.."
status=0
if ! git diff --exit-code --stat -- docs/; then
  status=1
fi
untracked=$(git ls-files --others --exclude-standard -- docs/)
if [ -n "$untracked" ]; then
  echo "untracked generated docs:" >&2
  echo "$untracked" >&2
  status=1
fi
if [ "$status" -ne 0 ]; then
  echo "docs/ is out of date: run 'make generate' and commit docs/." >&2
  exit 1
fi
echo "docs/ is current."
