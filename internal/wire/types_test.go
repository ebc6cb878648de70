package wire

import (
	"encoding/json"
	"strings"
	"testing"
)

// The golden round trip drops nulls, so the three states of a PATCH field and the nulls of responses are checked here.
func TestOptionalKeepsAbsentNullAndValueApart(t *testing.T) {
	for _, tc := range []struct {
		body string
		set  bool
		val  *string
	}{
		{`{}`, false, nil},
		{`{"description":null}`, true, nil},
		{`{"description":"x"}`, true, Ptr("x")},
	} {
		var u IModelUpdate
		if err := json.Unmarshal([]byte(tc.body), &u); err != nil {
			t.Fatal(err)
		}
		if u.Description.Set != tc.set || (u.Description.Value == nil) != (tc.val == nil) ||
			(tc.val != nil && *u.Description.Value != *tc.val) {
			t.Errorf("%s: decoded %+v", tc.body, u.Description)
		}
		out, err := json.Marshal(u)
		if err != nil {
			t.Fatal(err)
		}
		if string(out) != tc.body {
			t.Errorf("%s re-encoded as %s", tc.body, out)
		}
	}
	if out, _ := json.Marshal(IModelUpdate{Name: Ptr("n"), Extent: Null[Extent]()}); string(out) != `{"name":"n","extent":null}` {
		t.Errorf("Null extent: %s", out)
	}
	if out, _ := json.Marshal(ITwinUpdate{Number: Some("7")}); string(out) != `{"number":"7"}` {
		t.Errorf("Some number: %s", out)
	}
}

func TestResponsesSendNullForMissingOptionalFields(t *testing.T) {
	for name, v := range map[string]any{
		"iModel":       IModel{ID: "m", Name: "n"},
		"iTwin":        ITwin{ID: "t", Class: "Thing", SubClass: "Asset", DisplayName: "d"},
		"namedVersion": NamedVersion{ID: "v", Name: "n"},
	} {
		out, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		var m map[string]any
		if err := json.Unmarshal(out, &m); err != nil {
			t.Fatal(err)
		}
		want := map[string][]string{
			"iModel":       {"description", "extent"},
			"iTwin":        {"type", "number", "geographicLocation", "ianaTimeZone", "dataCenterLocation", "status", "parentId", "iTwinAccountId", "createdBy"},
			"namedVersion": {"description"},
		}[name]
		for _, k := range want {
			if val, ok := m[k]; !ok || val != nil {
				t.Errorf("%s: %q = %v (present %v), want null: %s", name, k, val, ok, out)
			}
		}
		if strings.Count(string(out), `"id"`) != 1 {
			t.Errorf("%s: id written twice: %s", name, out)
		}
	}
	// A value, once set, is written once and not as null.
	out, _ := json.Marshal(IModel{ID: "m", Description: "d"})
	if !strings.Contains(string(out), `"description":"d"`) || strings.Count(string(out), `"description"`) != 1 {
		t.Errorf("description: %s", out)
	}
}

func TestMinimalListsCarryOnlyTheMinimalFields(t *testing.T) {
	for name, tc := range map[string]struct {
		v    any
		want string
	}{
		"iModels": {IModelList{Minimal: true, IModels: []IModel{{ID: "m", DisplayName: "d", Name: "d", State: "initialized"}}},
			`{"iModels":[{"id":"m","displayName":"d"}],"_links":{}}`},
		"iTwins": {ITwinList{Minimal: true, ITwins: []ITwin{{ID: "t", Class: "Thing", SubClass: "Asset", Number: "7", DisplayName: "d", Status: "Active"}}},
			`{"iTwins":[{"id":"t","class":"Thing","subClass":"Asset","type":null,"number":"7","displayName":"d"}],"_links":{}}`},
		"namedVersions": {NamedVersionList{Minimal: true, NamedVersions: []NamedVersion{{ID: "v", DisplayName: "r", Name: "r", State: "visible"}}},
			`{"namedVersions":[{"id":"v","displayName":"r","changesetId":null,"changesetIndex":0}],"_links":{}}`},
	} {
		out, err := json.Marshal(tc.v)
		if err != nil {
			t.Fatal(err)
		}
		if string(out) != tc.want {
			t.Errorf("%s minimal:\n got %s\nwant %s", name, out, tc.want)
		}
	}
	// Without Minimal the items are complete.
	out, _ := json.Marshal(IModelList{IModels: []IModel{{ID: "m", State: "initialized"}}})
	if !strings.Contains(string(out), `"state":"initialized"`) || !strings.Contains(string(out), `"description":null`) {
		t.Errorf("full list: %s", out)
	}
}

func TestChangesetRepresentationSendsNulls(t *testing.T) {
	cs := Changeset{ID: "c", Links: &ChangesetLinks{Self: &Link{"s"}}}
	out, _ := json.Marshal(cs)
	for _, k := range []string{"application", "synchronizationInfo", "namedVersion", "download"} {
		if strings.Contains(string(out), `"`+k+`"`) {
			t.Errorf("minimal changeset carries %s: %s", k, out)
		}
	}
	cs.Representation = true
	out, _ = json.Marshal(cs)
	var m struct {
		Application         any            `json:"application"`
		SynchronizationInfo any            `json:"synchronizationInfo"`
		Links               map[string]any `json:"_links"`
	}
	raw := map[string]any{}
	if err := json.Unmarshal(out, &raw); err != nil {
		t.Fatal(err)
	}
	_ = json.Unmarshal(out, &m)
	for _, k := range []string{"application", "synchronizationInfo"} {
		if v, ok := raw[k]; !ok || v != nil {
			t.Errorf("%s: want null: %s", k, out)
		}
	}
	for _, k := range []string{"namedVersion", "currentOrPrecedingCheckpoint", "download"} {
		if v, ok := m.Links[k]; !ok || v != nil {
			t.Errorf("_links.%s: want null: %s", k, out)
		}
	}
	if m.Links["self"] == nil || strings.Count(string(out), `"_links"`) != 1 {
		t.Errorf("self link lost or links written twice: %s", out)
	}
}

func TestBaselineNamedVersionSendsNulls(t *testing.T) {
	out, _ := json.Marshal(NamedVersion{ID: "v", Name: "b", Links: &NamedVersionLinks{Creator: &Link{"u"}}})
	for _, frag := range []string{`"changesetId":null`, `"changesetIndex":0`, `"changeset":null`, `"application":null`, `"creator":{"href":"u"}`} {
		if !strings.Contains(string(out), frag) {
			t.Errorf("missing %s: %s", frag, out)
		}
	}
	if strings.Count(string(out), `"changesetId"`) != 1 || strings.Count(string(out), `"_links"`) != 1 {
		t.Errorf("field written twice: %s", out)
	}
}
