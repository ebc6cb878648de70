package itwinlocal_test

import (
	"database/sql"
	"strings"
	"testing"

	"github.com/seed37c7dd03/terraform-provider-itwin/internal/itwinlocal"
	"github.com/seed37c7dd03/terraform-provider-itwin/internal/wire"
)

const cfgBase = "/synchronization/configurations"

func TestConfigurations(t *testing.T) {
	in := start(t)
	cid, _ := newStorageConn(t, in, "a.dgn")
	it, im, cn := cfgBase+"/itwins/"+in.ITwinID, cfgBase+"/imodels/"+in.IModelID, cfgBase+"/connections/"+cid

	for _, p := range []string{it, im, cn} {
		expectErr(t, in.Do(t, "GET", p, nil), 404, "ConfigurationNotFound", "")
		expectErr(t, in.Do(t, "PATCH", p, map[string]any{}), 404, "ConfigurationNotFound", "")
		expectErr(t, in.Do(t, "DELETE", p, nil), 404, "ConfigurationNotFound", "")
	}
	r := in.Do(t, "POST", it, map[string]any{"uploadDgnRealityData": false, "squashIntermediateRevisions": true})
	expectStatus(t, r, 201)
	expectErr(t, in.Do(t, "POST", it, map[string]any{"uploadDgnRealityData": true}), 409, "ConfigurationAlreadyExists", "")
	expectStatus(t, in.Do(t, "POST", im, map[string]any{"clampZExtent": true}), 201)

	// The spec's §6.1 example: iModel scope resolves iTwin + iModel flags.
	var env wire.ConfigurationEnvelope
	r = in.Do(t, "GET", im, nil)
	expectStatus(t, r, 200)
	r.JSON(t, &env)
	cfg := env.Configuration
	if cfg.ScopeID != in.IModelID || len(cfg.Settings) != 1 || cfg.Settings["clampZExtent"] != true {
		t.Fatalf("settings: %s", r.Body)
	}
	want := map[string]any{"uploadDgnRealityData": false, "convertDgnTerrainModels": false, "squashIntermediateRevisions": true,
		"skipRvtReprojection": false, "convertDgnHyperModelingSections": true, "allowRevitIgnoreGcs": false, "clampZExtent": true,
		"overrideRvtReprojectionDistance": float64(0), "enableFileNamePolicy": false, "ignoreIfcGlobalIds": false}
	if len(cfg.ResolvedSettings) != len(want) {
		t.Fatalf("resolved has %d flags, want %d: %s", len(cfg.ResolvedSettings), len(want), r.Body)
	}
	for k, v := range want {
		if cfg.ResolvedSettings[k] != v {
			t.Fatalf("resolved %s = %v, want %v", k, cfg.ResolvedSettings[k], v)
		}
	}

	// Connection scope resolves all three levels; PATCH merges; null removes a flag.
	expectStatus(t, in.Do(t, "POST", cn, map[string]any{"revitLevelOfDetail": 2, "ignoreDgnAttachments": true}), 201)
	r = in.Do(t, "PATCH", cn, map[string]any{"revitLevelOfDetail": 3, "ignoreDgnAttachments": nil})
	expectStatus(t, r, 200)
	env = wire.ConfigurationEnvelope{} // decoding merges into existing maps
	r.JSON(t, &env)
	if len(env.Configuration.Settings) != 1 || env.Configuration.Settings["revitLevelOfDetail"] != float64(3) ||
		env.Configuration.ResolvedSettings["squashIntermediateRevisions"] != true || env.Configuration.ResolvedSettings["clampZExtent"] != true ||
		env.Configuration.ResolvedSettings["ignoreDgnAttachments"] != false || len(env.Configuration.ResolvedSettings) != len(wire.ConfigFlags) {
		t.Fatalf("connection: %s", r.Body)
	}
	got, err := in.Server.Store().ResolvedConnectionSettings(t.Context(), in.Server.Store().Reader(), cid)
	if err != nil || got["revitLevelOfDetail"] != int64(3) || got["squashIntermediateRevisions"] != true {
		t.Fatalf("ResolvedConnectionSettings = %v, %v", got, err)
	}
	// iTwin scope resolves only iTwin flags.
	env = wire.ConfigurationEnvelope{}
	in.Do(t, "GET", it, nil).JSON(t, &env)
	if _, ok := env.Configuration.ResolvedSettings["clampZExtent"]; ok || len(env.Configuration.ResolvedSettings) != 6 {
		t.Fatalf("itwin resolved: %+v", env.Configuration.ResolvedSettings)
	}

	fam := "InvalidConfigurationRequest"
	cases := []struct {
		path, method string
		body         any
		status       int
		code, target string
	}{
		{it, "PATCH", map[string]any{"clampZExtent": true}, 422, fam, "clampZExtent"},
		{it, "PATCH", map[string]any{"noSuchFlag": true}, 422, fam, "noSuchFlag"},
		{it, "PATCH", map[string]any{"uploadDgnRealityData": "yes"}, 422, fam, "uploadDgnRealityData"},
		{it, "PATCH", nil, 422, "MissingRequestBody", ""},
		{it, "PATCH", "[1]", 422, "MissingRequestBody", ""},
		{cn, "PATCH", map[string]any{"revitLevelOfDetail": 4}, 422, fam, "revitLevelOfDetail"},
		{cn, "PATCH", map[string]any{"revitLevelOfDetail": 1.5}, 422, fam, "revitLevelOfDetail"},
		{im, "PATCH", map[string]any{"overrideRvtReprojectionDistance": -1}, 422, fam, "overrideRvtReprojectionDistance"},
		{im, "POST", map[string]any{"clampZExtent": nil}, 422, fam, "clampZExtent"},
		{cfgBase + "/connections/bad", "GET", nil, 422, fam, "connectionid"},
		{cfgBase + "/imodels/bad", "GET", nil, 422, fam, "imodelid"},
		{cfgBase + "/itwins/bad", "POST", map[string]any{}, 422, fam, "itwinid"},
		{cfgBase + "/itwins/" + itwinlocal.NewGUID(), "GET", nil, 404, "iTwinNotFound", ""},
		{cfgBase + "/imodels/" + itwinlocal.NewGUID(), "GET", nil, 404, "iModelNotFound", ""},
		{cfgBase + "/connections/" + itwinlocal.NewID(), "GET", nil, 404, "StorageConnectionNotFound", ""},
	}
	for _, tc := range cases {
		t.Run(tc.method+" "+tc.path[len(cfgBase):]+" "+mustJSON(tc.body), func(t *testing.T) {
			expectErr(t, in.Do(t, tc.method, tc.path, tc.body), tc.status, tc.code, tc.target)
		})
	}
	// 1.0 is accepted as the integer 1.
	expectStatus(t, in.Do(t, "PATCH", cn, `{"revitLevelOfDetail": 1.0}`), 200)

	expectNoBody(t, in.Do(t, "DELETE", it, nil), 204)
	env = wire.ConfigurationEnvelope{}
	in.Do(t, "GET", im, nil).JSON(t, &env)
	if env.Configuration.ResolvedSettings["squashIntermediateRevisions"] != false {
		t.Fatal("iTwin flags must fall back to defaults after DELETE")
	}
	// Deleting the connection takes its configuration with it.
	expectNoBody(t, in.Do(t, "DELETE", sc+"/"+cid, nil), 204)
	var n int
	if err := in.Server.Store().Reader().QueryRowContext(t.Context(), `SELECT COUNT(*) FROM configurations WHERE scope_id = ?`, cid).Scan(&n); err != nil || n != 0 {
		t.Fatalf("connection configuration left behind: %d %v", n, err)
	}
}

