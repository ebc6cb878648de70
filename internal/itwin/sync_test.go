package itwin

import (
	"net/http"
	"net/url"
	"reflect"
	"testing"

	"github.com/seed37c7dd03/terraform-provider-itwin/internal/wire"
)

const (
	tCID   = "CDGyTAuzEViJKcyqyWp6bJW6ecC69Od8tgzKjbyILG8"
	tIM    = "eb6ccda2-15aa-4aff-99b5-9c71aea04ceb"
	tTW    = "67453631-e02f-4e5f-aeb6-4ac1c299a4d2"
	tSF    = "35009393-a7a5-4e2a-bda0-89da60f2419f"
	tRun   = "f5dfaaf8-791b-45d1-9548-16cf2ff6147d"
	tFile  = "2brjy0UFbl0EUyZ5Em39_mmeJ_mO2yS-eWMPgFQpeXI"
	tFold  = "OS4e69mKiNoACvSOxCDvIhe9VE7jb5969sPXv0EJ9Uc"
	syncIM = "/synchronization/imodels"
)

var (
	connBody     = map[string]any{"connection": map[string]any{"id": tCID, "displayName": "Plant A", "iModelId": tIM}}
	connsBody    = map[string]any{"connections": []any{map[string]any{"id": tCID, "displayName": "Plant A"}}, "_links": map[string]any{"next": nil}}
	sfBody       = map[string]any{"sourceFile": map[string]any{"id": tSF, "storageFileId": tFile, "connectorType": "MSTN"}}
	sfsBody      = map[string]any{"sourceFiles": []any{map[string]any{"id": tSF, "storageFileId": tFile, "connectorType": "MSTN"}}, "_links": map[string]any{}}
	msfBody      = map[string]any{"sourceFile": map[string]any{"id": tSF, "sourceFileId": "dms-0001"}}
	msfsBody     = map[string]any{"sourceFiles": []any{map[string]any{"id": tSF, "sourceFileId": "dms-0001"}}, "_links": map[string]any{}}
	runBody      = map[string]any{"run": map[string]any{"id": tRun, "state": "Executing", "result": "Undetermined", "jobs": []any{}}}
	runsBody     = map[string]any{"runs": []any{map[string]any{"id": tRun, "state": "Completed", "result": "Success"}}, "_links": map[string]any{}}
	configBody   = map[string]any{"configuration": map[string]any{"scopeId": tIM, "settings": map[string]any{"clampZExtent": true}, "resolvedSettings": map[string]any{"clampZExtent": true}}}
	itwinBody    = map[string]any{"iTwin": map[string]any{"id": tTW, "displayName": "Plant", "class": "Thing", "subClass": "Asset"}}
	imodelBody   = map[string]any{"iModel": map[string]any{"id": tIM, "displayName": "Plant", "name": "Plant", "state": "initialized", "iTwinId": tTW}}
	csBody       = map[string]any{"changeset": map[string]any{"id": "672fc94b069c32c9bd002898f2e3a9ff8809f349", "index": 4, "displayName": "4"}}
	csListBody   = map[string]any{"changesets": []any{map[string]any{"id": "a", "index": 1}, map[string]any{"id": "b", "index": 2}}, "_links": map[string]any{}}
	folderBody   = map[string]any{"folder": map[string]any{"id": tFold, "type": "folder", "displayName": "Plant A"}}
	fileBody     = map[string]any{"file": map[string]any{"id": tFile, "type": "file", "displayName": "a.dgn", "size": 12}}
	itemListBody = map[string]any{"items": []any{map[string]any{"id": tFile, "type": "file", "displayName": "a.dgn", "size": 12}}, "_links": map[string]any{}}
)

