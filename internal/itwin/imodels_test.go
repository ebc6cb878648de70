package itwin

import (
	"net/http"
	"net/url"
	"reflect"
	"strings"
	"testing"

	"github.com/seed37c7dd03/terraform-provider-itwin/internal/wire"
)

const tNV = "8d2e4a47-9f0a-4a56-b0a5-0b1e8b9f4c11"

var nvBody = map[string]any{"namedVersion": map[string]any{"id": tNV, "name": "v1", "displayName": "v1", "description": nil,
	"changesetId": "672fc94b069c32c9bd002898f2e3a9ff8809f349", "changesetIndex": 4, "state": "visible"}}

// wantRequest is what one call must send.
type wantRequest struct {
	method, path string
	query        url.Values // nil = no query
	body         string     // expected JSON; "" = no body
	accept       string
	prefer       bool
}

// checkRequest compares the single recorded request with want.
func checkRequest(t *testing.T, f *fakeAPI, want wantRequest) {
	t.Helper()
	reqs := f.requests()
	if len(reqs) != 1 {
		t.Fatalf("got %d requests, want 1: %+v", len(reqs), reqs)
	}
	r := reqs[0]
	if r.Method != want.method || r.Path != want.path {
		t.Errorf("request = %s %s, want %s %s", r.Method, r.Path, want.method, want.path)
	}
	gotQ, _ := url.ParseQuery(r.RawQuery)
	wantQ := want.query
	if wantQ == nil {
		wantQ = url.Values{}
	}
	if !reflect.DeepEqual(gotQ, wantQ) {
		t.Errorf("query = %v, want %v", gotQ, wantQ)
	}
	if want.body == "" {
		if len(r.Body) != 0 {
			t.Errorf("unexpected body %q", r.Body)
		}
	} else {
		jsonEqual(t, r.Body, want.body)
		if ct := r.Header.Get("Content-Type"); ct != "application/json" {
			t.Errorf("Content-Type = %q", ct)
		}
	}
	if got := r.Header.Get("Accept"); got != want.accept {
		t.Errorf("Accept = %q, want %q", got, want.accept)
	}
	wantPrefer := ""
	if want.prefer {
		wantPrefer = preferRepresentation
	}
	if got := r.Header.Get("Prefer"); got != wantPrefer {
		t.Errorf("Prefer = %q, want %q", got, wantPrefer)
	}
	if got := r.Header.Get("Authorization"); got != "Bearer test-access-token" {
		t.Errorf("Authorization = %q", got)
	}
}

