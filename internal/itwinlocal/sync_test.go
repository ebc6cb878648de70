package itwinlocal_test

import (
	"database/sql"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/seed37c7dd03/terraform-provider-itwin/internal/itwinlocal"
	"github.com/seed37c7dd03/terraform-provider-itwin/internal/itwinlocal/itwinlocaltest"
	"github.com/seed37c7dd03/terraform-provider-itwin/internal/wire"
)

const sc = "/synchronization/imodels/storageconnections"
const mc = "/synchronization/imodels/manifestconnections"

func TestStorageConnectionCRUD(t *testing.T) {
	in := start(t)
	f1 := in.UploadFile(t, "", "a.dgn", []byte("a"))
	f2 := in.UploadFile(t, "", "b.dwg", []byte("b"))

	r := in.Do(t, "POST", sc, storageConnBody(in.IModelID, f1, f2))
	expectStatus(t, r, 201)
	var c wire.ConnectionEnvelope
	r.JSON(t, &c)
	conn := c.Connection
	if !itwinlocal.IsBase64ID(conn.ID) || conn.ITwinID != in.ITwinID || conn.IModelID != in.IModelID || conn.AuthenticationType != "Service" ||
		conn.Links.IModel.Href != in.URL+"/imodels/"+in.IModelID || conn.Links.ITwin.Href != in.URL+"/itwins/"+in.ITwinID || conn.Links.LastRun != nil {
		t.Fatalf("created: %s", r.Body)
	}
	// authenticationType defaults to User.
	f3 := in.UploadFile(t, "", "c.dgn", []byte("c"))
	r = in.Do(t, "POST", sc, map[string]any{"iModelId": strings.ToUpper(in.IModelID), "sourceFiles": []map[string]string{{"storageFileId": f3, "connectorType": "MSTN"}}})
	expectStatus(t, r, 201)
	var c2 wire.ConnectionEnvelope
	r.JSON(t, &c2)
	if c2.Connection.AuthenticationType != "User" || c2.Connection.IModelID != in.IModelID {
		t.Fatalf("defaults: %s", r.Body)
	}

	// S3, S4 merge, S2 minimal/representation.
	expectStatus(t, in.Do(t, "GET", sc+"/"+conn.ID, nil), 200)
	r = in.Do(t, "PUT", sc+"/"+conn.ID, map[string]any{"displayName": "renamed", "iModelId": "ignored", "sourceFiles": "ignored"})
	expectStatus(t, r, 200)
	r.JSON(t, &c)
	if c.Connection.DisplayName != "renamed" || c.Connection.AuthenticationType != "Service" {
		t.Fatalf("merge: %s", r.Body)
	}
	r = in.Do(t, "PUT", sc+"/"+conn.ID, map[string]any{"authenticationType": "User"})
	r.JSON(t, &c)
	if c.Connection.DisplayName != "renamed" || c.Connection.AuthenticationType != "User" {
		t.Fatalf("merge 2: %s", r.Body)
	}
	// A present "" clears the name; null or omitted keeps it.
	in.Do(t, "PUT", sc+"/"+conn.ID, map[string]any{"displayName": ""}).JSON(t, &c)
	if c.Connection.DisplayName != "" || c.Connection.AuthenticationType != "User" {
		t.Fatalf("clear name: %+v", c.Connection)
	}
	in.Do(t, "PUT", sc+"/"+conn.ID, map[string]any{"displayName": "renamed"}).JSON(t, &c)
	in.Do(t, "PUT", sc+"/"+conn.ID, map[string]any{"displayName": nil}).JSON(t, &c)
	if c.Connection.DisplayName != "renamed" {
		t.Fatalf("null name must keep it: %+v", c.Connection)
	}
	expectErr(t, in.Do(t, "PUT", sc+"/"+conn.ID, map[string]any{"authenticationType": "Robot"}), 422, "InvalidStorageConnectionRequest", "authenticationType")
	expectErr(t, in.Do(t, "PUT", sc+"/"+conn.ID, nil), 422, "MissingRequestBody", "")

	var list wire.ConnectionList
	in.Do(t, "GET", sc+"?imodelId="+in.IModelID, nil).JSON(t, &list)
	if len(list.Connections) != 2 || list.Connections[0].DisplayName != "renamed" || list.Connections[0].IModelID != "" {
		t.Fatalf("minimal list: %+v", list)
	}
	in.Do(t, "GET", sc+"?IMODELID="+in.IModelID, nil, "Prefer", "return=representation").JSON(t, &list)
	if len(list.Connections) != 2 || list.Connections[0].IModelID != in.IModelID || list.Connections[0].Links == nil {
		t.Fatalf("representation list: %+v", list)
	}
	in.Do(t, "GET", sc, nil).JSON(t, &list)
	if len(list.Connections) != 2 {
		t.Fatalf("S2 without imodelId: %+v", list)
	}
	expectErr(t, in.Do(t, "GET", sc+"?imodelId=bad", nil), 422, "InvalidStorageConnectionRequest", "imodelId")
	in.Do(t, "GET", sc+"?imodelId="+itwinlocal.NewGUID(), nil).JSON(t, &list)
	if len(list.Connections) != 0 {
		t.Fatal("unknown iModel must list nothing")
	}

	// 404s: unknown id, malformed id, and a manifest id under the storage path (§11a).
	mcid := newManifestConn(t, in, in.IModelID, "dms-1")
	expectErr(t, in.Do(t, "GET", sc+"/"+itwinlocal.NewID(), nil), 404, "StorageConnectionNotFound", "")
	expectErr(t, in.Do(t, "GET", sc+"/short", nil), 404, "StorageConnectionNotFound", "")
	expectErr(t, in.Do(t, "GET", sc+"/"+mcid, nil), 404, "StorageConnectionNotFound", "")
	expectErr(t, in.Do(t, "GET", mc+"/"+conn.ID, nil), 404, "ManifestConnectionNotFound", "")

	expectNoBody(t, in.Do(t, "DELETE", sc+"/"+conn.ID, nil), 204)
	expectErr(t, in.Do(t, "DELETE", sc+"/"+conn.ID, nil), 404, "StorageConnectionNotFound", "")
	// Its files can be mapped again once the connection is gone.
	expectStatus(t, in.Do(t, "POST", sc, storageConnBody(in.IModelID, f1)), 201)
}

