package itwinlocal_test

import (
	"context"
	"database/sql"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/seed37c7dd03/terraform-provider-itwin/internal/itwinlocal"
	"github.com/seed37c7dd03/terraform-provider-itwin/internal/itwinlocal/itwinlocaltest"
	"github.com/seed37c7dd03/terraform-provider-itwin/internal/wire"
)

func TestITwins(t *testing.T) {
	in := start(t)
	body := map[string]any{"class": "Thing", "subClass": "Asset", "displayName": "Bridge 7", "number": "B-7", "type": "Bridge",
		"ianaTimeZone": "Europe/Paris", "geographicLocation": "Paris", "id": "client-chosen-ignored"}
	r := in.Do(t, "POST", "/itwins/", body)
	expectStatus(t, r, 201)
	var it wire.ITwinEnvelope
	r.JSON(t, &it)
	if !itwinlocal.IsGUID(it.ITwin.ID) || it.ITwin.ID != strings.ToLower(it.ITwin.ID) || it.ITwin.Number != "B-7" || it.ITwin.Type != "Bridge" ||
		it.ITwin.IanaTimeZone != "Europe/Paris" || it.ITwin.Status != "Active" || it.ITwin.CreatedDateTime.IsZero() {
		t.Fatalf("create: %s", r.Body)
	}
	r = in.Do(t, "GET", "/itwins/"+strings.ToUpper(it.ITwin.ID), nil)
	expectStatus(t, r, 200)
	fam := "InvalidiTwinsRequest"
	expectErr(t, in.Do(t, "POST", "/itwins", map[string]any{"subClass": "Asset", "displayName": "x"}), 422, fam, "class")
	expectErr(t, in.Do(t, "POST", "/itwins", map[string]any{"class": "Project", "subClass": "Asset", "displayName": "x"}), 422, fam, "class")
	expectErr(t, in.Do(t, "POST", "/itwins", map[string]any{"class": "Thing", "displayName": "x"}), 422, fam, "subClass")
	expectErr(t, in.Do(t, "POST", "/itwins", map[string]any{"class": "Thing", "subClass": "Asset"}), 422, fam, "displayName")
	expectErr(t, in.Do(t, "GET", "/itwins/"+itwinlocal.NewGUID(), nil), 404, "iTwinNotFound", "")
	expectErr(t, in.Do(t, "GET", "/itwins/nope", nil), 404, "iTwinNotFound", "")

	// DELETE cascades: iModels, connections, storage.
	r = in.Do(t, "POST", "/imodels", map[string]any{"iTwinId": it.ITwin.ID, "name": "m"})
	expectStatus(t, r, 201)
	var im wire.IModelEnvelope
	r.JSON(t, &im)
	expectNoBody(t, in.Do(t, "DELETE", "/itwins/"+it.ITwin.ID, nil), 204)
	expectErr(t, in.Do(t, "GET", "/itwins/"+it.ITwin.ID, nil), 404, "iTwinNotFound", "")
	expectErr(t, in.Do(t, "GET", "/imodels/"+im.IModel.ID, nil), 404, "iModelNotFound", "")
	expectErr(t, in.Do(t, "DELETE", "/itwins/"+it.ITwin.ID, nil), 404, "iTwinNotFound", "")
}

