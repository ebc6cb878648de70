#!/usr/bin/env bash
# make bench: P1 run completion detection, P2 API calls, P3 plan overhead, P4 itwin-local sync of a 50 MB IFC.
# Builds the provider, itwin-local and the driver (cmd/itwin-bench) into ./bin, then prints one table and
# writes bench/results-<timestamp>.json. Needs Go and the Terraform CLI on PATH (never downloaded).
set -euo pipefail
cd "$(dirname "$0")/.."
command -v terraform >/dev/null || { echo "make bench needs the Terraform CLI on PATH" >&2; exit 1; }
mkdir -p bin
go build -o bin/terraform-provider-itwin .
go build -o bin/itwin-local ./cmd/itwin-local
go build -o bin/itwin-bench ./cmd/itwin-bench
exec bin/itwin-bench bench -bin bin -out bench "$@"
