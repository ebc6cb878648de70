package provider

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework-timetypes/timetypes"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-go/tftypes"
	"github.com/hashicorp/terraform-plugin-testing/compare"
	acc "github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/seed37c7dd03/terraform-provider-itwin/internal/itwin"
)

// TestNamedVersionUpdateBody: only what changed is sent; a cleared description is null; null <-> "" sends nothing.
func TestNamedVersionUpdateBody(t *testing.T) {
	s := types.StringValue
	base := namedVersionModel{Name: s("v1"), Description: s("d"), State: s("visible")}
	for _, tc := range []struct {
		name   string
		change func(m *namedVersionModel)
		want   string
	}{
		{"nothing", func(*namedVersionModel) {}, ""},
		{"rename", func(m *namedVersionModel) { m.Name = s("v2") }, `{"name":"v2"}`},
		{"hide", func(m *namedVersionModel) { m.State = s("hidden") }, `{"state":"hidden"}`},
		{"clear description", func(m *namedVersionModel) { m.Description = types.StringNull() }, `{"description":null}`},
		{"all", func(m *namedVersionModel) { m.Name, m.Description, m.State = s("v2"), s("e"), s("hidden") },
			`{"name":"v2","description":"e","state":"hidden"}`},
	} {
		plan := base
		tc.change(&plan)
		body, changed := namedVersionUpdateBody(plan, base)
		if changed != (tc.want != "") {
			t.Errorf("%s: changed = %v", tc.name, changed)
			continue
		}
		if got, _ := json.Marshal(body); changed && string(got) != tc.want {
			t.Errorf("%s: body = %s, want %s", tc.name, got, tc.want)
		}
	}
	empty := namedVersionModel{Name: s("v1"), Description: types.StringNull(), State: s("visible")}
	plan := empty
	plan.Description = s("")
	if _, changed := namedVersionUpdateBody(plan, empty); changed {
		t.Error(`null -> "" must not call the API`)
	}
}

// TestNamedVersionModifyPlan: a replacement in the same iModel that keeps the name is refused at plan time, naming
// name; with a new name, in another iModel, or an in-place change, nothing is said.
func TestNamedVersionModifyPlan(t *testing.T) {
	ctx := context.Background()
	r := &namedVersionResource{}
	var sch resource.SchemaResponse
	r.Schema(ctx, resource.SchemaRequest{}, &sch)
	model := func(imodel, name string, index int64) namedVersionModel {
		return namedVersionModel{ID: types.StringValue("nv-1"), IModelID: types.StringValue(imodel), Name: types.StringValue(name),
			Description: types.StringNull(), ChangesetID: types.StringValue(strings.Repeat("a", 40)), ChangesetIndex: types.Int64Value(index),
			State: types.StringValue("visible"), CreatedAt: timetypes.NewRFC3339ValueMust("2026-01-01T00:00:00Z")}
	}
	run := func(prior, planned namedVersionModel) diag.Diagnostics {
		state := tfsdk.State{Schema: sch.Schema}
		plan := tfsdk.Plan{Schema: sch.Schema}
		if d := state.Set(ctx, &prior); d.HasError() {
			t.Fatal(d)
		}
		if d := plan.Set(ctx, &planned); d.HasError() {
			t.Fatal(d)
		}
		resp := &resource.ModifyPlanResponse{Plan: plan}
		r.ModifyPlan(ctx, resource.ModifyPlanRequest{State: state, Plan: plan, Config: tfsdk.Config{Schema: sch.Schema, Raw: plan.Raw}}, resp)
		return resp.Diagnostics
	}
	old := model("im-1", "Release 1", 2)
	d := run(old, model("im-1", "Release 1", 1))
	if !d.HasError() || !strings.Contains(d.Errors()[0].Detail(), "changeset_index") || !strings.Contains(d.Errors()[0].Detail(), `"Release 1"`) {
		t.Fatalf("same name on another changeset: %v", d)
	}
	if ad, ok := d.Errors()[0].(diag.DiagnosticWithPath); !ok || ad.Path().String() != "name" {
		t.Errorf("the error is not on name: %v", d.Errors()[0])
	}
	unknownIndex := model("im-1", "Release 1", 0)
	unknownIndex.ChangesetIndex = types.Int64Unknown()
	if d := run(old, unknownIndex); !d.HasError() {
		t.Error("an unknown changeset_index with the same name must be refused too")
	}
	for name, planned := range map[string]namedVersionModel{
		"new name":     model("im-1", "Release 0", 1),
		"other iModel": model("im-2", "Release 1", 1),
		"rename":       model("im-1", "Release 1.0", 2),
	} {
		if d := run(old, planned); len(d) != 0 {
			t.Errorf("%s: %v", name, d)
		}
	}
	unknownName := model("im-1", "", 1)
	unknownName.Name = types.StringUnknown()
	if d := run(old, unknownName); len(d) != 0 {
		t.Errorf("unknown name: %v", d)
	}
	// A create has no prior state.
	resp := &resource.ModifyPlanResponse{}
	r.ModifyPlan(ctx, resource.ModifyPlanRequest{State: tfsdk.State{Schema: sch.Schema, Raw: tftypes.NewValue(sch.Schema.Type().TerraformType(ctx), nil)}}, resp)
	if len(resp.Diagnostics) != 0 {
		t.Errorf("create: %v", resp.Diagnostics)
	}
}

