#!/usr/bin/env bash
# `validate` of every example directory against the provider binary in $1 (dev_overrides, so no `init` and no
# network), on every CLI the project supports. Each directory is copied to a scratch dir first, so nothing is
# written into examples/ and files that need a newer CLI can be left out:
#   - examples/actions/*, examples/list-resources/* and query files (*.tfquery.hcl, validated with
#     `validate -query`) need Terraform >= 1.14 (OpenTofu has neither),
#   - import-by-identity.tf needs Terraform >= 1.12 (OpenTofu >= 1.12),
#   - any file with a line "# requires terraform >= X.Y" needs that version.
# The Terraform on PATH validates what it can; whatever it cannot (a newer feature) is validated, whole
# directory, with the Terraform 1.14.3 build of scripts/cli.sh; and every directory OpenTofu supports is also
# validated with the OpenTofu build. A file no CLI validated is printed as SKIP. Everything is also checked by
# `terraform fmt -check`, which parses every file.
set -euo pipefail
cd "$(dirname "$0")/.."
bin_dir=$(cd "${1:?usage: validate-examples.sh BIN_DIR}" && pwd)
[ -x "$bin_dir/terraform-provider-itwin" ] || { echo "no provider binary in $bin_dir (run make build)" >&2; exit 1; }
[ -d examples ] || { echo "no examples/ directory" >&2; exit 1; }

scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
cat > "$scratch/dev.tfrc" <<TFRC
provider_installation {
  dev_overrides {
    "registry.terraform.io/seed37c7dd03/itwin" = "$bin_dir"
    "registry.terraform.io/hashicorp/itwin"    = "$bin_dir"
    "registry.opentofu.org/seed37c7dd03/itwin" = "$bin_dir"
    "registry.opentofu.org/hashicorp/itwin"    = "$bin_dir"
  }
}
TFRC
export TF_CLI_CONFIG_FILE="$scratch/dev.tfrc" CHECKPOINT_DISABLE=1 TF_IN_AUTOMATION=1
unset TF_ACC_TERRAFORM_VERSION

# errors_of FILE: a CLI's output from the first error on (the dev_overrides warning before it is noise here).
errors_of() { if grep -q 'Error:' "$1"; then sed -n '/Error:/,$p' "$1"; else cat "$1"; fi; }

# The pinned builds (reused from bin/tfcli, built there first if missing; TF114_PATH / TOFU_PATH override).
tf114=$(bash scripts/cli.sh terraform)
tofu=$(bash scripts/cli.sh tofu)

cli_version() { "$1" version 2>/dev/null | sed -n '1s/^\(Terraform\|OpenTofu\) v\([0-9][0-9.]*\).*/\2/p'; }
have=$(cli_version terraform)
have114=$(cli_version "$tf114")
have_tofu=$(cli_version "$tofu")
# at_least X.Y VERSION: VERSION is at least X.Y
at_least() { [ "$(printf '%s\n%s\n' "$1" "$2" | sort -V | head -n1)" = "$1" ]; }

echo "terraform fmt -check examples/"
if ! terraform fmt -check -recursive -diff examples/; then
  echo "examples/ is not formatted: run 'make fmt'." >&2
  exit 1
fi