func TestIModels(t *testing.T) {
	in := start(t)
	r := in.Do(t, "POST", "/imodels/", map[string]any{"iTwinId": strings.ToUpper(in.ITwinID), "name": "Plant", "description": "d",
		"creationMode": "empty", "extent": map[string]any{"southWest": map[string]float64{"latitude": 1, "longitude": 2}, "northEast": map[string]float64{"latitude": 3, "longitude": 4}}},
		"Accept", "application/vnd.bentley.itwin-platform.v2+json")
	expectStatus(t, r, 201)
	var im wire.IModelEnvelope
	r.JSON(t, &im)
	m := im.IModel
	if !itwinlocal.IsGUID(m.ID) || m.State != "initialized" || m.ITwinID != in.ITwinID || m.Name != "Plant" || m.DisplayName != "Plant" ||
		m.Extent == nil || m.Extent.NorthEast.Longitude != 4 || m.Links.Changesets.Href != in.URL+"/imodels/"+m.ID+"/changesets" {
		t.Fatalf("create: %s", r.Body)
	}
	expectErr(t, in.Do(t, "POST", "/imodels", map[string]any{"iTwinId": in.ITwinID, "name": "Plant"}), 409, "iModelExists", "")
	expectErr(t, in.Do(t, "POST", "/imodels", map[string]any{"iTwinId": itwinlocal.NewGUID(), "name": "x"}), 404, "iTwinNotFound", "")
	expectErr(t, in.Do(t, "POST", "/imodels", map[string]any{"iTwinId": in.ITwinID}), 422, "InvalidiModelsRequest", "name")
	expectErr(t, in.Do(t, "POST", "/imodels", map[string]any{"name": "x"}), 422, "InvalidiModelsRequest", "iTwinId")
	expectErr(t, in.Do(t, "POST", "/imodels", map[string]any{"iTwinId": in.ITwinID, "name": "y", "creationMode": "fromBaseline"}), 422, "InvalidiModelsRequest", "creationMode")
	expectErr(t, in.Do(t, "POST", "/imodels", map[string]any{"iTwinId": in.ITwinID, "name": "y", "extent": map[string]any{"southWest": map[string]float64{"latitude": 91}}}), 422, "InvalidiModelsRequest", "extent")
	expectErr(t, in.Do(t, "GET", "/imodels/"+itwinlocal.NewGUID(), nil), 404, "iModelNotFound", "")
	expectStatus(t, in.Do(t, "GET", "/imodels/"+m.ID, nil), 200)

	// Row 12: delete an iModel that still has connections, runs and configurations.
	fid := in.UploadFile(t, "", "a.dgn", []byte("a"))
	r = in.Do(t, "POST", sc, storageConnBody(m.ID, fid))
	expectStatus(t, r, 201)
	var c wire.ConnectionEnvelope
	r.JSON(t, &c)
	startRun(t, in, c.Connection.ID)
	expectStatus(t, in.Do(t, "POST", cfgBase+"/imodels/"+m.ID, map[string]any{"clampZExtent": true}), 201)
	expectNoBody(t, in.Do(t, "DELETE", "/imodels/"+m.ID, nil), 204)
	expectErr(t, in.Do(t, "GET", sc+"/"+c.Connection.ID, nil), 404, "StorageConnectionNotFound", "")
	expectErr(t, in.Do(t, "DELETE", "/imodels/"+m.ID, nil), 404, "iModelNotFound", "")
	active, _ := in.Server.Store().ListActiveRuns(t.Context(), in.Server.Store().Reader())
	if len(active) != 0 {
		t.Fatal("runs of a deleted iModel must go with it")
	}
}