// namedVersionFixture is an itwin-local whose seeded iModel has a storage connection over two IFC files, so a run
// pushes two changesets (index 1 and 2).
func namedVersionConfig(providerCfg, imodelID, fileA, fileB, versions string) string {
	return providerCfg + fmt.Sprintf(`
resource "itwin_sync_storage_connection" "c" {
  imodel_id           = %q
  display_name        = "plant"
  authentication_type = "Service"
  source_files = [
    { storage_file_id = %q, connector_type = "IFC" },
    { storage_file_id = %q, connector_type = "IFC" },
  ]
}

resource "itwin_sync_storage_connection_run" "r" {
  connection_id = itwin_sync_storage_connection.c.id
}
%s
`, imodelID, fileA, fileB, versions)
}

func TestAccIModelNamedVersion_lifecycle(t *testing.T) {
	inst, providerCfg := startLocal(t)
	client := testClient(t, inst)
	ctx := t.Context()
	fileA := testUploadFile(t, client, inst, "a.ifc", testIFC("2O2Fr$t4X7Zf8NOew3FLOH"))
	fileB := testUploadFile(t, client, inst, "b.ifc", testIFC("1kTvXnbbzCWw8lcMd1dR4o"))
	const addr = "itwin_imodel_named_version.v"
	var firstID, secondID string
	cfg := func(versions string) string {
		return namedVersionConfig(providerCfg, inst.IModelID, fileA, fileB, versions)
	}
	version := func(body string) string {
		return fmt.Sprintf(`
resource "itwin_imodel_named_version" "v" {
  imodel_id = itwin_sync_storage_connection.c.imodel_id
%s
  depends_on = [itwin_sync_storage_connection_run.r]
}
`, body)
	}
	remote := func(id *string, name, desc, state string, index int) acc.TestCheckFunc {
		return func(s *terraform.State) error {
			nv, err := client.GetNamedVersion(ctx, inst.IModelID, *id)
			if err != nil {
				return err
			}
			if nv.Name != name || nv.Description != desc || nv.State != state || nv.ChangesetIndex != index {
				return fmt.Errorf("remote named version %s: %+v; want %q %q %q %d", *id, nv, name, desc, state, index)
			}
			return nil
		}
	}
	acc.ParallelTest(t, acc.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		// Named versions cannot be deleted: both stay in the iModel after destroy.
		CheckDestroy: func(*terraform.State) error {
			for _, id := range []string{firstID, secondID} {
				if _, err := client.GetNamedVersion(ctx, inst.IModelID, id); err != nil {
					return fmt.Errorf("named version %s after destroy: %w", id, err)
				}
			}
			return nil
		},
		Steps: []acc.TestStep{
			{ // neither changeset_id nor changeset_index: the latest changeset, recorded
				Config: cfg(version(`  name        = "Release 1"
  description = "first release"`)),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue("itwin_sync_storage_connection_run.r", tfjsonpath.New("changesets"), knownvalue.ListSizeExact(2)),
					statecheck.CompareValuePairs(addr, tfjsonpath.New("changeset_index"),
						"itwin_sync_storage_connection_run.r", tfjsonpath.New("changesets").AtSliceIndex(1).AtMapKey("index"), compare.ValuesSame()),
					statecheck.CompareValuePairs(addr, tfjsonpath.New("changeset_id"),
						"itwin_sync_storage_connection_run.r", tfjsonpath.New("changesets").AtSliceIndex(1).AtMapKey("id"), compare.ValuesSame()),
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("state"), knownvalue.StringExact("visible")),
				},
				Check: acc.ComposeTestCheckFunc(storageCaptureID(addr, &firstID), remote(&firstID, "Release 1", "first release", "visible", 2)),
			},
			{
				ResourceName:      addr,
				ImportState:       true,
				ImportStateVerify: true,
				ImportStateIdFunc: func(*terraform.State) (string, error) { return inst.IModelID + "/" + firstID, nil },
			},
			{ // name, description (cleared) and state in place
				Config: cfg(version(`  name  = "Release 1.0"
  state = "hidden"`)),
				ConfigPlanChecks: acc.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(addr, plancheck.ResourceActionUpdate),
				}},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("description"), knownvalue.Null()),
				},
				Check: acc.ComposeTestCheckFunc(acc.TestCheckResourceAttrPtr(addr, "id", &firstID), remote(&firstID, "Release 1.0", "", "hidden", 2)),
			},
			{ // another changeset with the same name: refused at plan time (the old version keeps its name)
				Config: cfg(version(`  name            = "Release 1.0"
  changeset_index = 1`)),
				PlanOnly:    true,
				ExpectError: regexp.MustCompile(`(?s)new\s+named\s+version\s+needs\s+a\s+new\s+name.*changeset_index.*"Release\s+1.0"`),
			},
			{ // another changeset and name: replaced; the old one stays in the iModel (hidden)
				Config: cfg(version(`  name            = "Release 0"
  changeset_index = 1`)),
				ConfigPlanChecks: acc.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(addr, plancheck.ResourceActionReplace),
				}},
				Check: acc.ComposeTestCheckFunc(storageCaptureID(addr, &secondID), remote(&secondID, "Release 0", "", "visible", 1),
					remote(&firstID, "Release 1.0", "", "hidden", 2)),
			},
			{ // a changeset carries one named version: a clear error naming the existing one
				Config: cfg(version(`  name            = "Release 0"
  changeset_index = 1`) + `
resource "itwin_imodel_named_version" "dup" {
  imodel_id       = itwin_sync_storage_connection.c.imodel_id
  name            = "Again"
  changeset_index = 1
}
`),
				ExpectError: regexp.MustCompile(`(?s)Changeset\s+already\s+has\s+a\s+named\s+version.*"Release\s+0".*terraform\s+import`),
			},
			{ // a name already used in the iModel (by the hidden version): the same, on name
				Config: cfg(version(`  name            = "Release 0"
  changeset_index = 1`) + `
resource "itwin_imodel_named_version" "dup" {
  imodel_id = itwin_sync_storage_connection.c.imodel_id
  name      = "Release 1.0"
}
`),
				ExpectError: regexp.MustCompile(`(?s)Named\s+version\s+already\s+exists.*"Release\s+1.0".*terraform\s+import`),
			},
			{
				Config: cfg(version(`  name            = "Release 0"
  changeset_index = 1`)),
			},
		},
	})
}

