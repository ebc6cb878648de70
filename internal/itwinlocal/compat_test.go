package itwinlocal_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/seed37c7dd03/terraform-provider-itwin/internal/itwinlocal"
	"github.com/seed37c7dd03/terraform-provider-itwin/internal/itwinlocal/itwinlocaltest"
	"github.com/seed37c7dd03/terraform-provider-itwin/internal/wire"
)

// TestCompatibilityRows asserts each row of spec §10.
func TestCompatibilityRows(t *testing.T) {
	in := start(t)
	cid, fid := newStorageConn(t, in, "row.dgn")

	t.Run("row01 lastRun href shape", func(t *testing.T) {
		rid := startRun(t, in, cid)
		var c wire.ConnectionEnvelope
		in.Do(t, "GET", sc+"/"+cid, nil).JSON(t, &c)
		parts := strings.Split(c.Connection.Links.LastRun.Href, "/")
		if c.Connection.Links.LastRun.Href != in.URL+"/synchronization/imodels/storageconnections/"+cid+"/runs/"+rid || parts[8] != rid {
			t.Fatalf("lastRun %q", c.Connection.Links.LastRun.Href)
		}
		mcid := newManifestConn(t, in, in.IModelID, "row1")
		r := in.Do(t, "POST", mc+"/"+mcid+"/runs", map[string]any{})
		expectNoBody(t, r, 202)
		in.Do(t, "GET", mc+"/"+mcid, nil).JSON(t, &c)
		if !strings.HasPrefix(c.Connection.Links.LastRun.Href, in.URL+"/synchronization/imodels/manifestconnections/"+mcid+"/runs/") ||
			strings.Split(c.Connection.Links.LastRun.Href, "/")[8] != c.Connection.LastRunID() {
			t.Fatalf("manifest lastRun %q", c.Connection.Links.LastRun.Href)
		}
		completeRun(t, in, rid, wire.ResultSuccess)
	})
	t.Run("row02 completeUrl and folder link", func(t *testing.T) {
		r := in.Do(t, "POST", "/storage/folders/"+in.RootFolderID+"/files", map[string]string{"displayName": "r2.dgn"})
		var l wire.UploadLinks
		r.JSON(t, &l)
		p := strings.Split(l.Links.CompleteURL.Href, "/")
		if !strings.HasPrefix(l.Links.CompleteURL.Href, in.URL+"/storage/files/") || !itwinlocal.IsBase64ID(p[5]) || p[6] != "complete" {
			t.Fatalf("completeUrl %q", l.Links.CompleteURL.Href)
		}
		var top wire.StorageItemList
		in.Do(t, "GET", "/storage/?iTwinId="+in.ITwinID, nil).JSON(t, &top)
		h := top.Links.Folder.Href
		if h[strings.LastIndex(h, "/")+1:] != in.RootFolderID {
			t.Fatalf("folder href %q", h)
		}
	})
	t.Run("row03 no path prefix", func(t *testing.T) {
		expectErr(t, in.Do(t, "GET", "/api/itwins/"+in.ITwinID, nil), 404, "ResourceNotFound", "")
		expectStatus(t, in.Do(t, "GET", "/itwins/"+in.ITwinID, nil), 200)
	})
	t.Run("row04 no body on 202 and 204", func(t *testing.T) {
		expectNoBody(t, in.Do(t, "POST", sc+"/"+cid+"/run", nil), 202)
		c2, _ := newStorageConn(t, in, "r4.dgn")
		expectNoBody(t, in.Do(t, "DELETE", sc+"/"+c2, nil), 204)
	})
	t.Run("row05 JSON envelope on every error", func(t *testing.T) {
		expectErr(t, in.DoAs(t, "", "GET", "/itwins/"+in.ITwinID, nil), 401, "HeaderNotFound", "")
		expectErr(t, in.Do(t, "GET", "/no/such/route", nil), 404, "ResourceNotFound", "")
		r := in.Do(t, "PATCH", sc+"/"+cid, nil)
		expectErr(t, r, 405, "MethodNotAllowed", "")
		if !strings.Contains(r.Header.Get("Allow"), "PUT") {
			t.Fatalf("Allow %q", r.Header.Get("Allow"))
		}
	})
	t.Run("row06 absolute same-origin Location and 303 follow", func(t *testing.T) {
		r := in.Do(t, "POST", sc+"/"+cid+"/run", nil)
		expectNoBody(t, r, 303)
		if !strings.HasPrefix(r.Header.Get("Location"), in.URL+"/") {
			t.Fatalf("Location %q", r.Header.Get("Location"))
		}
		// A redirect-following client ends with 200 {run}.
		req, _ := http.NewRequest("POST", in.URL+sc+"/"+cid+"/run", nil)
		req.Header.Set("Authorization", "Bearer "+in.Token(t))
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "application/json" {
			t.Fatalf("followed 303: %d", resp.StatusCode)
		}
	})
	t.Run("row07 casing of paths and query names", func(t *testing.T) {
		for _, p := range []string{"/synchronization/imodels/storageConnections/" + cid, "/Synchronization/iModels/StorageConnections/" + cid + "/sourceFiles"} {
			expectStatus(t, in.Do(t, "GET", p, nil), 200)
		}
		var l wire.ConnectionList
		in.Do(t, "GET", "/synchronization/imodels/storageconnections?iModelId="+in.IModelID+"&$TOP=1", nil).JSON(t, &l)
		if len(l.Connections) != 1 || !strings.Contains(l.Links.Self.Href, "$top=1") || !strings.Contains(l.Links.Self.Href, "imodelId="+in.IModelID) {
			t.Fatalf("query casing: %+v", l.Links)
		}
		expectErr(t, in.Do(t, "GET", sc+"/"+strings.ToLower(cid), nil), 404, "StorageConnectionNotFound", "") // ids are case-sensitive
	})
	t.Run("row08 minimal items carry displayName", func(t *testing.T) {
		var l wire.ConnectionList
		in.Do(t, "GET", "/synchronization/imodels/connections?imodelId="+in.IModelID, nil).JSON(t, &l)
		if l.Connections[0].DisplayName != "conn" {
			t.Fatalf("%+v", l.Connections)
		}
	})
	t.Run("row09 S10 representation and PUT id", func(t *testing.T) {
		var l wire.StorageSourceFileList
		in.Do(t, "GET", sc+"/"+cid+"/sourcefiles", nil, "Prefer", "return=representation").JSON(t, &l)
		if l.SourceFiles[0].ConnectorType != "MSTN" {
			t.Fatalf("%+v", l)
		}
		r := in.Do(t, "PUT", sc+"/"+cid+"/sourcefiles/"+l.SourceFiles[0].ID, map[string]string{"storageFileId": fid, "connectorType": "DWG"})
		var sf wire.StorageSourceFileEnvelope
		r.JSON(t, &sf)
		if sf.SourceFile.ID != l.SourceFiles[0].ID {
			t.Fatal("PUT changed the id")
		}
	})
	t.Run("row10 no Accept header", func(t *testing.T) {
		req, _ := http.NewRequest("GET", in.URL+"/itwins/"+in.ITwinID, nil)
		req.Header.Set("Authorization", "Bearer "+in.Token(t))
		req.Header.Del("Accept")
		resp, err := http.DefaultClient.Do(req)
		if err != nil || resp.StatusCode != 200 {
			t.Fatalf("%v %v", resp, err)
		}
		resp.Body.Close()
		expectStatus(t, in.Do(t, "GET", "/itwins/"+in.ITwinID, nil, "Accept", "*/*"), 200)
		expectStatus(t, in.Do(t, "GET", "/itwins/"+in.ITwinID, nil, "Accept", "application/json"), 200)
	})
	t.Run("row11 jobs [] early and one run per start", func(t *testing.T) {
		c3, _ := newStorageConn(t, in, "r11.dgn")
		rid := startRun(t, in, c3)
		r := in.Do(t, "GET", sc+"/"+c3+"/runs/"+rid, nil)
		if !strings.Contains(string(r.Body), `"jobs":[]`) {
			t.Fatalf("%s", r.Body)
		}
		var l wire.RunList
		in.Do(t, "GET", sc+"/"+c3+"/runs", nil).JSON(t, &l)
		if len(l.Runs) != 1 {
			t.Fatalf("%d runs", len(l.Runs))
		}
	})
	t.Run("row12 delete iModel with connections", func(t *testing.T) {
		im := newIModel(t, in, "row12")
		newManifestConn(t, in, im, "x")
		expectNoBody(t, in.Do(t, "DELETE", "/imodels/"+im, nil), 204)
	})
	t.Run("row13 Content-Type without body", func(t *testing.T) {
		ct := []string{"Content-Type", "application/json"}
		expectStatus(t, in.Do(t, "GET", sc+"/"+cid, nil, ct...), 200)
		c4, _ := newStorageConn(t, in, "r13.dgn")
		expectNoBody(t, in.Do(t, "POST", sc+"/"+c4+"/run", nil, ct...), 202)
		c5, _ := newStorageConn(t, in, "r13b.dgn")
		expectNoBody(t, in.Do(t, "DELETE", sc+"/"+c5, nil, ct...), 204)
	})
	t.Run("row14 trailing slash on collections", func(t *testing.T) {
		expectStatus(t, in.Do(t, "GET", "/storage/?iTwinId="+in.ITwinID, nil), 200)
		expectStatus(t, in.Do(t, "POST", "/itwins/", map[string]string{"class": "Thing", "subClass": "Asset", "displayName": "x"}), 201)
		expectStatus(t, in.Do(t, "POST", "/imodels/", map[string]string{"iTwinId": in.ITwinID, "name": "row14"}), 201)
		expectStatus(t, in.Do(t, "GET", sc+"/?imodelId="+in.IModelID, nil), 200)
	})
	t.Run("row15 minted GUIDs are v4", func(t *testing.T) {
		im := newIModel(t, in, "row15")
		u, err := uuid.Parse(im)
		if err != nil || u.Version() != 4 || im != strings.ToLower(im) {
			t.Fatalf("%q", im)
		}
	})
	t.Run("row16 duplicate names", func(t *testing.T) {
		a := in.UploadFile(t, "", "same.dgn", []byte("1"))
		b := in.UploadFile(t, "", "same.dgn", []byte("2"))
		for _, f := range []string{a, b} {
			r := in.Do(t, "POST", sc, map[string]any{"displayName": "same", "iModelId": in.IModelID, "sourceFiles": []map[string]string{{"storageFileId": f, "connectorType": "MSTN"}}})
			expectStatus(t, r, 201)
		}
	})
	t.Run("row17 discovery and JWT", func(t *testing.T) {
		expectStatus(t, in.DoAs(t, "", "GET", "/.well-known/openid-configuration", nil), 200)
		if strings.Count(in.Token(t), ".") != 2 {
			t.Fatal("token is not a JWT")
		}
	})
}

