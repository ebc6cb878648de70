package provider

import (
	"fmt"
	"regexp"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/querycheck"
	"github.com/hashicorp/terraform-plugin-testing/querycheck/queryfilter"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/seed37c7dd03/terraform-provider-itwin/internal/itwin"
	"github.com/seed37c7dd03/terraform-provider-itwin/internal/wire"
)

func testConfigure(t *testing.T, c *itwin.Client, scope, id string, settings map[string]any) {
	t.Helper()
	if _, err := c.CreateConfiguration(t.Context(), scope, id, settings); err != nil {
		t.Fatalf("configuring %s %s: %v", scope, id, err)
	}
}

// TestAccSyncConfigurationList_query finds the configurations of an iTwin, of its iModels (listed over several
// pages) and of their storage and manifest connections, and skips the scopes that have none.
func TestAccSyncConfigurationList_query(t *testing.T) {
	inst, providerCfg := startPagedLocal(t, 2)
	c := testClient(t, inst)
	plantA := testCreateIModel(t, c, inst.ITwinID, "Plant A", "")
	plantB := testCreateIModel(t, c, inst.ITwinID, "Plant B", "")
	testCreateIModel(t, c, inst.ITwinID, "Plant C", "") // neither it nor a connection is configured
	file := testUploadFile(t, c, inst, "a.ifc", "ISO-10303-21;")
	storage := testCreateConnection(t, c, wire.KindStorage, plantA.ID, "Plant A model", itwin.SourceFile{Key: file, ConnectorType: "IFC"})
	manifest := testCreateConnection(t, c, wire.KindManifest, plantB.ID, "Plant B documents", itwin.SourceFile{Key: "doc-1"})
	testConfigure(t, c, wire.ScopeITwin, inst.ITwinID, map[string]any{"squashIntermediateRevisions": true})
	testConfigure(t, c, wire.ScopeIModel, plantA.ID, map[string]any{"clampZExtent": true, "overrideRvtReprojectionDistance": 25})
	testConfigure(t, c, wire.ScopeConnection, storage.ID, map[string]any{"enableSheetsAndDrawings": true})
	testConfigure(t, c, wire.ScopeConnection, manifest.ID, map[string]any{"ignoreDgnAttachments": true})

	scope := func(s, id string) queryfilter.QueryFilter {
		return queryfilter.ByResourceIdentity(map[string]knownvalue.Check{"scope": knownvalue.StringExact(s), "scope_id": knownvalue.StringExact(id)})
	}
	const addr = "itwin_sync_configuration.all"
	resource.ParallelTest(t, listTestCase(
		resource.TestStep{
			Query: true,
			Config: providerCfg + fmt.Sprintf(`
list "itwin_sync_configuration" "all" {
  provider         = itwin
  include_resource = true
  config {
    itwin_id = %q
  }
}
`, inst.ITwinID),
			QueryResultChecks: []querycheck.QueryResultCheck{
				querycheck.ExpectLength(addr, 4),
				querycheck.ExpectIdentity(addr, map[string]knownvalue.Check{"scope": knownvalue.StringExact("itwin"), "scope_id": knownvalue.StringExact(inst.ITwinID)}),
				querycheck.ExpectIdentity(addr, map[string]knownvalue.Check{"scope": knownvalue.StringExact("imodel"), "scope_id": knownvalue.StringExact(plantA.ID)}),
				querycheck.ExpectIdentity(addr, map[string]knownvalue.Check{"scope": knownvalue.StringExact("connection"), "scope_id": knownvalue.StringExact(storage.ID)}),
				querycheck.ExpectIdentity(addr, map[string]knownvalue.Check{"scope": knownvalue.StringExact("connection"), "scope_id": knownvalue.StringExact(manifest.ID)}),
				querycheck.ExpectResourceDisplayName(addr, scope("imodel", plantA.ID),
					knownvalue.StringExact("Plant A (iModel sync configuration: clampZExtent, overrideRvtReprojectionDistance)")),
				querycheck.ExpectResourceDisplayName(addr, scope("connection", manifest.ID),
					knownvalue.StringExact("Plant B documents (connection sync configuration: ignoreDgnAttachments)")),
				querycheck.ExpectResourceKnownValues(addr, scope("imodel", plantA.ID), []querycheck.KnownValueCheck{
					{Path: tfjsonpath.New("id"), KnownValue: knownvalue.StringExact("imodels/" + plantA.ID)},
					{Path: tfjsonpath.New("imodel_id"), KnownValue: knownvalue.StringExact(plantA.ID)},
					{Path: tfjsonpath.New("itwin_id"), KnownValue: knownvalue.Null()},
					{Path: tfjsonpath.New("clamp_z_extent"), KnownValue: knownvalue.Bool(true)},
					{Path: tfjsonpath.New("override_rvt_reprojection_distance"), KnownValue: knownvalue.Int64Exact(25)},
					{Path: tfjsonpath.New("enable_file_name_policy"), KnownValue: knownvalue.Null()},
					{Path: tfjsonpath.New("additional_settings"), KnownValue: knownvalue.Null()},
					// resolved through the iTwin's configuration
					{Path: tfjsonpath.New("resolved_settings").AtMapKey("squashIntermediateRevisions"), KnownValue: knownvalue.StringExact("true")},
				}),
				querycheck.ExpectResourceKnownValues(addr, scope("connection", storage.ID), []querycheck.KnownValueCheck{
					{Path: tfjsonpath.New("connection_id"), KnownValue: knownvalue.StringExact(storage.ID)},
					{Path: tfjsonpath.New("enable_sheets_and_drawings"), KnownValue: knownvalue.Bool(true)},
				}),
			},
		},
		resource.TestStep{
			Query: true,
			Config: providerCfg + `
list "itwin_sync_configuration" "none" {
  provider = itwin
  config {
    itwin_id = "00000000-0000-4000-8000-000000000000"
  }
}
`,
			ExpectError: regexp.MustCompile(`(?s)iTwin not found.*config\.itwin_id`),
		},
	))
}
