package provider

import (
	"fmt"
	"net/http"
	"regexp"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/seed37c7dd03/terraform-provider-itwin/internal/itwin"
	"github.com/seed37c7dd03/terraform-provider-itwin/internal/wire"
)

// One server, every connection data source: itwin_sync_connection (both kinds), itwin_sync_connections (all,
// filtered by a duplicated name), itwin_sync_connector_types and itwin_sync_authorization.
func TestAccSyncConnectionDataSources(t *testing.T) {
	inst, providerCfg := startLocal(t)
	c := testClient(t, inst)
	ctx := t.Context()
	fileA := testUploadFile(t, c, inst, "a.dgn", "a")
	fileB := testUploadFile(t, c, inst, "b.ifc", "ISO-10303-21;")
	storage, err := c.Connections(wire.KindStorage).Create(ctx, itwin.ConnectionCreate{
		IModelID: inst.IModelID, DisplayName: "dup", AuthenticationType: "Service",
		SourceFiles: []itwin.SourceFile{{Key: fileA, ConnectorType: "MSTN"}, {Key: fileB, ConnectorType: "IFC"}},
	})
	if err != nil {
		t.Fatalf("creating storage connection: %v", err)
	}
	manifest, err := c.Connections(wire.KindManifest).Create(ctx, itwin.ConnectionCreate{
		IModelID: inst.IModelID, DisplayName: "dup", SourceFiles: []itwin.SourceFile{{Key: "dms-7"}},
	})
	if err != nil {
		t.Fatalf("creating manifest connection: %v", err)
	}
	if _, err := c.Connections(wire.KindManifest).Create(ctx, itwin.ConnectionCreate{
		IModelID: inst.IModelID, DisplayName: "solo", SourceFiles: []itwin.SourceFile{{Key: "dms-8"}},
	}); err != nil {
		t.Fatalf("creating manifest connection: %v", err)
	}

	config := providerCfg + fmt.Sprintf(`
data "itwin_sync_connection" "storage" {
  id = %q
}
data "itwin_sync_connection" "manifest" {
  id = %q
}
data "itwin_sync_connections" "all" {
  imodel_id = %q
}
data "itwin_sync_connections" "dup" {
  imodel_id    = %q
  display_name = "dup"
}
data "itwin_sync_connector_types" "current" {}
data "itwin_sync_connector_types" "all" {
  include_legacy = true
}
data "itwin_sync_connector_types" "dwg" {
  file_name = "Plant.DWG"
}
data "itwin_sync_authorization" "consent" {
  redirect_url = "https://example.com/done"
}
`, storage.ID, manifest.ID, inst.IModelID, inst.IModelID)

	fileObj := func(id, connector, name string) knownvalue.Check {
		return knownvalue.ObjectPartial(map[string]knownvalue.Check{
			"storage_file_id": knownvalue.StringExact(id), "connector_type": knownvalue.StringExact(connector),
			"file_name": knownvalue.StringExact(name), "source_file_id": knownvalue.Null(), "id": knownvalue.NotNull(),
		})
	}
	current := len(wire.CurrentConnectorTypeNames())
	var consentURL string
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config: config,
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue("data.itwin_sync_connection.storage", tfjsonpath.New("kind"), knownvalue.StringExact("storage")),
					statecheck.ExpectKnownValue("data.itwin_sync_connection.storage", tfjsonpath.New("itwin_id"), knownvalue.StringExact(inst.ITwinID)),
					statecheck.ExpectKnownValue("data.itwin_sync_connection.storage", tfjsonpath.New("authentication_type"), knownvalue.StringExact("Service")),
					statecheck.ExpectKnownValue("data.itwin_sync_connection.storage", tfjsonpath.New("last_run_id"), knownvalue.Null()),
					statecheck.ExpectKnownValue("data.itwin_sync_connection.storage", tfjsonpath.New("source_files"),
						knownvalue.SetExact([]knownvalue.Check{fileObj(fileA, "MSTN", "a.dgn"), fileObj(fileB, "IFC", "b.ifc")})),
					statecheck.ExpectKnownValue("data.itwin_sync_connection.manifest", tfjsonpath.New("kind"), knownvalue.StringExact("manifest")),
					statecheck.ExpectKnownValue("data.itwin_sync_connection.manifest", tfjsonpath.New("imodel_id"), knownvalue.StringExact(inst.IModelID)),
					statecheck.ExpectKnownValue("data.itwin_sync_connection.manifest", tfjsonpath.New("source_files"),
						knownvalue.ListExact([]knownvalue.Check{knownvalue.ObjectPartial(map[string]knownvalue.Check{
							"source_file_id": knownvalue.StringExact("dms-7"), "storage_file_id": knownvalue.Null(),
						})})),
					statecheck.ExpectKnownValue("data.itwin_sync_connections.all", tfjsonpath.New("connections"), knownvalue.ListSizeExact(3)),
					statecheck.ExpectKnownValue("data.itwin_sync_connections.dup", tfjsonpath.New("connections"),
						knownvalue.SetExact([]knownvalue.Check{
							knownvalue.ObjectExact(map[string]knownvalue.Check{"id": knownvalue.StringExact(storage.ID), "kind": knownvalue.StringExact("storage"),
								"display_name": knownvalue.StringExact("dup"), "imodel_id": knownvalue.StringExact(inst.IModelID)}),
							knownvalue.ObjectExact(map[string]knownvalue.Check{"id": knownvalue.StringExact(manifest.ID), "kind": knownvalue.StringExact("manifest"),
								"display_name": knownvalue.StringExact("dup"), "imodel_id": knownvalue.StringExact(inst.IModelID)}),
						})),
					statecheck.ExpectKnownValue("data.itwin_sync_connector_types.current", tfjsonpath.New("names"), knownvalue.ListSizeExact(current)),
					statecheck.ExpectKnownValue("data.itwin_sync_connector_types.all", tfjsonpath.New("names"), knownvalue.ListSizeExact(len(wire.ConnectorTypes))),
					statecheck.ExpectKnownValue("data.itwin_sync_connector_types.dwg", tfjsonpath.New("names"), knownvalue.ListExact([]knownvalue.Check{
						knownvalue.StringExact("MSTN"), knownvalue.StringExact("AUTOPLANT"), knownvalue.StringExact("DWG"), knownvalue.StringExact("CIVIL3D"),
					})),
					statecheck.ExpectKnownValue("data.itwin_sync_connector_types.current", tfjsonpath.New("connector_types").AtSliceIndex(0),
						knownvalue.ObjectPartial(map[string]knownvalue.Check{"name": knownvalue.StringExact("MSTN"), "legacy": knownvalue.Bool(false),
							"extensions": knownvalue.ListPartial(map[int]knownvalue.Check{0: knownvalue.StringExact("dgn")})})),
					statecheck.ExpectKnownValue("data.itwin_sync_authorization.consent", tfjsonpath.New("is_user_authorized"), knownvalue.Bool(false)),
					statecheck.ExpectKnownValue("data.itwin_sync_authorization.consent", tfjsonpath.New("authorization_url"), knownvalue.StringRegexp(regexp.MustCompile(`^https?://`))),
				},
				Check: func(s *terraform.State) error {
					u, err := stateAttr(s, "data.itwin_sync_authorization.consent", "authorization_url")
					consentURL = u
					return err
				},
			},
			{
				// Visiting the consent page (what a user does in a browser) flips is_user_authorized on the next read.
				PreConfig: func() {
					noRedirect := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
					resp, err := noRedirect.Get(consentURL)
					if err != nil {
						t.Fatalf("opening the consent page: %v", err)
					}
					resp.Body.Close()
					if resp.StatusCode != http.StatusFound {
						t.Fatalf("consent page answered %d, want 302", resp.StatusCode)
					}
				},
				Config: config,
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue("data.itwin_sync_authorization.consent", tfjsonpath.New("is_user_authorized"), knownvalue.Bool(true)),
				},
			},
			{
				Config:      providerCfg + `data "itwin_sync_authorization" "bad" { redirect_url = "not a url" }`,
				ExpectError: regexp.MustCompile(`(?s)redirect_url.*absolute http or https URL`),
			},
			{
				Config:      providerCfg + `data "itwin_sync_connection" "nope" { id = "Tm9TdWNoQ29ubmVjdGlvbk5vU3VjaENvbm5lY3Rpb25Ybw" }`,
				ExpectError: regexp.MustCompile(`Connection not found`),
			},
		},
	})
}
