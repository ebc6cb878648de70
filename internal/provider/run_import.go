package provider

// Importing a run: the API cannot tell a run's triggers, so an imported run adopts the configured ones at its
// first apply instead of starting a run.

import (
	"context"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/mapplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-log/tflog"
)

// importedRunKey marks, in private state, a run resource imported and not applied since. The API does not know
// a run's triggers, so an import leaves them null; the first apply must adopt the configured triggers instead of
// starting a run (DESIGN §4.1: importing starts nothing). Update clears the mark.
const importedRunKey = "imported_run"

// privateState is the part of a request's private state (a framework-internal type) that reads keys; a nil
// value reads as empty.
type privateState interface {
	GetKey(ctx context.Context, key string) ([]byte, diag.Diagnostics)
}

// isImportedRun reports the import mark of importedRunKey.
func isImportedRun(ctx context.Context, p privateState, diags *diag.Diagnostics) bool {
	v, d := p.GetKey(ctx, importedRunKey)
	diags.Append(d...)
	return string(v) == "true"
}

// triggersReplaceUnlessImported replaces the run when triggers change, except null → value on an imported run.
func triggersReplaceUnlessImported(ctx context.Context, req planmodifier.MapRequest, resp *mapplanmodifier.RequiresReplaceIfFuncResponse) {
	if req.StateValue.IsNull() && isImportedRun(ctx, req.Private, &resp.Diagnostics) {
		tflog.Info(ctx, "adopting the configured triggers of an imported run without starting a run")
		return
	}
	resp.RequiresReplace = true
}
