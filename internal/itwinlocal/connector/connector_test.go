package connector

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"os"
	"reflect"
	"slices"
	"strings"
	"testing"
)

// extractAll runs c over data and returns the emitted elements in order.
func extractAll(t *testing.T, c Connector, data string, opts Options) ([]Element, error) {
	t.Helper()
	var out []Element
	err := c.Extract(context.Background(), strings.NewReader(data), opts, func(e Element) error {
		out = append(out, e)
		return nil
	})
	return out, err
}

func mustExtract(t *testing.T, c Connector, data string, opts Options) []Element {
	t.Helper()
	els, err := extractAll(t, c, data, opts)
	if err != nil {
		t.Fatalf("Extract: %v", err)
	}
	return els
}

func keysOf(els []Element) []string {
	keys := make([]string, len(els))
	for i, e := range els {
		keys[i] = e.Key
	}
	return keys
}

func hashesOf(els []Element) map[string]string {
	m := make(map[string]string, len(els))
	for _, e := range els {
		m[e.Key] = e.Hash
	}
	return m
}

func readTestdata(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile("testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// diffText diffs the elements of newData against those of oldData.
func diffText(t *testing.T, c Connector, oldData, newData string, opts Options) Changes {
	t.Helper()
	old := hashesOf(mustExtract(t, c, oldData, opts))
	ch, next, err := Diff(old, func(emit func(Element) error) error {
		return c.Extract(context.Background(), strings.NewReader(newData), opts, emit)
	})
	if err != nil {
		t.Fatalf("Diff: %v", err)
	}
	if want := hashesOf(mustExtract(t, c, newData, opts)); !reflect.DeepEqual(next, want) {
		t.Fatalf("Diff's new map differs from a plain extract")
	}
	return ch
}

// wantTaskError asserts err is a *Error with the code and line, whose details contain every fragment.
func wantTaskError(t *testing.T, err error, code string, line int, fragments ...string) *Error {
	t.Helper()
	var e *Error
	if !errors.As(err, &e) {
		t.Fatalf("error = %v (%T), want *Error %s", err, err, code)
	}
	if e.Code != code {
		t.Fatalf("code = %s, want %s (%v)", e.Code, code, e)
	}
	if e.Line != line {
		t.Errorf("line = %d, want %d (%v)", e.Line, line, e)
	}
	if e.Message != Info(code).Message {
		t.Errorf("message = %q, want the §11k message %q", e.Message, Info(code).Message)
	}
	for _, f := range fragments {
		if !strings.Contains(e.Details, f) {
			t.Errorf("details %q do not mention %q", e.Details, f)
		}
	}
	return e
}

func TestFor(t *testing.T) {
	tests := []struct {
		connectorType, file string
		want                Connector
		unsupported         string // fragment of the details when unsupported
	}{
		{"IFC", "building.ifc", IFC{}, ""},
		{"IFC", "Tower/BUILDING.IFC", IFC{}, ""},
		{"GEOSPATIAL", "site.geojson", GeoJSON{}, ""},
		{"GEOSPATIAL", "Site.GeoJSON", GeoJSON{}, ""},
		{"GEOSPATIAL", "parcels.shp", Opaque{}, ""},
		{"GEOSPATIAL", "roads.kml", Opaque{}, ""},
		{"MSTN", "plant.stp", Opaque{}, ""}, // STEP, but not IFC: only the IFC connector looks inside
		{"REVIT", "office.rvt", Opaque{}, ""},
		{"DWG", "plan.dxf", Opaque{}, ""},
		{"INTELLIPID", "legacy.json", Opaque{}, ""}, // legacy types still read their files
		{"REVIT", "building.ifc", nil, "connector type REVIT does not accept .ifc files (it accepts .rvt)"},
		{"IFC", "site.geojson", nil, "does not accept .geojson files"},
		{"GEOSPATIAL", "site.json", nil, "does not accept .json files"},
		{"IFC", "README", nil, "does not accept files without an extension"},
		{"NotSet", "x.dgn", nil, "connector type NotSet does not accept .dgn files (it accepts none)"},
		{"BIM360", "x.ifc", nil, `unknown connector type "BIM360"`},
	}
	for _, tt := range tests {
		t.Run(tt.connectorType+"/"+tt.file, func(t *testing.T) {
			c, err := For(tt.connectorType, tt.file)
			if tt.unsupported != "" {
				wantTaskError(t, err, CodeUnsupportedFormat, 0, tt.unsupported)
				if c != nil {
					t.Errorf("connector = %T, want nil", c)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if reflect.TypeOf(c) != reflect.TypeOf(tt.want) {
				t.Errorf("connector = %T, want %T", c, tt.want)
			}
		})
	}
}

func TestOpaque(t *testing.T) {
	content := strings.Repeat("DGN\x00binary\xff", 100000) // crosses many read buffers
	sum := sha256.Sum256([]byte(content))
	els := mustExtract(t, Opaque{}, content, Options{})
	want := []Element{{Key: "document", Class: "Document", Hash: hex.EncodeToString(sum[:])}}
	if !reflect.DeepEqual(els, want) {
		t.Fatalf("elements = %v, want %v", els, want)
	}
	empty := mustExtract(t, Opaque{}, "", Options{})
	if len(empty) != 1 || empty[0].Hash != "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855" {
		t.Fatalf("empty file = %v, want one document with the empty SHA-256", empty)
	}
	ch := diffText(t, Opaque{}, content, content+"x", Options{})
	if !reflect.DeepEqual(ch.Updated, []string{"document"}) || len(ch.Inserted)+len(ch.Deleted) != 0 {
		t.Fatalf("one changed byte: %+v, want document updated", ch)
	}
}

func TestDiff(t *testing.T) {
	old := map[string]string{"a": "1", "b": "2", "c": "3", "d": "4"}
	ch, next, err := Diff(old, func(emit func(Element) error) error {
		for _, e := range []Element{{"e", "X", "5"}, {"c", "X", "3"}, {"b", "X", "20"}, {"a", "X", "1"}, {"f", "Y", "6"}} {
			if err := emit(e); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"e", "f"}; !reflect.DeepEqual(ch.Inserted, want) {
		t.Errorf("inserted = %v, want %v", ch.Inserted, want)
	}
	if want := []string{"b"}; !reflect.DeepEqual(ch.Updated, want) {
		t.Errorf("updated = %v, want %v", ch.Updated, want)
	}
	if want := []string{"d"}; !reflect.DeepEqual(ch.Deleted, want) {
		t.Errorf("deleted = %v, want %v", ch.Deleted, want)
	}
	if ch.Unchanged != 2 || ch.Empty() {
		t.Errorf("unchanged = %d, empty = %v; want 2, false", ch.Unchanged, ch.Empty())
	}
	if want := map[string]Element{"e": {"e", "X", "5"}, "f": {"f", "Y", "6"}, "b": {"b", "X", "20"}}; !reflect.DeepEqual(ch.Elements, want) {
		t.Errorf("elements = %v, want the inserted and updated ones %v", ch.Elements, want)
	}
	if want := map[string]string{"a": "1", "b": "20", "c": "3", "e": "5", "f": "6"}; !reflect.DeepEqual(next, want) {
		t.Errorf("new map = %v, want %v", next, want)
	}

	// first sync: everything inserted
	ch, _, err = Diff(nil, func(emit func(Element) error) error { return emit(Element{"k", "X", "h"}) })
	if err != nil || !reflect.DeepEqual(ch.Inserted, []string{"k"}) {
		t.Errorf("first sync = %+v, %v", ch, err)
	}
	// nothing emitted: everything deleted (a file whose content is now empty)
	ch, next, err = Diff(old, func(func(Element) error) error { return nil })
	if err != nil || !reflect.DeepEqual(ch.Deleted, []string{"a", "b", "c", "d"}) || len(next) != 0 {
		t.Errorf("all deleted = %+v, %v, %v", ch, next, err)
	}
}

func TestDiffErrors(t *testing.T) {
	_, _, err := Diff(nil, func(emit func(Element) error) error {
		if err := emit(Element{Key: "a"}); err != nil {
			return err
		}
		return emit(Element{Key: "a"})
	})
	wantTaskError(t, err, CodeParseError, 0, `element key "a" occurs more than once`)

	boom := errors.New("boom")
	ch, next, err := Diff(map[string]string{"a": "1"}, func(emit func(Element) error) error {
		_ = emit(Element{Key: "b", Hash: "2"})
		return boom
	})
	if !errors.Is(err, boom) || next != nil || !ch.Empty() {
		t.Fatalf("failed extract = %+v, %v, %v; want no changes and the error", ch, next, err)
	}
}

func TestErrorInfoAndTaskError(t *testing.T) {
	want := map[string]ErrorInfo{
		CodeFileNotFound:      {Code: CodeFileNotFound, Message: "The source file could not be found.", Category: "user", CanUserFix: true, BridgeExitCode: -1001, DescriptionKey: "FileNotFound"},
		CodeUnsupportedFormat: {Code: CodeUnsupportedFormat, Message: "The file format is not supported by this connector.", Category: "user", CanUserFix: true, BridgeExitCode: -1002, DescriptionKey: "UnsupportedFormat"},
		CodeParseError:        {Code: CodeParseError, Message: "The file could not be read.", Category: "user", CanUserFix: true, BridgeExitCode: -1003, DescriptionKey: "ParseError"},
		CodeTimeout:           {Code: CodeTimeout, Message: "Processing the file did not finish in time.", Category: "system", CanUserFix: false, BridgeExitCode: -1004, DescriptionKey: "Timeout"},
	}
	for code, w := range want {
		got := Info(code)
		if got.Description == "" {
			t.Errorf("%s: empty description", code)
		}
		got.Description = ""
		if got != w {
			t.Errorf("Info(%s) = %+v, want %+v", code, got, w)
		}
	}
	if got := Info("TAE_OTHER"); got.Code != "TAE_OTHER" || got.Category != "system" {
		t.Errorf("unknown code info = %+v", got)
	}

	e := parseError(42, "unterminated string")
	if e.Error() != "TAE_PARSE_ERROR: line 42: unterminated string" || e.Details != "line 42: unterminated string" || e.Line != 42 {
		t.Errorf("error = %q, details %q, line %d", e.Error(), e.Details, e.Line)
	}
	te := e.TaskError("MasterFile")
	if te.ErrorCode != CodeParseError || te.Message != "The file could not be read." || te.Details != e.Details || te.System != "Connector" ||
		te.Phase != "MasterFile" || te.Category != "user" || !te.CanUserFix || te.BridgeExitCode != -1003 || te.DescriptionKey != "ParseError" ||
		te.Description == "" || te.KbArticleLink != "" {
		t.Errorf("TaskError = %+v", te)
	}
}

func TestOptionsFromSettings(t *testing.T) {
	s := map[string]any{"ignoreIfcGlobalIds": true, "squashIntermediateRevisions": false}
	if o := OptionsFromSettings(s); !o.IgnoreIfcGlobalIDs || !reflect.DeepEqual(o.Settings, s) {
		t.Errorf("options = %+v", o)
	}
	if o := OptionsFromSettings(map[string]any{"ignoreIfcGlobalIds": "yes"}); o.IgnoreIfcGlobalIDs {
		t.Errorf("a non-boolean flag must count as false")
	}
	if o := OptionsFromSettings(nil); o.IgnoreIfcGlobalIDs {
		t.Errorf("nil settings: %+v", o)
	}
}

// slowReader returns one byte per read, so connectors see many short reads.
type slowReader struct{ s string }

func (r *slowReader) Read(p []byte) (int, error) {
	if len(r.s) == 0 {
		return 0, io.EOF
	}
	p[0] = r.s[0]
	r.s = r.s[1:]
	return 1, nil
}

func TestContextEndsExtraction(t *testing.T) {
	data := readTestdata(t, "building.ifc")
	for _, c := range []Connector{IFC{}, GeoJSON{}, Opaque{}} {
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		err := c.Extract(ctx, &slowReader{data}, Options{}, func(Element) error { return nil })
		if !errors.Is(err, context.Canceled) {
			t.Errorf("%T cancelled: err = %v, want context.Canceled", c, err)
		}
		var te *Error
		if errors.As(err, &te) {
			t.Errorf("%T: cancellation must not be a task error: %v", c, err)
		}

		ctx, cancel = context.WithTimeout(context.Background(), 0)
		err = c.Extract(ctx, &slowReader{data}, Options{}, func(Element) error { return nil })
		cancel()
		wantTaskError(t, err, CodeTimeout, 0)
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("%T: timeout must match context.DeadlineExceeded: %v", c, err)
		}
	}
}

func TestReadErrorAndEmitError(t *testing.T) {
	broken := errors.New("disk on fire")
	partial := map[Connector]string{IFC{}: "ISO-10303-21;\nHEADER;", GeoJSON{}: `{"type":"FeatureCollection","features":[`, Opaque{}: "DGN"}
	for c, data := range partial {
		err := c.Extract(context.Background(), &failingReader{data: data, err: broken}, Options{}, func(Element) error { return nil })
		if !errors.Is(err, broken) {
			t.Errorf("%T: read error = %v, want it wrapped", c, err)
		}
	}
	stop := errors.New("stop")
	for name, c := range map[string]Connector{"building.ifc": IFC{}, "site.geojson": GeoJSON{}} {
		err := c.Extract(context.Background(), strings.NewReader(readTestdata(t, name)), Options{}, func(Element) error { return stop })
		if err != stop {
			t.Errorf("%T: emit error = %v, want it unchanged", c, err)
		}
	}
}

type failingReader struct {
	data string
	err  error
}

func (r *failingReader) Read(p []byte) (int, error) {
	if r.data == "" {
		return 0, r.err
	}
	n := copy(p, r.data)
	r.data = r.data[n:]
	return n, nil
}

func TestSyncFile(t *testing.T) {
	ctx := context.Background()
	src := readTestdata(t, "building.ifc")
	ch, first, err := SyncFile(ctx, "IFC", "Pavilion.IFC", strings.NewReader(src), Options{}, nil)
	if err != nil || len(ch.Inserted) != len(buildingElements) || len(first) != len(buildingElements) {
		t.Fatalf("first sync: %d inserted, %v", len(ch.Inserted), err)
	}
	ch, _, err = SyncFile(ctx, "IFC", "Pavilion.IFC", strings.NewReader(src), OptionsFromSettings(map[string]any{"ignoreIfcGlobalIds": true}), first)
	if err != nil || len(ch.Inserted) != len(buildingElements) || len(ch.Deleted) != len(buildingElements) {
		t.Fatalf("turning ignoreIfcGlobalIds on replaces every element: %+v, %v", ch, err)
	}
	_, _, err = SyncFile(ctx, "REVIT", "Pavilion.ifc", strings.NewReader(src), Options{}, first)
	wantTaskError(t, err, CodeUnsupportedFormat, 0, "REVIT")
	ch, next, err := SyncFile(ctx, "GEOSPATIAL", "site.shp", strings.NewReader("shapefile bytes"), Options{}, nil)
	if err != nil || !slices.Equal(ch.Inserted, []string{"document"}) || len(next) != 1 {
		t.Fatalf("opaque first sync: %+v, %v", ch, err)
	}
}