func TestStorageConnectionValidation(t *testing.T) {
	main := itwinlocal.ClientConfig{ID: "main", Secret: "s", ITwins: []string{"*"}}
	in := start(t, itwinlocaltest.WithClients(main))
	fid := in.UploadFile(t, "", "a.dgn", []byte("a"))
	fam := "InvalidStorageConnectionRequest"
	cases := []struct {
		name   string
		body   any
		status int
		code   string
		target string
	}{
		{"no body", nil, 422, "MissingRequestBody", ""},
		{"not json", "{nope", 422, "MissingRequestBody", ""},
		{"array", "[]", 422, "MissingRequestBody", ""},
		{"no iModelId", map[string]any{"sourceFiles": []map[string]string{{"storageFileId": fid, "connectorType": "MSTN"}}}, 422, fam, "iModelId"},
		{"bad iModelId", map[string]any{"iModelId": "x", "sourceFiles": []map[string]string{{"storageFileId": fid, "connectorType": "MSTN"}}}, 422, fam, "iModelId"},
		{"iModelId type", `{"iModelId": 5, "sourceFiles": []}`, 422, fam, "iModelId"},
		{"no sourceFiles", map[string]any{"iModelId": in.IModelID}, 422, fam, "sourceFiles"},
		{"empty sourceFiles", map[string]any{"iModelId": in.IModelID, "sourceFiles": []any{}}, 422, fam, "sourceFiles"},
		{"no storageFileId", map[string]any{"iModelId": in.IModelID, "sourceFiles": []map[string]string{{"connectorType": "MSTN"}}}, 422, fam, "sourceFiles[0].storageFileId"},
		{"no connectorType", map[string]any{"iModelId": in.IModelID, "sourceFiles": []map[string]string{{"storageFileId": fid}}}, 422, fam, "sourceFiles[0].connectorType"},
		{"legacy connectorType", map[string]any{"iModelId": in.IModelID, "sourceFiles": []map[string]string{{"storageFileId": fid, "connectorType": "AVEVAPID"}}}, 422, fam, "connectorType"},
		{"unknown connectorType", map[string]any{"iModelId": in.IModelID, "sourceFiles": []map[string]string{{"storageFileId": fid, "connectorType": "mstn"}}}, 422, fam, "connectorType"},
		{"bad auth type", map[string]any{"iModelId": in.IModelID, "authenticationType": "user", "sourceFiles": []map[string]string{{"storageFileId": fid, "connectorType": "MSTN"}}}, 422, fam, "authenticationType"},
		{"unknown iModel", storageConnBody(itwinlocal.NewGUID(), fid), 404, "iModelNotFound", ""},
		{"unknown file", storageConnBody(in.IModelID, itwinlocal.NewID()), 404, "FileNotFound", ""},
		{"duplicate file in body", storageConnBody(in.IModelID, fid, fid), 409, "FileAlreadyMapped", ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			expectErr(t, in.Do(t, "POST", sc, tc.body), tc.status, tc.code, tc.target)
		})
	}
	t.Run("251 files", func(t *testing.T) {
		files := make([]string, 251)
		for i := range files {
			files[i] = fmt.Sprintf("f%d", i)
		}
		expectErr(t, in.Do(t, "POST", sc, storageConnBody(in.IModelID, files...)), 422, fam, "sourceFiles")
	})
	t.Run("unknown fields ignored", func(t *testing.T) {
		f := in.UploadFile(t, "", "u.dgn", []byte("u"))
		body := map[string]any{"iModelId": in.IModelID, "whatever": 1, "sourceFiles": []map[string]any{{"storageFileId": f, "connectorType": "MSTN", "isSpatialRoot": true}}}
		expectStatus(t, in.Do(t, "POST", sc, body), 201)
	})
	t.Run("incomplete file", func(t *testing.T) {
		r := in.Do(t, "POST", "/storage/folders/"+in.RootFolderID+"/files", map[string]string{"displayName": "pending.dgn"})
		var l wire.UploadLinks
		r.JSON(t, &l)
		id := strings.Split(l.Links.CompleteURL.Href, "/")[5]
		expectErr(t, in.Do(t, "POST", sc, storageConnBody(in.IModelID, id)), 404, "FileNotFound", "")
	})
	t.Run("file of another iTwin", func(t *testing.T) {
		r := in.Do(t, "POST", "/itwins", map[string]string{"class": "Endeavor", "subClass": "Project", "displayName": "other"})
		var it wire.ITwinEnvelope
		r.JSON(t, &it)
		var top wire.StorageItemList
		in.Do(t, "GET", "/storage?itwinid="+it.ITwin.ID, nil).JSON(t, &top)
		root := top.Links.Folder.Href[strings.LastIndex(top.Links.Folder.Href, "/")+1:]
		other := in.UploadFile(t, root, "x.dgn", []byte("x"))
		expectErr(t, in.Do(t, "POST", sc, storageConnBody(in.IModelID, other)), 404, "FileNotFound", "")
	})
	t.Run("already mapped by another connection", func(t *testing.T) {
		expectStatus(t, in.Do(t, "POST", sc, storageConnBody(in.IModelID, fid)), 201)
		expectErr(t, in.Do(t, "POST", sc, storageConnBody(in.IModelID, fid)), 409, "FileAlreadyMapped", "")
		// Another iModel may map the same file.
		im := newIModel(t, in, "second")
		expectStatus(t, in.Do(t, "POST", sc, storageConnBody(im, fid)), 201)
	})
}

