package provider

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework-jsontypes/jsontypes"
	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/seed37c7dd03/terraform-provider-itwin/internal/itwin"
	"github.com/seed37c7dd03/terraform-provider-itwin/internal/wire"
)

func TestFlagAttrNames(t *testing.T) {
	// Pinned: renaming an attribute breaks every user configuration, so a catalog change that alters a name
	// must be deliberate.
	want := map[string]string{
		"uploadDgnRealityData":            "upload_dgn_reality_data",
		"convertDgnTerrainModels":         "convert_dgn_terrain_models",
		"squashIntermediateRevisions":     "squash_intermediate_revisions",
		"skipRvtReprojection":             "skip_rvt_reprojection",
		"convertDgnHyperModelingSections": "convert_dgn_hyper_modeling_sections",
		"allowRevitIgnoreGcs":             "allow_revit_ignore_gcs",
		"clampZExtent":                    "clamp_z_extent",
		"overrideRvtReprojectionDistance": "override_rvt_reprojection_distance",
		"enableFileNamePolicy":            "enable_file_name_policy",
		"ignoreIfcGlobalIds":              "ignore_ifc_global_ids",
		"reclassifyDgnElements":           "reclassify_dgn_elements",
		"ignoreDgnAttachments":            "ignore_dgn_attachments",
		"enableSheetsAndDrawings":         "enable_sheets_and_drawings",
		"enableC3dGraphsIn2dModel":        "enable_c3d_graphs_in_2d_model",
		"enableSheetIndex":                "enable_sheet_index",
		"filterBySheetIndex":              "filter_by_sheet_index",
		"convertDwg3dAs2d":                "convert_dwg_3d_as_2d",
		"revitLevelOfDetail":              "revit_level_of_detail",
	}
	if len(flagAttrs) != len(wire.ConfigFlags) {
		t.Fatalf("flagAttrs has %d entries, catalog %d", len(flagAttrs), len(wire.ConfigFlags))
	}
	seen := map[string]bool{}
	for _, fa := range flagAttrs {
		if w, ok := want[fa.Flag.Name]; !ok || w != fa.Attr {
			t.Errorf("flag %s: attribute %q, want %q", fa.Flag.Name, fa.Attr, w)
		}
		if seen[fa.Attr] {
			t.Errorf("attribute %s generated twice", fa.Attr)
		}
		seen[fa.Attr] = true
		for _, reserved := range []string{"id", "itwin_id", "imodel_id", "connection_id", "additional_settings", "resolved_settings"} {
			if fa.Attr == reserved {
				t.Errorf("flag %s collides with the fixed attribute %s", fa.Flag.Name, reserved)
			}
		}
	}
}

func TestFlagDescription(t *testing.T) {
	f, _ := wire.LookupConfigFlag("squashIntermediateRevisions")
	d := flagDescription(f)
	for _, part := range []string{f.Description, "Default: `false`.", "Scope: iTwin.", "`squashIntermediateRevisions`"} {
		if !strings.Contains(d, part) {
			t.Errorf("description %q lacks %q", d, part)
		}
	}
	lod, _ := wire.LookupConfigFlag("revitLevelOfDetail")
	d = flagDescription(lod)
	for _, part := range []string{"Default: `1`.", "Scope: connection.", "1 to 3", "api.bentley.com"} {
		if !strings.Contains(d, part) {
			t.Errorf("description %q lacks %q", d, part)
		}
	}
}

func TestParseConfigImportID(t *testing.T) {
	for _, tc := range []struct {
		in, scope, id, err string
	}{
		{in: "itwins/7a1e8f52-0000-4000-8000-000000000001", scope: wire.ScopeITwin, id: "7a1e8f52-0000-4000-8000-000000000001"},
		{in: "iModels/abc", scope: wire.ScopeIModel, id: "abc"},
		{in: "connections/CDGyTAuzEViJKcyqyWp6bJW6ecC69Od8tgzKjbyILG8", scope: wire.ScopeConnection, id: "CDGyTAuzEViJKcyqyWp6bJW6ecC69Od8tgzKjbyILG8"},
		{in: "abc", err: "must have the form"},
		{in: "projects/abc", err: "does not start with itwins/, imodels/ or connections/"},
		{in: "imodels/", err: "imodel_id is missing"},
		{in: "imodels/a/b", err: "imodel_id is missing or malformed"},
	} {
		s, id, err := parseConfigImportID(tc.in)
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("%q: error %v, want one containing %q", tc.in, err, tc.err)
			}
			continue
		}
		if err != nil || s.Scope != tc.scope || id != tc.id {
			t.Errorf("%q: got (%s, %q, %v), want (%s, %q)", tc.in, s.Scope, id, err, tc.scope, tc.id)
		}
		if back := configScopeID(s, id); !strings.EqualFold(back, tc.in) {
			t.Errorf("%q: id round trip gives %q", tc.in, back)
		}
	}
}