// TestIModelITwinNamedVersionRequests checks the exact request of every iModel/iTwin list and update call and of
// the named-version calls, in particular that PATCH bodies tell a cleared field (null) from an untouched one
// (absent).
func TestIModelITwinNamedVersionRequests(t *testing.T) {
	ctx := t.Context()
	zero := 0
	ext := wire.Extent{SouthWest: wire.GeoPoint{Latitude: 46.1, Longitude: 7.25}, NorthEast: wire.GeoPoint{Latitude: 46.2, Longitude: 7.5}}
	cases := []struct {
		name   string
		route  string
		status int
		resp   any
		invoke func(t *testing.T, c *Client)
		want   wantRequest
	}{
		{name: "UpdateIModelRename", route: "PATCH /imodels/" + tIM, status: 200, resp: imodelBody,
			invoke: func(t *testing.T, c *Client) {
				im, err := c.UpdateIModel(ctx, tIM, wire.IModelUpdate{Name: wire.Ptr("Plant B")})
				if err != nil || im.ID != tIM {
					t.Fatalf("UpdateIModel = %+v, %v", im, err)
				}
			},
			want: wantRequest{method: "PATCH", path: "/imodels/" + tIM, body: `{"name":"Plant B"}`, accept: acceptV2}},
		{name: "UpdateIModelClear", route: "PATCH /imodels/" + tIM, status: 200, resp: imodelBody,
			invoke: func(t *testing.T, c *Client) {
				_, err := c.UpdateIModel(ctx, tIM, wire.IModelUpdate{Description: wire.Null[string](), Extent: wire.Null[wire.Extent]()})
				if err != nil {
					t.Fatal(err)
				}
			},
			want: wantRequest{method: "PATCH", path: "/imodels/" + tIM, body: `{"description":null,"extent":null}`, accept: acceptV2}},
		{name: "UpdateIModelSet", route: "PATCH /imodels/" + tIM, status: 200, resp: imodelBody,
			invoke: func(t *testing.T, c *Client) {
				_, err := c.UpdateIModel(ctx, tIM, wire.IModelUpdate{Description: wire.Some("d"), Extent: wire.Some(ext)})
				if err != nil {
					t.Fatal(err)
				}
			},
			want: wantRequest{method: "PATCH", path: "/imodels/" + tIM, accept: acceptV2,
				body: `{"description":"d","extent":{"southWest":{"latitude":46.1,"longitude":7.25},"northEast":{"latitude":46.2,"longitude":7.5}}}`}},
		{name: "ListIModelsByName", route: "GET /imodels", status: 200,
			resp: map[string]any{"iModels": []any{imodelBody["iModel"]}, "_links": map[string]any{"next": nil}},
			invoke: func(t *testing.T, c *Client) {
				list, err := c.ListIModels(ctx, tTW, IModelListOptions{Name: "Plant A", Search: "plant"})
				if err != nil || len(list) != 1 || list[0].ID != tIM {
					t.Fatalf("ListIModels = %+v, %v", list, err)
				}
			},
			want: wantRequest{method: "GET", path: "/imodels", accept: acceptV2, prefer: true,
				query: url.Values{"iTwinId": {tTW}, "name": {"Plant A"}, "$search": {"plant"}, "$top": {"1000"}}}},
		{name: "ListIModelsAll", route: "GET /imodels", status: 200, resp: map[string]any{"iModels": []any{}, "_links": map[string]any{}},
			invoke: func(t *testing.T, c *Client) {
				list, err := c.ListIModels(ctx, tTW, IModelListOptions{})
				if err != nil || list == nil || len(list) != 0 {
					t.Fatalf("ListIModels = %#v, %v", list, err)
				}
			},
			want: wantRequest{method: "GET", path: "/imodels", accept: acceptV2, prefer: true, query: url.Values{"iTwinId": {tTW}, "$top": {"1000"}}}},
		{name: "UpdateITwin", route: "PATCH /itwins/" + tTW, status: 200, resp: itwinBody,
			invoke: func(t *testing.T, c *Client) {
				tw, err := c.UpdateITwin(ctx, tTW, wire.ITwinUpdate{DisplayName: wire.Ptr("Plant B"), Type: wire.Some("Refinery"),
					Number: wire.Null[string](), Status: wire.Ptr(wire.ITwinStatusInactive), ParentID: wire.Null[string]()})
				if err != nil || tw.ID != tTW {
					t.Fatalf("UpdateITwin = %+v, %v", tw, err)
				}
			},
			want: wantRequest{method: "PATCH", path: "/itwins/" + tTW, accept: acceptV1,
				body: `{"displayName":"Plant B","type":"Refinery","number":null,"status":"Inactive","parentId":null}`}},
		{name: "ListITwinsFiltered", route: "GET /itwins/", status: 200,
			resp: map[string]any{"iTwins": []any{itwinBody["iTwin"]}, "_links": map[string]any{}},
			invoke: func(t *testing.T, c *Client) {
				list, err := c.ListITwins(ctx, ITwinListOptions{DisplayName: "Plant", Number: "P-1", SubClass: "Asset", IncludeInactive: true})
				if err != nil || len(list) != 1 || list[0].Class != "Thing" {
					t.Fatalf("ListITwins = %+v, %v", list, err)
				}
			},
			want: wantRequest{method: "GET", path: "/itwins/", accept: acceptV1, prefer: true,
				query: url.Values{"displayName": {"Plant"}, "number": {"P-1"}, "subClass": {"Asset"}, "includeInactive": {"true"}, "$top": {"1000"}}}},
		{name: "ListITwinsNoFilter", route: "GET /itwins/", status: 200, resp: map[string]any{"iTwins": []any{}},
			invoke: func(t *testing.T, c *Client) {
				if _, err := c.ListITwins(ctx, ITwinListOptions{}); err != nil {
					t.Fatal(err)
				}
			},
			want: wantRequest{method: "GET", path: "/itwins/", accept: acceptV1, prefer: true, query: url.Values{"$top": {"1000"}}}},
		{name: "CreateNamedVersionLatest", route: "POST /imodels/" + tIM + "/namedversions", status: 201, resp: nvBody,
			invoke: func(t *testing.T, c *Client) {
				nv, err := c.CreateNamedVersion(ctx, tIM, wire.NamedVersionCreate{Name: "v1"})
				if err != nil || nv.ID != tNV || nv.ChangesetIndex != 4 || nv.Description != "" {
					t.Fatalf("CreateNamedVersion = %+v, %v", nv, err)
				}
			},
			want: wantRequest{method: "POST", path: "/imodels/" + tIM + "/namedversions", accept: acceptV2, body: `{"name":"v1"}`}},
		{name: "CreateNamedVersionIndexZero", route: "POST /imodels/" + tIM + "/namedversions", status: 201, resp: nvBody,
			invoke: func(t *testing.T, c *Client) {
				// Index 0 is a real index (the empty iModel before the first changeset) and must be sent.
				if _, err := c.CreateNamedVersion(ctx, tIM, wire.NamedVersionCreate{Name: "v0", Description: "d", ChangesetIndex: &zero}); err != nil {
					t.Fatal(err)
				}
			},
			want: wantRequest{method: "POST", path: "/imodels/" + tIM + "/namedversions", accept: acceptV2, body: `{"name":"v0","description":"d","changesetIndex":0}`}},
		{name: "CreateNamedVersionByID", route: "POST /imodels/" + tIM + "/namedversions", status: 201, resp: nvBody,
			invoke: func(t *testing.T, c *Client) {
				if _, err := c.CreateNamedVersion(ctx, tIM, wire.NamedVersionCreate{Name: "v1", ChangesetID: "abc"}); err != nil {
					t.Fatal(err)
				}
			},
			want: wantRequest{method: "POST", path: "/imodels/" + tIM + "/namedversions", accept: acceptV2, body: `{"name":"v1","changesetId":"abc"}`}},
		{name: "GetNamedVersion", route: "GET /imodels/" + tIM + "/namedversions/" + tNV, status: 200, resp: nvBody,
			invoke: func(t *testing.T, c *Client) {
				nv, err := c.GetNamedVersion(ctx, tIM, tNV)
				if err != nil || nv.State != wire.NamedVersionStateVisible {
					t.Fatalf("GetNamedVersion = %+v, %v", nv, err)
				}
			},
			want: wantRequest{method: "GET", path: "/imodels/" + tIM + "/namedversions/" + tNV, accept: acceptV2}},
		{name: "ListNamedVersions", route: "GET /imodels/" + tIM + "/namedversions", status: 200,
			resp: map[string]any{"namedVersions": []any{nvBody["namedVersion"]}, "_links": map[string]any{}},
			invoke: func(t *testing.T, c *Client) {
				list, err := c.ListNamedVersions(ctx, tIM, NamedVersionListOptions{Name: "v1"})
				if err != nil || len(list) != 1 || list[0].ID != tNV {
					t.Fatalf("ListNamedVersions = %+v, %v", list, err)
				}
			},
			want: wantRequest{method: "GET", path: "/imodels/" + tIM + "/namedversions", accept: acceptV2, prefer: true,
				query: url.Values{"name": {"v1"}, "$orderBy": {"changesetIndex asc"}, "$top": {"1000"}}}},
		{name: "UpdateNamedVersion", route: "PATCH /imodels/" + tIM + "/namedversions/" + tNV, status: 200, resp: nvBody,
			invoke: func(t *testing.T, c *Client) {
				_, err := c.UpdateNamedVersion(ctx, tIM, tNV, wire.NamedVersionUpdate{Description: wire.Null[string](), State: wire.Ptr(wire.NamedVersionStateHidden)})
				if err != nil {
					t.Fatal(err)
				}
			},
			want: wantRequest{method: "PATCH", path: "/imodels/" + tIM + "/namedversions/" + tNV, accept: acceptV2, body: `{"description":null,"state":"hidden"}`}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f := newFakeAPI(t)
			f.reply(tc.route, tc.status, tc.resp)
			tc.invoke(t, f.client())
			checkRequest(t, f, tc.want)
		})
	}
}

