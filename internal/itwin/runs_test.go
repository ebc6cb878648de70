package itwin

import (
	"context"
	"errors"
	"net/http"
	"testing"

	"github.com/seed37c7dd03/terraform-provider-itwin/internal/wire"
)

func runLocation(f *fakeAPI, kind, runID string) string {
	return f.srv.URL + "/synchronization/imodels/" + kind + "connections/" + tCID + "/runs/" + runID
}

func TestStartStorageRun202(t *testing.T) {
	f := newFakeAPI(t)
	f.handle("POST "+syncIM+"/storageconnections/"+tCID+"/run", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Location", runLocation(f, "storage", tRun))
		w.WriteHeader(http.StatusAccepted)
	})
	res, err := f.client().Connections(wire.KindStorage).StartRun(t.Context(), tCID, nil)
	if err != nil {
		t.Fatal(err)
	}
	if res.RunID != tRun || res.Active || res.Location != runLocation(f, "storage", tRun) {
		t.Errorf("result = %+v", res)
	}
	r := f.requests()[0]
	if len(r.Body) != 0 || r.Header.Get("Content-Type") != "" {
		t.Errorf("storage run start must have no body: %q %q", r.Body, r.Header.Get("Content-Type"))
	}
}

func TestStartRun303ActiveRun(t *testing.T) {
	f := newFakeAPI(t)
	f.handle("POST "+syncIM+"/storageconnections/"+tCID+"/run", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Location", runLocation(f, "storage", "active-run"))
		w.WriteHeader(http.StatusSeeOther)
	})
	f.reply("GET "+syncIM+"/storageconnections/"+tCID+"/runs/active-run", 200, runBody)
	res, err := f.client().Connections(wire.KindStorage).StartRun(t.Context(), tCID, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !res.Active || res.RunID != "active-run" {
		t.Errorf("result = %+v, want the active run", res)
	}
	if n := len(f.requests()); n != 1 {
		t.Errorf("the 303 must not be followed: %d requests", n)
	}
}

func TestStartRun202WithoutLocationFallsBackToLastRun(t *testing.T) {
	f := newFakeAPI(t)
	f.handle("POST "+syncIM+"/storageconnections/"+tCID+"/run", func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusAccepted) })
	f.reply("GET "+syncIM+"/storageconnections/"+tCID, 200, map[string]any{"connection": map[string]any{"id": tCID, "displayName": "x",
		"_links": map[string]any{"lastRun": map[string]any{"href": runLocation(f, "storage", tRun)}}}})
	res, err := f.client().Connections(wire.KindStorage).StartRun(t.Context(), tCID, nil)
	if err != nil {
		t.Fatal(err)
	}
	if res.RunID != tRun || res.Active {
		t.Errorf("result = %+v", res)
	}
	if f.count("GET", syncIM+"/storageconnections/"+tCID) != 1 || f.count("POST", syncIM+"/storageconnections/"+tCID+"/run") != 1 {
		t.Errorf("requests: %+v", f.requests())
	}

	// Neither Location nor lastRun: a clear error, not an empty id.
	f2 := newFakeAPI(t)
	f2.handle("POST "+syncIM+"/storageconnections/"+tCID+"/run", func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusAccepted) })
	f2.reply("GET "+syncIM+"/storageconnections/"+tCID, 200, connBody)
	if _, err := f2.client().Connections(wire.KindStorage).StartRun(t.Context(), tCID, nil); err == nil {
		t.Error("expected an error when the run id cannot be found")
	}
	// The fallback read itself fails.
	f3 := newFakeAPI(t)
	f3.handle("POST "+syncIM+"/storageconnections/"+tCID+"/run", func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusAccepted) })
	f3.reply("GET "+syncIM+"/storageconnections/"+tCID, 404, apiErrorBody("StorageConnectionNotFound", "gone"))
	if _, err := f3.client().Connections(wire.KindStorage).StartRun(t.Context(), tCID, nil); !IsNotFound(err) {
		t.Errorf("err = %v, want the 404 wrapped", err)
	}
}

func TestStartRunFollowed303(t *testing.T) {
	f := newFakeAPI(t)
	f.reply("POST "+syncIM+"/storageconnections/"+tCID+"/run", 200, runBody)
	res, err := f.client().Connections(wire.KindStorage).StartRun(t.Context(), tCID, nil)
	if err != nil {
		t.Fatal(err)
	}
	if res.RunID != tRun || !res.Active {
		t.Errorf("result = %+v", res)
	}
}

