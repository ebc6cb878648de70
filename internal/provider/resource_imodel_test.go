package provider

import (
	"fmt"
	"regexp"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/seed37c7dd03/terraform-provider-itwin/internal/itwin"
	"github.com/seed37c7dd03/terraform-provider-itwin/internal/wire"
)

func imodelConfig(providerCfg, itwinID, name string) string {
	return providerCfg + fmt.Sprintf(`
resource "itwin_imodel" "m" {
  itwin_id    = %q
  name        = %q
  description = "created by terraform"
  extent = {
    south_west = { latitude = 46.1, longitude = 7.25 }
    north_east = { latitude = 46.2, longitude = 7.5 }
  }
  timeouts = { create = "2m" }
}
`, itwinID, name)
}

func TestAccIModel_lifecycle(t *testing.T) {
	inst, providerCfg := startLocal(t)
	client := testClient(t, inst)
	ctx := t.Context()
	var id, firstID string
	tw, err := client.CreateITwin(ctx, wire.ITwinCreate{Class: "Endeavor", SubClass: "Project", DisplayName: "Other iTwin"})
	if err != nil {
		t.Fatal(err)
	}
	otherITwin := tw.ID

	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		CheckDestroy: func(*terraform.State) error {
			if _, err := client.GetIModel(ctx, id); !itwin.IsNotFound(err) {
				return fmt.Errorf("iModel %s still exists after destroy (err=%v)", id, err)
			}
			return nil
		},
		Steps: []resource.TestStep{
			{
				Config: imodelConfig(providerCfg, inst.ITwinID, "Plant A"),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue("itwin_imodel.m", tfjsonpath.New("state"), knownvalue.StringExact("initialized")),
					statecheck.ExpectKnownValue("itwin_imodel.m", tfjsonpath.New("created_at"), knownvalue.StringRegexp(regexp.MustCompile(`^\d{4}-\d\d-\d\dT.*Z$`))),
					statecheck.ExpectKnownValue("itwin_imodel.m", tfjsonpath.New("extent").AtMapKey("north_east").AtMapKey("longitude"), knownvalue.Float64Exact(7.5)),
				},
				Check: resource.ComposeTestCheckFunc(
					storageCaptureID("itwin_imodel.m", &id),
					func(*terraform.State) error {
						m, err := client.GetIModel(ctx, id)
						if err != nil {
							return err
						}
						if m.Name != "Plant A" || m.ITwinID != inst.ITwinID || m.Extent == nil || m.Extent.SouthWest.Latitude != 46.1 {
							return fmt.Errorf("remote iModel: %+v", m)
						}
						return nil
					}),
			},
			{
				ResourceName:            "itwin_imodel.m",
				ImportState:             true,
				ImportStateVerify:       true,
				ImportStateVerifyIgnore: []string{"timeouts"},
			},
			{ // a name that already exists in the iTwin: clear error on name that suggests import
				Config: imodelConfig(providerCfg, inst.ITwinID, "Plant A") + fmt.Sprintf(`
resource "itwin_imodel" "dup" {
  itwin_id = %q
  name     = "Plant A"
}
`, inst.ITwinID),
				ExpectError: regexp.MustCompile(`(?s)already\s+has\s+an\s+iModel\s+named\s+"Plant\s+A".*terraform\s+import`),
			},
			{ // a new name renames in place: same id
				Config: imodelConfig(providerCfg, inst.ITwinID, "Plant A2"),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction("itwin_imodel.m", plancheck.ResourceActionUpdate),
				}},
				Check: resource.ComposeTestCheckFunc(
					resource.TestCheckResourceAttrPtr("itwin_imodel.m", "id", &id),
					func(*terraform.State) error {
						m, err := client.GetIModel(ctx, id)
						if err != nil || m.Name != "Plant A2" {
							return fmt.Errorf("remote iModel after rename: %+v, %v", m, err)
						}
						return nil
					}),
			},
			{ // another iTwin: the only argument that replaces
				Config: imodelConfig(providerCfg, otherITwin, "Plant A2"),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction("itwin_imodel.m", plancheck.ResourceActionReplace),
				}},
				Check: resource.ComposeTestCheckFunc(
					func(*terraform.State) error {
						firstID = id
						if _, err := client.GetIModel(ctx, firstID); !itwin.IsNotFound(err) {
							return fmt.Errorf("the replaced iModel %s still exists (err=%v)", firstID, err)
						}
						return nil
					},
					storageCaptureID("itwin_imodel.m", &id),
					resource.TestCheckResourceAttr("itwin_imodel.m", "itwin_id", otherITwin)),
			},
			{ // deleted outside Terraform: created again
				PreConfig: func() {
					firstID = id
					if err := client.DeleteIModel(ctx, id); err != nil {
						t.Fatalf("deleting the iModel outside Terraform: %v", err)
					}
				},
				Config: imodelConfig(providerCfg, otherITwin, "Plant A2"),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction("itwin_imodel.m", plancheck.ResourceActionCreate),
				}},
				Check: resource.ComposeTestCheckFunc(
					storageCaptureID("itwin_imodel.m", &id),
					func(*terraform.State) error {
						if id == firstID {
							return fmt.Errorf("expected a new iModel id, still %s", id)
						}
						return nil
					}),
			},
		},
	})
}