// TestRequestsExact checks, for every typed call, the exact method, path, query, body and headers it sends and
// that it decodes the answer.
func TestRequestsExact(t *testing.T) {
	ctx := t.Context()
	type tc struct {
		name    string
		route   string // ServeMux pattern
		status  int
		resp    any
		invoke  func(t *testing.T, c *Client)
		method  string
		path    string
		query   url.Values
		body    string // expected JSON body; "" = none
		accept  string
		prefer  bool
		headers map[string]string // extra response headers
	}
	must := func(t *testing.T, err error) {
		t.Helper()
		if err != nil {
			t.Fatalf("unexpected error: %v", err)
		}
	}
	cases := []tc{
		{name: "CreateStorageConnection", route: "POST " + syncIM + "/storageconnections", status: 201, resp: connBody,
			invoke: func(t *testing.T, c *Client) {
				conn, err := c.Connections(wire.KindStorage).Create(ctx, ConnectionCreate{IModelID: tIM, DisplayName: "Plant A", AuthenticationType: "Service",
					SourceFiles: []SourceFile{{Key: tFile, ConnectorType: "MSTN"}}})
				must(t, err)
				if conn.ID != tCID || conn.IModelID != tIM {
					t.Errorf("connection = %+v", conn)
				}
			},
			method: "POST", path: syncIM + "/storageconnections",
			body: `{"iModelId":"` + tIM + `","displayName":"Plant A","authenticationType":"Service","sourceFiles":[{"storageFileId":"` + tFile + `","connectorType":"MSTN"}]}`},
		{name: "GetStorageConnection", route: "GET " + syncIM + "/storageconnections/" + tCID, status: 200, resp: connBody,
			invoke: func(t *testing.T, c *Client) {
				conn, err := c.Connections(wire.KindStorage).Get(ctx, tCID)
				must(t, err)
				if conn.DisplayName != "Plant A" {
					t.Errorf("connection = %+v", conn)
				}
			}, method: "GET", path: syncIM + "/storageconnections/" + tCID},
		{name: "ListStorageConnections", route: "GET " + syncIM + "/storageconnections", status: 200, resp: connsBody,
			invoke: func(t *testing.T, c *Client) {
				list, err := c.Connections(wire.KindStorage).List(ctx, tIM)
				must(t, err)
				if len(list) != 1 || list[0].ID != tCID {
					t.Errorf("list = %+v", list)
				}
			}, method: "GET", path: syncIM + "/storageconnections", query: url.Values{"imodelId": {tIM}, "$top": {"1000"}}, prefer: true},
		{name: "ListStorageConnectionsAll", route: "GET " + syncIM + "/storageconnections", status: 200, resp: connsBody,
			invoke: func(t *testing.T, c *Client) {
				_, err := c.Connections(wire.KindStorage).List(ctx, "")
				must(t, err)
			}, method: "GET", path: syncIM + "/storageconnections", query: url.Values{"$top": {"1000"}}, prefer: true},
		{name: "UpdateStorageConnection", route: "PUT " + syncIM + "/storageconnections/" + tCID, status: 200, resp: connBody,
			invoke: func(t *testing.T, c *Client) {
				_, err := c.Connections(wire.KindStorage).Update(ctx, tCID, wire.ConnectionUpdate{DisplayName: wire.Ptr("Renamed")})
				must(t, err)
			}, method: "PUT", path: syncIM + "/storageconnections/" + tCID, body: `{"displayName":"Renamed"}`},
		{name: "DeleteStorageConnection", route: "DELETE " + syncIM + "/storageconnections/" + tCID, status: 204,
			invoke: func(t *testing.T, c *Client) { must(t, c.Connections(wire.KindStorage).Delete(ctx, tCID)) },
			method: "DELETE", path: syncIM + "/storageconnections/" + tCID},
		{name: "CreateManifestConnection", route: "POST " + syncIM + "/manifestconnections", status: 201, resp: connBody,
			invoke: func(t *testing.T, c *Client) {
				_, err := c.Connections(wire.KindManifest).Create(ctx, ConnectionCreate{IModelID: tIM, SourceFiles: []SourceFile{{Key: "dms-0001"}}})
				must(t, err)
			}, method: "POST", path: syncIM + "/manifestconnections", body: `{"iModelId":"` + tIM + `","sourceFiles":[{"sourceFileId":"dms-0001"}]}`},
		{name: "GetManifestConnection", route: "GET " + syncIM + "/manifestconnections/" + tCID, status: 200, resp: connBody,
			invoke: func(t *testing.T, c *Client) { _, err := c.Connections(wire.KindManifest).Get(ctx, tCID); must(t, err) },
			method: "GET", path: syncIM + "/manifestconnections/" + tCID},
		{name: "ListManifestConnections", route: "GET " + syncIM + "/manifestconnections", status: 200, resp: connsBody,
			invoke: func(t *testing.T, c *Client) { _, err := c.Connections(wire.KindManifest).List(ctx, tIM); must(t, err) },
			method: "GET", path: syncIM + "/manifestconnections", query: url.Values{"imodelId": {tIM}, "$top": {"1000"}}, prefer: true},
		{name: "UpdateManifestConnection", route: "PUT " + syncIM + "/manifestconnections/" + tCID, status: 200, resp: connBody,
			invoke: func(t *testing.T, c *Client) {
				_, err := c.Connections(wire.KindManifest).Update(ctx, tCID, wire.ConnectionUpdate{AuthenticationType: "User"})
				must(t, err)
			}, method: "PUT", path: syncIM + "/manifestconnections/" + tCID, body: `{"authenticationType":"User"}`},
		{name: "DeleteManifestConnection", route: "DELETE " + syncIM + "/manifestconnections/" + tCID, status: 204,
			invoke: func(t *testing.T, c *Client) { must(t, c.Connections(wire.KindManifest).Delete(ctx, tCID)) },
			method: "DELETE", path: syncIM + "/manifestconnections/" + tCID},
		{name: "ListConnections", route: "GET " + syncIM + "/connections", status: 200, resp: connsBody,
			invoke: func(t *testing.T, c *Client) { _, err := c.ListConnections(ctx, tIM); must(t, err) },
			method: "GET", path: syncIM + "/connections", query: url.Values{"imodelId": {tIM}, "$top": {"1000"}}, prefer: true},
		{name: "AddStorageSourceFile", route: "POST " + syncIM + "/storageconnections/" + tCID + "/sourcefiles", status: 201, resp: sfBody,
			invoke: func(t *testing.T, c *Client) {
				sf, err := c.Connections(wire.KindStorage).AddSourceFile(ctx, tCID, SourceFile{Key: tFile, ConnectorType: "MSTN"})
				must(t, err)
				if sf.ID != tSF || sf.ConnectorType != "MSTN" {
					t.Errorf("source file = %+v", sf)
				}
			}, method: "POST", path: syncIM + "/storageconnections/" + tCID + "/sourcefiles", body: `{"storageFileId":"` + tFile + `","connectorType":"MSTN"}`},
		{name: "ListStorageSourceFiles", route: "GET " + syncIM + "/storageconnections/" + tCID + "/sourcefiles", status: 200, resp: sfsBody,
			invoke: func(t *testing.T, c *Client) {
				list, err := c.Connections(wire.KindStorage).ListSourceFiles(ctx, tCID)
				must(t, err)
				if len(list) != 1 || list[0].ConnectorType != "MSTN" {
					t.Errorf("list = %+v", list)
				}
			}, method: "GET", path: syncIM + "/storageconnections/" + tCID + "/sourcefiles", query: url.Values{"$top": {"1000"}}, prefer: true},
		{name: "GetStorageSourceFile", route: "GET " + syncIM + "/storageconnections/" + tCID + "/sourcefiles/" + tSF, status: 200, resp: sfBody,
			invoke: func(t *testing.T, c *Client) {
				_, err := c.Connections(wire.KindStorage).GetSourceFile(ctx, tCID, tSF)
				must(t, err)
			},
			method: "GET", path: syncIM + "/storageconnections/" + tCID + "/sourcefiles/" + tSF},
		{name: "UpdateStorageSourceFile", route: "PUT " + syncIM + "/storageconnections/" + tCID + "/sourcefiles/" + tSF, status: 200, resp: sfBody,
			invoke: func(t *testing.T, c *Client) {
				_, err := c.Connections(wire.KindStorage).UpdateSourceFile(ctx, tCID, tSF, SourceFile{Key: tFile, ConnectorType: "OBD"})
				must(t, err)
			}, method: "PUT", path: syncIM + "/storageconnections/" + tCID + "/sourcefiles/" + tSF, body: `{"storageFileId":"` + tFile + `","connectorType":"OBD"}`},
		{name: "DeleteStorageSourceFile", route: "DELETE " + syncIM + "/storageconnections/" + tCID + "/sourcefiles/" + tSF, status: 204,
			invoke: func(t *testing.T, c *Client) {
				must(t, c.Connections(wire.KindStorage).DeleteSourceFile(ctx, tCID, tSF))
			},
			method: "DELETE", path: syncIM + "/storageconnections/" + tCID + "/sourcefiles/" + tSF},
		{name: "AddManifestSourceFile", route: "POST " + syncIM + "/manifestconnections/" + tCID + "/sourcefiles", status: 201, resp: msfBody,
			invoke: func(t *testing.T, c *Client) {
				sf, err := c.Connections(wire.KindManifest).AddSourceFile(ctx, tCID, SourceFile{Key: "dms-0001"})
				must(t, err)
				if sf.Key != "dms-0001" {
					t.Errorf("source file = %+v", sf)
				}
			}, method: "POST", path: syncIM + "/manifestconnections/" + tCID + "/sourcefiles", body: `{"sourceFileId":"dms-0001"}`},
		{name: "ListManifestSourceFiles", route: "GET " + syncIM + "/manifestconnections/" + tCID + "/sourcefiles", status: 200, resp: msfsBody,
			invoke: func(t *testing.T, c *Client) {
				_, err := c.Connections(wire.KindManifest).ListSourceFiles(ctx, tCID)
				must(t, err)
			},
			method: "GET", path: syncIM + "/manifestconnections/" + tCID + "/sourcefiles", query: url.Values{"$top": {"1000"}}, prefer: true},
		{name: "GetManifestSourceFile", route: "GET " + syncIM + "/manifestconnections/" + tCID + "/sourcefiles/" + tSF, status: 200, resp: msfBody,
			invoke: func(t *testing.T, c *Client) {
				_, err := c.Connections(wire.KindManifest).GetSourceFile(ctx, tCID, tSF)
				must(t, err)
			},
			method: "GET", path: syncIM + "/manifestconnections/" + tCID + "/sourcefiles/" + tSF},
		{name: "UpdateManifestSourceFile", route: "PUT " + syncIM + "/manifestconnections/" + tCID + "/sourcefiles/" + tSF, status: 200, resp: msfBody,
			invoke: func(t *testing.T, c *Client) {
				_, err := c.Connections(wire.KindManifest).UpdateSourceFile(ctx, tCID, tSF, SourceFile{Key: "dms-0009"})
				must(t, err)
			}, method: "PUT", path: syncIM + "/manifestconnections/" + tCID + "/sourcefiles/" + tSF, body: `{"sourceFileId":"dms-0009"}`},
		{name: "DeleteManifestSourceFile", route: "DELETE " + syncIM + "/manifestconnections/" + tCID + "/sourcefiles/" + tSF, status: 204,
			invoke: func(t *testing.T, c *Client) {
				must(t, c.Connections(wire.KindManifest).DeleteSourceFile(ctx, tCID, tSF))
			},
			method: "DELETE", path: syncIM + "/manifestconnections/" + tCID + "/sourcefiles/" + tSF},
		{name: "GetAuthorizationInformation", route: "GET " + syncIM + "/connections/authorizationinformation", status: 200,
			resp: map[string]any{"authorizationInformation": map[string]any{"isUserAuthorized": true, "_links": map[string]any{"authorizationUrl": map[string]any{"href": "https://x/consent"}}}},
			invoke: func(t *testing.T, c *Client) {
				ai, err := c.GetAuthorizationInformation(ctx, "https://example.com/done")
				must(t, err)
				if !ai.IsUserAuthorized || ai.Links.AuthorizationURL.Href != "https://x/consent" {
					t.Errorf("info = %+v", ai)
				}
			}, method: "GET", path: syncIM + "/connections/authorizationinformation", query: url.Values{"redirectUrl": {"https://example.com/done"}}},
		{name: "GetStorageRun", route: "GET " + syncIM + "/storageconnections/" + tCID + "/runs/" + tRun, status: 200, resp: runBody,
			invoke: func(t *testing.T, c *Client) {
				run, err := c.Connections(wire.KindStorage).GetRun(ctx, tCID, tRun)
				must(t, err)
				if run.ID != tRun || run.State != wire.StateExecuting || run.Jobs == nil {
					t.Errorf("run = %+v", run)
				}
			}, method: "GET", path: syncIM + "/storageconnections/" + tCID + "/runs/" + tRun},
		{name: "GetManifestRun", route: "GET " + syncIM + "/manifestconnections/" + tCID + "/runs/" + tRun, status: 200, resp: runBody,
			invoke: func(t *testing.T, c *Client) {
				_, err := c.Connections(wire.KindManifest).GetRun(ctx, tCID, tRun)
				must(t, err)
			},
			method: "GET", path: syncIM + "/manifestconnections/" + tCID + "/runs/" + tRun},
		{name: "ListStorageRuns", route: "GET " + syncIM + "/storageconnections/" + tCID + "/runs", status: 200, resp: runsBody,
			invoke: func(t *testing.T, c *Client) {
				runs, err := c.Connections(wire.KindStorage).ListRuns(ctx, tCID, 0)
				must(t, err)
				if len(runs) != 1 || runs[0].Result != wire.ResultSuccess {
					t.Errorf("runs = %+v", runs)
				}
			}, method: "GET", path: syncIM + "/storageconnections/" + tCID + "/runs", query: url.Values{"$top": {"1000"}}, prefer: true},
		{name: "ListManifestRunsLimit", route: "GET " + syncIM + "/manifestconnections/" + tCID + "/runs", status: 200, resp: runsBody,
			invoke: func(t *testing.T, c *Client) {
				_, err := c.Connections(wire.KindManifest).ListRuns(ctx, tCID, 1)
				must(t, err)
			},
			method: "GET", path: syncIM + "/manifestconnections/" + tCID + "/runs", query: url.Values{"$top": {"1"}}, prefer: true},
		{name: "GetReports", route: "GET /synchronization/reports", status: 200,
			resp: map[string]any{"reports": []any{map[string]any{"id": "r1", "imodelId": tIM, "runId": tRun, "sasUri": "https://blob/r1?sig=x"}}},
			invoke: func(t *testing.T, c *Client) {
				reps, err := c.GetReports(ctx, tIM, tRun, "task-1")
				must(t, err)
				if len(reps) != 1 || reps[0].SasURI != "https://blob/r1?sig=x" {
					t.Errorf("reports = %+v", reps)
				}
			}, method: "GET", path: "/synchronization/reports", query: url.Values{"imodelId": {tIM}, "runId": {tRun}, "taskId": {"task-1"}}},
		{name: "GetReportsNoTask", route: "GET /synchronization/reports", status: 200, resp: map[string]any{},
			invoke: func(t *testing.T, c *Client) {
				reps, err := c.GetReports(ctx, tIM, tRun, "")
				must(t, err)
				if reps == nil || len(reps) != 0 {
					t.Errorf("reports = %#v, want empty non-nil", reps)
				}
			}, method: "GET", path: "/synchronization/reports", query: url.Values{"imodelId": {tIM}, "runId": {tRun}}},
		{name: "GetConfigurationITwin", route: "GET /synchronization/configurations/itwins/" + tTW, status: 200, resp: configBody,
			invoke: func(t *testing.T, c *Client) {
				cfg, err := c.GetConfiguration(ctx, wire.ScopeITwin, tTW)
				must(t, err)
				if cfg.Settings["clampZExtent"] != true {
					t.Errorf("configuration = %+v", cfg)
				}
			}, method: "GET", path: "/synchronization/configurations/itwins/" + tTW},
		{name: "CreateConfigurationIModel", route: "POST /synchronization/configurations/imodels/" + tIM, status: 201, resp: configBody,
			invoke: func(t *testing.T, c *Client) {
				_, err := c.CreateConfiguration(ctx, wire.ScopeIModel, tIM, map[string]any{"clampZExtent": true})
				must(t, err)
			}, method: "POST", path: "/synchronization/configurations/imodels/" + tIM, body: `{"clampZExtent":true}`},
		{name: "PatchConfigurationConnection", route: "PATCH /synchronization/configurations/connections/" + tCID, status: 200, resp: configBody,
			invoke: func(t *testing.T, c *Client) {
				_, err := c.PatchConfiguration(ctx, wire.ScopeConnection, tCID, map[string]any{"enableSheetIndex": false, "revitLevelOfDetail": 2})
				must(t, err)
			}, method: "PATCH", path: "/synchronization/configurations/connections/" + tCID, body: `{"enableSheetIndex":false,"revitLevelOfDetail":2}`},
		{name: "DeleteConfiguration", route: "DELETE /synchronization/configurations/imodels/" + tIM, status: 204,
			invoke: func(t *testing.T, c *Client) { must(t, c.DeleteConfiguration(ctx, wire.ScopeIModel, tIM)) },
			method: "DELETE", path: "/synchronization/configurations/imodels/" + tIM},
		{name: "GetITwin", route: "GET /itwins/" + tTW, status: 200, resp: itwinBody,
			invoke: func(t *testing.T, c *Client) {
				tw, err := c.GetITwin(ctx, tTW)
				must(t, err)
				if tw.ID != tTW || tw.Class != "Thing" {
					t.Errorf("iTwin = %+v", tw)
				}
			}, method: "GET", path: "/itwins/" + tTW},
		{name: "CreateITwin", route: "POST /itwins/", status: 201, resp: itwinBody,
			invoke: func(t *testing.T, c *Client) {
				_, err := c.CreateITwin(ctx, wire.ITwinCreate{Class: "Thing", SubClass: "Asset", DisplayName: "Plant"})
				must(t, err)
			}, method: "POST", path: "/itwins/", body: `{"class":"Thing","subClass":"Asset","displayName":"Plant"}`},
		{name: "DeleteITwin", route: "DELETE /itwins/" + tTW, status: 204,
			invoke: func(t *testing.T, c *Client) { must(t, c.DeleteITwin(ctx, tTW)) }, method: "DELETE", path: "/itwins/" + tTW},
		{name: "CreateIModel", route: "POST /imodels", status: 201, resp: imodelBody,
			invoke: func(t *testing.T, c *Client) {
				im, err := c.CreateIModel(ctx, wire.IModelCreate{ITwinID: tTW, Name: "Plant", CreationMode: "empty"})
				must(t, err)
				if im.State != wire.IModelStateInitialized {
					t.Errorf("iModel = %+v", im)
				}
			}, method: "POST", path: "/imodels", accept: acceptV2, body: `{"iTwinId":"` + tTW + `","name":"Plant","creationMode":"empty"}`},
		{name: "GetIModel", route: "GET /imodels/" + tIM, status: 200, resp: imodelBody,
			invoke: func(t *testing.T, c *Client) { _, err := c.GetIModel(ctx, tIM); must(t, err) },
			method: "GET", path: "/imodels/" + tIM, accept: acceptV2},
		{name: "DeleteIModel", route: "DELETE /imodels/" + tIM, status: 204,
			invoke: func(t *testing.T, c *Client) { must(t, c.DeleteIModel(ctx, tIM)) }, method: "DELETE", path: "/imodels/" + tIM, accept: acceptV2},
		{name: "ListChangesets", route: "GET /imodels/" + tIM + "/changesets", status: 200, resp: csListBody,
			invoke: func(t *testing.T, c *Client) {
				list, err := c.ListChangesets(ctx, tIM)
				must(t, err)
				if len(list) != 2 || list[1].Index != 2 {
					t.Errorf("changesets = %+v", list)
				}
			}, method: "GET", path: "/imodels/" + tIM + "/changesets", query: url.Values{"$orderBy": {"index asc"}, "$top": {"1000"}}, accept: acceptV2, prefer: true},
		{name: "GetChangeset", route: "GET /imodels/" + tIM + "/changesets/4", status: 200, resp: csBody,
			invoke: func(t *testing.T, c *Client) {
				cs, err := c.GetChangeset(ctx, tIM, "4")
				must(t, err)
				if cs.Index != 4 {
					t.Errorf("changeset = %+v", cs)
				}
			}, method: "GET", path: "/imodels/" + tIM + "/changesets/4", accept: acceptV2},
		{name: "GetRootFolderID", route: "GET /storage/", status: 200,
			resp: map[string]any{"items": []any{}, "_links": map[string]any{"folder": map[string]any{"href": "https://h/storage/folders/" + tFold}}},
			invoke: func(t *testing.T, c *Client) {
				id, err := c.GetRootFolderID(ctx, tTW)
				must(t, err)
				if id != tFold {
					t.Errorf("root folder = %q", id)
				}
			}, method: "GET", path: "/storage/", query: url.Values{"iTwinId": {tTW}}},
		{name: "CreateFolder", route: "POST /storage/folders/" + tFold + "/folders", status: 201, resp: folderBody,
			invoke: func(t *testing.T, c *Client) {
				f, err := c.CreateFolder(ctx, tFold, wire.StorageItemCreate{DisplayName: "Plant A", Description: "d"})
				must(t, err)
				if f.Type != wire.StorageTypeFolder {
					t.Errorf("folder = %+v", f)
				}
			}, method: "POST", path: "/storage/folders/" + tFold + "/folders", body: `{"displayName":"Plant A","description":"d"}`},
		{name: "GetFolder", route: "GET /storage/folders/" + tFold, status: 200, resp: folderBody,
			invoke: func(t *testing.T, c *Client) { _, err := c.GetFolder(ctx, tFold); must(t, err) }, method: "GET", path: "/storage/folders/" + tFold},
		{name: "UpdateFolder", route: "PATCH /storage/folders/" + tFold, status: 200, resp: folderBody,
			invoke: func(t *testing.T, c *Client) {
				_, err := c.UpdateFolder(ctx, tFold, wire.StorageItemUpdate{DisplayName: wire.Ptr("B")})
				must(t, err)
			}, method: "PATCH", path: "/storage/folders/" + tFold, body: `{"displayName":"B"}`},
		{name: "DeleteFolder", route: "DELETE /storage/folders/" + tFold, status: 204,
			invoke: func(t *testing.T, c *Client) { must(t, c.DeleteFolder(ctx, tFold)) }, method: "DELETE", path: "/storage/folders/" + tFold},
		{name: "ListFolderItems", route: "GET /storage/folders/" + tFold + "/list", status: 200, resp: itemListBody,
			invoke: func(t *testing.T, c *Client) {
				items, err := c.ListFolderItems(ctx, tFold)
				must(t, err)
				if len(items) != 1 || *items[0].Size != 12 {
					t.Errorf("items = %+v", items)
				}
			}, method: "GET", path: "/storage/folders/" + tFold + "/list", query: url.Values{"$top": {"1000"}}, prefer: true},
		{name: "GetFile", route: "GET /storage/files/" + tFile, status: 200, resp: fileBody,
			invoke: func(t *testing.T, c *Client) {
				f, err := c.GetFile(ctx, tFile)
				must(t, err)
				if f.Size != 12 {
					t.Errorf("file = %+v", f)
				}
			}, method: "GET", path: "/storage/files/" + tFile},
		{name: "UpdateFile", route: "PATCH /storage/files/" + tFile, status: 200, resp: fileBody,
			invoke: func(t *testing.T, c *Client) {
				_, err := c.UpdateFile(ctx, tFile, wire.StorageItemUpdate{Description: wire.Ptr("new")})
				must(t, err)
			}, method: "PATCH", path: "/storage/files/" + tFile, body: `{"description":"new"}`},
		{name: "UpdateFileClearsDescription", route: "PATCH /storage/files/" + tFile, status: 200, resp: fileBody,
			invoke: func(t *testing.T, c *Client) {
				// An explicit "" is sent (it clears); the omitted name is kept by the server.
				_, err := c.UpdateFile(ctx, tFile, wire.StorageItemUpdate{Description: wire.Ptr("")})
				must(t, err)
			}, method: "PATCH", path: "/storage/files/" + tFile, body: `{"description":""}`},
		{name: "DeleteFile", route: "DELETE /storage/files/" + tFile, status: 204,
			invoke: func(t *testing.T, c *Client) { must(t, c.DeleteFile(ctx, tFile)) }, method: "DELETE", path: "/storage/files/" + tFile},
		{name: "GetFileDownloadURL", route: "GET /storage/files/" + tFile + "/download", status: 302,
			headers: map[string]string{"Location": "https://blobs.example.test/c/a.dgn?sig=abc&se=2025"},
			invoke: func(t *testing.T, c *Client) {
				u, err := c.GetFileDownloadURL(ctx, tFile)
				must(t, err)
				if u != "https://blobs.example.test/c/a.dgn?sig=abc&se=2025" {
					t.Errorf("download URL = %q", u)
				}
			}, method: "GET", path: "/storage/files/" + tFile + "/download"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f := newFakeAPI(t)
			f.handle(tc.route, func(w http.ResponseWriter, _ *http.Request) {
				for k, v := range tc.headers {
					w.Header().Set(k, v)
				}
				writeJSON(w, tc.status, tc.resp)
			})
			tc.invoke(t, f.client())
			reqs := f.requests()
			if len(reqs) != 1 {
				t.Fatalf("got %d requests, want 1: %+v", len(reqs), reqs)
			}
			r := reqs[0]
			if r.Method != tc.method || r.Path != tc.path {
				t.Errorf("request = %s %s, want %s %s", r.Method, r.Path, tc.method, tc.path)
			}
			gotQ, _ := url.ParseQuery(r.RawQuery)
			wantQ := tc.query
			if wantQ == nil {
				wantQ = url.Values{}
			}
			if !reflect.DeepEqual(gotQ, wantQ) {
				t.Errorf("query = %v, want %v", gotQ, wantQ)
			}
			if tc.body == "" {
				if len(r.Body) != 0 {
					t.Errorf("unexpected body %q", r.Body)
				}
				if ct := r.Header.Get("Content-Type"); ct != "" {
					t.Errorf("Content-Type %q sent without a body", ct)
				}
			} else {
				jsonEqual(t, r.Body, tc.body)
				if ct := r.Header.Get("Content-Type"); ct != "application/json" {
					t.Errorf("Content-Type = %q", ct)
				}
			}
			accept := tc.accept
			if accept == "" {
				accept = acceptV1
			}
			if got := r.Header.Get("Accept"); got != accept {
				t.Errorf("Accept = %q, want %q", got, accept)
			}
			if got := r.Header.Get("Authorization"); got != "Bearer test-access-token" {
				t.Errorf("Authorization = %q", got)
			}
			if got := r.Header.Get("User-Agent"); got != "terraform-provider-itwin/test" {
				t.Errorf("User-Agent = %q", got)
			}
			wantPrefer := ""
			if tc.prefer {
				wantPrefer = "return=representation"
			}
			if got := r.Header.Get("Prefer"); got != wantPrefer {
				t.Errorf("Prefer = %q, want %q", got, wantPrefer)
			}
		})
	}
}

