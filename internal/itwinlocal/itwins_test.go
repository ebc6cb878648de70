package itwinlocal_test

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/seed37c7dd03/terraform-provider-itwin/internal/itwinlocal"
	"github.com/seed37c7dd03/terraform-provider-itwin/internal/wire"
)

// Tests of GET /itwins and PATCH /itwins/{id} (spec §9.2).

const famITwins = "InvalidiTwinsRequest"

func TestITwinList(t *testing.T) {
	in, clock, otherTok := twoClients(t)
	parent := newITwin(t, in, map[string]any{"class": "Account", "subClass": "Account", "displayName": "Acme"})
	mk := func(body map[string]any) string {
		clock.Advance(time.Second)
		return newITwin(t, in, body).ID
	}
	plant := mk(map[string]any{"class": "Thing", "subClass": "Asset", "type": "Plant", "number": "PA-001", "displayName": "Plant A", "parentId": parent.ID})
	bridge := mk(map[string]any{"class": "Endeavor", "subClass": "Project", "number": "BR-7", "displayName": "Bridge B"})
	closed := mk(map[string]any{"class": "Endeavor", "subClass": "Project", "displayName": "Old works", "status": "Inactive"})
	trial := mk(map[string]any{"class": "Endeavor", "subClass": "Project", "displayName": "Trial run", "status": "Trial", "number": "pa-9"})
	// "other" creates its own iTwin: it sees only that one.
	r := in.DoAs(t, otherTok, "POST", "/itwins/", map[string]any{"class": "Endeavor", "subClass": "Project", "displayName": "Mine"})
	expectStatus(t, r, 201)
	var mine wire.ITwinEnvelope
	r.JSON(t, &mine)

	list := func(tok, q string, hdr ...string) ([]string, wire.ITwinList, []byte) {
		t.Helper()
		r := in.DoAs(t, tok, "GET", "/itwins"+q, nil, hdr...)
		expectStatus(t, r, 200)
		var l wire.ITwinList
		r.JSON(t, &l)
		var ids []string
		for _, it := range l.ITwins {
			ids = append(ids, it.ID)
		}
		return ids, l, r.Body
	}
	mainTok := in.Token(t)
	all, _, _ := list(mainTok, "")
	// The seed iTwin, parent, plant, bridge, trial and other's iTwin; the inactive one is hidden.
	if len(all) != 6 || slices.Contains(all, closed) || !slices.Contains(all, mine.ITwin.ID) || !slices.Contains(all, in.ITwinID) {
		t.Fatalf("main sees %v", all)
	}
	if ids, _, _ := list(otherTok, "/"); !slices.Equal(ids, []string{mine.ITwin.ID}) {
		t.Fatalf("other sees %v, want only its own", ids)
	}
	if ids, _, _ := list(otherTok, "?includeInactive=true&subClass=project"); !slices.Equal(ids, []string{mine.ITwin.ID}) {
		t.Fatalf("other with includeInactive sees %v", ids)
	}

	for q, want := range map[string][]string{
		"?subClass=Asset":                               {plant},
		"?SUBCLASS=project&includeInactive=true":        {in.ITwinID, bridge, closed, trial, mine.ITwin.ID},
		"?subClass=Project&includeinactive=TRUE&$top=2": {in.ITwinID, bridge},
		"?type=Plant":                                   {plant},
		"?status=Trial":                                 {trial},
		"?status=inactive":                              {closed}, // an explicit status filter includes inactive iTwins
		"?displayName=Bridge%20B":                       {bridge},
		"?displayName=bridge%20b":                       nil,
		"?number=BR-7":                                  {bridge},
		"?parentId=" + strings.ToUpper(parent.ID):       {plant},
		"?$search=pa-":                                  {plant, trial}, // number, any case
		"?$Search=RUN":                                  {trial},        // displayName
		"?$search=works":                                nil,            // inactive
		"?$search=works&includeInactive=true":           {closed},
		"?iTwinAccountId=" + itwinlocal.NewGUID():       nil,
	} {
		if got, _, _ := list(mainTok, q); !slices.Equal(got, want) {
			t.Errorf("%s: got %v, want %v", q, got, want)
		}
	}

	// Minimal (default) and representation items; the query-scope header is ignored.
	_, _, body := list(mainTok, "?subClass=Project", "X-Itwin-Query-Scope", "OrganizationOnly")
	for _, k := range itemKeys(t, body, "iTwins") {
		if !slices.Equal(k, []string{"class", "displayName", "id", "number", "subClass", "type"}) {
			t.Fatalf("minimal keys %v: %s", k, body)
		}
	}
	if !strings.Contains(string(body), `"type":null`) {
		t.Fatalf("minimal items send a missing type as null: %s", body)
	}
	_, l, body := list(mainTok, "?type=Plant", "Prefer", "return=representation")
	if len(l.ITwins) != 1 || l.ITwins[0].ParentID != parent.ID || l.ITwins[0].Status != "Active" || !itwinlocal.IsGUID(l.ITwins[0].CreatedBy) ||
		!strings.Contains(string(body), `"ianaTimeZone":null`) || !strings.Contains(string(body), `"iTwinAccountId":null`) {
		t.Fatalf("representation: %s", body)
	}

	// Paging across pages, filters repeated in every link.
	_, l, _ = list(mainTok, "?includeInactive=true&$top=3&$skip=3")
	base := in.URL + "/itwins?includeInactive=true"
	if len(l.ITwins) != 3 || l.Links.Self.Href != base+"&$skip=3&$top=3" || l.Links.Prev.Href != base+"&$skip=0&$top=3" || l.Links.Next.Href != base+"&$skip=6&$top=3" {
		t.Fatalf("page 2: %d items, links %+v %+v %+v", len(l.ITwins), l.Links.Self, l.Links.Prev, l.Links.Next)
	}
	_, l, _ = list(mainTok, l.Links.Next.Href[len(in.URL+"/itwins"):])
	if len(l.ITwins) != 1 || l.Links.Next != nil {
		t.Fatalf("last page: %+v", l)
	}

	for q, target := range map[string]string{"$top=0": "$top", "$skip=x": "$skip", "includeInactive=maybe": "includeInactive",
		"status=Closed": "status", "parentId=7": "parentId", "iTwinAccountId=x": "iTwinAccountId"} {
		expectErr(t, in.Do(t, "GET", "/itwins?"+q, nil), 422, famITwins, target)
	}
	expectErr(t, in.DoAs(t, "", "GET", "/itwins", nil), 401, "HeaderNotFound", "")
}

