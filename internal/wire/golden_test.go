package wire

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"
)

// goldenTypes maps a golden file's prefix to the wire struct it must round-trip through.
var goldenTypes = map[string]func() any{
	"ConnectionList":                   func() any { return &ConnectionList{} },
	"ConnectionEnvelope":               func() any { return &ConnectionEnvelope{} },
	"ConnectionUpdate":                 func() any { return &ConnectionUpdate{} },
	"ErrorEnvelope":                    func() any { return &ErrorEnvelope{} },
	"StorageConnectionCreate":          func() any { return &StorageConnectionCreate{} },
	"ManifestConnectionCreate":         func() any { return &ManifestConnectionCreate{} },
	"StorageFileCreate":                func() any { return &StorageFileCreate{} },
	"ManifestFileCreate":               func() any { return &ManifestFileCreate{} },
	"StorageSourceFileEnvelope":        func() any { return &StorageSourceFileEnvelope{} },
	"StorageSourceFileList":            func() any { return &StorageSourceFileList{} },
	"ManifestSourceFileEnvelope":       func() any { return &ManifestSourceFileEnvelope{} },
	"ManifestSourceFileList":           func() any { return &ManifestSourceFileList{} },
	"AuthorizationInformationEnvelope": func() any { return &AuthorizationInformationEnvelope{} },
	"DiagnosticReportList":             func() any { return &DiagnosticReportList{} },
	"ReportDocument":                   func() any { return &ReportDocument{} },
	"RunEnvelope":                      func() any { return &RunEnvelope{} },
	"RunList":                          func() any { return &RunList{} },
	"ManifestRunCreate":                func() any { return &ManifestRunCreate{} },
	"ConfigurationEnvelope":            func() any { return &ConfigurationEnvelope{} },
	"TokenResponse":                    func() any { return &TokenResponse{} },
	"TokenError":                       func() any { return &TokenError{} },
	"OpenIDConfiguration":              func() any { return &OpenIDConfiguration{} },
	"ITwinEnvelope":                    func() any { return &ITwinEnvelope{} },
	"ITwin":                            func() any { return &ITwin{} },
	"IModelEnvelope":                   func() any { return &IModelEnvelope{} },
	"IModelCreate":                     func() any { return &IModelCreate{} },
	"ChangesetEnvelope":                func() any { return &ChangesetEnvelope{} },
	"ChangesetList":                    func() any { return &ChangesetList{} },
	"StorageFileEnvelope":              func() any { return &StorageFileEnvelope{} },
	"StorageFolderEnvelope":            func() any { return &StorageFolderEnvelope{} },
	"StorageItemList":                  func() any { return &StorageItemList{} },
	"StorageFileList":                  func() any { return &StorageFileList{} },
	"StorageFolderList":                func() any { return &StorageFolderList{} },
	"StorageItemCreate":                func() any { return &StorageItemCreate{} },
	"UploadLinks":                      func() any { return &UploadLinks{} },
	"ITwinList":                        func() any { return &ITwinList{} },
	"ITwinUpdate":                      func() any { return &ITwinUpdate{} },
	"IModelList":                       func() any { return &IModelList{} },
	"IModelUpdate":                     func() any { return &IModelUpdate{} },
	"NamedVersionEnvelope":             func() any { return &NamedVersionEnvelope{} },
	"NamedVersionCreate":               func() any { return &NamedVersionCreate{} },
	"UserEnvelope":                     func() any { return &UserEnvelope{} },
	"Webhook":                          func() any { return &Webhook{} },
	"WebhookCreate":                    func() any { return &WebhookCreate{} },
	"WebhookUpdate":                    func() any { return &WebhookUpdate{} },
	"WebhookList":                      func() any { return &WebhookList{} },
	"WebhookEvent":                     func() any { return &WebhookEvent{} },
}