func TestAccIModel_badInput(t *testing.T) {
	inst, providerCfg := startLocal(t)
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config: providerCfg + fmt.Sprintf(`
resource "itwin_imodel" "m" {
  itwin_id = %q
  name     = "x"
  extent = {
    south_west = { latitude = 91, longitude = 0 }
    north_east = { latitude = 0, longitude = 0 }
  }
}
`, inst.ITwinID),
				ExpectError: regexp.MustCompile(`(?s)extent\.south_west\.latitude.*between\s+-90`),
			},
			{
				Config: providerCfg + `
resource "itwin_imodel" "m" {
  itwin_id = "00000000-0000-4000-8000-000000000000"
  name     = "x"
}
`,
				ExpectError: regexp.MustCompile(`(?s)itwin_id.*does\s+not\s+exist`),
			},
			{
				Config: providerCfg + fmt.Sprintf(`
resource "itwin_imodel" "m" {
  itwin_id = %q
  name     = "x"
  timeouts = { create = "soon" }
}
`, inst.ITwinID),
				ExpectError: regexp.MustCompile(`(?s)Time\s+Duration.*"soon"`),
			},
		},
	})
}

// renameConfig is an iModel with a storage connection and a run that synchronizes one IFC file into it.
func renameConfig(providerCfg, itwinID, fileID, imodelBody string) string {
	return providerCfg + fmt.Sprintf(`
resource "itwin_imodel" "m" {
  itwin_id = %q
%s
}

resource "itwin_sync_storage_connection" "c" {
  imodel_id           = itwin_imodel.m.id
  display_name        = "plant"
  authentication_type = "Service"
  source_files = [
    { storage_file_id = %q, connector_type = "IFC" },
  ]
}

resource "itwin_sync_storage_connection_run" "r" {
  connection_id = itwin_sync_storage_connection.c.id
}
`, itwinID, imodelBody, fileID)
}

