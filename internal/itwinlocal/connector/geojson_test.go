package connector

import (
	"bytes"
	"reflect"
	"slices"
	"strings"
	"testing"
)

func TestGeoJSONSite(t *testing.T) {
	els := mustExtract(t, GeoJSON{}, readTestdata(t, "site.geojson"), Options{})
	want := []string{"parcel-101", "parcel-102", "parcel-103", "building-pavilion", "road-main", "road-access", "footpath-1", "501", "502", "503", "hydrant-1"}
	if got := keysOf(els); !reflect.DeepEqual(got, want) {
		t.Fatalf("keys = %v, want %v", got, want)
	}
	seen := map[string]bool{}
	for _, e := range els {
		if e.Class != "Feature" || len(e.Hash) != 64 || seen[e.Hash] {
			t.Errorf("element %+v: want class Feature and a distinct SHA-256", e)
		}
		seen[e.Hash] = true
	}
}

func TestGeoJSONKeys(t *testing.T) {
	data := `{"type":"FeatureCollection","features":[
		{"type":"Feature","id":"road-1","geometry":null,"properties":{"a":1}},
		{"type":"Feature","id":17,"geometry":null,"properties":{"a":2}},
		{"type":"Feature","geometry":null,"properties":{"a":3}},
		{"type":"Feature","id":-2.5,"geometry":null,"properties":{"a":4}},
		{"type":"Feature","id":null,"geometry":null,"properties":{"a":5}}
	]}`
	got := keysOf(mustExtract(t, GeoJSON{}, data, Options{}))
	if want := []string{"road-1", "17", "feature[2]", "-2.5", "feature[4]"}; !reflect.DeepEqual(got, want) {
		t.Errorf("keys = %v, want %v", got, want)
	}

	// a single Feature is a file of one element
	single := mustExtract(t, GeoJSON{}, `{"properties":{"name":"Gate"},"geometry":{"type":"Point","coordinates":[1,2]},"type":"Feature","id":"gate"}`, Options{})
	if len(single) != 1 || single[0].Key != "gate" || single[0].Class != "Feature" {
		t.Errorf("single feature = %v", single)
	}
	noID := mustExtract(t, GeoJSON{}, `{"type":"Feature","geometry":null,"properties":null}`, Options{})
	if len(noID) != 1 || noID[0].Key != "feature[0]" {
		t.Errorf("single feature without id = %v", noID)
	}
	// "features" may come before "type"; an empty collection has no elements
	if els := mustExtract(t, GeoJSON{}, `{"features":[{"type":"Feature","id":"x","geometry":null,"properties":{}}],"type":"FeatureCollection","bbox":[0,0,1,1]}`, Options{}); len(els) != 1 {
		t.Errorf("features before type = %v", els)
	}
	if els := mustExtract(t, GeoJSON{}, `{"type":"FeatureCollection","features":[]}`, Options{}); len(els) != 0 {
		t.Errorf("empty collection = %v", els)
	}
}

func TestGeoJSONCanonicalHash(t *testing.T) {
	base := `{"type":"Feature","id":"p","geometry":{"type":"Point","coordinates":[-75.6224,40.0287]},"properties":{"name":"Tree","height":8.5,"tags":["a","b"],"meta":{"x":1,"y":null}}}`
	same := `{
	  "properties": { "meta": { "y": null, "x": 1.0 }, "tags": [ "a", "b" ], "height": 8.50, "name": "Tree" },
	  "id": "p",
	  "bbox": [-75.7, 40.0, -75.6, 40.1],
	  "geometry": { "coordinates": [ -75.62240, 4.00287e1 ], "type": "Point" },
	  "type": "Feature"
	}`
	h := func(s string) string { return mustExtract(t, GeoJSON{}, s, Options{})[0].Hash }
	if h(base) != h(same) {
		t.Error("key order, whitespace, number spelling and bbox changed the hash")
	}
	// string escapes are spelling too
	escaped := strings.Replace(base, `"name":"Tree"`, `"name":"\u0054ree"`, 1)
	if h(escaped) != h(base) {
		t.Error("an escaped letter changed the hash")
	}
	var canon bytes.Buffer
	writeCanonicalString(&canon, "a\"b\\c\n\x01/é")
	if want := `"a\"b\\c\u000a\u0001/é"`; canon.String() != want {
		t.Errorf("canonical string = %s, want %s", canon.String(), want)
	}
	changes := map[string]string{
		"property value":   strings.Replace(base, `"height":8.5`, `"height":9`, 1),
		"coordinate":       strings.Replace(base, `40.0287`, `40.0288`, 1),
		"array order":      strings.Replace(base, `["a","b"]`, `["b","a"]`, 1),
		"nested null":      strings.Replace(base, `"y":null`, `"y":0`, 1),
		"string vs number": strings.Replace(base, `"x":1`, `"x":"1"`, 1),
		"geometry type":    strings.Replace(base, `"type":"Point"`, `"type":"MultiPoint"`, 1),
	}
	for name, variant := range changes {
		if h(variant) == h(base) {
			t.Errorf("%s: hash did not change", name)
		}
	}
	// integers beyond float64 precision keep their identity
	big1 := strings.Replace(base, `"x":1`, `"x":9007199254740993`, 1)
	big2 := strings.Replace(base, `"x":1`, `"x":9007199254740992`, 1)
	if h(big1) == h(big2) {
		t.Error("two distinct large integers hash the same")
	}
	for lit, want := range map[string]string{"1.0": "1", "1e2": "100", "-0.0": "0", "0.10": "0.1", "9007199254740993": "9007199254740993", "1.5e300": "1.5e+300"} {
		if got := canonicalNumber(lit); got != want {
			t.Errorf("canonicalNumber(%s) = %s, want %s", lit, got, want)
		}
	}
}