func TestStorageSourceFiles(t *testing.T) {
	in := start(t)
	cid, f1 := newStorageConn(t, in, "a.dgn")
	f2 := in.UploadFile(t, "", "b.ifc", []byte("b"))
	base := sc + "/" + cid + "/sourcefiles"

	var list wire.StorageSourceFileList
	in.Do(t, "GET", base, nil).JSON(t, &list)
	if len(list.SourceFiles) != 1 || list.SourceFiles[0].ConnectorType != "" || list.SourceFiles[0].LastKnownFileName != "a.dgn" ||
		list.SourceFiles[0].Links.File.Href != in.URL+"/files/"+f1 {
		t.Fatalf("minimal S10: %+v", list)
	}
	in.Do(t, "GET", base, nil, "Prefer", "return=representation").JSON(t, &list)
	if list.SourceFiles[0].ConnectorType != "MSTN" {
		t.Fatalf("S10 representation lacks connectorType: %+v", list) // §10 row 9
	}
	r := in.Do(t, "POST", base, map[string]string{"storageFileId": f2, "connectorType": "IFC"})
	expectStatus(t, r, 201)
	var sf wire.StorageSourceFileEnvelope
	r.JSON(t, &sf)
	if !itwinlocal.IsGUID(sf.SourceFile.ID) || sf.SourceFile.ConnectorType != "IFC" || sf.SourceFile.LastKnownFileName != "b.ifc" {
		t.Fatalf("S9: %s", r.Body)
	}
	expectErr(t, in.Do(t, "POST", base, map[string]string{"storageFileId": f2, "connectorType": "IFC"}), 409, "FileAlreadyMapped", "")
	expectErr(t, in.Do(t, "POST", base, map[string]string{"storageFileId": f2}), 422, "InvalidStorageConnectionSourceFileRequest", "connectorType")
	expectErr(t, in.Do(t, "POST", base, map[string]string{"storageFileId": f2, "connectorType": "XYZ"}), 422, "InvalidStorageConnectionSourceFileRequest", "connectorType")
	expectErr(t, in.Do(t, "POST", base, map[string]string{"connectorType": "IFC"}), 422, "InvalidStorageConnectionSourceFileRequest", "storageFileId")
	expectErr(t, in.Do(t, "POST", base, map[string]string{"storageFileId": itwinlocal.NewID(), "connectorType": "IFC"}), 404, "FileNotFound", "")

	// S11, S12 keeps id (row 9) and replaces both fields, S13.
	r = in.Do(t, "GET", base+"/"+sf.SourceFile.ID, nil)
	expectStatus(t, r, 200)
	f3 := in.UploadFile(t, "", "c.dwg", []byte("c"))
	r = in.Do(t, "PUT", base+"/"+sf.SourceFile.ID, map[string]string{"storageFileId": f3, "connectorType": "DWG"})
	expectStatus(t, r, 200)
	var put wire.StorageSourceFileEnvelope
	r.JSON(t, &put)
	if put.SourceFile.ID != sf.SourceFile.ID || put.SourceFile.StorageFileID != f3 || put.SourceFile.ConnectorType != "DWG" || put.SourceFile.LastKnownFileName != "c.dwg" {
		t.Fatalf("S12: %s", r.Body)
	}
	// PUT onto itself is not a conflict; onto another mapping's file is.
	expectStatus(t, in.Do(t, "PUT", base+"/"+sf.SourceFile.ID, map[string]string{"storageFileId": f3, "connectorType": "MSTN"}), 200)
	expectErr(t, in.Do(t, "PUT", base+"/"+sf.SourceFile.ID, map[string]string{"storageFileId": f1, "connectorType": "MSTN"}), 409, "FileAlreadyMapped", "")
	// f2 is free again after the PUT moved the mapping.
	expectStatus(t, in.Do(t, "POST", base, map[string]string{"storageFileId": f2, "connectorType": "IFC"}), 201)

	missing := itwinlocal.NewGUID()
	expectErr(t, in.Do(t, "GET", base+"/"+missing, nil), 404, "StorageConnectionSourceFileNotFound", "")
	expectErr(t, in.Do(t, "PUT", base+"/"+missing, map[string]string{"storageFileId": f3, "connectorType": "DWG"}), 404, "StorageConnectionSourceFileNotFound", "")
	expectErr(t, in.Do(t, "DELETE", base+"/"+missing, nil), 404, "StorageConnectionSourceFileNotFound", "")
	expectErr(t, in.Do(t, "GET", sc+"/"+itwinlocal.NewID()+"/sourcefiles/"+missing, nil), 404, "StorageConnectionNotFound", "")
	expectNoBody(t, in.Do(t, "DELETE", base+"/"+sf.SourceFile.ID, nil), 204)
	expectErr(t, in.Do(t, "GET", base+"/"+sf.SourceFile.ID, nil), 404, "StorageConnectionSourceFileNotFound", "")

	// lastKnownFileName survives the Storage file's deletion.
	expectNoBody(t, in.Do(t, "DELETE", "/storage/files/"+f1, nil), 204)
	in.Do(t, "GET", base, nil).JSON(t, &list)
	if list.SourceFiles[0].StorageFileID != f1 || list.SourceFiles[0].LastKnownFileName != "a.dgn" {
		t.Fatalf("after storage delete: %+v", list.SourceFiles)
	}
}