func TestStartRunNotRetried(t *testing.T) {
	path := syncIM + "/storageconnections/" + tCID + "/run"
	for name, h := range map[string]http.HandlerFunc{"500": status(500), "502": status(502), "transport": hangUp} {
		t.Run(name, func(t *testing.T) {
			f := newFakeAPI(t)
			f.handle("POST "+path, h)
			_, err := f.client().Connections(wire.KindStorage).StartRun(t.Context(), tCID, nil)
			var unc *StartUncertainError
			if !errors.As(err, &unc) || unc.ConnectionID != tCID {
				t.Fatalf("err = %T %v, want *StartUncertainError", err, err)
			}
			if n := f.count("POST", path); n != 1 {
				t.Errorf("run start sent %d times, want exactly 1", n)
			}
		})
	}
	t.Run("cancelled", func(t *testing.T) {
		f := newFakeAPI(t)
		ctx, cancel := context.WithCancel(t.Context())
		f.handle("POST "+path, func(w http.ResponseWriter, r *http.Request) { cancel(); <-r.Context().Done() })
		_, err := f.client().Connections(wire.KindStorage).StartRun(ctx, tCID, nil)
		var unc *StartUncertainError
		if !errors.As(err, &unc) || !errors.Is(err, context.Canceled) {
			t.Fatalf("err = %T %v", err, err)
		}
	})
}

func TestStartRun429RetriedAnd409Returned(t *testing.T) {
	path := syncIM + "/storageconnections/" + tCID + "/run"
	f := newFakeAPI(t)
	f.handle("POST "+path, failFirst(1, status(429, "Retry-After", "0"), func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Location", runLocation(f, "storage", tRun))
		w.WriteHeader(http.StatusAccepted)
	}))
	res, err := f.client().Connections(wire.KindStorage).StartRun(t.Context(), tCID, nil)
	if err != nil || res.RunID != tRun {
		t.Fatalf("res=%+v err=%v", res, err)
	}
	if n := f.count("POST", path); n != 2 {
		t.Errorf("%d attempts, want 2", n)
	}

	f2 := newFakeAPI(t)
	f2.reply("POST "+path, 409, apiErrorBody("RunAlreadyRequested", "A run request is already being processed."))
	_, err = f2.client().Connections(wire.KindStorage).StartRun(t.Context(), tCID, nil)
	var unc *StartUncertainError
	if errors.As(err, &unc) || !IsConflict(err) || ErrorCode(err) != "RunAlreadyRequested" {
		t.Fatalf("err = %T %v, want the 409 APIError", err, err)
	}
	if f2.count("POST", path) != 1 {
		t.Error("409 must not be retried")
	}
}

func TestStartManifestRun(t *testing.T) {
	f := newFakeAPI(t)
	f.handle("POST "+syncIM+"/manifestconnections/"+tCID+"/runs", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Location", runLocation(f, "manifest", tRun))
		w.WriteHeader(http.StatusAccepted)
	})
	body := wire.ManifestRunCreate{SourceFiles: []wire.ManifestRunFile{{ID: "dms-0001", Name: "a.dgn", URL: "https://files.example.com/a.dgn?sig=Ab12", ConnectorType: "MSTN",
		Children: []wire.ManifestChildFile{{ID: "dms-0002", ParentID: "dms-0001", Name: "b.dgn", URL: "https://files.example.com/b.dgn?sig=Cd34", ConnectorType: "CIVIL"}}}}}
	res, err := f.client().Connections(wire.KindManifest).StartRun(t.Context(), tCID, &body)
	if err != nil || res.RunID != tRun {
		t.Fatalf("res=%+v err=%v", res, err)
	}
	r := f.requests()[0]
	jsonEqual(t, r.Body, `{"sourceFiles":[{"id":"dms-0001","name":"a.dgn","url":"https://files.example.com/a.dgn?sig=Ab12","connectorType":"MSTN",
		"children":[{"id":"dms-0002","parentId":"dms-0001","name":"b.dgn","url":"https://files.example.com/b.dgn?sig=Cd34","connectorType":"CIVIL"}]}]}`)
	if r.Header.Get("Content-Type") != "application/json" {
		t.Errorf("Content-Type = %q", r.Header.Get("Content-Type"))
	}

	// Manifest fallback reads the manifest connection.
	f2 := newFakeAPI(t)
	f2.handle("POST "+syncIM+"/manifestconnections/"+tCID+"/runs", func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusAccepted) })
	f2.reply("GET "+syncIM+"/manifestconnections/"+tCID, 200, map[string]any{"connection": map[string]any{"id": tCID, "displayName": "x",
		"_links": map[string]any{"lastRun": map[string]any{"href": runLocation(f2, "manifest", "m-run")}}}})
	res, err = f2.client().Connections(wire.KindManifest).StartRun(t.Context(), tCID, &wire.ManifestRunCreate{})
	if err != nil || res.RunID != "m-run" {
		t.Fatalf("res=%+v err=%v", res, err)
	}
}
