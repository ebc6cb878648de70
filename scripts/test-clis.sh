#!/usr/bin/env bash
# The test part of `make test`: unit tests once, then the acceptance tests (TestAcc*) on every supported CLI:
#
#   Terraform 1.14.3 (built by scripts/cli.sh)  the whole suite; a skipped test fails the build (every feature,
#                                              identity and actions included, must run on the newest CLI)
#   Terraform on PATH (>= 1.11, our minimum)    the whole suite (TF111_RUN= narrows it); identity (1.12) and
#                                              action (1.14) tests skip themselves there
#   OpenTofu 1.12.6 (built by scripts/cli.sh)   $TOFU_RUN: the quickstart, storage and manifest connection
#                                              lifecycles with import, runs, identity, ephemeral/write-only
#
# The four `go test -json` processes run at the same time (the acceptance tests mostly wait on Terraform and on
# itwin-local's runs), each summarized by scripts/testsum into bin/test/<leg>.log; the logs are printed when all
# are done, then one line per CLI: passed / skipped / failed. The summaries stay in bin/test/summary.txt.
#
# Environment: TEST_FLAGS (go test flags, default -p 2 -timeout 30m), TEST_PKGS (default ./...), ACC_PARALLEL (-parallel of each
# acceptance leg, default 4), TF111_RUN / TOFU_RUN (-run regexps of those legs), TF114_PATH / TOFU_PATH (use an
# existing CLI instead of building one, see scripts/cli.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

test_flags=${TEST_FLAGS:--p 2 -timeout 30m}
read -r -a pkgs <<<"${TEST_PKGS:-./...}"
parallel=${ACC_PARALLEL:-4}
# -run of the Terraform-on-PATH leg: the whole suite by default.
tf111_run=${TF111_RUN:-^TestAcc}
# -run of the OpenTofu leg. The quickstart (registry source seed37c7dd03/itwin), a storage and a manifest
# connection lifecycle with import, storage and manifest runs, one identity import, the ephemeral resource and
# the write-only manifest run arguments. TOFU_RUN='^TestAcc' runs the whole suite (the action test skips).
tofu_run=${TOFU_RUN:-'^(TestAccQuickstart|TestAccSyncStorageConnection_lifecycle|TestAccSyncManifestConnection_lifecycle|TestAccSyncStorageConnectionRun_success|TestAccSyncManifestConnectionRun_synchronizesServedFile|TestAccSyncStorageConnection_identity|TestAccStorageFileURLEphemeral|TestAccSyncManifestConnectionRun_ephemeralURL)$'}

out="$root/bin/test"
mkdir -p "$out" "$root/bin/tfcli"
rm -f "$out"/*.log "$out"/*.summary "$out"/*.times "$out"/summary.txt
# An empty CLI config: no ~/.terraformrc (mirrors, overrides, credentials) leaks into the tests.
empty_rc="$root/bin/tfcli/empty.tfrc"
: >"$empty_rc"
export TF_CLI_CONFIG_FILE="$empty_rc" CHECKPOINT_DISABLE=1
# Setting it would make terraform-plugin-testing download a CLI.
unset TF_ACC_TERRAFORM_VERSION TF_ACC_PROVIDER_HOST TF_ACC_PROVIDER_NAMESPACE TF_ACC_TERRAFORM_PATH

# The pinned CLIs (built once, then reused from bin/tfcli). cli.sh prints the one line that says what to do
# when one cannot be built.
tf114=$(bash scripts/cli.sh terraform)
tofu=$(bash scripts/cli.sh tofu)
tf_path=$(command -v terraform) || { echo "test: no terraform on PATH (scripts/require-terraform.sh)" >&2; exit 1; }
version_of() { "$1" version 2>/dev/null | sed -n '1s/^\(Terraform\|OpenTofu\) v\([^ ]*\).*/\1 \2/p'; }
tf114_label=$(version_of "$tf114")
tf_label=$(version_of "$tf_path")
tofu_label=$(version_of "$tofu")
[ "$tf_label" != "$tf114_label" ] || echo "test: note: the terraform on PATH is the same version as the pinned build ($tf_label)"

