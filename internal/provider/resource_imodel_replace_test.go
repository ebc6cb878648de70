package provider

import (
	"context"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework-timeouts/resource/timeouts"
	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-go/tftypes"
)

// Review #15: a plan that replaces an existing iModel (which deletes its changesets) warns, naming the argument
// and recommending prevent_destroy; plans that keep the iModel do not warn.
func TestIModelModifyPlanWarnsOnReplacement(t *testing.T) {
	ctx := context.Background()
	r := &imodelResource{}
	var sch resource.SchemaResponse
	r.Schema(ctx, resource.SchemaRequest{}, &sch)
	model := func(name string, desc types.String) imodelModel {
		return imodelModel{
			ID: types.StringValue("im-1"), ITwinID: types.StringValue("tw-1"), Name: types.StringValue(name), Description: desc,
			Extent: types.ObjectNull(extentAttrTypes), State: types.StringValue("initialized"), CreatedAt: types.StringValue("2026-01-01T00:00:00Z"),
			Timeouts: timeouts.Value{Object: types.ObjectNull(map[string]attr.Type{"create": types.StringType})},
		}
	}
	run := func(prior, planned *imodelModel) diag.Diagnostics {
		t.Helper()
		// A null prior state is a create.
		state := tfsdk.State{Schema: sch.Schema, Raw: tftypes.NewValue(sch.Schema.Type().TerraformType(ctx), nil)}
		plan := tfsdk.Plan{Schema: sch.Schema}
		if prior != nil {
			if d := state.Set(ctx, prior); d.HasError() {
				t.Fatal(d)
			}
		}
		if d := plan.Set(ctx, planned); d.HasError() {
			t.Fatal(d)
		}
		resp := &resource.ModifyPlanResponse{Plan: plan}
		r.ModifyPlan(ctx, resource.ModifyPlanRequest{State: state, Plan: plan, Config: tfsdk.Config{Schema: sch.Schema, Raw: plan.Raw}}, resp)
		return resp.Diagnostics
	}

	old := model("Plant A", types.StringValue("d"))
	renamed := model("Plant B", types.StringValue("d"))
	diags := run(&old, &renamed)
	if diags.WarningsCount() != 1 || diags.HasError() {
		t.Fatalf("rename: %v", diags)
	}
	w := diags.Warnings()[0]
	for _, want := range []string{"name", "im-1", "changeset", "prevent_destroy = true"} {
		if !strings.Contains(w.Summary()+" "+w.Detail(), want) {
			t.Errorf("warning lacks %q: %s / %s", want, w.Summary(), w.Detail())
		}
	}
	redesc := model("Plant A", types.StringValue("other"))
	if d := run(&old, &redesc); d.WarningsCount() != 1 || !strings.Contains(d.Warnings()[0].Detail(), "description") {
		t.Errorf("description change: %v", d)
	}

	// No replacement: unchanged, null <-> "" description, create.
	same := model("Plant A", types.StringValue("d"))
	if d := run(&old, &same); len(d) != 0 {
		t.Errorf("no change: %v", d)
	}
	nullDesc, emptyDesc := model("Plant A", types.StringNull()), model("Plant A", types.StringValue(""))
	if d := run(&nullDesc, &emptyDesc); len(d) != 0 {
		t.Errorf("null -> \"\": %v", d)
	}
	if d := run(nil, &renamed); len(d) != 0 {
		t.Errorf("create: %v", d)
	}
}
