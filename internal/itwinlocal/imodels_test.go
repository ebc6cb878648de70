package itwinlocal_test

import (
	"database/sql"
	"encoding/json"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/seed37c7dd03/terraform-provider-itwin/internal/itwinlocal"
	"github.com/seed37c7dd03/terraform-provider-itwin/internal/itwinlocal/itwinlocaltest"
	"github.com/seed37c7dd03/terraform-provider-itwin/internal/wire"
)

// Tests of GET /imodels and PATCH /imodels/{id} (spec §9.3).

const famIModels = "InvalidiModelsRequest"

// twoClients starts a server with the seed client "main" (every iTwin) and "other" (no iTwin), and a clock the
// test advances, so creation order is deterministic.
func twoClients(t *testing.T) (*itwinlocaltest.Instance, *fakeClock, string) {
	t.Helper()
	clock := newFakeClock()
	in := start(t,
		itwinlocaltest.WithClients(itwinlocal.ClientConfig{ID: "main", Secret: "main-secret", ITwins: []string{"*"}, Email: "main@example.test"},
			itwinlocal.ClientConfig{ID: "other", Secret: "other-secret"}),
		itwinlocaltest.WithConfig(func(c *itwinlocal.Config) { c.Now = clock.Now }))
	otherTok := in.TokenFor(t, "other", "other-secret")
	return in, clock, otherTok
}

func newITwin(t *testing.T, in *itwinlocaltest.Instance, body map[string]any) wire.ITwin {
	t.Helper()
	if body == nil {
		body = map[string]any{"class": "Endeavor", "subClass": "Project", "displayName": "p"}
	}
	r := in.Do(t, "POST", "/itwins", body)
	expectStatus(t, r, 201)
	var env wire.ITwinEnvelope
	r.JSON(t, &env)
	return env.ITwin
}

// itemKeys returns the sorted keys of every item of the list under field.
func itemKeys(t *testing.T, body []byte, field string) [][]string {
	t.Helper()
	var probe map[string]json.RawMessage
	if err := json.Unmarshal(body, &probe); err != nil {
		t.Fatal(err)
	}
	var items []map[string]json.RawMessage
	if err := json.Unmarshal(probe[field], &items); err != nil {
		t.Fatalf("%s: %v in %s", field, err, body)
	}
	var out [][]string
	for _, it := range items {
		var ks []string
		for k := range it {
			ks = append(ks, k)
		}
		sort.Strings(ks)
		out = append(out, ks)
	}
	return out
}

// rawField returns the raw JSON of obj.key (dotted path of objects).
func rawField(t *testing.T, body []byte, path string) string {
	t.Helper()
	cur := json.RawMessage(body)
	for _, k := range strings.Split(path, ".") {
		var m map[string]json.RawMessage
		if err := json.Unmarshal(cur, &m); err != nil {
			t.Fatalf("%s: %v in %s", path, err, body)
		}
		v, ok := m[k]
		if !ok {
			t.Fatalf("%s: %q absent in %s", path, k, body)
		}
		cur = v
	}
	return string(cur)
}

