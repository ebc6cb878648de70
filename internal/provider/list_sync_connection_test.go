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

func testCreateConnection(t *testing.T, c *itwin.Client, k wire.Kind, imodelID, name string, files ...itwin.SourceFile) *wire.Connection {
	t.Helper()
	conn, err := c.Connections(k).Create(t.Context(), itwin.ConnectionCreate{IModelID: imodelID, DisplayName: name,
		AuthenticationType: wire.AuthenticationTypeService, SourceFiles: files})
	if err != nil {
		t.Fatalf("creating %s %s: %v", k.Noun(), name, err)
	}
	return conn
}

// TestAccSyncConnectionList_query lists connections and source files made outside Terraform: an iModel with
// the maximum of 100 storage connections, a connection with the maximum of 250 files (pages of 30), and a
// manifest connection; identities, display names and resource objects as the resources' Read would store them.
func TestAccSyncConnectionList_query(t *testing.T) {
	const pageSize = 30
	inst, providerCfg := startPagedLocal(t, pageSize)
	c := testClient(t, inst)
	crowded := testCreateIModel(t, c, inst.ITwinID, "Crowded", "")
	var conns []*wire.Connection
	for i := range 100 {
		f := testUploadFile(t, c, inst, fmt.Sprintf("c%03d.ifc", i), "ISO-10303-21;")
		conns = append(conns, testCreateConnection(t, c, wire.KindStorage, crowded.ID, fmt.Sprintf("Conn %03d", i),
			itwin.SourceFile{Key: f, ConnectorType: "IFC"}))
	}
	plant := testCreateIModel(t, c, inst.ITwinID, "Plant D", "")
	var files []itwin.SourceFile
	for i := range 250 {
		files = append(files, itwin.SourceFile{Key: testUploadFile(t, c, inst, fmt.Sprintf("d%03d.dgn", i), "d"), ConnectorType: "MSTN"})
	}
	big := testCreateConnection(t, c, wire.KindStorage, plant.ID, "Big", files...)
	archive := testCreateIModel(t, c, inst.ITwinID, "Archive", "") // an iModel maps at most 250 files
	docs := testCreateConnection(t, c, wire.KindManifest, archive.ID, "Docs",
		itwin.SourceFile{Key: "dms-1"}, itwin.SourceFile{Key: "dms-2"}, itwin.SourceFile{Key: "dms-3"})
	bigFiles, err := c.Connections(wire.KindStorage).ListSourceFiles(t.Context(), big.ID)
	if err != nil {
		t.Fatal(err)
	}
	byKey := map[string]itwin.SourceFile{}
	for _, f := range bigFiles {
		byKey[f.Key] = f
	}
	d123 := byKey[files[123].Key]
	docFiles, err := c.Connections(wire.KindManifest).ListSourceFiles(t.Context(), docs.ID)
	if err != nil || len(docFiles) != 3 {
		t.Fatalf("manifest files: %v %v", docFiles, err)
	}

	storagePath := wire.KindStorage.CollectionPath()
	reqs := countRequests(inst)
	byID := func(id string) queryfilter.QueryFilter {
		return queryfilter.ByResourceIdentity(map[string]knownvalue.Check{"id": knownvalue.StringExact(id)})
	}
	child := func(connID, id string) queryfilter.QueryFilter {
		return queryfilter.ByResourceIdentity(map[string]knownvalue.Check{"connection_id": knownvalue.StringExact(connID), "id": knownvalue.StringExact(id)})
	}
	resource.ParallelTest(t, listTestCase(
		resource.TestStep{
			Query: true,
			Config: providerCfg + fmt.Sprintf(`
list "itwin_sync_storage_connection" "crowded" {
  provider         = itwin
  include_resource = true
  limit            = 1000
  config {
    imodel_id = %q
  }
}
`, crowded.ID),
			QueryResultChecks: []querycheck.QueryResultCheck{
				querycheck.ExpectLength("itwin_sync_storage_connection.crowded", 100),
				querycheck.ExpectIdentity("itwin_sync_storage_connection.crowded", map[string]knownvalue.Check{"id": knownvalue.StringExact(conns[99].ID)}),
				querycheck.ExpectResourceDisplayName("itwin_sync_storage_connection.crowded", byID(conns[7].ID),
					knownvalue.StringExact("Conn 007 (storage connection, 1 file)")),
				querycheck.ExpectResourceKnownValues("itwin_sync_storage_connection.crowded", byID(conns[7].ID), []querycheck.KnownValueCheck{
					{Path: tfjsonpath.New("imodel_id"), KnownValue: knownvalue.StringExact(crowded.ID)},
					{Path: tfjsonpath.New("itwin_id"), KnownValue: knownvalue.StringExact(inst.ITwinID)},
					{Path: tfjsonpath.New("display_name"), KnownValue: knownvalue.StringExact("Conn 007")},
					{Path: tfjsonpath.New("authentication_type"), KnownValue: knownvalue.StringExact(wire.AuthenticationTypeService)},
					{Path: tfjsonpath.New("source_files"), KnownValue: knownvalue.SetExact([]knownvalue.Check{knownvalue.ObjectExact(map[string]knownvalue.Check{
						"storage_file_id": knownvalue.NotNull(), "connector_type": knownvalue.StringExact("IFC"),
					})})},
					{Path: tfjsonpath.New("source_file_names"), KnownValue: knownvalue.MapSizeExact(1)},
				}),
			},
		},
		resource.TestStep{
			PreConfig: func() {
				if n := reqs.since("GET " + storagePath); n != 4 {
					t.Errorf("100 connections in pages of %d: %d list requests, want 4", pageSize, n)
				}
				if n := reqs.since("GET " + storagePath + "/{id}/sourcefiles"); n != 100 {
					t.Errorf("%d source-file list requests for 100 connections of one file, want 100", n)
				}
			},
			Query: true,
			Config: providerCfg + fmt.Sprintf(`
list "itwin_sync_storage_connection_source_file" "big" {
  provider         = itwin
  include_resource = true
  limit            = 1000
  config {
    connection_id = %[1]q
  }
}

list "itwin_sync_manifest_connection" "archive" {
  provider         = itwin
  include_resource = true
  config {
    imodel_id = %[2]q
  }
}

list "itwin_sync_manifest_connection_source_file" "docs" {
  provider         = itwin
  include_resource = true
  config {
    connection_id = %[3]q
  }
}
`, big.ID, archive.ID, docs.ID),
			QueryResultChecks: []querycheck.QueryResultCheck{
				querycheck.ExpectLength("itwin_sync_storage_connection_source_file.big", 250),
				querycheck.ExpectResourceDisplayName("itwin_sync_storage_connection_source_file.big", child(big.ID, d123.ID),
					knownvalue.StringExact(`d123.dgn, MSTN (source file of storage connection "Big")`)),
				querycheck.ExpectResourceKnownValues("itwin_sync_storage_connection_source_file.big", child(big.ID, d123.ID), []querycheck.KnownValueCheck{
					{Path: tfjsonpath.New("connection_id"), KnownValue: knownvalue.StringExact(big.ID)},
					{Path: tfjsonpath.New("storage_file_id"), KnownValue: knownvalue.StringExact(files[123].Key)},
					{Path: tfjsonpath.New("connector_type"), KnownValue: knownvalue.StringExact("MSTN")},
					{Path: tfjsonpath.New("file_name"), KnownValue: knownvalue.StringExact("d123.dgn")},
				}),
				querycheck.ExpectLength("itwin_sync_manifest_connection.archive", 1),
				querycheck.ExpectResourceDisplayName("itwin_sync_manifest_connection.archive", byID(docs.ID),
					knownvalue.StringExact("Docs (manifest connection, 3 files)")),
				querycheck.ExpectResourceKnownValues("itwin_sync_manifest_connection.archive", byID(docs.ID), []querycheck.KnownValueCheck{
					{Path: tfjsonpath.New("source_files"), KnownValue: knownvalue.SetExact([]knownvalue.Check{
						knownvalue.StringExact("dms-1"), knownvalue.StringExact("dms-2"), knownvalue.StringExact("dms-3"),
					})},
				}),
				querycheck.ExpectLength("itwin_sync_manifest_connection_source_file.docs", 3),
				querycheck.ExpectIdentity("itwin_sync_manifest_connection_source_file.docs", map[string]knownvalue.Check{
					"connection_id": knownvalue.StringExact(docs.ID), "id": knownvalue.StringExact(docFiles[0].ID),
				}),
				querycheck.ExpectResourceKnownValues("itwin_sync_manifest_connection_source_file.docs", child(docs.ID, docFiles[0].ID), []querycheck.KnownValueCheck{
					{Path: tfjsonpath.New("source_file_id"), KnownValue: knownvalue.StringExact(docFiles[0].Key)},
				}),
			},
		},
		resource.TestStep{
			PreConfig: func() {
				if n := reqs.since("GET " + storagePath + "/{id}/sourcefiles"); n != 9 {
					t.Errorf("250 source files in pages of %d: %d list requests, want 9", pageSize, n)
				}
			},
			Query: true,
			Config: providerCfg + `
list "itwin_sync_storage_connection" "nowhere" {
  provider = itwin
  config {
    imodel_id = "00000000-0000-4000-8000-000000000000"
  }
}
`,
			ExpectError: regexp.MustCompile(`(?s)iModel not found.*config\.imodel_id`),
		},
		resource.TestStep{
			Query: true,
			Config: providerCfg + fmt.Sprintf(`
list "itwin_sync_storage_connection_source_file" "wrong_kind" {
  provider = itwin
  config {
    connection_id = %q
  }
}
`, docs.ID),
			ExpectError: regexp.MustCompile(`(?s)Storage connection not found.*config\.connection_id.*manifest connection`),
		},
	))
}
