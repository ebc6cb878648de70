package itwinlocal_test

import (
	"database/sql"
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/seed37c7dd03/terraform-provider-itwin/internal/itwinlocal"
	"github.com/seed37c7dd03/terraform-provider-itwin/internal/itwinlocal/itwinlocaltest"
	"github.com/seed37c7dd03/terraform-provider-itwin/internal/wire"
)

// Tests of the named versions of spec §9.3.

// appendChangesets pushes n changesets onto the iModel through the store, as a run would.
func appendChangesets(t *testing.T, in *itwinlocaltest.Instance, imodelID string, n int) []itwinlocal.ChangesetRecord {
	t.Helper()
	st := in.Server.Store()
	var out []itwinlocal.ChangesetRecord
	err := st.Write(t.Context(), func(tx *sql.Tx) error {
		for range n {
			cs, err := st.AppendChangeset(t.Context(), tx, itwinlocal.ChangesetRecord{IModelID: imodelID, Description: "cs",
				CreatorID: itwinlocal.ClientUserID(in.ClientID)})
			if err != nil {
				return err
			}
			out = append(out, cs)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func createVersion(t *testing.T, in *itwinlocaltest.Instance, imodelID string, body any) (wire.NamedVersion, []byte) {
	t.Helper()
	r := in.Do(t, "POST", "/imodels/"+imodelID+"/namedversions", body)
	expectStatus(t, r, 201)
	var env wire.NamedVersionEnvelope
	r.JSON(t, &env)
	return env.NamedVersion, r.Body
}

func TestNamedVersionCreate(t *testing.T) {
	in, _, otherTok := twoClients(t)
	im := newIModel(t, in, "versions")
	base := "/imodels/" + im + "/namedversions"

	// No changeset yet: the version is the baseline (index 0), as Bentley's API does without a changeset.
	v, body := createVersion(t, in, im, map[string]any{"name": "baseline"})
	if v.ChangesetIndex != 0 || v.ChangesetID != "" || v.State != "visible" || v.DisplayName != "baseline" || !itwinlocal.IsGUID(v.ID) ||
		rawField(t, body, "namedVersion.changesetId") != "null" || rawField(t, body, "namedVersion._links.changeset") != "null" ||
		rawField(t, body, "namedVersion.description") != "null" || v.Application == nil || v.Application.ID != "main" ||
		v.Links.Creator.Href != in.URL+"/imodels/"+im+"/users/"+itwinlocal.ClientUserID("main") || v.CreatedDateTime.IsZero() {
		t.Fatalf("baseline: %s", body)
	}
	expectErr(t, in.Do(t, "POST", base, map[string]any{"name": "another baseline"}), 409, "NamedVersionExists", "")
	expectErr(t, in.Do(t, "POST", base, map[string]any{"name": "zero", "changesetIndex": 0}), 409, "NamedVersionExists", "")

	cs := appendChangesets(t, in, im, 4)
	v, _ = createVersion(t, in, im, map[string]any{"name": "latest"})
	if v.ChangesetIndex != 4 || v.ChangesetID != cs[3].ID || v.Links.Changeset.Href != in.URL+"/imodels/"+im+"/changesets/4" {
		t.Fatalf("latest: %+v", v)
	}
	v, _ = createVersion(t, in, im, map[string]any{"name": "Release 1", "description": "first", "changesetIndex": 1})
	if v.ChangesetIndex != 1 || v.ChangesetID != cs[0].ID || v.Description != "first" {
		t.Fatalf("by index: %+v", v)
	}
	v, _ = createVersion(t, in, im, map[string]any{"name": "Release 2", "changesetId": strings.ToUpper(cs[1].ID), "changesetIndex": 2})
	if v.ChangesetIndex != 2 || v.ChangesetID != cs[1].ID {
		t.Fatalf("by id and index: %+v", v)
	}

	for _, tc := range []struct {
		body         any
		status       int
		code, target string
	}{
		{map[string]any{"name": "Release 1", "changesetIndex": 3}, 409, "NamedVersionExists", ""},
		{map[string]any{"name": "Again on 1", "changesetIndex": 1}, 409, "NamedVersionExists", ""},
		{map[string]any{"name": "Again on 2", "changesetId": cs[1].ID}, 409, "NamedVersionExists", ""},
		{map[string]any{"name": "x", "changesetIndex": 9}, 404, "ChangesetNotFound", ""},
		{map[string]any{"name": "x", "changesetId": strings.Repeat("a", 40)}, 404, "ChangesetNotFound", ""},
		{map[string]any{"name": "x", "changesetId": "nope"}, 404, "ChangesetNotFound", ""},
		{map[string]any{"name": "x", "changesetId": cs[2].ID, "changesetIndex": 2}, 422, famIModels, "changesetIndex"},
		{map[string]any{"description": "no name"}, 422, famIModels, "name"},
		{json.RawMessage(`{"name":null}`), 422, famIModels, "name"},
		{map[string]any{"name": " "}, 422, famIModels, "name"},
		{map[string]any{"name": strings.Repeat("n", 256)}, 422, famIModels, "name"},
		{map[string]any{"name": "x", "changesetIndex": -1}, 422, famIModels, "changesetIndex"},
		{map[string]any{"name": "x", "changesetIndex": "3"}, 422, famIModels, "changesetIndex"},
		{map[string]any{"name": "x", "changesetId": 3}, 422, famIModels, "changesetId"},
		{nil, 422, "MissingRequestBody", ""},
	} {
		expectErr(t, in.Do(t, "POST", base, tc.body, "Content-Type", "application/json"), tc.status, tc.code, tc.target)
	}
	env := expectErr(t, in.Do(t, "POST", base, map[string]any{"description": "no name"}), 422, famIModels, "name")
	if env.Error.Details[0].Code != "MissingRequiredProperty" {
		t.Fatalf("missing name: %+v", env)
	}
	// Nothing was created by the rejected requests.
	var l wire.NamedVersionList
	in.Do(t, "GET", base, nil).JSON(t, &l)
	if len(l.NamedVersions) != 4 {
		t.Fatalf("%d versions after rejected creates", len(l.NamedVersions))
	}
	expectErr(t, in.Do(t, "POST", "/imodels/"+itwinlocal.NewGUID()+"/namedversions", map[string]any{"name": "x"}), 404, "iModelNotFound", "")
	expectErr(t, in.DoAs(t, otherTok, "POST", base, map[string]any{"name": "x"}), 403, "InsufficientPermissions", "")
	expectErr(t, in.DoAs(t, "", "POST", base, map[string]any{"name": "x"}), 401, "HeaderNotFound", "")

	// Deleting the iModel takes its named versions with it.
	expectNoBody(t, in.Do(t, "DELETE", "/imodels/"+im, nil), 204)
	var n int
	if err := in.Server.Store().Reader().QueryRowContext(t.Context(), `SELECT COUNT(*) FROM named_versions WHERE imodel_id = ?`, im).Scan(&n); err != nil || n != 0 {
		t.Fatalf("named versions left after the iModel's deletion: %d %v", n, err)
	}
}

func TestNamedVersionListGetPatch(t *testing.T) {
	in, _, otherTok := twoClients(t)
	im := newIModel(t, in, "versions")
	base := "/imodels/" + im + "/namedversions"
	cs := appendChangesets(t, in, im, 5)
	var ids []string
	for i, name := range []string{"Alpha", "beta", "Gamma release", "delta", "Epsilon"} {
		v, _ := createVersion(t, in, im, map[string]any{"name": name, "changesetIndex": i + 1})
		ids = append(ids, v.ID)
	}

	names := func(q string, hdr ...string) ([]string, wire.NamedVersionList, []byte) {
		t.Helper()
		r := in.Do(t, "GET", base+q, nil, hdr...)
		expectStatus(t, r, 200)
		var l wire.NamedVersionList
		r.JSON(t, &l)
		var out []string
		for _, v := range l.NamedVersions {
			out = append(out, v.DisplayName)
		}
		return out, l, r.Body
	}
	for q, want := range map[string][]string{
		"":                                {"Alpha", "beta", "Gamma release", "delta", "Epsilon"},
		"?$orderBy=changesetIndex%20desc": {"Epsilon", "delta", "Gamma release", "beta", "Alpha"},
		"?$ORDERBY=changesetindex":        {"Alpha", "beta", "Gamma release", "delta", "Epsilon"},
		"?name=beta":                      {"beta"},
		"?NAME=Beta":                      nil,
		"?$search=ELTA":                   {"delta"},
		"?$search=a&$top=2&$skip=1":       {"beta", "Gamma release"},
	} {
		if got, _, _ := names(q); !slices.Equal(got, want) {
			t.Errorf("%q: got %v, want %v", q, got, want)
		}
	}
	// Minimal items: id, displayName, changesetId, changesetIndex; the representation has everything.
	_, l, body := names("?$top=1")
	if k := itemKeys(t, body, "namedVersions"); !slices.Equal(k[0], []string{"changesetId", "changesetIndex", "displayName", "id"}) ||
		l.NamedVersions[0].ChangesetID != cs[0].ID {
		t.Fatalf("minimal: %s", body)
	}
	_, l, body = names("?$top=1", "Prefer", "return=representation")
	if k := itemKeys(t, body, "namedVersions"); !slices.Contains(k[0], "_links") || !slices.Contains(k[0], "state") || l.NamedVersions[0].State != "visible" {
		t.Fatalf("representation: %s", body)
	}
	// Paging across pages.
	_, l, _ = names("?$orderBy=changesetIndex%20desc&$top=2&$skip=2")
	lb := in.URL + base + "?$orderBy=changesetIndex+desc"
	if len(l.NamedVersions) != 2 || l.Links.Self.Href != lb+"&$skip=2&$top=2" || l.Links.Prev.Href != lb+"&$skip=0&$top=2" || l.Links.Next.Href != lb+"&$skip=4&$top=2" {
		t.Fatalf("links: %+v %+v %+v", l.Links.Self, l.Links.Prev, l.Links.Next)
	}
	for q, target := range map[string]string{"$orderBy=name": "$orderBy", "$top=1001": "$top", "$skip=-3": "$skip"} {
		expectErr(t, in.Do(t, "GET", base+"?"+q, nil), 422, famIModels, target)
	}

	// A changeset's representation links its named version, else sends null; the minimal one has no such link.
	var one wire.ChangesetEnvelope
	r := in.Do(t, "GET", "/imodels/"+im+"/changesets/2", nil)
	r.JSON(t, &one)
	if one.Changeset.Links.NamedVersion == nil || one.Changeset.Links.NamedVersion.Href != in.URL+base+"/"+ids[1] ||
		rawField(t, r.Body, "changeset._links.download") != "null" || rawField(t, r.Body, "changeset._links.currentOrPrecedingCheckpoint") != "null" ||
		rawField(t, r.Body, "changeset.synchronizationInfo") != "null" {
		t.Fatalf("changeset 2: %s", r.Body)
	}
	appendChangesets(t, in, im, 1)
	r = in.Do(t, "GET", "/imodels/"+im+"/changesets/6", nil)
	if rawField(t, r.Body, "changeset._links.namedVersion") != "null" {
		t.Fatalf("changeset without version: %s", r.Body)
	}
	var list wire.ChangesetList
	r = in.Do(t, "GET", "/imodels/"+im+"/changesets?$top=2", nil, "Prefer", "return=representation")
	r.JSON(t, &list)
	if list.Changesets[0].Links.NamedVersion.Href != in.URL+base+"/"+ids[0] {
		t.Fatalf("representation list: %s", r.Body)
	}
	r = in.Do(t, "GET", "/imodels/"+im+"/changesets?$top=2", nil)
	if strings.Contains(string(r.Body), "namedVersion") || strings.Contains(string(r.Body), "download") {
		t.Fatalf("minimal changesets carry representation links: %s", r.Body)
	}

	// GET and PATCH one version.
	path := base + "/" + strings.ToUpper(ids[2])
	var got wire.NamedVersionEnvelope
	r = in.Do(t, "GET", path, nil)
	expectStatus(t, r, 200)
	r.JSON(t, &got)
	if got.NamedVersion.ID != ids[2] || got.NamedVersion.ChangesetIndex != 3 {
		t.Fatalf("get: %s", r.Body)
	}
	patch := func(body any) (wire.NamedVersion, []byte) {
		t.Helper()
		r := in.Do(t, "PATCH", path, body)
		expectStatus(t, r, 200)
		var env, again wire.NamedVersionEnvelope
		r.JSON(t, &env)
		in.Do(t, "GET", path, nil).JSON(t, &again)
		if mustJSON(env) != mustJSON(again) {
			t.Fatalf("PATCH answer differs from a later GET:\n%s\n%s", mustJSON(env), mustJSON(again))
		}
		return env.NamedVersion, r.Body
	}
	v, _ := patch(map[string]any{"name": "Gamma", "description": "third", "state": "hidden"})
	if v.Name != "Gamma" || v.DisplayName != "Gamma" || v.Description != "third" || v.State != "hidden" || v.ChangesetIndex != 3 || v.ID != ids[2] {
		t.Fatalf("patch: %+v", v)
	}
	v, body = patch(json.RawMessage(`{"description":null}`))
	if v.Name != "Gamma" || v.State != "hidden" || rawField(t, body, "namedVersion.description") != "null" {
		t.Fatalf("clear description: %s", body)
	}
	v, _ = patch(map[string]any{"state": "visible", "changesetIndex": 5})
	if v.State != "visible" || v.ChangesetIndex != 3 {
		t.Fatalf("state back, changesetIndex ignored: %+v", v)
	}
	before := in.Do(t, "GET", path, nil).Body
	for _, tc := range []struct {
		body         any
		status       int
		code, target string
	}{
		{map[string]any{"name": "delta"}, 409, "NamedVersionExists", ""},
		{json.RawMessage(`{"name":null}`), 422, famIModels, "name"},
		{map[string]any{"name": ""}, 422, famIModels, "name"},
		{map[string]any{"state": "archived"}, 422, famIModels, "state"},
		{json.RawMessage(`{"state":null}`), 422, famIModels, "state"},
		{map[string]any{"description": 1}, 422, famIModels, "description"},
		{nil, 422, "MissingRequestBody", ""},
	} {
		expectErr(t, in.Do(t, "PATCH", path, tc.body, "Content-Type", "application/json"), tc.status, tc.code, tc.target)
	}
	if after := in.Do(t, "GET", path, nil).Body; string(after) != string(before) {
		t.Fatalf("a rejected PATCH changed the version:\n%s\n%s", before, after)
	}
	v, _ = patch(map[string]any{"name": "Gamma"}) // its own name is not a conflict
	if v.Name != "Gamma" {
		t.Fatal(v)
	}

	for _, p := range []string{base + "/" + itwinlocal.NewGUID(), base + "/nope"} {
		expectErr(t, in.Do(t, "GET", p, nil), 404, "NamedVersionNotFound", "")
		expectErr(t, in.Do(t, "PATCH", p, map[string]any{"name": "x"}), 404, "NamedVersionNotFound", "")
	}
	other := newIModel(t, in, "other")
	expectErr(t, in.Do(t, "GET", "/imodels/"+other+"/namedversions/"+ids[0], nil), 404, "NamedVersionNotFound", "") // wrong iModel
	expectErr(t, in.Do(t, "GET", "/imodels/"+itwinlocal.NewGUID()+"/namedversions", nil), 404, "iModelNotFound", "")
	expectErr(t, in.Do(t, "GET", "/imodels/"+itwinlocal.NewGUID()+"/namedversions/"+ids[0], nil), 404, "iModelNotFound", "")
	for _, m := range []string{"GET", "PATCH"} {
		expectErr(t, in.DoAs(t, otherTok, m, path, map[string]any{"name": "x"}), 403, "InsufficientPermissions", "")
	}
	expectErr(t, in.DoAs(t, otherTok, "GET", base, nil), 403, "InsufficientPermissions", "")
}
