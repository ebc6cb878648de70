#!/usr/bin/env bash
# scripts/cli.sh terraform|tofu|all: builds the pinned CLIs `make test` runs the acceptance tests on, from the Go
# module proxy with the ordinary Go tooling (no prebuilt binary is ever downloaded), into
#   bin/tfcli/terraform-$TF114_VERSION/terraform    (github.com/hashicorp/terraform)
#   bin/tfcli/tofu-$TOFU_VERSION/tofu               (github.com/opentofu/opentofu, ./cmd/tofu)
# A CLI already built there (and reporting its version) is reused. Prints the path of each CLI on stdout;
# progress goes to stderr, the output of a build to bin/tfcli/<name>-<version>.build.log.
#
# TF114_PATH / TOFU_PATH point at an existing CLI instead (nothing is built then). When a pinned version cannot
# be fetched or built, the script stops with one line naming the version and that variable.
#
# Terraform: the module zip lacks the nested modules of nine remote-state backends (azure, consul, cos, gcs,
# kubernetes, oci, oss, pg, s3; plus internal/legacy, which nothing imports) that its go.mod replaces with local
# paths, so a plain `go build` of the module fails. The build works on a scratch copy of the module without those
# backends (a `backend` block naming one of them is then rejected as unknown; the acceptance tests use none).
# Both builds link with version.dev=no, like the release builds, so `version` prints no "-dev" suffix.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

TF114_VERSION=1.14.3
TOFU_VERSION=1.12.6

out_dir="$root/bin/tfcli"
mkdir -p "$out_dir"
# Scratch copies of the modules (outside the repository, so no go.mod above them but their own).
scratch=""
trap '[ -z "$scratch" ] || rm -rf "$scratch"' EXIT

log() { echo "cli: $*" >&2; }

# cli_version BINARY: the version the CLI reports ("1.14.3"), or nothing.
cli_version() {
  TF_CLI_CONFIG_FILE=/dev/null CHECKPOINT_DISABLE=1 "$1" version 2>/dev/null |
    sed -n '1s/^\(Terraform\|OpenTofu\) v\([0-9][0-9.]*[^ ]*\).*/\2/p'
}