func TestITwinPatch(t *testing.T) {
	in, _, otherTok := twoClients(t)
	parent := newITwin(t, in, nil)
	it := newITwin(t, in, map[string]any{"class": "Thing", "subClass": "Asset", "type": "Plant", "number": "PA-001", "displayName": "Plant A",
		"ianaTimeZone": "America/New_York", "geographicLocation": "Exton, PA"})
	path := "/itwins/" + it.ID
	patch := func(body any) (wire.ITwin, []byte) {
		t.Helper()
		r := in.Do(t, "PATCH", path, body)
		expectStatus(t, r, 200)
		var env, got wire.ITwinEnvelope
		r.JSON(t, &env)
		in.Do(t, "GET", path, nil).JSON(t, &got)
		if mustJSON(env) != mustJSON(got) {
			t.Fatalf("PATCH answer differs from a later GET:\n%s\n%s", mustJSON(env), mustJSON(got))
		}
		return env.ITwin, r.Body
	}
	got, _ := patch(map[string]any{})
	if got.DisplayName != "Plant A" || got.Number != "PA-001" || got.IanaTimeZone != "America/New_York" || got.Class != "Thing" {
		t.Fatalf("empty patch: %+v", got)
	}
	got, _ = patch(map[string]any{"displayName": "Plant A (north)", "status": "Inactive", "ianaTimeZone": "Europe/Paris", "parentId": strings.ToUpper(parent.ID),
		"dataCenterLocation": "West Europe", "type": "Refinery", "geographicLocation": "Lyon"})
	if got.DisplayName != "Plant A (north)" || got.Status != "Inactive" || got.IanaTimeZone != "Europe/Paris" || got.ParentID != parent.ID ||
		got.DataCenterLocation != "West Europe" || got.Type != "Refinery" || got.Number != "PA-001" || got.GeographicLocation != "Lyon" {
		t.Fatalf("set: %+v", got)
	}
	// null clears the optional fields and is sent back as null; absent ones keep their value.
	got, body := patch(json.RawMessage(`{"number":null,"type":null,"ianaTimeZone":null,"geographicLocation":null,"parentId":null}`))
	for _, k := range []string{"number", "type", "ianaTimeZone", "geographicLocation", "parentId"} {
		if rawField(t, body, "iTwin."+k) != "null" {
			t.Fatalf("%s not null: %s", k, body)
		}
	}
	if got.DisplayName != "Plant A (north)" || got.Status != "Inactive" {
		t.Fatalf("absent fields changed: %+v", got)
	}
	// The inactive iTwin is hidden from the default list, listed with includeInactive.
	var l wire.ITwinList
	in.Do(t, "GET", "/itwins?subClass=Asset", nil).JSON(t, &l)
	if len(l.ITwins) != 0 {
		t.Fatalf("inactive listed: %+v", l)
	}
	in.Do(t, "GET", "/itwins?subClass=Asset&includeInactive=true", nil).JSON(t, &l)
	if len(l.ITwins) != 1 || l.ITwins[0].DisplayName != "Plant A (north)" {
		t.Fatalf("includeInactive: %+v", l)
	}

	before := in.Do(t, "GET", path, nil).Body
	for _, tc := range []struct {
		body   any
		code   string
		target string
	}{
		{map[string]any{"class": "Endeavor"}, famITwins, "class"},
		{map[string]any{"subClass": "Project", "displayName": "x"}, famITwins, "subClass"},
		{json.RawMessage(`{"displayName":null}`), famITwins, "displayName"},
		{map[string]any{"displayName": ""}, famITwins, "displayName"},
		{map[string]any{"displayName": strings.Repeat("d", 256)}, famITwins, "displayName"},
		{map[string]any{"displayName": 5}, famITwins, "displayName"},
		{map[string]any{"status": "Closed"}, famITwins, "status"},
		{json.RawMessage(`{"status":null}`), famITwins, "status"},
		{json.RawMessage(`{"dataCenterLocation":null}`), famITwins, "dataCenterLocation"},
		{map[string]any{"parentId": "not-a-guid"}, famITwins, "parentId"},
		{map[string]any{"parentId": it.ID}, famITwins, "parentId"},
		{map[string]any{"number": 12}, famITwins, "number"},
		{nil, "MissingRequestBody", ""},
	} {
		expectErr(t, in.Do(t, "PATCH", path, tc.body, "Content-Type", "application/json"), 422, tc.code, tc.target)
	}
	if after := in.Do(t, "GET", path, nil).Body; string(after) != string(before) {
		t.Fatalf("a rejected PATCH changed the iTwin:\n%s\n%s", before, after)
	}
	expectErr(t, in.Do(t, "PATCH", "/itwins/"+itwinlocal.NewGUID(), map[string]any{"displayName": "x"}), 404, "iTwinNotFound", "")
	expectErr(t, in.Do(t, "PATCH", "/itwins/nope", map[string]any{"displayName": "x"}), 404, "iTwinNotFound", "")
	expectErr(t, in.DoAs(t, otherTok, "PATCH", path, map[string]any{"displayName": "x"}), 403, "InsufficientPermissions", "")
	expectErr(t, in.DoAs(t, "", "PATCH", path, map[string]any{"displayName": "x"}), 401, "HeaderNotFound", "")
}

// TestNullsInsteadOfOmissions: the single GETs of an iTwin and an iModel send their unset optional fields as
// null (spec §9.2, §9.3, §10 row 19).
func TestNullsInsteadOfOmissions(t *testing.T) {
	in := start(t)
	it := newITwin(t, in, nil)
	r := in.Do(t, "GET", "/itwins/"+it.ID, nil)
	expectStatus(t, r, 200)
	for _, k := range []string{"type", "number", "geographicLocation", "ianaTimeZone", "parentId", "iTwinAccountId"} {
		if got := rawField(t, r.Body, "iTwin."+k); got != "null" {
			t.Errorf("iTwin.%s = %s: %s", k, got, r.Body)
		}
	}
	r = in.Do(t, "GET", "/imodels/"+newIModel(t, in, "bare"), nil)
	expectStatus(t, r, 200)
	for _, k := range []string{"description", "extent"} {
		if got := rawField(t, r.Body, "iModel."+k); got != "null" {
			t.Errorf("iModel.%s = %s: %s", k, got, r.Body)
		}
	}
}