// TestListIModelsFollowsNext: every page is read, with the filters kept on the next request.
func TestListIModelsFollowsNext(t *testing.T) {
	f := newFakeAPI(t)
	f.handle("GET /imodels", func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Query().Get("iTwinId") != tTW || r.URL.Query().Get("name") != "A" {
			t.Errorf("filters lost: %q", r.URL.RawQuery)
		}
		if r.URL.Query().Get("$skip") == "" {
			writeJSON(w, 200, map[string]any{"iModels": []any{map[string]any{"id": "m1", "name": "A"}},
				"_links": map[string]any{"next": map[string]any{"href": f.srv.URL + "/imodels?iTwinId=" + tTW + "&name=A&$skip=1&$top=1"}}})
			return
		}
		writeJSON(w, 200, map[string]any{"iModels": []any{map[string]any{"id": "m2", "name": "A"}}, "_links": map[string]any{"next": nil}})
	})
	list, err := f.client().ListIModels(t.Context(), tTW, IModelListOptions{Name: "A"})
	if err != nil || len(list) != 2 || list[1].ID != "m2" {
		t.Fatalf("ListIModels = %+v, %v", list, err)
	}
	if n := f.count("GET", "/imodels"); n != 2 {
		t.Errorf("%d page requests, want 2", n)
	}
}

