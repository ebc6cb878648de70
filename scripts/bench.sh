#!/usr/bin/env bash
# make bench: P1 run completion detection, P2 API calls, P3 plan/apply overhead against terraform-provider-time,
# P4 itwin-local sync of a 50 MB IFC. Builds the provider, itwin-local and the driver (cmd/itwin-bench) into ./bin,
# and terraform-provider-time (P3's floor) from the Go module proxy, then prints one table and writes
# bench/results-<timestamp>.json. Needs Go and the Terraform CLI on PATH (never downloaded). Arguments go to the
# driver: `bash scripts/bench.sh -only P2,P3` runs some parts.
set -euo pipefail
cd "$(dirname "$0")/.."
command -v terraform >/dev/null || { echo "make bench needs the Terraform CLI on PATH" >&2; exit 1; }
mkdir -p bin
go build -o bin/terraform-provider-itwin .
go build -o bin/itwin-local ./cmd/itwin-local
go build -o bin/itwin-bench ./cmd/itwin-bench
# P3's plugin floor, pinned (cmd/itwin-bench/p2p3.go timeProviderVersion) and built once into bin/ with go install;
# never a prebuilt download. If it cannot be built, P3 says so and skips its column.
TIME_VERSION=v0.14.2
TIME_DIR=bin/terraform-provider-time-$TIME_VERSION
if [ ! -x "$TIME_DIR/terraform-provider-time" ]; then
  mkdir -p "$TIME_DIR"
  if ! GOBIN="$PWD/$TIME_DIR" go install "github.com/hashicorp/terraform-provider-time@$TIME_VERSION" >"$TIME_DIR.log" 2>&1; then
    rm -f "$TIME_DIR/terraform-provider-time"
    echo "make bench: terraform-provider-time $TIME_VERSION could not be built (go install, log in $TIME_DIR.log); P3 skips its column" >&2
  fi
fi
exec bin/itwin-bench bench -bin bin -out bench "$@"