func TestIsPublicService(t *testing.T) {
	for in, want := range map[string]bool{
		"https://api.bentley.com":      true,
		"https://API.bentley.com/":     true,
		"https://qa-api.bentley.com":   true,
		"https://dev-api.bentley.com":  true,
		"http://127.0.0.1:8085":        false,
		"https://api.bentley.com.evil": false,
		"https://notapi.bentley.com":   false,
	} {
		if got := isPublicService(in); got != want {
			t.Errorf("isPublicService(%q) = %v, want %v", in, got, want)
		}
	}
}

func TestWireString(t *testing.T) {
	for _, tc := range []struct {
		in   any
		want string
	}{
		{true, "true"}, {false, "false"}, {float64(2), "2"}, {float64(2.5), "2.5"}, {json.Number("12345678901234567890"), "12345678901234567890"},
		{"abc", "abc"}, {nil, "null"}, {map[string]any{"b": 1, "a": []any{true}}, `{"a":[true],"b":1}`},
	} {
		if got := wireString(tc.in); got != tc.want {
			t.Errorf("wireString(%#v) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestFlagValueFromWire(t *testing.T) {
	lod, _ := wire.LookupConfigFlag("revitLevelOfDetail")
	if v, ok := flagValueFromWire(lod, float64(3)); !ok || !v.Equal(types.Int64Value(3)) {
		t.Errorf("int from float64: %v %v", v, ok)
	}
	if _, ok := flagValueFromWire(lod, 2.5); ok {
		t.Error("2.5 accepted as an integer")
	}
	if _, ok := flagValueFromWire(lod, true); ok {
		t.Error("true accepted as an integer")
	}
	sq, _ := wire.LookupConfigFlag("squashIntermediateRevisions")
	if v, ok := flagValueFromWire(sq, true); !ok || !v.Equal(types.BoolValue(true)) {
		t.Errorf("bool: %v %v", v, ok)
	}
	if _, ok := flagValueFromWire(sq, "true"); ok {
		t.Error("a string accepted as a boolean")
	}
}

func TestParseAdditionalSettings(t *testing.T) {
	got, err := parseAdditionalSettings(`{"someNewFlag": true, "big": 12345678901234567890}`)
	if err != nil {
		t.Fatal(err)
	}
	if got["someNewFlag"] != true || got["big"] != json.Number("12345678901234567890") {
		t.Errorf("got %#v", got)
	}
	for in, want := range map[string]string{
		`[1]`:       "must be a JSON object",
		`"x"`:       "got a string",
		`{"a":1} 2`: "exactly one JSON object",
		`{`:         "not valid JSON",
	} {
		if _, err := parseAdditionalSettings(in); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: error %v, want %q", in, err, want)
		}
	}
}

func TestSettingsDiff(t *testing.T) {
	prior := map[string]any{"a": true, "b": int64(2), "c": false, "n": json.Number("1")}
	want := map[string]any{"a": true, "b": int64(3), "d": true, "n": float64(1)}
	changed, cleared := settingsDiff(prior, want)
	if !reflect.DeepEqual(changed, map[string]any{"b": int64(3), "d": true}) {
		t.Errorf("changed = %#v", changed)
	}
	if !reflect.DeepEqual(cleared, []string{"c"}) {
		t.Errorf("cleared = %#v", cleared)
	}
}

// testConfigData builds resource data for validation tests: scope attribute → id, flag attribute → value.
func testConfigData(scopes map[string]string, flags map[string]attr.Value, additional *string) configData {
	d := configData{ScopeIDs: map[string]types.String{}, Flags: map[string]attr.Value{}, Additional: jsontypes.NewNormalizedNull()}
	for _, s := range configScopes {
		d.ScopeIDs[s.IDAttr] = types.StringNull()
		if v, ok := scopes[s.IDAttr]; ok {
			d.ScopeIDs[s.IDAttr] = types.StringValue(v)
		}
	}
	for _, fa := range flagAttrs {
		d.Flags[fa.Attr] = flagNullValue(fa.Flag)
		if v, ok := flags[fa.Attr]; ok {
			d.Flags[fa.Attr] = v
		}
	}
	if additional != nil {
		d.Additional = jsontypes.NewNormalizedValue(*additional)
	}
	return d
}

func diagText(diags diag.Diagnostics) string {
	var b strings.Builder
	for _, d := range diags {
		b.WriteString(d.Summary() + ": " + d.Detail() + "\n")
	}
	return b.String()
}

func TestValidateConfigData(t *testing.T) {
	str := func(s string) *string { return &s }
	for name, tc := range map[string]struct {
		d    configData
		want []string // substrings of the error text; nil = valid
	}{
		"itwin flag at itwin": {
			d: testConfigData(map[string]string{"itwin_id": "x"}, map[string]attr.Value{"squash_intermediate_revisions": types.BoolValue(true)}, nil),
		},
		"connection flag at connection, unknown value": {
			d: testConfigData(map[string]string{"connection_id": "x"}, map[string]attr.Value{"revit_level_of_detail": types.Int64Unknown()}, nil),
		},
		"itwin flag at imodel": {
			d:    testConfigData(map[string]string{"imodel_id": "x"}, map[string]attr.Value{"squash_intermediate_revisions": types.BoolValue(true), "clamp_z_extent": types.BoolValue(true)}, nil),
			want: []string{"squash_intermediate_revisions (flag squashIntermediateRevisions) can only be set at the iTwin scope", "itwin_id", "this one has imodel_id"},
		},
		"nothing set": {
			d:    testConfigData(map[string]string{"imodel_id": "x"}, nil, nil),
			want: []string{"sets no flag"},
		},
		"empty additional only": {
			d:    testConfigData(map[string]string{"imodel_id": "x"}, nil, str(`{}`)),
			want: []string{"sets no flag"},
		},
		"additional only": {
			d: testConfigData(map[string]string{"imodel_id": "x"}, nil, str(`{"someNewFlag": 1}`)),
		},
		"additional collides by wire name": {
			d:    testConfigData(map[string]string{"imodel_id": "x"}, nil, str(`{"clampZExtent": true}`)),
			want: []string{`"clampZExtent"`, "attribute clamp_z_extent"},
		},
		"additional collides by attribute name, other case": {
			d:    testConfigData(map[string]string{"itwin_id": "x"}, map[string]attr.Value{"upload_dgn_reality_data": types.BoolValue(false)}, str(`{"Squash_Intermediate_Revisions": true}`)),
			want: []string{`"Squash_Intermediate_Revisions"`, "squash_intermediate_revisions"},
		},
		"additional not an object": {
			d:    testConfigData(map[string]string{"itwin_id": "x"}, nil, str(`[true]`)),
			want: []string{"must be a JSON object"},
		},
		"two scopes: left to ExactlyOneOf": {
			d: testConfigData(map[string]string{"itwin_id": "x", "imodel_id": "y"}, map[string]attr.Value{"clamp_z_extent": types.BoolValue(true)}, nil),
		},
	} {
		t.Run(name, func(t *testing.T) {
			var diags diag.Diagnostics
			validateConfigData(tc.d, &diags)
			text := diagText(diags)
			if tc.want == nil {
				if diags.HasError() {
					t.Fatalf("unexpected errors:\n%s", text)
				}
				return
			}
			if !diags.HasError() {
				t.Fatalf("no error, want %q", tc.want)
			}
			for _, w := range tc.want {
				if !strings.Contains(text, w) {
					t.Errorf("errors lack %q:\n%s", w, text)
				}
			}
		})
	}
}

func TestCheckLocalFlags(t *testing.T) {
	d := testConfigData(map[string]string{"connection_id": "x"}, map[string]attr.Value{"revit_level_of_detail": types.Int64Value(2), "enable_sheet_index": types.BoolValue(true)}, nil)
	var diags diag.Diagnostics
	checkLocalFlags(d, "http://127.0.0.1:8085", &diags)
	if diags.HasError() {
		t.Fatalf("itwin-local rejected: %s", diagText(diags))
	}
	checkLocalFlags(d, "https://api.bentley.com", &diags)
	if diags.ErrorsCount() != 1 || !strings.Contains(diagText(diags), "revit_level_of_detail (flag revitLevelOfDetail) is an itwin-local name") {
		t.Fatalf("want one error on revit_level_of_detail, got:\n%s", diagText(diags))
	}
}

func TestConfigChanged(t *testing.T) {
	str := func(s string) *string { return &s }
	base := testConfigData(map[string]string{"itwin_id": "x"}, map[string]attr.Value{"squash_intermediate_revisions": types.BoolValue(true)}, str(`{"a":1,"b":2}`))
	same := testConfigData(map[string]string{"itwin_id": "x"}, map[string]attr.Value{"squash_intermediate_revisions": types.BoolValue(true)}, str(`{ "b": 2, "a": 1 }`))
	if configChanged(base, same) {
		t.Error("reordered additional_settings counted as a change")
	}
	flag := testConfigData(map[string]string{"itwin_id": "x"}, map[string]attr.Value{"squash_intermediate_revisions": types.BoolValue(false)}, str(`{"a":1,"b":2}`))
	if !configChanged(base, flag) {
		t.Error("a changed flag not counted")
	}
	extra := testConfigData(map[string]string{"itwin_id": "x"}, map[string]attr.Value{"squash_intermediate_revisions": types.BoolValue(true)}, str(`{"a":1}`))
	if !configChanged(base, extra) {
		t.Error("a changed additional_settings not counted")
	}
}

// fakeConfigServer answers configuration, iModel and connection reads from fixed tables, counting calls.
func fakeConfigServer(t *testing.T, configs map[string]wire.Configuration, imodelITwin map[string]string, connIModel map[string]string) *itwin.Client {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		p := r.URL.Path
		notFound := func(code string) {
			w.WriteHeader(http.StatusNotFound)
			_ = json.NewEncoder(w).Encode(map[string]any{"error": map[string]any{"code": code, "message": "Requested thing is not available."}})
		}
		switch {
		case strings.HasPrefix(p, "/synchronization/configurations/"):
			key := strings.TrimPrefix(p, "/synchronization/configurations/")
			cfg, ok := configs[key]
			if !ok {
				notFound("ConfigurationNotFound")
				return
			}
			_ = json.NewEncoder(w).Encode(wire.ConfigurationEnvelope{Configuration: cfg})
		case strings.HasPrefix(p, "/imodels/"):
			id := strings.TrimPrefix(p, "/imodels/")
			tw, ok := imodelITwin[id]
			if !ok {
				notFound("iModelNotFound")
				return
			}
			_ = json.NewEncoder(w).Encode(map[string]any{"iModel": wire.IModel{ID: id, ITwinID: tw, Name: "m", DisplayName: "m", State: "initialized"}})
		case strings.HasPrefix(p, "/synchronization/imodels/storageconnections/"):
			id := strings.TrimPrefix(p, "/synchronization/imodels/storageconnections/")
			im, ok := connIModel[id]
			if !ok {
				notFound("StorageConnectionNotFound")
				return
			}
			_ = json.NewEncoder(w).Encode(map[string]any{"connection": wire.Connection{ID: id, IModelID: im, DisplayName: "c"}})
		default:
			notFound("ManifestConnectionNotFound")
		}
	}))
	t.Cleanup(srv.Close)
	c, err := itwin.NewClient(t.Context(), itwin.Config{APIURL: srv.URL, AccessToken: "t", MaxRetries: 0})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestResolveSettingsWithoutConfiguration(t *testing.T) {
	ctx := t.Context()
	itwinResolved := map[string]any{}
	for _, f := range wire.ConfigFlags {
		if f.Scope == wire.ScopeITwin {
			itwinResolved[f.Name] = f.Default
		}
	}
	itwinResolved["squashIntermediateRevisions"] = true
	c := fakeConfigServer(t,
		map[string]wire.Configuration{"itwins/T": {ScopeID: "T", Settings: map[string]any{"squashIntermediateRevisions": true}, ResolvedSettings: itwinResolved}},
		map[string]string{"M": "T", "M2": "T2"},
		map[string]string{"C": "M"})

	// A configured scope comes back as the server sent it.
	cfg, configured, err := resolveSettings(ctx, c, wire.ScopeITwin, "T")
	if err != nil || !configured || cfg.Settings["squashIntermediateRevisions"] != true {
		t.Fatalf("configured iTwin: %#v %v %v", cfg, configured, err)
	}

	// A connection without configuration, whose iModel has none either: the iTwin's resolved values plus the
	// iModel and connection defaults.
	cfg, configured, err = resolveSettings(ctx, c, wire.ScopeConnection, "C")
	if err != nil || configured {
		t.Fatalf("connection: configured=%v err=%v", configured, err)
	}
	if len(cfg.Settings) != 0 {
		t.Errorf("settings = %#v, want empty", cfg.Settings)
	}
	if len(cfg.ResolvedSettings) != len(wire.ConfigFlags) {
		t.Errorf("resolved has %d flags, want %d: %#v", len(cfg.ResolvedSettings), len(wire.ConfigFlags), cfg.ResolvedSettings)
	}
	if cfg.ResolvedSettings["squashIntermediateRevisions"] != true || cfg.ResolvedSettings["revitLevelOfDetail"] != int64(1) || cfg.ResolvedSettings["clampZExtent"] != false {
		t.Errorf("resolved = %#v", cfg.ResolvedSettings)
	}

	// An iModel whose iTwin has no configuration: pure defaults of both levels, no connection flags.
	cfg, _, err = resolveSettings(ctx, c, wire.ScopeIModel, "M2")
	if err != nil {
		t.Fatal(err)
	}
	if _, has := cfg.ResolvedSettings["enableSheetIndex"]; has || cfg.ResolvedSettings["uploadDgnRealityData"] != true || len(cfg.ResolvedSettings) != 10 {
		t.Errorf("iModel resolved = %#v", cfg.ResolvedSettings)
	}

	// A missing scope object is an error, not a default.
	if _, _, err := resolveSettings(ctx, c, wire.ScopeIModel, "nope"); err == nil || !strings.Contains(err.Error(), "nope") {
		t.Errorf("missing iModel: err = %v", err)
	}
}
