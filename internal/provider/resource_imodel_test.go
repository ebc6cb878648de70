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
			{ // the API cannot rename: a new name replaces the iModel
				Config: imodelConfig(providerCfg, inst.ITwinID, "Plant A2"),
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
					storageCaptureID("itwin_imodel.m", &id)),
			},
			{ // deleted outside Terraform: created again
				PreConfig: func() {
					firstID = id
					if err := client.DeleteIModel(ctx, id); err != nil {
						t.Fatalf("deleting the iModel outside Terraform: %v", err)
					}
				},
				Config: imodelConfig(providerCfg, inst.ITwinID, "Plant A2"),
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