// TestUpdatesRetriedCreateNamedVersionNot: PATCH is idempotent and retried on 5xx; the named-version POST is
// retried only on 429 (a retry after a lost answer could name a second version).
func TestUpdatesRetriedCreateNamedVersionNot(t *testing.T) {
	ctx := t.Context()
	for _, tc := range []struct {
		method, path string
		resp         any
		call         func(c *Client) error
	}{
		{"PATCH", "/imodels/" + tIM, imodelBody, func(c *Client) error {
			_, err := c.UpdateIModel(ctx, tIM, wire.IModelUpdate{Name: wire.Ptr("x")})
			return err
		}},
		{"PATCH", "/itwins/" + tTW, itwinBody, func(c *Client) error {
			_, err := c.UpdateITwin(ctx, tTW, wire.ITwinUpdate{DisplayName: wire.Ptr("x")})
			return err
		}},
		{"PATCH", "/imodels/" + tIM + "/namedversions/" + tNV, nvBody, func(c *Client) error {
			_, err := c.UpdateNamedVersion(ctx, tIM, tNV, wire.NamedVersionUpdate{Name: wire.Ptr("x")})
			return err
		}},
	} {
		f := newFakeAPI(t)
		f.handle(tc.method+" "+tc.path, failFirst(2, status(503), okJSON(tc.resp)))
		if err := tc.call(f.client()); err != nil {
			t.Errorf("%s %s: %v", tc.method, tc.path, err)
		}
		if n := f.count(tc.method, tc.path); n != 3 {
			t.Errorf("%s %s: %d attempts, want 3", tc.method, tc.path, n)
		}
	}

	f := newFakeAPI(t)
	path := "/imodels/" + tIM + "/namedversions"
	f.handle("POST "+path, failFirst(1, status(503), okJSON(nvBody)))
	if _, err := f.client().CreateNamedVersion(ctx, tIM, wire.NamedVersionCreate{Name: "v1"}); !IsStatus(err, 503) {
		t.Errorf("CreateNamedVersion after a 503: err = %v, want the 503", err)
	}
	if n := f.count("POST", path); n != 1 {
		t.Errorf("POST sent %d times, want 1", n)
	}
	f2 := newFakeAPI(t)
	f2.handle("POST "+path, failFirst(1, status(429, "Retry-After", "0"), func(w http.ResponseWriter, _ *http.Request) { writeJSON(w, 201, nvBody) }))
	if _, err := f2.client().CreateNamedVersion(ctx, tIM, wire.NamedVersionCreate{Name: "v1"}); err != nil {
		t.Errorf("CreateNamedVersion after a 429: %v", err)
	}
}

// TestIModelUpdateConflict: a name taken in the iTwin comes back as a 409 iModelExists the provider can test.
func TestIModelUpdateConflict(t *testing.T) {
	f := newFakeAPI(t)
	f.reply("PATCH /imodels/"+tIM, 409, apiErrorBody("iModelExists", "An iModel with this name already exists in the iTwin."))
	_, err := f.client().UpdateIModel(t.Context(), tIM, wire.IModelUpdate{Name: wire.Ptr("taken")})
	if !IsConflict(err) || ErrorCode(err) != "iModelExists" || !strings.Contains(err.Error(), "409 iModelExists") {
		t.Fatalf("err = %v", err)
	}
}

// TestIModelITwinNamedVersionEmptyIDs: an empty id is refused before any request.
func TestIModelITwinNamedVersionEmptyIDs(t *testing.T) {
	f := newFakeAPI(t)
	c := f.client()
	ctx := t.Context()
	for name, fn := range map[string]func() error{
		"ListIModels":        func() error { _, err := c.ListIModels(ctx, "", IModelListOptions{}); return err },
		"UpdateIModel":       func() error { _, err := c.UpdateIModel(ctx, " ", wire.IModelUpdate{}); return err },
		"UpdateITwin":        func() error { _, err := c.UpdateITwin(ctx, "", wire.ITwinUpdate{}); return err },
		"CreateNamedVersion": func() error { _, err := c.CreateNamedVersion(ctx, "", wire.NamedVersionCreate{Name: "x"}); return err },
		"GetNamedVersion":    func() error { _, err := c.GetNamedVersion(ctx, tIM, ""); return err },
		"ListNamedVersions":  func() error { _, err := c.ListNamedVersions(ctx, "", NamedVersionListOptions{}); return err },
		"UpdateNamedVersion": func() error { _, err := c.UpdateNamedVersion(ctx, "", tNV, wire.NamedVersionUpdate{}); return err },
	} {
		if err := fn(); err == nil {
			t.Errorf("%s: expected an error", name)
		}
	}
	if n := len(f.requests()); n != 0 {
		t.Errorf("%d requests were sent for invalid input", n)
	}
}