func TestIModelList(t *testing.T) {
	in, clock, otherTok := twoClients(t)
	it := newITwin(t, in, nil)
	var ids []string
	for _, m := range []struct{ name, desc string }{{"Plant", "pumps"}, {"bridge", ""}, {"Annex", "North WING"}, {"Depot", ""}, {"cellar", "wine"}} {
		clock.Advance(time.Second)
		r := in.Do(t, "POST", "/imodels", map[string]any{"iTwinId": it.ID, "name": m.name, "description": m.desc})
		expectStatus(t, r, 201)
		var env wire.IModelEnvelope
		r.JSON(t, &env)
		ids = append(ids, env.IModel.ID)
	}
	newIModel(t, in, "in the seed iTwin") // another iTwin's iModels never show up

	// Paging across pages, with explicit $skip/$top and the filters repeated (§1.5).
	base := in.URL + "/imodels?iTwinId=" + it.ID
	var got []string
	next := "/imodels?iTwinId=" + strings.ToUpper(it.ID) + "&$top=2"
	for pages := 0; next != ""; pages++ {
		if pages > 3 {
			t.Fatal("paging does not end")
		}
		var l wire.IModelList
		r := in.Do(t, "GET", next, nil)
		expectStatus(t, r, 200)
		r.JSON(t, &l)
		skip := pages * 2
		if l.Links.Self.Href != base+"&$skip="+strconv.Itoa(skip)+"&$top=2" {
			t.Fatalf("self %q", l.Links.Self.Href)
		}
		if (pages == 0) != (l.Links.Prev == nil) || (pages > 0 && l.Links.Prev.Href != base+"&$skip="+strconv.Itoa(skip-2)+"&$top=2") {
			t.Fatalf("prev on page %d: %+v", pages, l.Links.Prev)
		}
		for _, m := range l.IModels {
			got = append(got, m.ID)
		}
		next = ""
		if l.Links.Next != nil {
			next = l.Links.Next.Href[len(in.URL):]
		}
	}
	if !slices.Equal(got, ids) {
		t.Fatalf("pages in creation order: got %v, want %v", got, ids)
	}

	// Minimal items carry id and displayName only; the representation every field, unset ones as null.
	r := in.Do(t, "GET", "/imodels?iTwinId="+it.ID+"&$top=1", nil)
	if k := itemKeys(t, r.Body, "iModels"); len(k) != 1 || !slices.Equal(k[0], []string{"displayName", "id"}) {
		t.Fatalf("minimal keys %v: %s", k, r.Body)
	}
	r = in.Do(t, "GET", "/imodels/?iTwinId="+it.ID+"&$skip=1&$top=1", nil, "Prefer", "return=representation")
	expectStatus(t, r, 200)
	if k := itemKeys(t, r.Body, "iModels"); len(k) != 1 || !slices.Contains(k[0], "extent") || !slices.Contains(k[0], "_links") ||
		!strings.Contains(string(r.Body), `"description":null`) || !strings.Contains(string(r.Body), `"extent":null`) {
		t.Fatalf("representation: %s", r.Body)
	}

	// Filters and ordering; query names are case-insensitive (§1.4).
	list := func(q string) []string {
		t.Helper()
		var l wire.IModelList
		r := in.Do(t, "GET", "/imodels?"+q, nil, "Prefer", "return=representation")
		expectStatus(t, r, 200)
		r.JSON(t, &l)
		var names []string
		for _, m := range l.IModels {
			names = append(names, m.Name)
		}
		return names
	}
	for q, want := range map[string][]string{
		"iTwinId=" + it.ID + "&$orderBy=name":                         {"Annex", "bridge", "cellar", "Depot", "Plant"},
		"itwinid=" + it.ID + "&$ORDERBY=name%20desc":                  {"Plant", "Depot", "cellar", "bridge", "Annex"},
		"iTwinId=" + it.ID + "&$orderBy=createdDateTime%20desc":       {"cellar", "Depot", "Annex", "bridge", "Plant"},
		"iTwinId=" + it.ID + "&$orderBy=createdDateTime%20asc&$top=2": {"Plant", "bridge"},
		"iTwinId=" + it.ID + "&name=Depot":                            {"Depot"},
		"iTwinId=" + it.ID + "&name=depot":                            nil,                                    // name is exact
		"iTwinId=" + it.ID + "&$search=E":                             {"bridge", "Annex", "Depot", "cellar"}, // not "Plant"/"pumps"
		"iTwinId=" + it.ID + "&$SEARCH=wing":                          {"Annex"},                              // description, any case
		"iTwinId=" + it.ID + "&$search=LL":                            {"cellar"},
		"iTwinId=" + it.ID + "&State=initialized&$search=p":           {"Plant", "Depot"},
		"iTwinId=" + it.ID + "&state=notInitialized":                  nil,
	} {
		if got := list(q); !slices.Equal(got, want) {
			t.Errorf("%s: got %v, want %v", q, got, want)
		}
	}
	var l wire.IModelList
	in.Do(t, "GET", "/imodels?$search=wing&iTwinId="+it.ID, nil).JSON(t, &l)
	if l.Links.Self.Href != base+"&$search=wing&$skip=0&$top=100" || l.Links.Next != nil || l.Links.Prev != nil {
		t.Fatalf("filters in links: %+v", l.Links)
	}

	// Errors.
	expectErr(t, in.Do(t, "GET", "/imodels", nil), 422, famIModels, "iTwinId")
	env := expectErr(t, in.Do(t, "GET", "/imodels?iTwinId=", nil), 422, famIModels, "iTwinId")
	if env.Error.Details[0].Code != "MissingRequiredProperty" {
		t.Fatalf("empty iTwinId: %+v", env)
	}
	env = expectErr(t, in.Do(t, "GET", "/imodels?iTwinId=nope", nil), 422, famIModels, "iTwinId")
	if env.Error.Details[0].Code != "InvalidValue" {
		t.Fatalf("bad iTwinId: %+v", env)
	}
	expectErr(t, in.Do(t, "GET", "/imodels?iTwinId="+itwinlocal.NewGUID(), nil), 404, "iTwinNotFound", "")
	expectErr(t, in.DoAs(t, otherTok, "GET", "/imodels?iTwinId="+it.ID, nil), 403, "InsufficientPermissions", "")
	expectErr(t, in.DoAs(t, "", "GET", "/imodels?iTwinId="+it.ID, nil), 401, "HeaderNotFound", "")
	for q, target := range map[string]string{"$top=0": "$top", "$top=1001": "$top", "$skip=-1": "$skip", "$orderBy=index": "$orderBy",
		"$orderBy=name%20up": "$orderBy", "state=ready": "state"} {
		expectErr(t, in.Do(t, "GET", "/imodels?iTwinId="+it.ID+"&"+q, nil), 422, famIModels, target)
	}
}