func TestManifestConnections(t *testing.T) {
	in := start(t)
	cid := newManifestConn(t, in, in.IModelID, "dms-1", "dms-2")
	fam := "InvalidManifestConnectionRequest"
	expectErr(t, in.Do(t, "POST", mc, map[string]any{"iModelId": in.IModelID, "sourceFiles": []map[string]string{{"sourceFileId": "dms-1"}}}), 409, "FileAlreadyMapped", "")
	expectErr(t, in.Do(t, "POST", mc, map[string]any{"iModelId": in.IModelID, "sourceFiles": []map[string]string{{}}}), 422, fam, "sourceFiles[0].sourceFileId")
	expectErr(t, in.Do(t, "GET", mc, nil), 422, fam, "imodelId")

	var list wire.ConnectionList
	in.Do(t, "GET", mc+"?imodelId="+in.IModelID, nil).JSON(t, &list)
	if len(list.Connections) != 1 || list.Connections[0].ID != cid {
		t.Fatalf("M2: %+v", list)
	}
	base := mc + "/" + cid + "/sourcefiles"
	r := in.Do(t, "POST", base, map[string]string{"sourceFileId": "dms-3"})
	expectStatus(t, r, 201)
	var sf wire.ManifestSourceFileEnvelope
	r.JSON(t, &sf)
	if sf.SourceFile.SourceFileID != "dms-3" || !itwinlocal.IsGUID(sf.SourceFile.ID) {
		t.Fatalf("M9: %s", r.Body)
	}
	expectErr(t, in.Do(t, "POST", base, map[string]string{"sourceFileId": "dms-3"}), 409, "FileAlreadyMapped", "")
	expectErr(t, in.Do(t, "POST", base, map[string]string{}), 422, "InvalidManifestConnectionSourceFileRequest", "sourceFileId")
	r = in.Do(t, "PUT", base+"/"+sf.SourceFile.ID, map[string]string{"sourceFileId": "dms-4"})
	expectStatus(t, r, 200)
	var put wire.ManifestSourceFileEnvelope
	r.JSON(t, &put)
	if put.SourceFile.ID != sf.SourceFile.ID || put.SourceFile.SourceFileID != "dms-4" {
		t.Fatalf("M12: %s", r.Body)
	}
	var sfl wire.ManifestSourceFileList
	in.Do(t, "GET", base, nil).JSON(t, &sfl)
	if len(sfl.SourceFiles) != 3 || sfl.SourceFiles[2].SourceFileID != "dms-4" {
		t.Fatalf("M10: %+v", sfl)
	}
	expectErr(t, in.Do(t, "GET", base+"/"+itwinlocal.NewGUID(), nil), 404, "ManifestConnectionSourceFileNotFound", "")
	expectNoBody(t, in.Do(t, "DELETE", base+"/"+sf.SourceFile.ID, nil), 204)

	// C1 lists both kinds.
	scid, _ := newStorageConn(t, in, "a.dgn")
	var all wire.ConnectionList
	in.Do(t, "GET", "/synchronization/imodels/connections?imodelId="+in.IModelID, nil, "Prefer", "return=representation").JSON(t, &all)
	if len(all.Connections) != 2 || all.Connections[1].ID != scid || all.Connections[1].IModelID != in.IModelID || all.Connections[1].Links == nil {
		t.Fatalf("C1: %+v", all)
	}
	var minimal wire.ConnectionList
	in.Do(t, "GET", "/synchronization/imodels/connections?imodelId="+in.IModelID, nil).JSON(t, &minimal)
	if len(minimal.Connections) != 2 || minimal.Connections[1].DisplayName != "conn" || minimal.Connections[1].IModelID != "" || minimal.Connections[1].Links != nil {
		t.Fatalf("C1 minimal: %+v", minimal)
	}
	expectErr(t, in.Do(t, "GET", "/synchronization/imodels/connections", nil), 422, "InvalidConnectionRequest", "imodelId")
	expectErr(t, in.Do(t, "GET", "/synchronization/imodels/connections?imodelId=1&$top=0", nil), 422, "InvalidConnectionRequest", "$top")
}

