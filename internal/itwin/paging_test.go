package itwin

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/seed37c7dd03/terraform-provider-itwin/internal/wire"
)

// TestPagingThreePages follows absolute, then relative next links and stops on a null next.
func TestPagingThreePages(t *testing.T) {
	f := newFakeAPI(t)
	path := syncIM + "/storageconnections/" + tCID + "/runs"
	f.handle("GET "+path, func(w http.ResponseWriter, r *http.Request) {
		skip := r.URL.Query().Get("$skip")
		run := func(id string) map[string]any {
			return map[string]any{"id": id, "state": "Completed", "result": "Success"}
		}
		switch skip {
		case "":
			writeJSON(w, 200, map[string]any{"runs": []any{run("r1"), run("r2")},
				"_links": map[string]any{"next": map[string]any{"href": f.srv.URL + path + "?$skip=2&$top=2"}}})
		case "2":
			writeJSON(w, 200, map[string]any{"runs": []any{run("r3"), run("r4")},
				"_links": map[string]any{"next": map[string]any{"href": path + "?$skip=4&$top=2"}}})
		case "4":
			writeJSON(w, 200, map[string]any{"runs": []any{run("r5")}, "_links": map[string]any{"next": nil}})
		default:
			t.Errorf("unexpected $skip %q", skip)
		}
	})
	runs, err := f.client().Connections(wire.KindStorage).ListRuns(t.Context(), tCID, 0)
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, r := range runs {
		ids = append(ids, r.ID)
	}
	if strings.Join(ids, ",") != "r1,r2,r3,r4,r5" {
		t.Errorf("runs = %v", ids)
	}
	reqs := f.requests()
	if len(reqs) != 3 {
		t.Fatalf("%d requests", len(reqs))
	}
	if reqs[0].RawQuery != "$top=1000" {
		t.Errorf("first page query = %q", reqs[0].RawQuery)
	}
	for _, r := range reqs {
		if r.Header.Get("Prefer") != "return=representation" || r.Header.Get("Authorization") == "" {
			t.Errorf("page request headers: %v", r.Header)
		}
	}

	// A limit stops early.
	f.mu.Lock()
	f.reqs = nil
	f.mu.Unlock()
	runs, err = f.client().Connections(wire.KindStorage).ListRuns(t.Context(), tCID, 3)
	if err != nil || len(runs) != 3 || runs[2].ID != "r3" {
		t.Fatalf("limit 3: %+v %v", runs, err)
	}
	if n := len(f.requests()); n != 2 {
		t.Errorf("limit 3: %d requests, want 2", n)
	}
}

func TestPagingLoopGuard(t *testing.T) {
	f := newFakeAPI(t)
	path := syncIM + "/connections"
	f.handle("GET "+path, func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, 200, map[string]any{"connections": []any{map[string]any{"id": "a", "displayName": "a"}},
			"_links": map[string]any{"next": map[string]any{"href": f.srv.URL + path + "?imodelId=" + tIM + "&$skip=1&$top=1"}}})
	})
	_, err := f.client().ListConnections(t.Context(), tIM)
	if err == nil || !strings.Contains(err.Error(), "same next link twice") {
		t.Fatalf("err = %v", err)
	}
	if n := len(f.requests()); n != 2 {
		t.Errorf("%d requests before the loop was detected", n)
	}
}

// TestPagingRebuildsForeignNextPath: the public service sometimes links to another path spelling; the client
// keeps the collection path and its filters and takes only $skip/$top from the link.
func TestPagingRebuildsForeignNextPath(t *testing.T) {
	f := newFakeAPI(t)
	path := syncIM + "/storageconnections"
	f.handle("GET "+path, func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Query().Get("imodelId") != tIM {
			t.Errorf("filter lost: %q", r.URL.RawQuery)
		}
		if r.URL.Query().Get("$skip") == "" {
			writeJSON(w, 200, map[string]any{"connections": []any{map[string]any{"id": "a", "displayName": "a"}},
				"_links": map[string]any{"next": map[string]any{"href": "https://api.bentley.com/synchronization/imodels/connection/x/storageconnections?$skip=1&$top=1"}}})
			return
		}
		writeJSON(w, 200, map[string]any{"connections": []any{map[string]any{"id": "b", "displayName": "b"}}, "_links": map[string]any{}})
	})
	list, err := f.client().Connections(wire.KindStorage).List(t.Context(), tIM)
	if err != nil || len(list) != 2 {
		t.Fatalf("list = %+v, %v", list, err)
	}
	if q := f.requests()[1].RawQuery; q != "$skip=1&$top=1&imodelId="+tIM {
		t.Errorf("second page query = %q", q)
	}
}

