#!/usr/bin/env bash
# make demo: the quickstart end to end on this machine, with nothing but Go and the Terraform CLI.
#
# Builds the provider and itwin-local into ./bin, starts itwin-local on a free loopback port with a throwaway
# data dir, and applies examples/quickstart (a copy of it) through a CLI config with dev_overrides, so no
# `terraform init` and no registry. The quickstart's optional webhook points at itwin-local's loopback inbox;
# after each run the demo shows the signed events it received (scripts/webhook-inbox.go). Then it renames one
# wall in the IFC file and applies again (one changeset, one element updated), and plans a third time to show
# that nothing is left to do. Everything it started or wrote outside ./bin is removed on exit, also on Ctrl-C.
#
# Environment: ITWIN_DEMO_SPEED (default 0.2) scales itwin-local's run phases (1 = slow enough to watch every
# state, 0.01 = as fast as it goes).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
started=$(date +%s)

# TERRAFORM=/path/to/cli runs the demo on another CLI than the terraform on PATH, e.g. on the OpenTofu build of
# `make clis`: TERRAFORM=bin/tfcli/tofu-1.12.6/tofu make demo. Every `terraform` below is that CLI.
min_tf=1.11.0 min_tofu=1.10.0
tf_cli=${TERRAFORM:-terraform}
if ! tf_path=$(command -v "$tf_cli" 2>/dev/null); then
  echo "make demo needs the Terraform CLI (>= ${min_tf%.0}) on PATH (or TERRAFORM=/path/to/terraform-or-tofu); it is never downloaded (install it, then retry)." >&2
  exit 1
fi
case "$tf_path" in /*) ;; *) tf_path="$(cd "$(dirname "$tf_path")" && pwd)/$(basename "$tf_path")" ;; esac
terraform() { "$tf_path" "$@"; }
tf_line=$(TF_CLI_CONFIG_FILE=/dev/null terraform version 2>/dev/null | head -n1)
tf_version=$(sed -n 's/^\(Terraform\|OpenTofu\) v\([0-9][0-9.]*\).*/\2/p' <<<"$tf_line")
case "$tf_line" in OpenTofu*) tf_name=OpenTofu min=$min_tofu ;; *) tf_name=Terraform min=$min_tf ;; esac
if [ -z "$tf_version" ] || [ "$(printf '%s\n%s\n' "$min" "$tf_version" | sort -V | head -n1)" != "$min" ]; then
  echo "make demo needs the Terraform CLI >= ${min_tf%.0} (or OpenTofu >= ${min_tofu%.0}); found '${tf_line:-unknown}' at $tf_path." >&2
  exit 1
fi
if ! command -v go >/dev/null 2>&1; then
  echo "make demo needs Go (1.26 or later) on PATH to build the provider and itwin-local." >&2
  exit 1
fi

bin="$root/bin"
work=$(mktemp -d "${TMPDIR:-/tmp}/itwin-demo.XXXXXX")
server_pid=""

cleanup() {
  local status=$?
  trap - EXIT INT TERM
  if [ -n "$server_pid" ] && kill -0 "$server_pid" 2>/dev/null; then
    kill "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
    echo "==> itwin-local stopped"
  fi
  rm -rf "$work"
  exit "$status"
}
trap cleanup EXIT
# bash runs the EXIT trap after these. Terraform handles Ctrl-C itself (it stops gracefully and exits 1), so
# during an apply the interrupt shows up as a failed apply, which ends the script the same way.
trap 'exit 130' INT
trap 'exit 143' TERM

step() { printf '\n==> %s\n' "$*"; }
fail() {
  echo "demo failed: $*" >&2
  exit 1
}

step "Building the provider and itwin-local into ./bin (the first build downloads modules and compiles for a few minutes)"
mkdir -p "$bin"
go build -o "$bin/terraform-provider-itwin" .
go build -o "$bin/itwin-local" ./cmd/itwin-local
# The webhook inbox viewer is a standalone file (//go:build ignore), built into the throwaway dir.
go build -o "$work/webhook-inbox" scripts/webhook-inbox.go