// TestEmptyIDsRejected: an empty id must not silently turn "get one" into "list all".
func TestEmptyIDsRejected(t *testing.T) {
	f := newFakeAPI(t)
	c := f.client()
	ctx := t.Context()
	calls := map[string]func() error{
		"GetStorageConnection":   func() error { _, err := c.Connections(wire.KindStorage).Get(ctx, ""); return err },
		"DeleteManifestConn":     func() error { return c.Connections(wire.KindManifest).Delete(ctx, " ") },
		"GetStorageSourceFile":   func() error { _, err := c.Connections(wire.KindStorage).GetSourceFile(ctx, tCID, ""); return err },
		"StartStorageRun":        func() error { _, err := c.Connections(wire.KindStorage).StartRun(ctx, "", nil); return err },
		"GetStorageRun":          func() error { _, err := c.Connections(wire.KindStorage).GetRun(ctx, tCID, ""); return err },
		"ListConnections":        func() error { _, err := c.ListConnections(ctx, ""); return err },
		"ListManifestConns":      func() error { _, err := c.Connections(wire.KindManifest).List(ctx, ""); return err },
		"GetReports":             func() error { _, err := c.GetReports(ctx, tIM, "", ""); return err },
		"GetConfiguration":       func() error { _, err := c.GetConfiguration(ctx, wire.ScopeIModel, ""); return err },
		"GetConfigurationScope":  func() error { _, err := c.GetConfiguration(ctx, "workspace", tIM); return err },
		"DeleteConfigurationBad": func() error { return c.DeleteConfiguration(ctx, "", tIM) },
		"GetFile":                func() error { _, err := c.GetFile(ctx, ""); return err },
		"CreateFolderNoName":     func() error { _, err := c.CreateFolder(ctx, tFold, wire.StorageItemCreate{}); return err },
		"GetChangeset":           func() error { _, err := c.GetChangeset(ctx, tIM, ""); return err },
		"GetAuthInfo":            func() error { _, err := c.GetAuthorizationInformation(ctx, ""); return err },
		"UploadTooBig": func() error {
			_, err := c.UploadFile(ctx, tFold, wire.StorageItemCreate{DisplayName: "a"}, bytesReader(nil), MaxUploadSize+1)
			return err
		},
		"UploadNil": func() error {
			_, err := c.UploadFile(ctx, tFold, wire.StorageItemCreate{DisplayName: "a"}, nil, 0)
			return err
		},
	}
	for name, fn := range calls {
		if err := fn(); err == nil {
			t.Errorf("%s: expected an error", name)
		}
	}
	if n := len(f.requests()); n != 0 {
		t.Errorf("%d requests were sent for invalid input", n)
	}
}

