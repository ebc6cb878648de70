package provider

import (
	"context"
	"fmt"
	"regexp"
	"strings"
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

const manifestRunAddr = "itwin_sync_manifest_connection_run.r"

// manifestSecret marks the pre-authenticated URLs; it must never reach the state.
const manifestSecret = "sig=TOPSECRET42"

func newManifestConnection(t *testing.T, fx *runFixture, ids ...string) string {
	t.Helper()
	var files []itwin.SourceFile
	for _, id := range ids {
		files = append(files, itwin.SourceFile{Key: id})
	}
	conn, err := fx.client.Connections(wire.KindManifest).Create(context.Background(), itwin.ConnectionCreate{
		IModelID: fx.inst.IModelID, DisplayName: "documents", AuthenticationType: "Service", SourceFiles: files,
	})
	if err != nil {
		t.Fatalf("creating the manifest connection: %v", err)
	}
	return conn.ID
}

// expectNoSecretInState fails when any attribute of any resource in the state contains the secret.
func expectNoSecretInState(s *terraform.State) error {
	for name, rs := range s.RootModule().Resources {
		for k, v := range rs.Primary.Attributes {
			if strings.Contains(v, manifestSecret) {
				return fmt.Errorf("%s.%s holds a pre-authenticated URL: %q", name, k, v)
			}
		}
	}
	return nil
}

func manifestRunConfig(providerCfg, connID, extra string) string {
	return providerCfg + fmt.Sprintf(`
resource "itwin_sync_manifest_connection_run" "r" {
  connection_id                 = %[1]q
  wait                          = false
  document_attribute_schema_url = "https://files.example.test/schema.json?%[2]s"
  triggers                      = { versions = "dms-1@3" }
%[3]s
  source_files = [
    {
      source_file_id = "dms-1"
      name           = "master.dgn"
      url            = "https://files.example.test/master.dgn?%[2]s"
      connector_type = "MSTN"
      relative_path  = "Plant A"
      document_attribute = {
        class_name = "Docs:Link"
        properties = { Revision = "C" }
      }
      children = [
        {
          source_file_id = "dms-2"
          name           = "ref.dgn"
          url            = "https://files.example.test/ref.dgn?%[2]s"
          connector_type = "MSTN"
        },
      ]
    },
  ]
}
`, connID, manifestSecret, extra)
}

// TestAccSyncManifestConnectionRun_urlsNeverStored: the run is accepted with write-only URLs, which appear
// nowhere in the state; a second plan is empty and only triggers start a new run.
func TestAccSyncManifestConnectionRun_urlsNeverStored(t *testing.T) {
	fx := newRunFixture(t, "Service")
	connID := newManifestConnection(t, fx, "dms-1", "dms-2")
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config: manifestRunConfig(fx.providerCfg, connID, ""),
				Check:  expectNoSecretInState,
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(manifestRunAddr, tfjsonpath.New("id"), knownvalue.NotNull()),
					statecheck.ExpectKnownValue(manifestRunAddr, tfjsonpath.New("state"), knownvalue.NotNull()),
					statecheck.ExpectKnownValue(manifestRunAddr, tfjsonpath.New("document_attribute_schema_url"), knownvalue.Null()),
					statecheck.ExpectKnownValue(manifestRunAddr, tfjsonpath.New("source_files").AtSliceIndex(0).AtMapKey("url"), knownvalue.Null()),
					statecheck.ExpectKnownValue(manifestRunAddr, tfjsonpath.New("source_files").AtSliceIndex(0).AtMapKey("children").AtSliceIndex(0).AtMapKey("url"), knownvalue.Null()),
					statecheck.ExpectKnownValue(manifestRunAddr, tfjsonpath.New("source_files").AtSliceIndex(0).AtMapKey("name"), knownvalue.StringExact("master.dgn")),
				},
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
			},
			{
				// An import block plans an in-place update that adopts the configured triggers and files: importing
				// starts no run (DESIGN §4.1).
				Config:             manifestRunConfig(fx.providerCfg, connID, ""),
				ResourceName:       manifestRunAddr,
				ImportState:        true,
				ImportStateKind:    resource.ImportBlockWithID,
				ExpectNonEmptyPlan: true,
				ImportStateIdFunc: func(s *terraform.State) (string, error) {
					return connID + "/" + s.RootModule().Resources[manifestRunAddr].Primary.ID, nil
				},
				ImportPlanChecks: resource.ImportPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction(manifestRunAddr, plancheck.ResourceActionUpdate)},
				},
			},
			{
				// Another URL alone (a freshly minted signature) starts nothing: URLs are not compared.
				Config: strings.ReplaceAll(manifestRunConfig(fx.providerCfg, connID, ""), "master.dgn?", "master.dgn?v=2&"),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
			},
			{
				Config:             strings.ReplaceAll(manifestRunConfig(fx.providerCfg, connID, ""), "dms-1@3", "dms-1@4"),
				PlanOnly:           true,
				ExpectNonEmptyPlan: true,
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PostApplyPreRefresh: []plancheck.PlanCheck{plancheck.ExpectResourceAction(manifestRunAddr, plancheck.ResourceActionReplace)},
				},
			},
		},
	})
}

func TestAccSyncManifestConnectionRun_badInput(t *testing.T) {
	fx := newRunFixture(t, "Service")
	connID := newManifestConnection(t, fx, "dms-1", "dms-2")
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config:      strings.Replace(manifestRunConfig(fx.providerCfg, connID, ""), `connector_type = "MSTN"`, `connector_type = "MICROSTATION"`, 1),
				ExpectError: regexp.MustCompile(`(?s)connector_type.*must be one of`),
			},
			{
				// An id the connection does not know: the server's 422 points at source_files.
				Config:      strings.Replace(manifestRunConfig(fx.providerCfg, connID, ""), `source_file_id = "dms-1"`, `source_file_id = "dms-9"`, 1),
				ExpectError: regexp.MustCompile(`(?s)Error starting a run on manifest connection.*422`),
			},
		},
	})
}

// manifestEphemeralConfig passes a URL minted by the itwin_storage_file_url ephemeral resource to the write-only
// url of a manifest run file: the URL is never in the plan or the state.
func manifestEphemeralConfig(providerCfg, connID, fileID, waitLine string) string {
	return providerCfg + fmt.Sprintf(`
ephemeral "itwin_storage_file_url" "doc" {
  file_id = %[2]q
}

resource "itwin_sync_manifest_connection_run" "r" {
  connection_id = %[1]q
%[3]s
  source_files = [
    {
      source_file_id = "dms-1"
      name           = "plant.ifc"
      url            = ephemeral.itwin_storage_file_url.doc.url
      connector_type = "IFC"
    },
  ]
}
`, connID, fileID, waitLine)
}

func TestAccSyncManifestConnectionRun_ephemeralURL(t *testing.T) {
	fx := newRunFixture(t, "Service")
	connID := newManifestConnection(t, fx, "dms-1")
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config: manifestEphemeralConfig(fx.providerCfg, connID, fx.fileID, "  wait = false"),
				Check: func(s *terraform.State) error {
					for name, rs := range s.RootModule().Resources {
						for k, v := range rs.Primary.Attributes {
							if strings.Contains(v, fx.inst.URL) {
								return fmt.Errorf("%s.%s holds a URL of the server: %q", name, k, v)
							}
						}
					}
					return nil
				},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(manifestRunAddr, tfjsonpath.New("source_files").AtSliceIndex(0).AtMapKey("url"), knownvalue.Null()),
				},
			},
		},
	})
}
