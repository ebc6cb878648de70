package provider

import (
	"net/url"
	"strings"
	"testing"
)

// FuzzParseImportID: for any input and any part count, parseImportID either fails with a message that names the
// expected format, or returns non-blank parts that, escaped and joined again, parse back to the same parts.
func FuzzParseImportID(f *testing.F) {
	for _, s := range []string{"conn/run", "a/b/c", "", "/", "a/", "/b", "a%2Fb/c", "a/%zz", " / ", "a//b", "%20/x",
		"CDGyTAuzEViJKcyqyWp6bJW6ecC69Od8tgzKjbyILG8/f5dfaaf8-791b-45d1-9548-16cf2ff6147d", "a/b%", "\x00/\xff"} {
		f.Add(s, uint8(2))
	}
	f.Fuzz(func(t *testing.T, id string, n uint8) {
		n = n%4 + 1
		parts := make([]string, n)
		ptrs := make([]*string, n)
		for i := range parts {
			ptrs[i] = &parts[i]
		}
		const format = "<a>/<b>"
		err := parseImportID(id, format, ptrs...)
		if err != nil {
			if !strings.Contains(err.Error(), format) {
				t.Fatalf("error %q does not name the expected format", err)
			}
			return
		}
		if got := strings.Count(id, "/") + 1; got != int(n) {
			t.Fatalf("accepted %q with %d segments as %d parts", id, got, n)
		}
		escaped := make([]string, n)
		for i, p := range parts {
			if strings.TrimSpace(p) == "" {
				t.Fatalf("part %d of %q is blank", i, id)
			}
			escaped[i] = url.PathEscape(p)
		}
		again := make([]string, n)
		ptrs2 := make([]*string, n)
		for i := range again {
			ptrs2[i] = &again[i]
		}
		if err := parseImportID(strings.Join(escaped, "/"), format, ptrs2...); err != nil {
			t.Fatalf("re-escaped id of %q does not parse: %v", id, err)
		}
		for i := range parts {
			if parts[i] != again[i] {
				t.Fatalf("round trip of %q changed part %d: %q -> %q", id, i, parts[i], again[i])
			}
		}
	})
}

// FuzzParseConfigImportID: a configuration import id either fails naming the three accepted forms, or yields a
// known scope and a non-blank id whose canonical resource id (configScopeID) parses back to the same pair.
func FuzzParseConfigImportID(f *testing.F) {
	for _, s := range []string{"itwins/6f6e5d4c-3b2a-4190-8877-665544332211", "IMODELS/x", "connections/abc%2Fdef", "itwins/",
		"imodels", "connections//", "foo/bar", "", "itwins/%", "itwins/ %20"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, id string) {
		s, scopeID, err := parseConfigImportID(id)
		if err != nil {
			if !strings.Contains(err.Error(), "itwins/<itwin_id>") {
				t.Fatalf("error %q does not name the accepted forms", err)
			}
			return
		}
		if strings.TrimSpace(scopeID) == "" {
			t.Fatalf("%q parsed to a blank id", id)
		}
		known := false
		for _, c := range configScopes {
			known = known || c == s
		}
		if !known {
			t.Fatalf("%q parsed to an unknown scope %+v", id, s)
		}
		s2, id2, err := parseConfigImportID(configScopeID(s, scopeID))
		if err != nil || s2 != s || id2 != scopeID {
			t.Fatalf("canonical id of %q does not round-trip: %v %+v %q", id, err, s2, id2)
		}
	})
}