func TestManifestRunValidation(t *testing.T) {
	in := start(t)
	cid := newManifestConn(t, in, in.IModelID, "dms-1", "dms-2")
	path := mc + "/" + cid + "/runs"
	fam := "InvalidManifestConnectionRequest"
	file := func(mod func(m map[string]any)) map[string]any {
		m := map[string]any{"id": "dms-1", "name": "a.dgn", "url": "https://files.example/a.dgn?sig=1", "connectorType": "MSTN"}
		if mod != nil {
			mod(m)
		}
		return map[string]any{"sourceFiles": []any{m}}
	}
	cases := []struct {
		name   string
		body   any
		target string
	}{
		{"unregistered id", file(func(m map[string]any) { m["id"] = "dms-9" }), "sourceFiles[0].id"},
		{"missing id", file(func(m map[string]any) { delete(m, "id") }), "sourceFiles[0].id"},
		{"missing name", file(func(m map[string]any) { delete(m, "name") }), "sourceFiles[0].name"},
		{"missing url", file(func(m map[string]any) { delete(m, "url") }), "sourceFiles[0].url"},
		{"ftp url", file(func(m map[string]any) { m["url"] = "ftp://x/a.dgn" }), "sourceFiles[0].url"},
		{"bad action", file(func(m map[string]any) { m["action"] = "delete" }), "sourceFiles[0].action"},
		{"bad connectorType", file(func(m map[string]any) { m["connectorType"] = "NOPE" }), "sourceFiles[0].connectorType"},
		{"missing connectorType", file(func(m map[string]any) { delete(m, "connectorType") }), "sourceFiles[0].connectorType"},
		{"child parentId", file(func(m map[string]any) {
			m["children"] = []any{map[string]any{"id": "c1", "parentId": "dms-2", "name": "r.dgn", "url": "https://x/r.dgn", "connectorType": "MSTN"}}
		}), "sourceFiles[0].children[0].parentId"},
		{"child name", file(func(m map[string]any) {
			m["children"] = []any{map[string]any{"id": "c1", "parentId": "dms-1", "url": "https://x/r.dgn", "connectorType": "MSTN"}}
		}), "sourceFiles[0].children[0].name"},
		{"schema url", map[string]any{"documentAttributeSchemaUrl": "not a url"}, "documentAttributeSchemaUrl"},
		{"type error", `{"sourceFiles": {"id": 1}}`, "sourceFiles"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			expectErr(t, in.Do(t, "POST", path, tc.body), 422, fam, tc.target)
		})
	}
	// A valid manifest (deprecated connector accepted when connectorType is absent) is stored with defaults.
	body := file(func(m map[string]any) { delete(m, "connectorType"); m["connector"] = "MSTN" })
	r := in.Do(t, "POST", path, body)
	expectNoBody(t, r, 202)
	loc := r.Header.Get("Location")
	runID := loc[strings.LastIndex(loc, "/")+1:]
	if !strings.HasPrefix(loc, in.URL+mc+"/"+cid+"/runs/") {
		t.Fatalf("Location %q", loc)
	}
	run, err := in.Server.Store().GetRun(t.Context(), in.Server.Store().Reader(), runID)
	if err != nil {
		t.Fatal(err)
	}
	if run.Kind != wire.KindManifest || run.Manifest == nil || len(run.Manifest.SourceFiles) != 1 ||
		run.Manifest.SourceFiles[0].Action != "bridge" || run.Manifest.SourceFiles[0].ConnectorType != "MSTN" {
		t.Fatalf("stored manifest: %+v", run.Manifest)
	}
	expectErr(t, in.Do(t, "GET", path+"/"+itwinlocal.NewGUID(), nil), 404, "ManifestConnectionRunNotFound", "")
	expectErr(t, in.Do(t, "DELETE", mc+"/"+cid, nil), 409, "ConnectionAlreadyInUse", "")
	expectStatus(t, in.Do(t, "GET", path+"/"+runID, nil), 200)
	// Empty body: accepted (the run will be Skipped) once the first run completed.
	completeRun(t, in, runID, wire.ResultSuccess)
	expectNoBody(t, in.Do(t, "POST", path, nil, "Content-Type", "application/json"), 202)
}

