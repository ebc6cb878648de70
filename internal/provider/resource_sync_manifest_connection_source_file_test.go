package provider

import (
	"fmt"
	"regexp"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/compare"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/seed37c7dd03/terraform-provider-itwin/internal/wire"
)

const manifestSourceFileAddr = "itwin_sync_manifest_connection_source_file.test"

func manifestSourceFileConfig(providerCfg, connID, sourceFileID string) string {
	return providerCfg + fmt.Sprintf(`
resource "itwin_sync_manifest_connection_source_file" "test" {
  connection_id  = %q
  source_file_id = %q
}
`, connID, sourceFileID)
}

func TestAccSyncManifestConnectionSourceFile_lifecycle(t *testing.T) {
	inst, providerCfg := startLocal(t)
	c := testClient(t, inst)
	ctx := t.Context()
	conn, err := c.CreateManifestConnection(ctx, wire.ManifestConnectionCreate{
		IModelID: inst.IModelID, DisplayName: "managed elsewhere", SourceFiles: []wire.ManifestFileCreate{{SourceFileID: "base"}},
	})
	if err != nil {
		t.Fatalf("creating connection: %v", err)
	}
	sameID := statecheck.CompareValue(compare.ValuesSame())
	var mappingID string

	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config:            manifestSourceFileConfig(providerCfg, conn.ID, "m-2"),
				ConfigStateChecks: []statecheck.StateCheck{sameID.AddStateValue(manifestSourceFileAddr, tfjsonpath.New("id"))},
				Check: func(s *terraform.State) error {
					mappingID, _ = stateAttr(s, manifestSourceFileAddr, "id")
					return nil
				},
			},
			{
				Config: manifestSourceFileConfig(providerCfg, conn.ID, "m-3"),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(manifestSourceFileAddr, plancheck.ResourceActionUpdate),
				}},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(manifestSourceFileAddr, tfjsonpath.New("source_file_id"), knownvalue.StringExact("m-3")),
					sameID.AddStateValue(manifestSourceFileAddr, tfjsonpath.New("id")),
				},
			},
			{
				ResourceName:      manifestSourceFileAddr,
				ImportState:       true,
				ImportStateVerify: true,
				ImportStateIdFunc: func(*terraform.State) (string, error) { return conn.ID + "/" + mappingID, nil },
			},
			{
				Config:            manifestSourceFileConfig(providerCfg, conn.ID, "m-3"),
				ResourceName:      manifestSourceFileAddr,
				ImportState:       true,
				ImportStateKind:   resource.ImportBlockWithID,
				ImportStateIdFunc: func(*terraform.State) (string, error) { return conn.ID + "/" + mappingID, nil },
			},
			{
				PreConfig: func() {
					if err := c.DeleteManifestSourceFile(ctx, conn.ID, mappingID); err != nil {
						t.Fatalf("deleting outside Terraform: %v", err)
					}
				},
				Config: manifestSourceFileConfig(providerCfg, conn.ID, "m-3"),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(manifestSourceFileAddr, plancheck.ResourceActionCreate),
				}},
			},
			{
				Config:      manifestSourceFileConfig(providerCfg, conn.ID, "base"),
				ExpectError: regexp.MustCompile(`(?s)already mapped.*"base"`),
			},
		},
	})
}
