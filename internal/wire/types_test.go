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