func TestGetConnectionTriesBothKinds(t *testing.T) {
	f := newFakeAPI(t)
	f.reply("GET "+syncIM+"/storageconnections/{id}", 404, apiErrorBody("StorageConnectionNotFound", "Requested StorageConnection is not available."))
	f.reply("GET "+syncIM+"/manifestconnections/"+tCID, 200, connBody)
	c := f.client()
	conn, kind, err := c.GetConnection(t.Context(), tCID)
	if err != nil || kind != wire.KindManifest || conn.ID != tCID {
		t.Fatalf("GetConnection = %+v, %q, %v", conn, kind, err)
	}
	_, _, err = c.GetConnection(t.Context(), "missing")
	if !IsNotFound(err) {
		t.Fatalf("missing connection: err = %v, want 404", err)
	}
	f2 := newFakeAPI(t)
	f2.reply("GET "+syncIM+"/storageconnections/"+tCID, 200, connBody)
	conn, kind, err = f2.client().GetConnection(t.Context(), tCID)
	if err != nil || kind != wire.KindStorage || conn.ID != tCID {
		t.Fatalf("GetConnection = %+v, %q, %v", conn, kind, err)
	}
	if f2.count("GET", syncIM+"/manifestconnections/"+tCID) != 0 {
		t.Error("manifest endpoint asked although storage answered")
	}
	f3 := newFakeAPI(t)
	f3.reply("GET "+syncIM+"/storageconnections/"+tCID, 403, apiErrorBody("InsufficientPermissions", "no"))
	if _, _, err := f3.client().GetConnection(t.Context(), tCID); !IsStatus(err, 403) {
		t.Fatalf("403 must be returned as is, got %v", err)
	}
}
