package provider

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework-timeouts/resource/timeouts"
	"github.com/hashicorp/terraform-plugin-framework-timetypes/timetypes"
	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-go/tftypes"

	"github.com/seed37c7dd03/terraform-provider-itwin/internal/wire"
)

// Review #15 / issue 13: a plan that replaces an existing iModel (a new itwin_id, which deletes its changesets)
// warns, naming the argument and recommending prevent_destroy; plans that update it in place (name, description,
// extent) do not warn.
func TestIModelModifyPlanWarnsOnReplacement(t *testing.T) {
	ctx := context.Background()
	r := &imodelResource{}
	var sch resource.SchemaResponse
	r.Schema(ctx, resource.SchemaRequest{}, &sch)
	model := func(itwinID, name string, desc types.String) imodelModel {
		return imodelModel{
			ID: types.StringValue("im-1"), ITwinID: types.StringValue(itwinID), Name: types.StringValue(name), Description: desc,
			Extent: types.ObjectNull(extentAttrTypes), State: types.StringValue("initialized"), CreatedAt: timetypes.NewRFC3339ValueMust("2026-01-01T00:00:00Z"),
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

	old := model("tw-1", "Plant A", types.StringValue("d"))
	moved := model("tw-2", "Plant A", types.StringValue("d"))
	diags := run(&old, &moved)
	if diags.WarningsCount() != 1 || diags.HasError() {
		t.Fatalf("new itwin_id: %v", diags)
	}
	w := diags.Warnings()[0]
	for _, want := range []string{"itwin_id", "im-1", "changeset", "prevent_destroy = true"} {
		if !strings.Contains(w.Summary()+" "+w.Detail(), want) {
			t.Errorf("warning lacks %q: %s / %s", want, w.Summary(), w.Detail())
		}
	}

	// In place, no warning: rename, new description, null <-> "", unchanged; and a create.
	for name, planned := range map[string]imodelModel{
		"rename":      model("tw-1", "Plant B", types.StringValue("d")),
		"description": model("tw-1", "Plant A", types.StringValue("other")),
		"cleared":     model("tw-1", "Plant A", types.StringNull()),
		"unchanged":   model("tw-1", "Plant A", types.StringValue("d")),
	} {
		if d := run(&old, &planned); len(d) != 0 {
			t.Errorf("%s: %v", name, d)
		}
	}
	nullDesc, emptyDesc := model("tw-1", "Plant A", types.StringNull()), model("tw-1", "Plant A", types.StringValue(""))
	if d := run(&nullDesc, &emptyDesc); len(d) != 0 {
		t.Errorf("null -> \"\": %v", d)
	}
	if d := run(nil, &moved); len(d) != 0 {
		t.Errorf("create: %v", d)
	}
}

// TestIModelUpdateBody: only changed fields are sent; clearing sends null; null <-> "" sends nothing.
func TestIModelUpdateBody(t *testing.T) {
	ctx := context.Background()
	ext := extentValue(&wire.Extent{SouthWest: wire.GeoPoint{Latitude: 1, Longitude: 2}, NorthEast: wire.GeoPoint{Latitude: 3, Longitude: 4}})
	m := func(name string, desc types.String, extent types.Object) imodelModel {
		return imodelModel{Name: types.StringValue(name), Description: desc, Extent: extent}
	}
	none := types.ObjectNull(extentAttrTypes)
	for _, tc := range []struct {
		name        string
		state, plan imodelModel
		want        string // JSON body; "" = no call
	}{
		{"rename", m("A", types.StringValue("d"), ext), m("B", types.StringValue("d"), ext), `{"name":"B"}`},
		{"describe", m("A", types.StringNull(), none), m("A", types.StringValue("d"), none), `{"description":"d"}`},
		{"clear description", m("A", types.StringValue("d"), none), m("A", types.StringNull(), none), `{"description":null}`},
		{"empty description", m("A", types.StringValue("d"), none), m("A", types.StringValue(""), none), `{"description":null}`},
		{"null to empty", m("A", types.StringNull(), none), m("A", types.StringValue(""), none), ""},
		{"set extent", m("A", types.StringNull(), none), m("A", types.StringNull(), ext),
			`{"extent":{"southWest":{"latitude":1,"longitude":2},"northEast":{"latitude":3,"longitude":4}}}`},
		{"clear extent", m("A", types.StringNull(), ext), m("A", types.StringNull(), none), `{"extent":null}`},
		{"everything", m("A", types.StringValue("d"), ext), m("B", types.StringNull(), none), `{"name":"B","description":null,"extent":null}`},
	} {
		body, changed, d := imodelUpdateBody(ctx, tc.plan, tc.state)
		if d.HasError() {
			t.Fatalf("%s: %v", tc.name, d)
		}
		if changed != (tc.want != "") {
			t.Errorf("%s: changed = %v", tc.name, changed)
			continue
		}
		if !changed {
			continue
		}
		got, err := json.Marshal(body)
		if err != nil || string(got) != tc.want {
			t.Errorf("%s: body = %s (%v), want %s", tc.name, got, err, tc.want)
		}
	}
}