func TestIModelPatch(t *testing.T) {
	in, _, otherTok := twoClients(t)
	ext := map[string]any{"southWest": map[string]float64{"latitude": 1, "longitude": 2}, "northEast": map[string]float64{"latitude": 3, "longitude": 4}}
	r := in.Do(t, "POST", "/imodels", map[string]any{"iTwinId": in.ITwinID, "name": "Plant", "description": "d", "extent": ext})
	expectStatus(t, r, 201)
	var created wire.IModelEnvelope
	r.JSON(t, &created)
	id := created.IModel.ID
	path := "/imodels/" + id
	newIModel(t, in, "Taken")

	// Changesets, a connection and a named version belong to the iModel before the rename.
	st := in.Server.Store()
	err := st.Write(t.Context(), func(tx *sql.Tx) error {
		_, err := st.AppendChangeset(t.Context(), tx, itwinlocal.ChangesetRecord{IModelID: id, Description: "first"})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	fid := in.UploadFile(t, "", "a.dgn", []byte("a"))
	r = in.Do(t, "POST", sc, storageConnBody(id, fid))
	expectStatus(t, r, 201)
	var conn wire.ConnectionEnvelope
	r.JSON(t, &conn)

	patch := func(body any) (*itwinlocaltest.Response, wire.IModel) {
		t.Helper()
		r := in.Do(t, "PATCH", path, body)
		expectStatus(t, r, 200)
		var env wire.IModelEnvelope
		r.JSON(t, &env)
		var got wire.IModelEnvelope
		in.Do(t, "GET", path, nil).JSON(t, &got)
		if mustJSON(got) != mustJSON(env) {
			t.Fatalf("PATCH answer differs from a later GET:\n%s\n%s", mustJSON(env), mustJSON(got))
		}
		return r, env.IModel
	}

	// Absent fields keep their value.
	_, m := patch(map[string]any{})
	if m.Name != "Plant" || m.Description != "d" || m.Extent == nil {
		t.Fatalf("empty patch changed something: %+v", m)
	}
	_, m = patch(map[string]any{"name": "Plant (as built)"})
	if m.ID != id || m.Name != "Plant (as built)" || m.DisplayName != "Plant (as built)" || m.Description != "d" || m.Extent.NorthEast.Longitude != 4 {
		t.Fatalf("rename: %+v", m)
	}
	_, m = patch(map[string]any{"name": "Plant (as built)", "description": "new", "extent": map[string]any{
		"southWest": map[string]float64{"latitude": -10, "longitude": -20}, "northEast": map[string]float64{"latitude": 10, "longitude": 20}}})
	if m.Description != "new" || m.Extent.SouthWest.Longitude != -20 {
		t.Fatalf("set description and extent: %+v", m)
	}
	// null clears; the answer sends null, not an omission.
	r, m = patch(json.RawMessage(`{"description":null,"extent":null}`))
	if m.Description != "" || m.Extent != nil || rawField(t, r.Body, "iModel.description") != "null" || rawField(t, r.Body, "iModel.extent") != "null" {
		t.Fatalf("null clears: %s", r.Body)
	}
	// Unknown and read-only fields are ignored (spec §1.3).
	_, m = patch(map[string]any{"iTwinId": itwinlocal.NewGUID(), "id": "x", "state": "notInitialized"})
	if m.ITwinID != in.ITwinID || m.ID != id || m.State != "initialized" {
		t.Fatalf("ignored fields: %+v", m)
	}

	// Renaming kept the changesets, the connection and the iModel's place in its iTwin.
	var cs wire.ChangesetList
	in.Do(t, "GET", path+"/changesets", nil).JSON(t, &cs)
	if len(cs.Changesets) != 1 || cs.Changesets[0].Description != "first" {
		t.Fatalf("changesets after rename: %+v", cs)
	}
	var cl wire.ConnectionList
	in.Do(t, "GET", "/synchronization/imodels/connections?imodelId="+id, nil).JSON(t, &cl)
	if len(cl.Connections) != 1 || cl.Connections[0].ID != conn.Connection.ID {
		t.Fatalf("connections after rename: %+v", cl)
	}
	var byName wire.IModelList
	in.Do(t, "GET", "/imodels?iTwinId="+in.ITwinID+"&name=Plant%20(as%20built)", nil).JSON(t, &byName)
	if len(byName.IModels) != 1 || byName.IModels[0].ID != id {
		t.Fatalf("list by new name: %+v", byName)
	}

	// Errors: the body names the field; nothing changes.
	before := in.Do(t, "GET", path, nil).Body
	for _, tc := range []struct {
		body         any
		status       int
		code, target string
	}{
		{map[string]any{"name": "Taken"}, 409, "iModelExists", ""},
		{json.RawMessage(`{"name":null}`), 422, famIModels, "name"},
		{map[string]any{"name": "  "}, 422, famIModels, "name"},
		{map[string]any{"name": strings.Repeat("n", 256)}, 422, famIModels, "name"},
		{map[string]any{"name": 7}, 422, famIModels, "name"},
		{map[string]any{"description": false}, 422, famIModels, "description"},
		{map[string]any{"extent": "north"}, 422, famIModels, "extent"},
		{map[string]any{"extent": map[string]any{"southWest": map[string]float64{"latitude": 91}}}, 422, famIModels, "extent"},
		{map[string]any{"extent": map[string]any{"northEast": map[string]float64{"longitude": -181}}}, 422, famIModels, "extent"},
		{nil, 422, "MissingRequestBody", ""},
		{"[1]", 422, "MissingRequestBody", ""},
	} {
		expectErr(t, in.Do(t, "PATCH", path, tc.body, "Content-Type", "application/json"), tc.status, tc.code, tc.target)
	}
	if after := in.Do(t, "GET", path, nil).Body; string(after) != string(before) {
		t.Fatalf("a rejected PATCH changed the iModel:\n%s\n%s", before, after)
	}
	expectErr(t, in.Do(t, "PATCH", "/imodels/"+itwinlocal.NewGUID(), map[string]any{"name": "x"}), 404, "iModelNotFound", "")
	expectErr(t, in.Do(t, "PATCH", "/imodels/not-a-guid", map[string]any{"name": "x"}), 404, "iModelNotFound", "")
	expectErr(t, in.DoAs(t, otherTok, "PATCH", path, map[string]any{"name": "x"}), 403, "InsufficientPermissions", "")
	expectErr(t, in.DoAs(t, "", "PATCH", path, map[string]any{"name": "x"}), 401, "HeaderNotFound", "")
	// The same name in another iTwin is allowed.
	other := newITwin(t, in, nil)
	r = in.Do(t, "POST", "/imodels", map[string]any{"iTwinId": other.ID, "name": "elsewhere"})
	expectStatus(t, r, 201)
	var o wire.IModelEnvelope
	r.JSON(t, &o)
	expectStatus(t, in.Do(t, "PATCH", "/imodels/"+o.IModel.ID, map[string]any{"name": "Taken"}), 200)
}