// TestAccIModelNamedVersion_afterEachSync is the documented pattern: a named version on the last changeset each
// run pushed. A new file version plans a new run and a new named version; the previous named version stays.
func TestAccIModelNamedVersion_afterEachSync(t *testing.T) {
	inst, providerCfg := startLocal(t)
	client := testClient(t, inst)
	dir := t.TempDir()
	src := filepath.Join(dir, "building.ifc")
	write := func(ids ...string) {
		if err := os.WriteFile(src, []byte(testIFC(ids...)), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	write("2O2Fr$t4X7Zf8NOew3FLOH")
	config := providerCfg + fmt.Sprintf(`
resource "itwin_storage_file" "building" {
  folder_id = %q
  source    = %q
}

resource "itwin_sync_storage_connection" "plant" {
  imodel_id           = %q
  display_name        = "Plant"
  authentication_type = "Service"
  source_files = [
    { storage_file_id = itwin_storage_file.building.id, connector_type = "IFC" },
  ]
}

resource "itwin_sync_storage_connection_run" "plant" {
  connection_id = itwin_sync_storage_connection.plant.id
  triggers = {
    building = itwin_storage_file.building.source_hash
  }
}

resource "itwin_imodel_named_version" "after_sync" {
  imodel_id       = itwin_sync_storage_connection.plant.imodel_id
  name            = "Synchronized by run ${itwin_sync_storage_connection_run.plant.id}"
  changeset_index = try(itwin_sync_storage_connection_run.plant.changesets[length(itwin_sync_storage_connection_run.plant.changesets) - 1].index, null)
}
`, inst.RootFolderID, src, inst.IModelID)
	var firstID string
	acc.ParallelTest(t, acc.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []acc.TestStep{
			{
				Config: config,
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue("itwin_imodel_named_version.after_sync", tfjsonpath.New("changeset_index"), knownvalue.Int64Exact(1)),
				},
				Check: storageCaptureID("itwin_imodel_named_version.after_sync", &firstID),
			},
			{
				PreConfig: func() { write("2O2Fr$t4X7Zf8NOew3FLOH", "1kTvXnbbzCWw8lcMd1dR4o") },
				Config:    config,
				ConfigPlanChecks: acc.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction("itwin_sync_storage_connection_run.plant", plancheck.ResourceActionReplace),
					plancheck.ExpectResourceAction("itwin_imodel_named_version.after_sync", plancheck.ResourceActionReplace),
				}},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue("itwin_imodel_named_version.after_sync", tfjsonpath.New("changeset_index"), knownvalue.Int64Exact(2)),
				},
				Check: func(s *terraform.State) error {
					list, err := client.ListNamedVersions(t.Context(), inst.IModelID, itwin.NamedVersionListOptions{})
					if err != nil {
						return err
					}
					if len(list) != 2 || list[0].ID != firstID || list[0].ChangesetIndex != 1 || list[1].ChangesetIndex != 2 {
						return fmt.Errorf("named versions after two synchronizations: %+v", list)
					}
					return nil
				},
			},
		},
	})
}