step "Starting itwin-local on a free loopback port (data in a temp dir, speed ${ITWIN_DEMO_SPEED:-0.2})"
# set -m gives itwin-local its own process group, so a Ctrl-C in the terminal reaches terraform (which stops
# gracefully, still talking to the server) but not the server; cleanup stops it afterwards.
set -m
"$bin/itwin-local" serve --addr 127.0.0.1:0 --data-dir "$work/data" --seed --speed "${ITWIN_DEMO_SPEED:-0.2}" \
  >"$work/itwin-local.out" 2>"$work/itwin-local.log" &
server_pid=$!
set +m
for _ in $(seq 1 300); do
  grep -q '^ITWIN_LOCAL_READY=1' "$work/itwin-local.out" 2>/dev/null && break
  if ! kill -0 "$server_pid" 2>/dev/null; then
    cat "$work/itwin-local.log" >&2
    fail "itwin-local exited during start (its log is above)"
  fi
  sleep 0.1
done
grep -q '^ITWIN_LOCAL_READY=1' "$work/itwin-local.out" || fail "itwin-local did not report ready within 30 s"
setting() { sed -n "s/^$1=//p" "$work/itwin-local.out" | head -n1; }
url=$(setting ITWIN_LOCAL_URL)
client_id=$(setting ITWIN_CLIENT_ID)
client_secret=$(setting ITWIN_CLIENT_SECRET)
itwin_id=$(setting ITWIN_ID)
for v in url client_id client_secret itwin_id; do
  [ -n "${!v}" ] || fail "itwin-local did not print its ${v} (output: $(tr '\n' ' ' <"$work/itwin-local.out"))"
done
echo "itwin-local at $url, iTwin $itwin_id, client $client_id; CLI: $tf_name $tf_version ($tf_path)"

# The provider reads everything from the environment; a developer's own settings must not leak in.
unset ITWIN_ACCESS_TOKEN ITWIN_TOKEN_URL ITWIN_SCOPES
export ITWIN_API_URL="$url" ITWIN_CLIENT_ID="$client_id" ITWIN_CLIENT_SECRET="$client_secret"
export TF_VAR_itwin_id="$itwin_id"
# A demo run takes seconds; fail within minutes, not the quickstart's hour, if runs do not progress.
export TF_VAR_run_timeout=5m
# The quickstart's optional webhook, delivered to itwin-local's own inbox (it accepts http on loopback).
inbox_url="$url/local/inbox/quickstart"
export TF_VAR_webhook_callback_url="$inbox_url"
# dev_overrides: Terraform uses ./bin/terraform-provider-itwin directly, without `terraform init`.
cat >"$work/demo.tfrc" <<TFRC
provider_installation {
  dev_overrides {
    "registry.terraform.io/seed37c7dd03/itwin" = "$bin"
    "registry.opentofu.org/seed37c7dd03/itwin" = "$bin"
  }
}
TFRC
export TF_CLI_CONFIG_FILE="$work/demo.tfrc" CHECKPOINT_DISABLE=1 TF_IN_AUTOMATION=1 TF_INPUT=0
unset TF_WORKSPACE TF_DATA_DIR

cp -R examples/quickstart "$work/quickstart"
rm -rf "$work/quickstart/.terraform" "$work/quickstart/.terraform.lock.hcl" "$work/quickstart"/terraform.tfstate*
cd "$work/quickstart"