type recordingExecutor struct {
	mu     sync.Mutex
	runs   []string
	closed bool
}

func (e *recordingExecutor) Submit(id string) {
	e.mu.Lock()
	e.runs = append(e.runs, id)
	e.mu.Unlock()
}

func (e *recordingExecutor) Close() error {
	e.mu.Lock()
	e.closed = true
	e.mu.Unlock()
	return nil
}

func TestRuns(t *testing.T) {
	ex := &recordingExecutor{}
	in := start(t, itwinlocaltest.WithExecutor(func(*itwinlocal.Server) itwinlocal.RunExecutor { return ex }))
	cid, _ := newStorageConn(t, in, "a.dgn")
	runs := sc + "/" + cid + "/runs"

	var rl wire.RunList
	in.Do(t, "GET", runs, nil).JSON(t, &rl)
	if len(rl.Runs) != 0 {
		t.Fatal("runs before start")
	}
	r1 := startRun(t, in, cid)
	if ex.runs[0] != r1 {
		t.Fatalf("executor got %v", ex.runs)
	}
	// The connection shows lastRun right away (§11g); the href splits with the run id at index 8 (row 1).
	var c wire.ConnectionEnvelope
	in.Do(t, "GET", sc+"/"+cid, nil).JSON(t, &c)
	want := in.URL + sc + "/" + cid + "/runs/" + r1
	if c.Connection.Links.LastRun == nil || c.Connection.Links.LastRun.Href != want || strings.Split(want, "/")[8] != r1 {
		t.Fatalf("lastRun = %+v, want %s", c.Connection.Links.LastRun, want)
	}
	// Active run: 303 to it, nothing new.
	r := in.Do(t, "POST", sc+"/"+cid+"/run", "ignored body", "Content-Type", "application/json")
	expectNoBody(t, r, 303)
	if r.Header.Get("Location") != want {
		t.Fatalf("303 Location %q", r.Header.Get("Location"))
	}
	var run wire.RunEnvelope
	r = in.Do(t, "GET", want, nil)
	expectStatus(t, r, 200)
	r.JSON(t, &run)
	if run.Run.State != "NotStarted" || run.Run.Result != "Undetermined" || run.Run.Jobs == nil || run.Run.ConnectionID != cid || !strings.Contains(string(r.Body), `"jobs":[]`) {
		t.Fatalf("new run: %s", r.Body)
	}
	expectErr(t, in.Do(t, "DELETE", sc+"/"+cid, nil), 409, "ConnectionAlreadyInUse", "")

	completeRun(t, in, r1, wire.ResultSuccess)
	r2 := startRun(t, in, cid)
	completeRun(t, in, r2, wire.ResultError)
	in.Do(t, "GET", runs, nil).JSON(t, &rl)
	if len(rl.Runs) != 2 || rl.Runs[0].ID != r2 || rl.Runs[1].ID != r1 || rl.Runs[0].ConnectionID != "" {
		t.Fatalf("runs newest first, minimal: %+v", rl.Runs)
	}
	in.Do(t, "GET", runs+"?$top=1", nil, "Prefer", "return=representation").JSON(t, &rl)
	if len(rl.Runs) != 1 || rl.Runs[0].ConnectionID != cid || rl.Runs[0].EndDateTime.IsZero() || rl.Links.Next == nil {
		t.Fatalf("representation page: %+v", rl)
	}
	expectErr(t, in.Do(t, "GET", runs+"/"+itwinlocal.NewGUID(), nil), 404, "StorageConnectionRunNotFound", "")
	expectErr(t, in.Do(t, "GET", sc+"/"+itwinlocal.NewID()+"/runs/"+r1, nil), 404, "StorageConnectionNotFound", "")
	expectErr(t, in.Do(t, "POST", sc+"/"+itwinlocal.NewID()+"/run", nil), 404, "StorageConnectionNotFound", "")
	// A run id of another connection is not found under this one.
	cid2, _ := newStorageConn(t, in, "b.dgn")
	expectErr(t, in.Do(t, "GET", sc+"/"+cid2+"/runs/"+r1, nil), 404, "StorageConnectionRunNotFound", "")
	expectNoBody(t, in.Do(t, "DELETE", sc+"/"+cid, nil), 204)

	active, err := in.Server.Store().ListActiveRuns(t.Context(), in.Server.Store().Reader())
	if err != nil || len(active) != 0 {
		t.Fatalf("active runs: %v %v", active, err)
	}
}

