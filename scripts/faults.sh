#!/usr/bin/env bash
# make faults: the fault-and-security suite against real itwin-local processes and the Terraform CLI:
# (a) quickstart applies under injected 429/503, (b) SIGINT during a run wait, (c) kill -9 of itwin-local
# mid-run, (d) secret audit of state, CLI output and a TRACE log, (e) auth matrix on every API route, (f) webhook
# deliveries to a receiver that fails at random: every event at least once, nothing after the delete.
# Each check prints PASS/FAIL with its figure; the last line is "N passed, N failed"; exit status 1 on any
# failure. --quick is the reduced form `make test` runs (fewer applies; under 3 minutes).
set -euo pipefail
cd "$(dirname "$0")/.."
command -v terraform >/dev/null || { echo "make faults needs the Terraform CLI on PATH" >&2; exit 1; }
mkdir -p bin
go build -o bin/terraform-provider-itwin .
go build -o bin/itwin-local ./cmd/itwin-local
go build -o bin/itwin-bench ./cmd/itwin-bench
exec bin/itwin-bench faults -bin bin "$@"