# module_copy MODULE@VERSION DIR: a writable copy of the module's source (downloaded through the Go module proxy
# into the module cache, or taken from the cache when it is already there) in DIR.
module_copy() {
  local src
  # Outside any module, so the project's go.mod and GOFLAGS such as -mod=vendor do not interfere. -json reports
  # a failure in its "Error" field: the whole answer goes to the log.
  (cd "$scratch" && GOFLAGS= GOWORK=off go mod download -json "$1") >"$scratch/download.json" || true
  cat "$scratch/download.json"
  src=$(sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p' "$scratch/download.json")
  [ -n "$src" ] && [ -d "$src" ] || return 1
  cp -R "$src/." "$2/"
  chmod -R u+w "$2"
}

# fail_line NAME VERSION VAR WHAT: the one line printed when a pinned CLI cannot be built.
fail_line() {
  echo "cli: cannot build $1 v$2 from the Go module proxy ($4; log: ${5#"$root"/}); set $3=/path/to/$6 to use an existing $1 CLI instead." >&2
  exit 1
}

build_terraform() {
  local name=terraform ver=$TF114_VERSION
  local dest="$out_dir/terraform-$ver/terraform" logf="$out_dir/terraform-$ver.build.log"
  if [ -n "${TF114_PATH:-}" ]; then
    [ -x "$TF114_PATH" ] || { echo "cli: TF114_PATH=$TF114_PATH is not an executable file" >&2; exit 1; }
    log "using TF114_PATH=$TF114_PATH (Terraform v$(cli_version "$TF114_PATH"))"
    echo "$TF114_PATH"
    return
  fi
  if [ -x "$dest" ] && [ "$(cli_version "$dest")" = "$ver" ]; then
    log "reusing ${dest#"$root"/} (Terraform v$ver, built earlier)"
    echo "$dest"
    return
  fi
  log "building Terraform v$ver from the Go module proxy into ${dest#"$root"/} (a few minutes on a cold cache)"
  local started
  started=$(date +%s)
  scratch=$(mktemp -d "${TMPDIR:-/tmp}/itwin-cli-terraform.XXXXXX")
  mkdir -p "$scratch/src"
  : >"$logf"
  module_copy "github.com/hashicorp/terraform@v$ver" "$scratch/src" >>"$logf" 2>&1 ||
    fail_line Terraform "$ver" TF114_PATH "module download failed" "$logf" terraform
  (
    cd "$scratch/src"
    # Drop the nine backends whose nested modules are not in the zip: their import and their map entry in
    # init.go (each line names backendAzure, backendS3, ...), their require and replace lines in go.mod.
    local backends='Azure|Consul|Cos|GCS|Kubernetes|OCI|OSS|Pg|S3'
    grep -Eq "backend($backends)\b" internal/backend/init/init.go
    sed -E -i "/backend($backends)([^A-Za-z]|$)/d" internal/backend/init/init.go
    sed -E -i '/github\.com\/hashicorp\/terraform\/internal\/(backend\/remote-state\/(azure|consul|cos|gcs|kubernetes|oci|oss|pg|s3)|legacy)[ =]/d' go.mod
    if grep -Eq "backend($backends)([^A-Za-z]|$)" internal/backend/init/init.go ||
      grep -q 'terraform/internal/legacy\|remote-state/s3' go.mod; then
      echo "the backends were not removed" && exit 1
    fi
    # -mod=mod: go.mod/go.sum may be tidied for the removed requirements; everything else comes from the proxy.
    GOFLAGS=-mod=mod CGO_ENABLED=0 go build -trimpath \
      -ldflags "-s -w -X github.com/hashicorp/terraform/version.dev=no" -o "$scratch/terraform" .
  ) >>"$logf" 2>&1 || fail_line Terraform "$ver" TF114_PATH "go build failed" "$logf" terraform
  local got
  got=$(cli_version "$scratch/terraform")
  [ "$got" = "$ver" ] || fail_line Terraform "$ver" TF114_PATH "the build reports version '${got:-none}'" "$logf" terraform
  mkdir -p "$(dirname "$dest")"
  mv -f "$scratch/terraform" "$dest"
  rm -rf "$scratch"
  scratch=""
  log "built ${dest#"$root"/} (Terraform v$ver) in $(($(date +%s) - started)) s"
  echo "$dest"
}

build_tofu() {
  local ver=$TOFU_VERSION
  local dest="$out_dir/tofu-$ver/tofu" logf="$out_dir/tofu-$ver.build.log"
  if [ -n "${TOFU_PATH:-}" ]; then
    [ -x "$TOFU_PATH" ] || { echo "cli: TOFU_PATH=$TOFU_PATH is not an executable file" >&2; exit 1; }
    log "using TOFU_PATH=$TOFU_PATH (OpenTofu v$(cli_version "$TOFU_PATH"))"
    echo "$TOFU_PATH"
    return
  fi
  if [ -x "$dest" ] && [ "$(cli_version "$dest")" = "$ver" ]; then
    log "reusing ${dest#"$root"/} (OpenTofu v$ver, built earlier)"
    echo "$dest"
    return
  fi
  log "building OpenTofu v$ver from the Go module proxy into ${dest#"$root"/} (a few minutes on a cold cache)"
  local started
  started=$(date +%s)
  scratch=$(mktemp -d "${TMPDIR:-/tmp}/itwin-cli-tofu.XXXXXX")
  mkdir -p "$scratch/src"
  : >"$logf"
  module_copy "github.com/opentofu/opentofu@v$ver" "$scratch/src" >>"$logf" 2>&1 ||
    fail_line OpenTofu "$ver" TOFU_PATH "module download failed" "$logf" tofu
  (
    cd "$scratch/src"
    GOFLAGS=-mod=mod CGO_ENABLED=0 go build -trimpath \
      -ldflags "-s -w -X github.com/opentofu/opentofu/version.dev=no" -o "$scratch/tofu" ./cmd/tofu
  ) >>"$logf" 2>&1 || fail_line OpenTofu "$ver" TOFU_PATH "go build failed" "$logf" tofu
  local got
  got=$(cli_version "$scratch/tofu")
  [ "$got" = "$ver" ] || fail_line OpenTofu "$ver" TOFU_PATH "the build reports version '${got:-none}'" "$logf" tofu
  mkdir -p "$(dirname "$dest")"
  mv -f "$scratch/tofu" "$dest"
  rm -rf "$scratch"
  scratch=""
  log "built ${dest#"$root"/} (OpenTofu v$ver) in $(($(date +%s) - started)) s"
  echo "$dest"
}

case "${1:-all}" in
terraform) build_terraform ;;
tofu) build_tofu ;;
all)
  build_terraform
  build_tofu
  ;;
*)
  echo "usage: scripts/cli.sh [terraform|tofu|all]" >&2
  exit 2
  ;;
esac
