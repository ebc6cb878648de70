package provider

import (
	"fmt"
	"regexp"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/compare"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/seed37c7dd03/terraform-provider-itwin/internal/itwin"
	"github.com/seed37c7dd03/terraform-provider-itwin/internal/wire"
)

const manifestConnAddr = "itwin_sync_manifest_connection.test"

func manifestConnConfig(providerCfg, imodelID, extra string, ids ...string) string {
	quoted := make([]string, len(ids))
	for i, id := range ids {
		quoted[i] = fmt.Sprintf("%q", id)
	}
	return providerCfg + fmt.Sprintf(`
resource "itwin_sync_manifest_connection" "test" {
  imodel_id    = %q
%s
  source_files = [%s]
}
`, imodelID, extra, strings.Join(quoted, ", "))
}

func TestAccSyncManifestConnection_lifecycle(t *testing.T) {
	inst, providerCfg := startLocal(t)
	c := testClient(t, inst)
	ctx := t.Context()
	sameMapping1 := statecheck.CompareValue(compare.ValuesSame())
	var firstID string

	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config: manifestConnConfig(providerCfg, inst.IModelID, `display_name = "docs"
  authentication_type = "Service"`, "dms-1", "dms-2"),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(manifestConnAddr, tfjsonpath.New("itwin_id"), knownvalue.StringExact(inst.ITwinID)),
					statecheck.ExpectKnownValue(manifestConnAddr, tfjsonpath.New("authentication_type"), knownvalue.StringExact("Service")),
					statecheck.ExpectKnownValue(manifestConnAddr, tfjsonpath.New("source_file_ids"), knownvalue.MapSizeExact(2)),
					statecheck.ExpectKnownValue(manifestConnAddr, tfjsonpath.New("last_run_id"), knownvalue.Null()),
					sameMapping1.AddStateValue(manifestConnAddr, tfjsonpath.New("source_file_ids").AtMapKey("dms-1")),
				},
				Check: func(s *terraform.State) error {
					var err error
					firstID, err = stateAttr(s, manifestConnAddr, "id")
					return err
				},
			},
			{
				Config: manifestConnConfig(providerCfg, inst.IModelID, `display_name = "documents"
  authentication_type = "User"`, "dms-1", "dms-3"),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(manifestConnAddr, plancheck.ResourceActionUpdate),
					plancheck.ExpectUnknownValue(manifestConnAddr, tfjsonpath.New("source_file_ids").AtMapKey("dms-3")),
				}},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(manifestConnAddr, tfjsonpath.New("display_name"), knownvalue.StringExact("documents")),
					statecheck.ExpectKnownValue(manifestConnAddr, tfjsonpath.New("authentication_type"), knownvalue.StringExact("User")),
					statecheck.ExpectKnownValue(manifestConnAddr, tfjsonpath.New("source_files"),
						knownvalue.SetExact([]knownvalue.Check{knownvalue.StringExact("dms-1"), knownvalue.StringExact("dms-3")})),
					sameMapping1.AddStateValue(manifestConnAddr, tfjsonpath.New("source_file_ids").AtMapKey("dms-1")),
				},
			},
			{
				ResourceName:      manifestConnAddr,
				ImportState:       true,
				ImportStateVerify: true,
			},
			{
				Config: manifestConnConfig(providerCfg, inst.IModelID, `display_name = "documents"
  authentication_type = "User"`, "dms-1", "dms-3"),
				ResourceName:    manifestConnAddr,
				ImportState:     true,
				ImportStateKind: resource.ImportBlockWithID,
			},
			{
				PreConfig: func() {
					if _, err := c.Connections(wire.KindManifest).Update(ctx, firstID, wire.ConnectionUpdate{DisplayName: wire.Ptr("renamed outside")}); err != nil {
						t.Fatalf("renaming outside Terraform: %v", err)
					}
					if _, err := c.Connections(wire.KindManifest).AddSourceFile(ctx, firstID, itwin.SourceFile{Key: "dms-9"}); err != nil {
						t.Fatalf("adding outside Terraform: %v", err)
					}
				},
				Config: manifestConnConfig(providerCfg, inst.IModelID, `display_name = "documents"
  authentication_type = "User"`, "dms-1", "dms-3"),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(manifestConnAddr, plancheck.ResourceActionUpdate),
				}},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(manifestConnAddr, tfjsonpath.New("display_name"), knownvalue.StringExact("documents")),
					statecheck.ExpectKnownValue(manifestConnAddr, tfjsonpath.New("source_file_ids"), knownvalue.MapSizeExact(2)),
					sameMapping1.AddStateValue(manifestConnAddr, tfjsonpath.New("source_file_ids").AtMapKey("dms-1")),
				},
			},
			{
				PreConfig: func() {
					if err := c.Connections(wire.KindManifest).Delete(ctx, firstID); err != nil {
						t.Fatalf("deleting outside Terraform: %v", err)
					}
				},
				Config: manifestConnConfig(providerCfg, inst.IModelID, `display_name = "documents"
  authentication_type = "User"`, "dms-1", "dms-3"),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(manifestConnAddr, plancheck.ResourceActionCreate),
				}},
			},
		},
	})
}

func TestAccSyncManifestConnection_badInput(t *testing.T) {
	inst, providerCfg := startLocal(t)
	c := testClient(t, inst)
	ctx := t.Context()
	storage, err := c.Connections(wire.KindStorage).Create(ctx, itwin.ConnectionCreate{
		IModelID:    inst.IModelID,
		SourceFiles: []itwin.SourceFile{{Key: testUploadFile(t, c, inst, "a.dgn", "a"), ConnectorType: "MSTN"}},
	})
	if err != nil {
		t.Fatalf("creating storage connection: %v", err)
	}
	if _, err := c.Connections(wire.KindManifest).Create(ctx, itwin.ConnectionCreate{
		IModelID: inst.IModelID, SourceFiles: []itwin.SourceFile{{Key: "taken"}},
	}); err != nil {
		t.Fatalf("creating the other manifest connection: %v", err)
	}
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config:      manifestConnConfig(providerCfg, inst.IModelID, ""),
				PlanOnly:    true,
				ExpectError: regexp.MustCompile(`(?s)source_files.*at least 1`),
			},
			{
				Config:      manifestConnConfig(providerCfg, inst.IModelID, "", ""),
				PlanOnly:    true,
				ExpectError: regexp.MustCompile(`(?s)source_files.*length`),
			},
			{
				Config:      manifestConnConfig(providerCfg, inst.IModelID, "", "mine", "taken"),
				ExpectError: regexp.MustCompile(`(?s)already registered.*FileAlreadyMapped`),
			},
			{
				Config:        manifestConnConfig(providerCfg, inst.IModelID, "", "mine"),
				ResourceName:  manifestConnAddr,
				ImportState:   true,
				ImportStateId: storage.ID,
				ExpectError:   regexp.MustCompile(`storage\s+connection;\s+import\s+it\s+as\s+itwin_sync_storage_connection`),
			},
		},
	})
}