func TestPagingErrors(t *testing.T) {
	f := newFakeAPI(t)
	f.handle("GET "+syncIM+"/connections", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprint(w, `{"connections": "not a list"}`)
	})
	if _, err := f.client().ListConnections(t.Context(), tIM); err == nil || !strings.Contains(err.Error(), "decoding a page") {
		t.Errorf("err = %v", err)
	}
	f.handle("GET "+syncIM+"/storageconnections", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, 200, map[string]any{"connections": []any{}, "_links": map[string]any{"next": map[string]any{"href": "://bad"}}})
	})
	if _, err := f.client().Connections(wire.KindStorage).List(t.Context(), ""); err == nil {
		t.Error("a malformed next link must fail")
	}
	f.reply("GET "+syncIM+"/manifestconnections", 422, apiErrorBody("InvalidManifestConnectionRequest", "Cannot perform operation."))
	if _, err := f.client().Connections(wire.KindManifest).List(t.Context(), tIM); !IsStatus(err, 422) {
		t.Errorf("err = %v", err)
	}
}

// TestEachItemStreamsAndReportsFailure: a lazily paged list yields the first page's items before it asks for the
// second, stops asking when the caller stops, and ends with the error of a failed page (after the items it had),
// never with a silently shorter list.
func TestEachItemStreamsAndReportsFailure(t *testing.T) {
	f := newFakeAPI(t)
	path := syncIM + "/storageconnections/" + tCID + "/sourcefiles"
	f.handle("GET "+path, func(w http.ResponseWriter, r *http.Request) {
		sf := func(id string) map[string]any {
			return map[string]any{"id": id, "storageFileId": "f" + id, "connectorType": "IFC"}
		}
		switch r.URL.Query().Get("$skip") {
		case "":
			writeJSON(w, 200, map[string]any{"sourceFiles": []any{sf("1"), sf("2")},
				"_links": map[string]any{"next": map[string]any{"href": path + "?$skip=2&$top=2"}}})
		default:
			writeJSON(w, 403, apiErrorBody("InsufficientPermissions", "The user has insufficient permissions for the requested operation."))
		}
	})
	c := f.client(func(cfg *Config) { cfg.MaxRetries = 0 })

	// Stopping after the first item reads one page only.
	for _, err := range c.Connections(wire.KindStorage).EachSourceFile(t.Context(), tCID) {
		if err != nil {
			t.Fatalf("first page: %v", err)
		}
		break
	}
	if n := len(f.requests()); n != 1 {
		t.Fatalf("stopping after one item made %d requests, want 1", n)
	}

	var ids []string
	var last error
	for sf, err := range c.Connections(wire.KindStorage).EachSourceFile(t.Context(), tCID) {
		if err != nil {
			last = err
			continue
		}
		if last != nil {
			t.Fatalf("item %s after the error", sf.ID)
		}
		ids = append(ids, sf.ID)
	}
	if strings.Join(ids, ",") != "1,2" || !IsStatus(last, 403) {
		t.Fatalf("items %v, error %v; want 1,2 then the 403", ids, last)
	}
	if _, err := c.Connections(wire.KindStorage).ListSourceFiles(t.Context(), tCID); !IsStatus(err, 403) {
		t.Fatalf("ListSourceFiles must return the page error, got %v", err)
	}
	for _, err := range c.Connections(wire.KindStorage).EachSourceFile(t.Context(), "") {
		if err == nil || !strings.Contains(err.Error(), "connection id") {
			t.Fatalf("empty connection id: %v", err)
		}
	}
}
