package itwin

import (
	"errors"
	"net/url"
	"strings"
	"testing"
	"time"
)

func TestRedactURL(t *testing.T) {
	for in, want := range map[string]string{
		"https://api.bentley.com/synchronization/imodels/storageconnections?imodelId=abc&$top=1000": "https://api.bentley.com/synchronization/imodels/storageconnections?imodelId=abc&$top=1000",
		"https://blob.example/c/f.dgn?sv=2024-01-01&se=2030-01-01&sp=r&sig=AbC%2Bdef":               "https://blob.example/c/f.dgn?sv=REDACTED&se=REDACTED&sp=REDACTED&sig=REDACTED",
		"https://files.example.com/a.dgn?token=xyz&name=a":                                          "https://files.example.com/a.dgn?token=REDACTED&name=REDACTED",
		"https://s3.example/b?X-Amz-Signature=1&X-Amz-Credential=2&x=3":                             "https://s3.example/b?X-Amz-Signature=REDACTED&X-Amz-Credential=REDACTED&x=REDACTED",
		"https://h/connect/token?client_secret=s&client_id=c":                                       "https://h/connect/token?client_secret=REDACTED&client_id=c",
		"https://user:pw@h/p":  "https://user:REDACTED@h/p",
		"https://h/p?se=2030":  "https://h/p?se=REDACTED",
		"https://h/p?flag":     "https://h/p?flag",
		"/relative/path?sig=1": "/relative/path?sig=REDACTED",
		"":                     "",
	} {
		if got := RedactURL(in); got != want {
			t.Errorf("RedactURL(%q) = %q, want %q", in, got, want)
		}
	}
	if got := RedactURL("http://bad host/%zz?sig=secret"); strings.Contains(got, "secret") {
		t.Errorf("unparseable URL leaks: %q", got)
	}
}

func TestRedactText(t *testing.T) {
	in := `Put "https://blob/x?sig=S1&se=S2": dial tcp; Authorization: Bearer eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln; client_secret=TOPSECRET token eyJhbGciOiJIUzI1NiJ9.e30.sig`
	out := redactText(in)
	for _, s := range []string{"S1", "S2", "eyJhbGciOiJSUzI1NiJ9", "TOPSECRET", "eyJhbGciOiJIUzI1NiJ9"} {
		if strings.Contains(out, s) {
			t.Errorf("redactText leaves %q: %s", s, out)
		}
	}
	long := strings.Repeat("a", 1000)
	if s := snippet([]byte(long)); len(s) > 320 {
		t.Errorf("snippet too long: %d", len(s))
	}
}

func TestLogFieldsScrubbed(t *testing.T) {
	u, _ := url.Parse("https://blob/x?sig=S1")
	fields := logFields([]any{"url", u, "error", errors.New(`Get "https://blob/x?sig=S2": EOF`), "text", "Bearer abc.def", "n", 3, "d", time.Second, "other", struct{ A string }{"https://b?sig=S3"}, "dangling"})
	for k, v := range fields {
		s, _ := v.(string)
		for _, secret := range []string{"S1", "S2", "S3", "abc.def"} {
			if strings.Contains(s, secret) {
				t.Errorf("field %s leaks %s: %v", k, secret, v)
			}
		}
	}
	if fields["n"] != 3 || fields["d"] != "1s" {
		t.Errorf("fields = %v", fields)
	}
	if _, ok := fields["dangling"]; ok {
		t.Error("odd key/value list")
	}
	var nilURL *url.URL
	if scrubValue(nilURL) != "" || scrubValue(nil) != nil {
		t.Error("nil values")
	}
}
