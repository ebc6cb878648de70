#!/usr/bin/env bash
# terraform validate of every example directory against the provider binary in $1 (dev_overrides, so no
# `terraform init` and no network). Each directory is copied to a scratch dir first, so nothing is written into
# examples/ and files that need a newer CLI than the installed one can be left out:
#   - examples/actions/*, examples/list-resources/* and any directory with query files (*.tfquery.hcl) need
#     Terraform >= 1.14; query files are validated too (`terraform validate -query`),
#   - import-by-identity.tf needs Terraform >= 1.12,
#   - any file with a line "# requires terraform >= X.Y" needs that version.
# Skips are printed; everything is also checked by `terraform fmt -check`, which parses every file.
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
  }
}
TFRC
export TF_CLI_CONFIG_FILE="$scratch/dev.tfrc" CHECKPOINT_DISABLE=1 TF_IN_AUTOMATION=1
unset TF_ACC_TERRAFORM_VERSION

have=$(terraform version 2>/dev/null | sed -n '1s/^Terraform v\([0-9][0-9.]*\).*/\1/p')
# at_least X.Y: the installed CLI is at least X.Y
at_least() { [ "$(printf '%s\n%s\n' "$1" "$have" | sort -V | head -n1)" = "$1" ]; }

echo "terraform fmt -check examples/"
if ! terraform fmt -check -recursive -diff examples/; then
  echo "examples/ is not formatted: run 'make fmt'." >&2
  exit 1
fi

failed=0 validated=0 skipped=0
mapfile -t dirs < <(find examples \( -name '*.tf' -o -name '*.tfquery.hcl' \) -not -path '*/.terraform/*' -not -path '*/modules/*' -printf '%h\n' | sort -u)
for dir in "${dirs[@]}"; do
  need="" query=()
  case "$dir" in examples/actions/* | examples/list-resources/*) need=1.14 ;; esac
  if compgen -G "$dir/*.tfquery.hcl" >/dev/null; then need=1.14 query=(-query); fi
  if [ -n "$need" ] && ! at_least "$need"; then
    echo "SKIP $dir (needs Terraform >= $need, have $have)"
    skipped=$((skipped + 1))
    continue
  fi
  work="$scratch/ws/$dir"
  mkdir -p "$work"
  cp -a "$dir/." "$work/"
  rm -rf "$work/.terraform" "$work/.terraform.lock.hcl" "$work"/*.tfstate*
  for f in "$work"/*.tf; do
    [ -e "$f" ] || continue # a directory of query files only
    fneed=""
    [ "$(basename "$f")" = import-by-identity.tf ] && fneed=1.12
    marker=$(sed -n 's/^[#/ ]*requires terraform >= *\([0-9.]*\).*/\1/Ip' "$f" | head -n1)
    [ -n "$marker" ] && fneed=$marker
    if [ -n "$fneed" ] && ! at_least "$fneed"; then
      echo "SKIP $dir/$(basename "$f") (needs Terraform >= $fneed, have $have)"
      rm -f "$f"
      skipped=$((skipped + 1))
    fi
  done
  compgen -G "$work/*.tf" >/dev/null || [ ${#query[@]} -gt 0 ] || continue
  if out=$(cd "$work" && terraform validate -no-color "${query[@]}" 2>&1); then
    echo "ok   $dir"
    validated=$((validated + 1))
  else
    echo "FAIL $dir"
    # Print from the first error on; the dev_overrides warning before it is noise here.
    if grep -q 'Error:' <<<"$out"; then sed -n '/Error:/,$p' <<<"$out"; else echo "$out"; fi
    failed=$((failed + 1))
  fi
done
echo "examples: $validated valid, $failed invalid, $skipped skipped"
[ "$failed" -eq 0 ]