go build -o "$root/bin/testsum" ./scripts/testsum
# Compile every test binary once before the legs start, so four processes do not compile the same packages.
# shellcheck disable=SC2086
go test $test_flags -count=1 -run '^$' "${pkgs[@]}" >"$out/compile.log" 2>&1 || { cat "$out/compile.log"; exit 1; }

started=$(date +%s)
# leg NAME LABEL MAX_SKIP [ENV=VALUE...] -- GO_TEST_ARGS...: one go test run in the background.
pids=() names=()
leg() {
  local name=$1 label=$2 max_skip=$3
  shift 3
  local envs=()
  while [ "$1" != -- ]; do envs+=("$1"); shift; done
  shift
  (
    set +e
    # shellcheck disable=SC2086
    env "${envs[@]}" go test -json $test_flags -count=1 "$@" "${pkgs[@]}" 2>&1 |
      "$root/bin/testsum" -label "$label" -max-skip "$max_skip" -summary "$out/$name.summary" >"$out/$name.log" 2>&1
    status=("${PIPESTATUS[@]}")
    [ -s "$out/$name.summary" ] || echo "$label: no summary (go test exit ${status[0]})" >"$out/$name.summary"
    # The CPU time of this leg (go test, the test binaries and every CLI they ran): wall times depend on what else
    # runs on the machine, CPU times much less.
    # (`times` directly, not in $(...): a forked subshell has no children of its own.)
    times >"$out/$name.times"
    cpu=$(sed -n '2{s/m/ /g;s/s//g;p}' "$out/$name.times" | awk '{printf "%.0f", $1 * 60 + $2 + $3 * 60 + $4}')
    sed -i "1s/)\( FAIL:\|\$\)/, ${cpu} s CPU)\1/" "$out/$name.summary"
    [ "${status[0]}" -eq 0 ] && [ "${status[1]}" -eq 0 ]
  ) &
  pids+=($!)
  names+=("$name")
}

echo "test: unit tests, then the acceptance tests on $tf114_label (all), $tf_label (-run '$tf111_run') and $tofu_label (-run '$tofu_run'), -parallel $parallel, all at once; logs in bin/test/"
leg unit "unit tests" -1 TF_ACC= TF_ACC_TERRAFORM_PATH="$tf_path" -- -skip '^TestAcc'
leg tf114 "$tf114_label (acceptance, all)" 0 TF_ACC=1 TF_ACC_TERRAFORM_PATH="$tf114" -- \
  -parallel "$parallel" -run '^TestAcc'
leg tf111 "$tf_label (acceptance$([ "$tf111_run" = '^TestAcc' ] && echo ', all' || echo ", -run $tf111_run"))" -1 \
  TF_ACC=1 TF_ACC_TERRAFORM_PATH="$tf_path" -- -parallel "$parallel" -run "$tf111_run"
# OpenTofu resolves a provider source without a host (hashicorp/itwin, seed37c7dd03/itwin) on
# registry.opentofu.org, not registry.terraform.io: the framework must serve the in-process provider there.
leg tofu "$tofu_label (acceptance$([ "$tofu_run" = '^TestAcc' ] && echo ', all' || echo ', selected'))" 0 \
  TF_ACC=1 TF_ACC_TERRAFORM_PATH="$tofu" TF_ACC_PROVIDER_HOST=registry.opentofu.org -- \
  -parallel "$parallel" -run "$tofu_run"

failed=0
for pid in "${pids[@]}"; do
  wait "$pid" || failed=1
done
for name in "${names[@]}"; do
  echo
  echo "==> ${name}: $(cat "$out/$name.summary")"
  # Package lines, skips, failures with their output, the slowest tests.
  cat "$out/$name.log"
done
echo
for name in "${names[@]}"; do cat "$out/$name.summary"; done | tee "$out/summary.txt"
load=$(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || true)
echo "test: go test legs took $(($(date +%s) - started)) s${load:+ (load average now: $load on $(nproc 2>/dev/null || echo '?') cores)}"
exit "$failed"
