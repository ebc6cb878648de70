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

	"github.com/seed37c7dd03/terraform-provider-itwin/internal/itwin"
	"github.com/seed37c7dd03/terraform-provider-itwin/internal/wire"
)

const storageSourceFileAddr = "itwin_sync_storage_connection_source_file.test"

func storageSourceFileConfig(providerCfg, connID, fileID, connector string) string {
	return providerCfg + fmt.Sprintf(`
resource "itwin_sync_storage_connection_source_file" "test" {
  connection_id   = %q
  storage_file_id = %q
  connector_type  = %q
}
`, connID, fileID, connector)
}

func TestAccSyncStorageConnectionSourceFile_lifecycle(t *testing.T) {
	inst, providerCfg := startLocal(t)
	c := testClient(t, inst)
	ctx := t.Context()
	fileBase := testUploadFile(t, c, inst, "base.dgn", "base")
	fileB := testUploadFile(t, c, inst, "b.dwg", "dwg B")
	fileC := testUploadFile(t, c, inst, "c.dwg", "dwg C")
	// The connection is managed elsewhere (here: created through the API) with one file of its own.
	conn, err := c.Connections(wire.KindStorage).Create(ctx, itwin.ConnectionCreate{
		IModelID: inst.IModelID, DisplayName: "managed elsewhere",
		SourceFiles: []itwin.SourceFile{{Key: fileBase, ConnectorType: "MSTN"}},
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
				Config: storageSourceFileConfig(providerCfg, conn.ID, fileB, "MSTN"),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(storageSourceFileAddr, tfjsonpath.New("file_name"), knownvalue.StringExact("b.dwg")),
					sameID.AddStateValue(storageSourceFileAddr, tfjsonpath.New("id")),
				},
				Check: func(s *terraform.State) error {
					mappingID, _ = stateAttr(s, storageSourceFileAddr, "id")
					return nil
				},
			},
			{
				// Connector type changes in place.
				Config: storageSourceFileConfig(providerCfg, conn.ID, fileB, "DWG"),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(storageSourceFileAddr, plancheck.ResourceActionUpdate),
				}},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(storageSourceFileAddr, tfjsonpath.New("connector_type"), knownvalue.StringExact("DWG")),
					sameID.AddStateValue(storageSourceFileAddr, tfjsonpath.New("id")),
				},
			},
			{
				// So does the file itself: PUT keeps the mapping id.
				Config: storageSourceFileConfig(providerCfg, conn.ID, fileC, "DWG"),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(storageSourceFileAddr, plancheck.ResourceActionUpdate),
					plancheck.ExpectUnknownValue(storageSourceFileAddr, tfjsonpath.New("file_name")),
				}},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(storageSourceFileAddr, tfjsonpath.New("file_name"), knownvalue.StringExact("c.dwg")),
					sameID.AddStateValue(storageSourceFileAddr, tfjsonpath.New("id")),
				},
			},
			{
				ResourceName:      storageSourceFileAddr,
				ImportState:       true,
				ImportStateVerify: true,
				ImportStateIdFunc: func(s *terraform.State) (string, error) {
					return conn.ID + "/" + mappingID, nil
				},
			},
			{
				Config:            storageSourceFileConfig(providerCfg, conn.ID, fileC, "DWG"),
				ResourceName:      storageSourceFileAddr,
				ImportState:       true,
				ImportStateKind:   resource.ImportBlockWithID,
				ImportStateIdFunc: func(*terraform.State) (string, error) { return conn.ID + "/" + mappingID, nil },
			},
			{
				// Changed outside Terraform: the plan repairs the connector type.
				PreConfig: func() {
					if _, err := c.Connections(wire.KindStorage).UpdateSourceFile(ctx, conn.ID, mappingID, itwin.SourceFile{Key: fileC, ConnectorType: "MSTN"}); err != nil {
						t.Fatalf("changing outside Terraform: %v", err)
					}
				},
				Config: storageSourceFileConfig(providerCfg, conn.ID, fileC, "DWG"),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(storageSourceFileAddr, plancheck.ResourceActionUpdate),
				}},
			},
			{
				// Deleted outside Terraform: mapped again.
				PreConfig: func() {
					if err := c.Connections(wire.KindStorage).DeleteSourceFile(ctx, conn.ID, mappingID); err != nil {
						t.Fatalf("deleting outside Terraform: %v", err)
					}
				},
				Config: storageSourceFileConfig(providerCfg, conn.ID, fileC, "DWG"),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(storageSourceFileAddr, plancheck.ResourceActionCreate),
				}},
			},
			{
				// The connection's own file is already mapped: the error is on storage_file_id and names it.
				Config:      storageSourceFileConfig(providerCfg, conn.ID, fileBase, "MSTN"),
				ExpectError: regexp.MustCompile(`(?s)Source file already mapped.*` + regexp.QuoteMeta(fileBase)),
			},
		},
	})

	// Destroy removed only this resource's mapping; the connection keeps its own file.
	files, err := c.Connections(wire.KindStorage).ListSourceFiles(ctx, conn.ID)
	if err != nil {
		t.Fatalf("listing after destroy: %v", err)
	}
	if len(files) != 1 || files[0].Key != fileBase {
		t.Errorf("after destroy the connection should keep only its own file, got %+v", files)
	}
}

func TestAccSyncStorageConnectionSourceFile_badInput(t *testing.T) {
	inst, providerCfg := startLocal(t)
	c := testClient(t, inst)
	fileB := testUploadFile(t, c, inst, "b.dgn", "b")
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config:      storageSourceFileConfig(providerCfg, "no-such-connection", fileB, "BENTLEY"),
				PlanOnly:    true,
				ExpectError: regexp.MustCompile(`(?s)connector_type.*value must be one of`),
			},
			{
				Config:      storageSourceFileConfig(providerCfg, "Tm9TdWNoQ29ubmVjdGlvbk5vU3VjaENvbm5lY3Rpb25Ybw", fileB, "MSTN"),
				ExpectError: regexp.MustCompile(`(?s)Storage connection not found`),
			},
			{
				Config:        storageSourceFileConfig(providerCfg, "x", fileB, "MSTN"),
				ResourceName:  storageSourceFileAddr,
				ImportState:   true,
				ImportStateId: "only-one-part",
				ExpectError:   regexp.MustCompile(`(?s)<connection_id>/<source_file_id>`),
			},
		},
	})
}
