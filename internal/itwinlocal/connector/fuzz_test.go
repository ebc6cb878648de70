package connector

import (
	"context"
	"errors"
	"os"
	"strings"
	"testing"
)

// fuzzExtract checks the contract on arbitrary input: no panic, a *Error (never another error) for bad input,
// and unique keys with SHA-256 hashes for good input.
func fuzzExtract(t *testing.T, c Connector, data string, opts Options) {
	seen := map[string]bool{}
	err := c.Extract(context.Background(), strings.NewReader(data), opts, func(e Element) error {
		if e.Key == "" || seen[e.Key] || len(e.Hash) != 64 || e.Class == "" {
			t.Fatalf("bad element %+v (seen %v)", e, seen[e.Key])
		}
		seen[e.Key] = true
		return nil
	})
	var te *Error
	if err != nil && (!errors.As(err, &te) || te.Code != CodeParseError || te.Details == "") {
		t.Fatalf("error %v (%T) is not a TAE_PARSE_ERROR with details", err, err)
	}
}

func FuzzIFC(f *testing.F) {
	src, err := os.ReadFile("testdata/building.ifc")
	if err != nil {
		f.Fatal(err)
	}
	f.Add(string(src), false)
	f.Add(string(src[:len(src)/2]), true)
	f.Add("ISO-10303-21;HEADER;ENDSEC;DATA;#1=(A(#1)B('x'));#2=X(#1,(#2,$),.E.,\"0F\",T(1.5E-3));ENDSEC;END-ISO-10303-21;", false)
	f.Add("ISO-10303-21;HEADER;ENDSEC;DATA;#1=IFCWALL('0000000000000000000001',#2);#2=X(#1);ENDSEC;END-ISO-10303-21;", true)
	f.Fuzz(func(t *testing.T, data string, ignore bool) {
		fuzzExtract(t, IFC{}, data, Options{IgnoreIfcGlobalIDs: ignore})
	})
}

func FuzzGeoJSON(f *testing.F) {
	src, err := os.ReadFile("testdata/site.geojson")
	if err != nil {
		f.Fatal(err)
	}
	f.Add(string(src))
	f.Add(`{"type":"Feature","id":1e400,"geometry":{"a":[1,-0,1e-400]},"properties":null}`)
	f.Add(`{"type":"FeatureCollection","features":[{"type":"Feature","id":"feature[1]"},{"type":"Feature"}]}`)
	f.Fuzz(func(t *testing.T, data string) {
		fuzzExtract(t, GeoJSON{}, data, Options{})
	})
}