// Issue 13: renaming an iModel (or changing its description or extent) used to replace it, deleting every
// synchronized changeset. It is now an in-place update: same id, same changesets, the connection and run untouched.
func TestAccIModel_renameKeepsChangesets(t *testing.T) {
	inst, providerCfg := startLocal(t)
	client := testClient(t, inst)
	ctx := t.Context()
	fileID := testUploadFile(t, client, inst, "plant.ifc", testIFC("2O2Fr$t4X7Zf8NOew3FLOH", "1kTvXnbbzCWw8lcMd1dR4o"))
	var id, connID string
	var pushed int
	remote := func(name, desc string, extent bool) resource.TestCheckFunc {
		return func(s *terraform.State) error {
			got, _ := stateAttr(s, "itwin_imodel.m", "id")
			if got != id {
				return fmt.Errorf("iModel id changed from %s to %s", id, got)
			}
			m, err := client.GetIModel(ctx, id)
			if err != nil {
				return err
			}
			if m.Name != name || m.Description != desc || (m.Extent != nil) != extent {
				return fmt.Errorf("remote iModel: name %q description %q extent %v; want %q %q %v", m.Name, m.Description, m.Extent, name, desc, extent)
			}
			cs, err := client.ListChangesets(ctx, id)
			if err != nil {
				return err
			}
			if len(cs) != pushed {
				return fmt.Errorf("the iModel has %d changesets, had %d before the update", len(cs), pushed)
			}
			if _, err := client.Connections(wire.KindStorage).Get(ctx, connID); err != nil {
				return fmt.Errorf("the connection is gone after the update: %w", err)
			}
			return nil
		}
	}
	inPlace := resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
		plancheck.ExpectResourceAction("itwin_imodel.m", plancheck.ResourceActionUpdate),
		plancheck.ExpectResourceAction("itwin_sync_storage_connection.c", plancheck.ResourceActionNoop),
		plancheck.ExpectResourceAction("itwin_sync_storage_connection_run.r", plancheck.ResourceActionNoop),
	}}
	extent := `
  extent = {
    south_west = { latitude = 46.1, longitude = 7.25 }
    north_east = { latitude = 46.2, longitude = 7.5 }
  }`
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config: renameConfig(providerCfg, inst.ITwinID, fileID, `  name = "Plant A"`),
				Check: resource.ComposeTestCheckFunc(
					storageCaptureID("itwin_imodel.m", &id),
					storageCaptureID("itwin_sync_storage_connection.c", &connID),
					resource.TestCheckResourceAttr("itwin_sync_storage_connection_run.r", "result", "Success"),
					func(*terraform.State) error {
						cs, err := client.ListChangesets(ctx, id)
						if err != nil {
							return err
						}
						if pushed = len(cs); pushed == 0 {
							return fmt.Errorf("the run pushed no changeset")
						}
						return nil
					}),
			},
			{
				Config:           renameConfig(providerCfg, inst.ITwinID, fileID, `  name = "Plant B"`),
				ConfigPlanChecks: inPlace,
				Check:            remote("Plant B", "", false),
			},
			{
				Config:           renameConfig(providerCfg, inst.ITwinID, fileID, `  name = "Plant B"`+"\n  description = \"described\""+extent),
				ConfigPlanChecks: inPlace,
				Check:            remote("Plant B", "described", true),
			},
			{ // clearing description and extent is in place too
				Config:           renameConfig(providerCfg, inst.ITwinID, fileID, `  name = "Plant B"`),
				ConfigPlanChecks: inPlace,
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue("itwin_imodel.m", tfjsonpath.New("description"), knownvalue.Null()),
					statecheck.ExpectKnownValue("itwin_imodel.m", tfjsonpath.New("extent"), knownvalue.Null()),
				},
				Check: remote("Plant B", "", false),
			},
			{ // a name taken in the iTwin: a clear error on name, nothing changes
				PreConfig: func() {
					if _, err := client.CreateIModel(ctx, wire.IModelCreate{ITwinID: inst.ITwinID, Name: "Taken", CreationMode: "empty"}); err != nil {
						t.Fatal(err)
					}
				},
				Config:      renameConfig(providerCfg, inst.ITwinID, fileID, `  name = "Taken"`),
				ExpectError: regexp.MustCompile(`(?s)iModel\s+name\s+already\s+taken.*"Taken".*keeps\s+its\s+name\s+"Plant\s+B"`),
			},
			{
				Config:   renameConfig(providerCfg, inst.ITwinID, fileID, `  name = "Plant B"`),
				PlanOnly: true, // the failed rename left state and iModel as they were
			},
		},
	})
}