# validate_with CLI VERSION KIND DIR DROP: copies DIR without the file DROP (may be empty) and without the files
# this CLI version cannot read, validates the rest. Sets $kept to the files validated. Returns 0 valid, 1 invalid
# (the CLI's errors are in $work/validate.out), 2 nothing left to validate.
validate_with() {
  local cli=$1 ver=$2 kind=$3 dir=$4 drop=$5 f fneed marker query=()
  kept=""
  work="$scratch/ws/$kind-$ver/$dir${drop:+-without-$drop}"
  mkdir -p "$work"
  cp -a "$dir/." "$work/"
  rm -rf "$work/.terraform" "$work/.terraform.lock.hcl" "$work"/*.tfstate*
  [ -z "$drop" ] || rm -f "$work/$drop"
  for f in "$work"/*.tf; do
    [ -e "$f" ] || continue
    fneed=""
    [ "$(basename "$f")" = import-by-identity.tf ] && fneed=1.12
    marker=$(sed -n 's/^[#/ ]*requires terraform >= *\([0-9.]*\).*/\1/Ip' "$f" | head -n1)
    [ -n "$marker" ] && fneed=$marker
    if [ -n "$fneed" ] && ! at_least "$fneed" "$ver"; then rm -f "$f"; else kept+=" $(basename "$f")"; fi
  done
  for f in "$work"/*.tfquery.hcl; do
    [ -e "$f" ] || continue
    if [ "$kind" = terraform ] && at_least 1.14 "$ver"; then
      query=(-query)
      kept+=" $(basename "$f")"
    else
      rm -f "$f"
    fi
  done
  [ -n "$kept" ] || return 2
  (cd "$work" && "$cli" validate -no-color "${query[@]}" >"$work/validate.out" 2>&1) || return 1
}

failed=0 skipped=0
declare -A valid=()
mapfile -t dirs < <(find examples \( -name '*.tf' -o -name '*.tfquery.hcl' \) -not -path '*/.terraform/*' -not -path '*/modules/*' -printf '%h\n' | sort -u)
for dir in "${dirs[@]}"; do
  need="" tofu_ok=1
  case "$dir" in examples/actions/* | examples/list-resources/*) need=1.14 tofu_ok="" ;; esac
  if ! compgen -G "$dir/*.tf" >/dev/null; then need=1.14 tofu_ok=""; fi # query files only
  # import-by-string-id.tf and import-by-identity.tf are alternatives (tfplugindocs shows them side by side):
  # each is validated without the other.
  drops=("")
  [ -e "$dir/import-by-string-id.tf" ] && [ -e "$dir/import-by-identity.tf" ] &&
    drops=(import-by-identity.tf import-by-string-id.tf)
  declare -A covered=()
  oks=() fails=() errs=""
  # try CLI LABEL VERSION KIND ONLY_IF_UNCOVERED: every variant of the directory on one CLI.
  try() {
    local cli=$1 label=$2 ver=$3 kind=$4 only_uncovered=$5 drop rc f any="" bad=""
    for drop in "${drops[@]}"; do
      if [ -n "$only_uncovered" ]; then
        local missing=""
        for f in "$dir"/*.tf "$dir"/*.tfquery.hcl; do
          [ -e "$f" ] || continue
          f=$(basename "$f")
          [ "$f" = "$drop" ] || [ -n "${covered[$f]:-}" ] || missing=1
        done
        [ -n "$missing" ] || continue
      fi
      validate_with "$cli" "$ver" "$kind" "$dir" "$drop" && rc=0 || rc=$?
      case $rc in
      0)
        any=1
        for f in $kept; do covered[$f]=1; done
        ;;
      1)
        bad=1
        errs+="$(errors_of "$work/validate.out")"$'\n'
        ;;
      esac
    done
    if [ -n "$bad" ]; then
      fails+=("$label")
    elif [ -n "$any" ]; then
      oks+=("$label")
      valid[$label]=$((${valid[$label]:-0} + 1))
    fi
  }
  # 1. The Terraform on PATH, with what it can read. 2. What it could not: Terraform 1.14.3. 3. OpenTofu.
  if [ -z "$need" ] || at_least "$need" "$have"; then try terraform "Terraform $have" "$have" terraform ""; fi
  if [ "$have114" != "$have" ] && { [ -z "$need" ] || at_least "$need" "$have114"; }; then
    try "$tf114" "Terraform $have114" "$have114" terraform only-uncovered
  fi
  if [ -n "$tofu_ok" ]; then try "$tofu" "OpenTofu $have_tofu" "$have_tofu" tofu ""; fi

  uncovered=""
  for f in "$dir"/*.tf "$dir"/*.tfquery.hcl; do
    [ -e "$f" ] || continue
    [ -n "${covered[$(basename "$f")]:-}" ] || uncovered+=" $(basename "$f")"
  done
  if [ "${#fails[@]}" -gt 0 ]; then
    echo "FAIL $dir on ${fails[*]}"
    printf '%s' "$errs"
    failed=$((failed + 1))
  elif [ -n "$uncovered" ]; then
    echo "SKIP$uncovered in $dir: no CLI here can validate it (validated the rest on: ${oks[*]:-none})"
    skipped=$((skipped + 1))
  else
    printf 'ok   %s (%s)\n' "$dir" "$(IFS=,; echo "${oks[*]}" | sed 's/,/, /g')"
  fi
  unset covered
done
counts=""
for k in "Terraform $have" "Terraform $have114" "OpenTofu $have_tofu"; do
  [ -n "${valid[$k]:-}" ] && counts+="${counts:+, }$k ${valid[$k]}"
done
echo "examples: ${#dirs[@]} directories, $failed invalid, $skipped not fully validated; valid per CLI: $counts"
[ "$failed" -eq 0 ] && [ "$skipped" -eq 0 ]
