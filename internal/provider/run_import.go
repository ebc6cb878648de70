package provider

// Importing a run: the API cannot tell a run's triggers, so an imported run adopts the configured ones at its
// first apply instead of starting a run.

import (
	"context"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/mapplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/types"
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

// markImportedRun sets the import mark.
func markImportedRun(ctx context.Context, resp *resource.ImportStateResponse) {
	if resp.Private != nil { // nil only when called outside the framework (unit tests)
		resp.Diagnostics.Append(resp.Private.SetKey(ctx, importedRunKey, []byte("true"))...)
	}
}

// clearImportedRun ends the grace of an import: once an apply recorded the configuration, a later triggers
// change starts a run as usual.
func clearImportedRun(ctx context.Context, resp *resource.UpdateResponse) {
	if resp.Private != nil {
		resp.Diagnostics.Append(resp.Private.SetKey(ctx, importedRunKey, nil)...)
	}
}

// triggersStartRun reports whether the triggers planned start a new run: any change, except the adoption of
// configured triggers by an imported run (see triggersReplaceUnlessImported).
func triggersStartRun(planned, prior types.Map, imported bool) bool {
	switch {
	case planned.IsUnknown():
		return true
	case planned.Equal(prior):
		return false
	default:
		return !(prior.IsNull() && imported)
	}
}