func TestPagingValidation(t *testing.T) {
	in := start(t)
	for _, q := range []string{"$top=0", "$top=1001", "$top=x", "$skip=-1", "$skip=1.5"} {
		target := q[:strings.Index(q, "=")]
		expectErr(t, in.Do(t, "GET", sc+"?"+q, nil), 422, "InvalidStorageConnectionRequest", target)
	}
	expectStatus(t, in.Do(t, "GET", sc+"?$top=1000&$skip=5", nil), 200)
	cid, _ := newStorageConn(t, in, "a.dgn")
	expectErr(t, in.Do(t, "GET", sc+"/"+cid+"/sourcefiles?$top=0", nil), 422, "InvalidStorageConnectionSourceFileRequest", "$top")
	expectErr(t, in.Do(t, "GET", sc+"/"+cid+"/runs?$skip=-2", nil), 422, "InvalidStorageConnectionRequest", "$skip")
	for i := 0; i < 4; i++ {
		newStorageConn(t, in, "p.dgn")
	}
	var l wire.ConnectionList
	in.Do(t, "GET", sc+"?imodelId="+in.IModelID+"&$top=2&$skip=2", nil).JSON(t, &l)
	want := in.URL + sc + "?imodelId=" + in.IModelID
	if len(l.Connections) != 2 || l.Links.Self.Href != want+"&$skip=2&$top=2" || l.Links.Prev.Href != want+"&$skip=0&$top=2" || l.Links.Next.Href != want+"&$skip=4&$top=2" {
		t.Fatalf("links: self %v prev %v next %v", l.Links.Self, l.Links.Prev, l.Links.Next)
	}
	l = wire.ConnectionList{}
	in.Do(t, "GET", want+"&$top=2&$skip=4", nil).JSON(t, &l)
	if len(l.Connections) != 1 || l.Links.Next != nil {
		t.Fatalf("last page: %+v", l)
	}
}