func TestReports(t *testing.T) {
	in := start(t)
	runID, taskID := itwinlocal.NewGUID(), itwinlocal.NewGUID()
	err := in.Server.Store().Write(t.Context(), func(tx *sql.Tx) error {
		for _, task := range []string{taskID, itwinlocal.NewGUID()} {
			doc := wire.ReportDocument{Context: wire.ReportContext{ReportType: "detailReport", JobID: "j", IModelID: in.IModelID, TaskID: task}}
			if _, err := in.Server.Store().AddReport(t.Context(), tx, itwinlocal.ReportRecord{IModelID: in.IModelID, RunID: runID, TaskID: task, Body: doc}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	base := "/synchronization/reports"
	expectErr(t, in.Do(t, "GET", base+"?runId="+runID, nil), 422, "InvalidBadgersRequest", "imodelId")
	expectErr(t, in.Do(t, "GET", base+"?imodelId="+in.IModelID, nil), 422, "InvalidBadgersRequest", "runId")
	env := expectErr(t, in.Do(t, "GET", base+"?imodelId=x&runId="+runID, nil), 422, "InvalidBadgersRequest", "imodelId")
	if env.Error.Details[0].Code != "InvalidValue" {
		t.Fatalf("detail: %+v", env)
	}
	env = expectErr(t, in.Do(t, "GET", base+"?runId="+runID, nil), 422, "InvalidBadgersRequest", "imodelId")
	if env.Error.Details[0].Code != "MissingRequiredProperty" {
		t.Fatalf("detail: %+v", env)
	}

	var list wire.DiagnosticReportList
	r := in.Do(t, "GET", base+"?imodelId="+in.IModelID+"&runId="+runID, nil)
	expectStatus(t, r, 200)
	r.JSON(t, &list)
	if len(list.Reports) != 2 || strings.Contains(string(r.Body), "_links") {
		t.Fatalf("R1: %s", r.Body)
	}
	in.Do(t, "GET", base+"?imodelId="+in.IModelID+"&runId="+runID+"&taskId="+taskID, nil).JSON(t, &list)
	rep := list.Reports[0]
	if len(list.Reports) != 1 || rep.TaskID != taskID || rep.IModelID != in.IModelID || !itwinlocal.IsBase64ID(rep.ID) {
		t.Fatalf("R1 by task: %+v", list)
	}
	d := in.DoAs(t, "", "GET", rep.SasURI, nil)
	expectStatus(t, d, 200)
	var doc wire.ReportDocument
	d.JSON(t, &doc)
	if doc.Context.TaskID != taskID || doc.Context.ReportType != "detailReport" {
		t.Fatalf("report doc: %s", d.Body)
	}
	expectErr(t, in.DoAs(t, "", "GET", strings.Replace(rep.SasURI, "sig=", "sig=x", 1), nil), 403, "AuthenticationFailed", "")
	in.Do(t, "GET", base+"?imodelId="+itwinlocal.NewGUID()+"&runId="+runID, nil).JSON(t, &list)
	if len(list.Reports) != 0 {
		t.Fatal("unknown iModel must list no reports")
	}
}