func goldenFiles(t *testing.T) []string {
	t.Helper()
	files, err := filepath.Glob(filepath.Join("testdata", "golden", "*.json"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no golden files: %v", err)
	}
	sort.Strings(files)
	return files
}

// TestGoldenRoundTrip decodes every golden example into its struct and re-encodes it: no field may be lost or
// changed (nulls dropped on both sides, dates compared as instants).
func TestGoldenRoundTrip(t *testing.T) {
	for _, file := range goldenFiles(t) {
		name := strings.TrimSuffix(filepath.Base(file), ".json")
		typeName, _, _ := strings.Cut(name, "__")
		t.Run(name, func(t *testing.T) {
			newValue, ok := goldenTypes[typeName]
			if !ok {
				t.Fatalf("unknown golden type %q", typeName)
			}
			raw, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			v := newValue()
			if err := json.Unmarshal(raw, v); err != nil {
				t.Fatalf("decoding into %T: %v", v, err)
			}
			out, err := json.Marshal(v)
			if err != nil {
				t.Fatal(err)
			}
			var orig, back any
			if err := json.Unmarshal(raw, &orig); err != nil {
				t.Fatal(err)
			}
			if err := json.Unmarshal(out, &back); err != nil {
				t.Fatal(err)
			}
			for _, d := range jsonDiff("$", normalizeJSON(orig), normalizeJSON(back)) {
				t.Error(d)
			}
		})
	}
}

var dateLike = regexp.MustCompile(`^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})?$`)

// normalizeJSON drops nulls recursively and turns dates into instants.
func normalizeJSON(v any) any {
	switch x := v.(type) {
	case map[string]any:
		out := map[string]any{}
		for k, val := range x {
			if val == nil {
				continue
			}
			out[k] = normalizeJSON(val)
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i, val := range x {
			out[i] = normalizeJSON(val)
		}
		return out
	case string:
		if dateLike.MatchString(x) {
			if ts, err := ParseTimestamp(x); err == nil {
				return "instant:" + ts.UTC().Format(time.RFC3339Nano)
			}
		}
		return x
	}
	return v
}

// jsonDiff lists the differences between two normalized JSON values, by path.
func jsonDiff(path string, a, b any) []string {
	switch x := a.(type) {
	case map[string]any:
		y, ok := b.(map[string]any)
		if !ok {
			return []string{fmt.Sprintf("%s: object became %T", path, b)}
		}
		var diffs []string
		for k, v := range x {
			w, ok := y[k]
			if !ok {
				diffs = append(diffs, fmt.Sprintf("%s.%s: lost on re-encoding (was %v)", path, k, v))
				continue
			}
			diffs = append(diffs, jsonDiff(path+"."+k, v, w)...)
		}
		for k, w := range y {
			if _, ok := x[k]; !ok {
				diffs = append(diffs, fmt.Sprintf("%s.%s: added on re-encoding (%v)", path, k, w))
			}
		}
		sort.Strings(diffs)
		return diffs
	case []any:
		y, ok := b.([]any)
		if !ok || len(x) != len(y) {
			return []string{fmt.Sprintf("%s: array %v became %v", path, a, b)}
		}
		var diffs []string
		for i := range x {
			diffs = append(diffs, jsonDiff(fmt.Sprintf("%s[%d]", path, i), x[i], y[i])...)
		}
		return diffs
	}
	if !reflect.DeepEqual(a, b) {
		return []string{fmt.Sprintf("%s: %v became %v", path, a, b)}
	}
	return nil
}

func TestJSONDiffDetectsLoss(t *testing.T) {
	a := normalizeJSON(map[string]any{"x": 1.0, "n": nil, "d": "2025-03-14T09:26:53.5Z", "l": []any{map[string]any{"k": "v"}}})
	b := normalizeJSON(map[string]any{"d": "2025-03-14T09:26:53.5000000Z", "l": []any{map[string]any{"k": "w"}}, "extra": true})
	diffs := jsonDiff("$", a, b)
	if len(diffs) != 3 {
		t.Fatalf("diffs = %v", diffs)
	}
	if len(jsonDiff("$", a, a)) != 0 {
		t.Error("identical values differ")
	}
}

// vendoredSpec is the copy of the wire spec kept in the repository so the check below runs in every checkout.
var vendoredSpec = filepath.Join("testdata", "spec", "api.md")

// TestGoldenCoversSpec checks that every fenced JSON example of spec/api.md has a copy in testdata/golden.
func TestGoldenCoversSpec(t *testing.T) {
	spec, err := os.ReadFile(vendoredSpec)
	if err != nil {
		t.Fatalf("the vendored wire spec is missing (copy the shared spec/api.md to %s): %v", vendoredSpec, err)
	}
	// In the workspace the shared spec sits next to the repository: a vendored copy that has fallen behind it
	// would make this check pass against old examples. A CI checkout has only the vendored copy.
	if shared, err := os.ReadFile(filepath.Join("..", "..", "..", "shared", "spec", "api.md")); err == nil && !bytes.Equal(shared, spec) {
		t.Errorf("%s differs from the shared spec/api.md: refresh the copy", vendoredSpec)
	}
	blocks := regexp.MustCompile("(?s)```json\n(.*?)```").FindAllSubmatch(spec, -1)
	if len(blocks) == 0 {
		t.Fatal("no JSON examples found in the spec")
	}
	var golden []any
	for _, f := range goldenFiles(t) {
		raw, _ := os.ReadFile(f)
		var v any
		if err := json.Unmarshal(raw, &v); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		golden = append(golden, v)
	}
	for i, b := range blocks {
		var v any
		if err := json.Unmarshal(b[1], &v); err != nil {
			t.Errorf("spec example %d is not JSON: %v", i+1, err)
			continue
		}
		found := false
		for _, g := range golden {
			if reflect.DeepEqual(g, v) {
				found = true
				break
			}
		}
		if !found {
			t.Errorf("spec example %d has no copy in testdata/golden:\n%s", i+1, b[1])
		}
	}
}