func TestForwardedProtoAndBodyLimit(t *testing.T) {
	in := start(t)
	var c wire.ConnectionEnvelope
	cid, _ := newStorageConn(t, in, "a.dgn")
	in.Do(t, "GET", sc+"/"+cid, nil, "X-Forwarded-Proto", "https").JSON(t, &c)
	if !strings.HasPrefix(c.Connection.Links.IModel.Href, "https://") {
		t.Fatalf("href %q", c.Connection.Links.IModel.Href)
	}
	big := `{"displayName":"` + strings.Repeat("x", 5<<20) + `"}`
	expectErr(t, in.Do(t, "PUT", sc+"/"+cid, big, "Content-Type", "application/json"), 413, "PayloadTooLarge", "")
}

func TestFaultsAndStats(t *testing.T) {
	in := start(t, itwinlocaltest.WithConfig(func(c *itwinlocal.Config) {
		c.Faults = itwinlocal.FaultConfig{Rate5xx: 1, Methods: []string{"get"}, RoutePattern: `^/itwins/`, Seed: 7}
	}))
	expectStatus(t, in.DoAs(t, "", "POST", "/local/stats/reset", nil), 204)
	expectErr(t, in.Do(t, "GET", "/itwins/"+in.ITwinID, nil), 503, "ServiceUnavailable", "")
	expectErr(t, in.Do(t, "GET", "/itwins/"+in.ITwinID, nil), 503, "ServiceUnavailable", "")
	expectStatus(t, in.Do(t, "GET", "/imodels/"+in.IModelID, nil), 200)                                                             // other route
	expectStatus(t, in.Do(t, "POST", "/itwins", map[string]string{"class": "Thing", "subClass": "Asset", "displayName": "x"}), 201) // other method
	var st itwinlocal.StatsResponse
	r := in.DoAs(t, "", "GET", "/local/stats", nil)
	expectStatus(t, r, 200)
	r.JSON(t, &st)
	if st.Requests["GET /itwins/{id}"] != 2 || st.Requests["GET /imodels/{id}"] != 1 || st.Requests["POST /itwins"] != 1 {
		t.Fatalf("stats: %+v", st.Requests)
	}
	if in.Server.Stats()["GET /itwins/{id}"] != 2 {
		t.Fatal("Stats() disagrees")
	}

	// 429 faults carry Retry-After; latency delays; non-API routes are spared unless configured.
	in2 := start(t, itwinlocaltest.WithConfig(func(c *itwinlocal.Config) {
		c.Faults = itwinlocal.FaultConfig{Rate429: 1, Latency: 30 * time.Millisecond}
	}))
	tok := in2.Token(t) // the token endpoint is not faulted
	start := time.Now()
	r = in2.DoAs(t, tok, "GET", "/itwins/"+in2.ITwinID, nil)
	expectErr(t, r, 429, "RateLimitExceeded", "")
	if r.Header.Get("Retry-After") != "1" || time.Since(start) < 30*time.Millisecond {
		t.Fatalf("Retry-After %q after %v", r.Header.Get("Retry-After"), time.Since(start))
	}
}