# apply runs terraform apply and shows what it does (resource actions, the changed hashes and triggers, progress)
# without the attribute-by-attribute plan; on failure it prints terraform's errors in full.
apply() {
  local status
  set +e
  terraform apply -auto-approve -compact-warnings -no-color 2>&1 | tee "$work/apply.log" |
    grep --line-buffered -E '^  # |^Plan: |: (Creating|Modifying|Destroying|Still [a-z]+)\.\.\.|complete after|^Apply complete|^No changes|forces replacement|^ +~ ("building"|"site"|source_hash) |^- ' |
    grep --line-buffered -v -E '^- Provider development overrides are in effect'
  status=${PIPESTATUS[0]}
  set -e
  if [ "$status" -ne 0 ]; then
    # Terraform handles Ctrl-C itself and exits 1, so bash never sees the interrupt: say what happened.
    grep -q '^Interrupt received' "$work/apply.log" && fail "interrupted"
    if grep -q 'Error:' "$work/apply.log"; then sed -n '/Error:/,$p' "$work/apply.log" >&2; else cat "$work/apply.log" >&2; fi
    fail "terraform apply failed (exit code $status)"
  fi
}

summary() {
  echo
  terraform output -raw summary
  echo
}

# webhook_events waits for the current run's completion event (and $1 changesReady events) in the inbox and
# prints them with their signatures verified, using the secret the service generated for the webhook.
webhook_events() {
  echo
  echo "Webhook deliveries to $inbox_url:"
  WEBHOOK_SECRET=$(terraform output -raw webhook_secret) "$work/webhook-inbox" \
    -inbox "$inbox_url" -run "$(terraform output -raw run_id)" -changesets "$1" ||
    fail "the webhook did not deliver the run's events with valid signatures"
}

step "1/3 terraform apply: iModel, folder, two uploads, connection, configuration, a webhook and the first run"
apply
summary
webhook_events 2
first_run=$(terraform output -raw run_id)
[ "$(terraform output -raw run_result)" = Success ] || fail "the first run did not succeed"
terraform output -raw summary | grep -q ', 2 changeset(s) pushed' || fail "the first run should push one changeset per file"

step "2/3 Renaming one wall in files/building.ifc, then terraform apply"
old="#49= IFCWALL('2O2Fr\$t4X7Zf8NOew3FLOH',#5,'Wall 1',"
new="#49= IFCWALL('2O2Fr\$t4X7Zf8NOew3FLOH',#5,'Wall 1 (south, load-bearing)',"
grep -qF "$old" files/building.ifc || fail "files/building.ifc does not contain the entity the demo edits"
# Portable in-place edit (BSD and GNU sed differ on -i).
sed "s/'Wall 1',/'Wall 1 (south, load-bearing)',/" files/building.ifc >files/building.ifc.new
mv files/building.ifc.new files/building.ifc
grep -qF "$new" files/building.ifc || fail "the edit of files/building.ifc did not apply"
echo "- $old..."
echo "+ $new..."
apply
summary
webhook_events 1
second_run=$(terraform output -raw run_id)
[ "$second_run" != "$first_run" ] || fail "the edited file did not start a new run"
[ "$(terraform output -raw run_result)" = Success ] || fail "the second run did not succeed"
terraform output -raw summary | grep -q ', 1 changeset(s) pushed' || fail "the second run should push exactly one changeset"
terraform output -raw summary | grep -q '+0 ~1 -0 elements' || fail "the second run should update exactly one element"

step "3/3 Nothing edited: terraform apply again (no run is planned)"
apply
[ "$(terraform output -raw run_id)" = "$second_run" ] || fail "an apply with nothing edited started a new run"
set +e
terraform plan -detailed-exitcode -compact-warnings >"$work/plan.out" 2>&1
plan_status=$?
set -e
case $plan_status in
0) echo "terraform plan -detailed-exitcode: 0 (no changes), run $second_run stays the latest." ;;
2) cat "$work/plan.out" && fail "terraform plan found changes although nothing was edited" ;;
*) cat "$work/plan.out" && fail "terraform plan failed (exit code $plan_status)" ;;
esac

step "Done in $(($(date +%s) - started)) s"
