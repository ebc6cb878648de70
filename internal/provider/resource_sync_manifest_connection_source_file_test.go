package provider

import (
	"context"
	"fmt"
	"os"
	"regexp"
	"strings"
	"testing"

	fwresource "github.com/hashicorp/terraform-plugin-framework/resource"
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
	conn, err := c.Connections(wire.KindManifest).Create(ctx, itwin.ConnectionCreate{
		IModelID: inst.IModelID, DisplayName: "managed elsewhere", SourceFiles: []itwin.SourceFile{{Key: "base"}},
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
					if err := c.Connections(wire.KindManifest).DeleteSourceFile(ctx, conn.ID, mappingID); err != nil {
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

// The import id's second part is the mapping id. On a manifest source file, source_file_id is the external
// document id, so the format must not call the mapping id that (it used to borrow the storage resource's
// "<connection_id>/<source_file_id>"); the docs' import example says the same.
func TestManifestSourceFileImportFormatNamesTheMappingID(t *testing.T) {
	for _, tc := range []struct {
		r          fwresource.Resource
		want, not  string
		docExample string
	}{
		{NewSyncManifestConnectionSourceFileResource(), "<connection_id>/<id>", "<source_file_id>",
			"../../examples/resources/itwin_sync_manifest_connection_source_file/import.sh"},
		{NewSyncStorageConnectionSourceFileResource(), "<connection_id>/<source_file_id>", "<connection_id>/<id>",
			"../../examples/resources/itwin_sync_storage_connection_source_file/import.sh"},
	} {
		var resp fwresource.ImportStateResponse
		tc.r.(fwresource.ResourceWithImportState).ImportState(context.Background(), fwresource.ImportStateRequest{ID: "only-one-part"}, &resp)
		if !resp.Diagnostics.HasError() {
			t.Fatalf("%T: a one-part id was accepted", tc.r)
		}
		detail := resp.Diagnostics.Errors()[0].Detail()
		if !strings.Contains(detail, tc.want) || strings.Contains(detail, tc.not) {
			t.Errorf("%T: import error %q, want the format %s", tc.r, detail, tc.want)
		}
		doc, err := os.ReadFile(tc.docExample)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(string(doc), tc.want) || strings.Contains(string(doc), tc.not) {
			t.Errorf("%s does not document the import id as %s:\n%s", tc.docExample, tc.want, doc)
		}
	}
}