// TestDefaultEngineCompletesRuns checks the default wiring of itwinlocaltest.Start: a started run is driven to
// Completed by the engine, and the connection's lastRun points at it.
func TestDefaultEngineCompletesRuns(t *testing.T) {
	in := itwinlocaltest.Start(t)
	ifc := "ISO-10303-21;\nHEADER;\nFILE_SCHEMA(('IFC4'));\nENDSEC;\nDATA;\n#1= IFCWALL('2O2Fr$t4X7Zf8NOew3FLOH',$,'Wall',$,$,$,$,$);\nENDSEC;\nEND-ISO-10303-21;\n"
	fid := in.UploadFile(t, "", "plant.ifc", []byte(ifc))
	r := in.Do(t, "POST", sc, map[string]any{"iModelId": in.IModelID, "authenticationType": "Service",
		"sourceFiles": []map[string]string{{"storageFileId": fid, "connectorType": "IFC"}}})
	expectStatus(t, r, 201)
	var c wire.ConnectionEnvelope
	r.JSON(t, &c)
	rid := startRun(t, in, c.Connection.ID)
	deadline := time.Now().Add(20 * time.Second)
	for {
		var run wire.RunEnvelope
		in.Do(t, "GET", sc+"/"+c.Connection.ID+"/runs/"+rid, nil).JSON(t, &run)
		if run.Run.State == wire.StateCompleted {
			if run.Run.Result != wire.ResultSuccess || len(run.Run.Jobs) != 1 || run.Run.EndDateTime.IsZero() {
				b, _ := json.Marshal(run.Run)
				t.Fatalf("completed run: %s", b)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("run still %s", run.Run.State)
		}
		time.Sleep(20 * time.Millisecond)
	}
	var cs wire.ChangesetList
	in.Do(t, "GET", "/imodels/"+in.IModelID+"/changesets", nil).JSON(t, &cs)
	if len(cs.Changesets) == 0 {
		t.Fatal("a first successful run of a new file pushes a changeset")
	}
}