// TestConcurrentStarts: one start creates exactly one run (§10 row 11); the others see it and get 303.
func TestConcurrentStarts(t *testing.T) {
	in := start(t)
	cid, _ := newStorageConn(t, in, "a.dgn")
	tok := in.Token(t)
	var wg sync.WaitGroup
	statuses := make([]int, 12)
	for i := range statuses {
		wg.Add(1)
		go func() {
			defer wg.Done()
			statuses[i] = in.DoAs(t, tok, "POST", sc+"/"+cid+"/run", nil).Status
		}()
	}
	wg.Wait()
	n202 := 0
	for _, s := range statuses {
		switch s {
		case 202:
			n202++
		case 303, 409:
		default:
			t.Fatalf("unexpected status %d", s)
		}
	}
	var rl wire.RunList
	in.Do(t, "GET", sc+"/"+cid+"/runs", nil).JSON(t, &rl)
	if n202 != 1 || len(rl.Runs) != 1 {
		t.Fatalf("%d accepted, %d runs (statuses %v)", n202, len(rl.Runs), statuses)
	}
}

func TestConnectionLimits(t *testing.T) {
	in := start(t)
	im := newIModel(t, in, "limits")
	for i := 0; i < 100; i++ {
		newManifestConn(t, in, im, fmt.Sprintf("d%d", i))
	}
	expectErr(t, in.Do(t, "POST", mc, map[string]any{"iModelId": im, "sourceFiles": []map[string]string{{"sourceFileId": "x"}}}), 409, "TooManyConnections", "")

	im2 := newIModel(t, in, "mapped")
	ids := make([]string, 250)
	for i := range ids {
		ids[i] = fmt.Sprintf("m%d", i)
	}
	cid := newManifestConn(t, in, im2, ids...)
	expectErr(t, in.Do(t, "POST", mc+"/"+cid+"/sourcefiles", map[string]string{"sourceFileId": "one-more"}), 422, "InvalidManifestConnectionRequest", "sourceFiles")
	expectErr(t, in.Do(t, "POST", mc, map[string]any{"iModelId": im2, "sourceFiles": []map[string]string{{"sourceFileId": "x"}}}), 422, "InvalidManifestConnectionRequest", "sourceFiles")
}