func TestAccIModelNamedVersion_badInput(t *testing.T) {
	inst, providerCfg := startLocal(t)
	cfg := func(body string) string {
		return providerCfg + fmt.Sprintf(`
resource "itwin_imodel_named_version" "v" {
  imodel_id = %q
  name      = "v"
%s
}
`, inst.IModelID, body)
	}
	var steps []acc.TestStep
	for _, tc := range []struct{ body, want string }{
		{`  changeset_id    = "672fc94b069c32c9bd002898f2e3a9ff8809f349"
  changeset_index = 1`, `(?s)Invalid\s+Attribute\s+Combination.*changeset_index.*changeset_id`},
		{`  changeset_id = "latest"`, `(?s)changeset_id.*40\s+hexadecimal\s+digits`},
		{`  changeset_index = -1`, `(?s)changeset_index.*at\s+least\s+0`},
		{`  state = "archived"`, `(?s)state.*one\s+of.*"visible".*"hidden"`},
	} {
		steps = append(steps, acc.TestStep{Config: cfg(tc.body), PlanOnly: true, ExpectError: regexp.MustCompile(tc.want)})
	}
	acc.ParallelTest(t, acc.TestCase{ProtoV6ProviderFactories: testAccProtoV6ProviderFactories, Steps: steps})
}
