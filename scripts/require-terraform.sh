#!/usr/bin/env bash
# Fails with one clear line unless a Terraform CLI >= 1.11 is on PATH. Never downloads one.
set -euo pipefail
min=1.11.0
if ! command -v terraform >/dev/null 2>&1; then
  echo "make test needs the Terraform CLI (>= ${min%.0}) on PATH; it is never downloaded (install it, then retry)." >&2
  exit 1
fi
have=$(TF_CLI_CONFIG_FILE=/dev/null terraform version 2>/dev/null | sed -n '1s/^Terraform v\([0-9][0-9.]*\).*/\1/p')
if [ -z "$have" ] || [ "$(printf '%s\n%s\n' "$min" "$have" | sort -V | head -n1)" != "$min" ]; then
  echo "make test needs the Terraform CLI >= ${min%.0} on PATH; found '${have:-unknown}' at $(command -v terraform)." >&2
  exit 1
fi