func TestAuthorizationInformation(t *testing.T) {
	in := start(t)
	path := "/synchronization/imodels/connections/authorizationInformation"
	expectErr(t, in.Do(t, "GET", path, nil), 422, "InvalidAuthorizationInformationRequest", "redirectUrl")
	expectErr(t, in.Do(t, "GET", path+"?redirectUrl=not-a-url", nil), 422, "InvalidAuthorizationInformationRequest", "redirectUrl")
	var ai wire.AuthorizationInformationEnvelope
	r := in.Do(t, "GET", path+"?RedirectURL=http://localhost:9999/cb", nil)
	expectStatus(t, r, 200)
	r.JSON(t, &ai)
	href := ai.AuthorizationInformation.Links.AuthorizationURL.Href
	if ai.AuthorizationInformation.IsUserAuthorized || !strings.HasPrefix(href, in.URL+"/local/consent/") {
		t.Fatalf("C2: %s", r.Body)
	}
	expectErr(t, in.DoAs(t, "", "GET", href+"x", nil), 403, "InvalidConsentLink", "")
	r = in.DoAs(t, "", "GET", href, nil)
	expectStatus(t, r, 302)
	if r.Header.Get("Location") != "http://localhost:9999/cb" {
		t.Fatalf("consent redirect %q", r.Header.Get("Location"))
	}
	in.Do(t, "GET", path+"?redirectUrl=http://localhost:9999/cb", nil).JSON(t, &ai)
	if !ai.AuthorizationInformation.IsUserAuthorized {
		t.Fatal("consent not recorded")
	}
	ok, err := in.Server.Store().HasConsent(t.Context(), in.Server.Store().Reader(), in.ClientID)
	if err != nil || !ok {
		t.Fatalf("HasConsent = %v %v", ok, err)
	}
}

// TestRunAlreadyRequested: the partial unique index is the second line of defence; when an insert trips it
// (simulated here by a trigger, since in-process starts are serialized and see each other), the start answers
// 409 RunAlreadyRequested instead of creating a second active run.
func TestRunAlreadyRequested(t *testing.T) {
	in := start(t)
	cid, _ := newStorageConn(t, in, "a.dgn")
	err := in.Server.Store().Write(t.Context(), func(tx *sql.Tx) error {
		_, err := tx.Exec(`CREATE TEMP TRIGGER lose_race BEFORE INSERT ON runs BEGIN SELECT RAISE(ABORT, 'UNIQUE constraint failed: runs.connection_id'); END`)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	expectErr(t, in.Do(t, "POST", sc+"/"+cid+"/run", nil), 409, "RunAlreadyRequested", "")
	var c wire.ConnectionEnvelope
	in.Do(t, "GET", sc+"/"+cid, nil).JSON(t, &c)
	if c.Connection.Links.LastRun != nil {
		t.Fatal("a lost race must not move lastRun")
	}
}