func TestGeoJSONDiff(t *testing.T) {
	src := readTestdata(t, "site.geojson")
	edited := replaceOnce(t, src, `"heightM": 12.0, "canopyM": 9.5`, `"heightM": 12.5, "canopyM": 9.5`) // tree 502 grew
	edited = replaceOnce(t, edited, `"id": "hydrant-1"`, `"id": "hydrant-2"`)                           // renamed
	ch := diffText(t, GeoJSON{}, src, edited, Options{})
	if !slices.Equal(ch.Updated, []string{"502"}) || !slices.Equal(ch.Inserted, []string{"hydrant-2"}) || !slices.Equal(ch.Deleted, []string{"hydrant-1"}) || ch.Unchanged != 9 {
		t.Errorf("changes = %+v", ch)
	}
}

func TestGeoJSONParseErrors(t *testing.T) {
	src := readTestdata(t, "site.geojson")
	feature := func(s string) string { return `{"type":"FeatureCollection","features":[` + s + `]}` }
	tests := []struct {
		name, data string
		line       int
		fragments  []string
	}{
		{"empty", "", 0, []string{"empty file"}},
		{"not json", "ISO-10303-21;", 1, []string{"invalid JSON", "invalid character 'I'"}},
		{"array", `[{"type":"Feature"}]`, 1, []string{"expected a GeoJSON object"}},
		{"missing type", `{"features":[]}`, 0, []string{`missing "type"`}},
		{"geometry at top level", `{"type":"Point","coordinates":[1,2]}`, 0, []string{`top-level type "Point"`}},
		{"collection without features", `{"type":"FeatureCollection"}`, 0, []string{`without a "features" array`}},
		{"features not an array", `{"type":"FeatureCollection","features":{}}`, 1, []string{`"features" must be an array`}},
		{"type not a string", `{"type":7,"features":[]}`, 1, []string{`top-level "type"`, "number"}},
		{"feature type", feature(`{"type":"Point","coordinates":[1,2]}`), 1, []string{`features[0]: "type" must be "Feature"`}},
		{"feature without type", feature(`{"id":"a","geometry":null}`), 1, []string{`features[0]: "type" must be "Feature"`}},
		{"id boolean", feature(`{"type":"Feature","id":true,"geometry":null}`), 1, []string{`features[0]: "id" must be a string or a number`}},
		{"id empty", feature(`{"type":"Feature","id":"","geometry":null}`), 1, []string{`"id" must be a non-empty string`}},
		{"geometry string", feature(`{"type":"Feature","geometry":"POINT(1 2)"}`), 1, []string{`features[0]: "geometry" must be an object or null`}},
		{"properties array", feature(`{"type":"Feature","geometry":null,"properties":[1]}`), 1, []string{`"properties" must be an object or null`}},
		{"duplicate id", feature(`{"type":"Feature","id":"a","geometry":null},{"type":"Feature","id":"a","geometry":null}`), 1, []string{`features[1]: key "a" is also used by features[0]`}},
		{"id collides with index key", feature(`{"type":"Feature","id":"feature[1]","geometry":null},{"type":"Feature","geometry":null}`), 1, []string{`features[1]: key "feature[1]"`}},
		{"trailing data", `{"type":"FeatureCollection","features":[]} {}`, 1, []string{"unexpected data after the top-level object"}},
		{"truncated", src[:len(src)/2], lineOf(t, src, `"id": "road-main"`) - 2, []string{"features[4]: invalid JSON", "unexpected end of file"}},
		// errors inside the site file name the line where the feature starts (its "{", two lines above its id)
		{"bad feature in file", replaceOnce(t, src, `"id": 502,`, `"id": 502,,`), lineOf(t, src, `"id": 502,`) - 2, []string{"features[8]: invalid JSON"}},
		{"duplicate in file", replaceOnce(t, src, `"id": 503,`, `"id": 501,`), lineOf(t, src, `"id": 503,`) - 2, []string{`features[9]: key "501" is also used by features[7]`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := extractAll(t, GeoJSON{}, tt.data, Options{})
			e := wantTaskError(t, err, CodeParseError, tt.line, tt.fragments...)
			if tt.line > 0 && !strings.HasPrefix(e.Details, "line ") {
				t.Errorf("details %q do not start with the line", e.Details)
			}
		})
	}
}

// A file larger than the retained window still reports exact lines, and features stream one at a time.
func TestGeoJSONLargeFileLines(t *testing.T) {
	var b strings.Builder
	b.WriteString("{\"type\":\"FeatureCollection\",\"features\":[\n")
	const n = 30_000
	for i := range n {
		if i > 0 {
			b.WriteString(",\n")
		}
		if i == n-10 {
			b.WriteString(`{"type":"Feature","id":"bad","geometry":null,"properties":{"x":1,}}`)
			continue
		}
		b.WriteString(`{"type":"Feature","geometry":{"type":"Point","coordinates":[1.5,2.5]},"properties":{"name":"tree","n":` + strings.Repeat("7", 8) + `}}`)
	}
	b.WriteString("\n]}\n")
	data := b.String()
	if len(data) < 2*lineRetainBytes {
		t.Fatalf("test file is only %d bytes", len(data))
	}
	_, err := extractAll(t, GeoJSON{}, data, Options{})
	wantTaskError(t, err, CodeParseError, n-10+2, "features[29990]: invalid JSON")

	good := strings.Replace(data, `"x":1,}`, `"x":1}`, 1)
	els := mustExtract(t, GeoJSON{}, good, Options{})
	if len(els) != n || els[n-1].Key != "feature[29999]" || els[n-10].Key != "bad" {
		t.Fatalf("%d elements, last %v", len(els), els[len(els)-1])
	}
}