func TestChangesets(t *testing.T) {
	in := start(t)
	st := in.Server.Store()
	var cs []itwinlocal.ChangesetRecord
	err := st.Write(t.Context(), func(tx *sql.Tx) error {
		for i, task := range []string{itwinlocal.NewGUID(), "", itwinlocal.NewGUID()} {
			rec, err := st.AppendChangeset(t.Context(), tx, itwinlocal.ChangesetRecord{IModelID: in.IModelID, Description: "cs", TaskID: task,
				ChangedFiles: []string{"a.dgn"}, ContainingChanges: 4, FileSize: int64(100 * (i + 1))})
			cs = append(cs, rec)
			if err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if cs[0].Index != 1 || cs[0].ParentID != "" || cs[1].ParentID != cs[0].ID || len(cs[2].ID) != 40 {
		t.Fatalf("append: %+v", cs)
	}
	base := "/imodels/" + in.IModelID + "/changesets"
	var list wire.ChangesetList
	in.Do(t, "GET", base, nil).JSON(t, &list)
	if len(list.Changesets) != 3 || list.Changesets[0].Index != 1 || list.Changesets[0].SynchronizationInfo != nil || list.Changesets[0].Application != nil {
		t.Fatalf("minimal list: %+v", list)
	}
	list = wire.ChangesetList{}
	in.Do(t, "GET", base+"?$orderBy=index%20desc&afterIndex=1", nil, "Prefer", "return=representation").JSON(t, &list)
	if len(list.Changesets) != 2 || list.Changesets[0].Index != 3 || list.Changesets[0].SynchronizationInfo == nil ||
		list.Changesets[0].SynchronizationInfo.TaskID != cs[2].TaskID || list.Changesets[0].Application.Name != "itwin-local" ||
		list.Changesets[1].SynchronizationInfo != nil {
		t.Fatalf("representation desc: %+v", list)
	}
	list = wire.ChangesetList{}
	in.Do(t, "GET", base+"?lastIndex=2&$top=1", nil).JSON(t, &list)
	if len(list.Changesets) != 1 || list.Changesets[0].Index != 1 || list.Links.Next == nil || !strings.Contains(list.Links.Next.Href, "lastIndex=2") {
		t.Fatalf("lastIndex page: %+v", list)
	}
	var one wire.ChangesetEnvelope
	r := in.Do(t, "GET", base+"/2", nil)
	expectStatus(t, r, 200)
	r.JSON(t, &one)
	if one.Changeset.ID != cs[1].ID || one.Changeset.DisplayName != "2" || one.Changeset.Application == nil || !strings.Contains(string(r.Body), `"groupId":null`) {
		t.Fatalf("by index: %s", r.Body)
	}
	in.Do(t, "GET", base+"/"+strings.ToUpper(cs[2].ID), nil).JSON(t, &one)
	if one.Changeset.Index != 3 || one.Changeset.SynchronizationInfo.ChangedFiles[0] != "a.dgn" {
		t.Fatalf("by id: %+v", one)
	}
	expectErr(t, in.Do(t, "GET", base+"/9", nil), 404, "ChangesetNotFound", "")
	expectErr(t, in.Do(t, "GET", base+"/"+strings.Repeat("a", 40), nil), 404, "ChangesetNotFound", "")
	expectErr(t, in.Do(t, "GET", base+"?$orderBy=name", nil), 422, "InvalidiModelsRequest", "$orderBy")
	expectErr(t, in.Do(t, "GET", base+"?afterIndex=x", nil), 422, "InvalidiModelsRequest", "afterIndex")
	expectErr(t, in.Do(t, "GET", "/imodels/"+itwinlocal.NewGUID()+"/changesets", nil), 404, "iModelNotFound", "")
}

// TestRestart: everything survives Close + New on the same data dir, including the dev client secret, tokens and
// pre-signed URLs (keys persist).
func TestRestart(t *testing.T) {
	dir := t.TempDir()
	srv, err := itwinlocal.New(itwinlocal.Config{DataDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	seed, err := srv.Seed(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	srv.Close()

	in := start(t, itwinlocaltest.WithDataDir(dir))
	if in.ClientSecret != seed.ClientSecret || in.ITwinID != seed.ITwinID || in.IModelID != seed.IModelID || in.RootFolderID != seed.RootFolderID {
		t.Fatalf("seed not idempotent across restarts: %+v vs %+v", in, seed)
	}
	cid, fid := newStorageConn(t, in, "a.dgn")
	mcid := newManifestConn(t, in, in.IModelID, "dms-1")
	runID := startRun(t, in, cid)
	expectStatus(t, in.Do(t, "POST", cfgBase+"/connections/"+cid, map[string]any{"enableSheetIndex": true}), 201)
	tok := in.Token(t)
	dl := in.Do(t, "GET", "/storage/files/"+fid+"/download", nil).Header.Get("Location")
	dlPath := dl[len(in.URL):]
	in.HTTP.Close()
	if err := in.Server.Close(); err != nil {
		t.Fatal(err)
	}

	in2 := start(t, itwinlocaltest.WithDataDir(dir))
	// The old token still works after the restart (signing key persisted).
	for _, p := range []string{sc + "/" + cid, mc + "/" + mcid, sc + "/" + cid + "/runs/" + runID, cfgBase + "/connections/" + cid, "/storage/files/" + fid} {
		expectStatus(t, in2.DoAs(t, tok, "GET", p, nil), 200)
	}
	if d := in2.DoAs(t, "", "GET", dlPath, nil); d.Status != 200 || string(d.Body) != "content of a.dgn" {
		t.Fatalf("download after restart: %d %q", d.Status, d.Body)
	}
	var c wire.ConnectionEnvelope
	in2.Do(t, "GET", sc+"/"+cid, nil).JSON(t, &c)
	if c.Connection.LastRunID() != runID {
		t.Fatalf("lastRun after restart: %+v", c.Connection.Links)
	}
	active, err := in2.Server.Store().ListActiveRuns(t.Context(), in2.Server.Store().Reader())
	if err != nil || len(active) != 1 || active[0].ID != runID {
		t.Fatalf("active runs after restart: %+v %v", active, err)
	}
	// Migrations are recorded once.
	var n int
	if err := in2.Server.Store().Reader().QueryRowContext(t.Context(), `SELECT COUNT(*) FROM schema_migrations`).Scan(&n); err != nil || n < 1 {
		t.Fatalf("schema_migrations: %d %v", n, err)
	}
	// No temp upload files are left behind.
	left, _ := os.ReadDir(filepath.Join(dir, "blobs", "tmp"))
	if len(left) != 0 {
		t.Fatalf("temp files left: %d", len(left))
	}
}

func TestNewValidation(t *testing.T) {
	if _, err := itwinlocal.New(itwinlocal.Config{}); err == nil {
		t.Fatal("DataDir is required")
	}
	dir := t.TempDir()
	for _, cfg := range []itwinlocal.Config{
		{DataDir: dir, Clients: []itwinlocal.ClientConfig{{ID: "a"}}},
		{DataDir: dir, Clients: []itwinlocal.ClientConfig{{ID: "a", Secret: "s"}, {ID: "a", Secret: "t"}}},
		{DataDir: dir, Faults: itwinlocal.FaultConfig{Rate429: 1.5}},
		{DataDir: dir, Faults: itwinlocal.FaultConfig{RoutePattern: "("}},
	} {
		if s, err := itwinlocal.New(cfg); err == nil {
			s.Close()
			t.Fatalf("New(%s) should fail", mustJSON(cfg))
		}
	}
}
