package itwin

import (
	"fmt"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/seed37c7dd03/terraform-provider-itwin/internal/wire"
)

func TestNewClientValidation(t *testing.T) {
	ctx := t.Context()
	for _, tc := range []struct {
		name string
		cfg  Config
		want string // substring of the error; "" = valid
	}{
		{"static token", Config{APIURL: "http://127.0.0.1:8085", AccessToken: "t"}, ""},
		{"client credentials", Config{APIURL: "https://api.bentley.com", ClientID: "a", ClientSecret: "b"}, ""},
		{"default origin", Config{AccessToken: "t"}, ""},
		{"trailing slash", Config{APIURL: "http://h:1/", AccessToken: "t"}, ""},
		{"path", Config{APIURL: "http://h/api", AccessToken: "t"}, "without path"},
		{"query", Config{APIURL: "http://h?x=1", AccessToken: "t"}, "without path"},
		{"scheme", Config{APIURL: "ftp://h", AccessToken: "t"}, "http(s) origin"},
		{"garbage", Config{APIURL: "::", AccessToken: "t"}, "http(s) origin"},
		{"no host", Config{APIURL: "http://", AccessToken: "t"}, "http(s) origin"},
		{"both", Config{AccessToken: "t", ClientID: "a", ClientSecret: "b"}, "not both"},
		{"no credentials", Config{}, "client_id is required"},
		{"no secret", Config{ClientID: "a"}, "client_secret is required"},
		{"no id", Config{ClientSecret: "b"}, "client_id is required"},
		{"bad token url", Config{ClientID: "a", ClientSecret: "b", TokenURL: "ims/connect/token"}, "token_url"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, err := NewClient(ctx, tc.cfg)
			switch {
			case tc.want == "" && err != nil:
				t.Fatalf("unexpected error: %v", err)
			case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
				t.Fatalf("err = %v, want %q", err, tc.want)
			case tc.want == "" && strings.HasSuffix(c.BaseURL(), "/"):
				t.Errorf("BaseURL %q keeps a trailing slash", c.BaseURL())
			}
			if err != nil && tc.cfg.ClientSecret != "" && strings.Contains(err.Error(), tc.cfg.ClientSecret+"@") {
				t.Error("secret in error")
			}
		})
	}
	c, _ := NewClient(ctx, Config{AccessToken: "t"})
	if c.BaseURL() != "https://api.bentley.com" || c.userAgent != "terraform-provider-itwin" {
		t.Errorf("defaults: %q %q", c.BaseURL(), c.userAgent)
	}
	c, _ = NewClient(ctx, Config{APIURL: "http://127.0.0.1:8085/", ClientID: "a", ClientSecret: "b"})
	if cc := c.auth.(*clientCredentials); cc.conf.TokenURL != "http://127.0.0.1:8085/connect/token" || strings.Join(cc.conf.Scopes, " ") != "itwin-platform" {
		t.Errorf("local token URL/scopes = %q %v", cc.conf.TokenURL, cc.conf.Scopes)
	}
	c, _ = NewClient(ctx, Config{ClientID: "a", ClientSecret: "b"})
	if cc := c.auth.(*clientCredentials); cc.conf.TokenURL != "https://ims.bentley.com/connect/token" {
		t.Errorf("public token URL = %q", cc.conf.TokenURL)
	}
	// NewClient takes its default from DefaultTokenURL: a Bentley environment gets its IMS host.
	c, _ = NewClient(ctx, Config{APIURL: "https://qa-api.bentley.com", ClientID: "a", ClientSecret: "b"})
	if cc := c.auth.(*clientCredentials); cc.conf.TokenURL != "https://qa-ims.bentley.com/connect/token" {
		t.Errorf("qa token URL = %q", cc.conf.TokenURL)
	}
	// An explicit token_url always wins over the default.
	c, _ = NewClient(ctx, Config{APIURL: "https://dev-api.bentley.com", TokenURL: "https://idp.example/token", ClientID: "a", ClientSecret: "b"})
	if cc := c.auth.(*clientCredentials); cc.conf.TokenURL != "https://idp.example/token" {
		t.Errorf("explicit token URL = %q", cc.conf.TokenURL)
	}
}

func TestDefaultTokenURL(t *testing.T) {
	for _, tc := range []struct{ apiURL, want string }{
		{"", "https://ims.bentley.com/connect/token"},
		{"https://api.bentley.com", "https://ims.bentley.com/connect/token"},
		{"https://api.bentley.com/", "https://ims.bentley.com/connect/token"},
		{"https://API.Bentley.com", "https://ims.bentley.com/connect/token"},
		{"https://dev-api.bentley.com", "https://dev-ims.bentley.com/connect/token"},
		{"https://qa-api.bentley.com", "https://qa-ims.bentley.com/connect/token"},
		// Every other origin issues its own tokens (itwin-local, a loopback or LAN test server).
		{"http://127.0.0.1:8085", "http://127.0.0.1:8085/connect/token"},
		{"http://127.0.0.1:8085/", "http://127.0.0.1:8085/connect/token"},
		{"http://localhost:9000", "http://localhost:9000/connect/token"},
		{"http://[::1]:8085", "http://[::1]:8085/connect/token"},
		{"https://itwin-local.example.org", "https://itwin-local.example.org/connect/token"},
		// Only the exact Bentley API hosts map to IMS; look-alikes do not.
		{"https://api.bentley.com.example.org", "https://api.bentley.com.example.org/connect/token"},
		{"https://ims.bentley.com", "https://ims.bentley.com/connect/token"},
	} {
		if got := DefaultTokenURL(tc.apiURL); got != tc.want {
			t.Errorf("DefaultTokenURL(%q) = %q, want %q", tc.apiURL, got, tc.want)
		}
	}
}

type countingTransport struct {
	n    atomic.Int32
	next http.RoundTripper
}

func (c *countingTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	c.n.Add(1)
	return c.next.RoundTrip(r)
}

func TestInjectedHTTPClientTransportIsUsed(t *testing.T) {
	f := newFakeAPI(t)
	f.reply("GET /itwins/"+tTW, 200, itwinBody)
	ct := &countingTransport{next: http.DefaultTransport}
	c := f.client(func(c *Config) { c.HTTPClient = &http.Client{Transport: ct} })
	if _, err := c.GetITwin(t.Context(), tTW); err != nil {
		t.Fatal(err)
	}
	if ct.n.Load() != 1 {
		t.Errorf("injected transport used %d times", ct.n.Load())
	}
}

// TestEveryCallReturnsAPIErrors: every typed call surfaces a 404 as an *APIError the caller can test with
// IsNotFound (the fake server answers 404 for every route).
func TestEveryCallReturnsAPIErrors(t *testing.T) {
	f := newFakeAPI(t)
	c := f.client()
	ctx := t.Context()
	calls := map[string]func() error{
		"CreateStorageConnection": func() error {
			_, err := c.Connections(wire.KindStorage).Create(ctx, ConnectionCreate{IModelID: tIM})
			return err
		},
		"UpdateStorageConnection": func() error {
			_, err := c.Connections(wire.KindStorage).Update(ctx, tCID, wire.ConnectionUpdate{})
			return err
		},
		"DeleteStorageConnection": func() error { return c.Connections(wire.KindStorage).Delete(ctx, tCID) },
		"ListStorageConnections":  func() error { _, err := c.Connections(wire.KindStorage).List(ctx, tIM); return err },
		"CreateManifestConn": func() error {
			_, err := c.Connections(wire.KindManifest).Create(ctx, ConnectionCreate{IModelID: tIM})
			return err
		},
		"AddStorageSourceFile": func() error {
			_, err := c.Connections(wire.KindStorage).AddSourceFile(ctx, tCID, SourceFile{})
			return err
		},
		"ListStorageSourceFiles": func() error { _, err := c.Connections(wire.KindStorage).ListSourceFiles(ctx, tCID); return err },
		"GetStorageSourceFile":   func() error { _, err := c.Connections(wire.KindStorage).GetSourceFile(ctx, tCID, tSF); return err },
		"UpdateStorageSourceFile": func() error {
			_, err := c.Connections(wire.KindStorage).UpdateSourceFile(ctx, tCID, tSF, SourceFile{})
			return err
		},
		"DeleteStorageSourceFile": func() error { return c.Connections(wire.KindStorage).DeleteSourceFile(ctx, tCID, tSF) },
		"AddManifestSourceFile": func() error {
			_, err := c.Connections(wire.KindManifest).AddSourceFile(ctx, tCID, SourceFile{})
			return err
		},
		"ListManifestSourceFiles": func() error { _, err := c.Connections(wire.KindManifest).ListSourceFiles(ctx, tCID); return err },
		"GetManifestSourceFile":   func() error { _, err := c.Connections(wire.KindManifest).GetSourceFile(ctx, tCID, tSF); return err },
		"UpdateManifestSourceFile": func() error {
			_, err := c.Connections(wire.KindManifest).UpdateSourceFile(ctx, tCID, tSF, SourceFile{})
			return err
		},
		"DeleteManifestSourceFile": func() error { return c.Connections(wire.KindManifest).DeleteSourceFile(ctx, tCID, tSF) },
		"GetAuthorizationInfo":     func() error { _, err := c.GetAuthorizationInformation(ctx, "https://x"); return err },
		"StartStorageRun":          func() error { _, err := c.Connections(wire.KindStorage).StartRun(ctx, tCID, nil); return err },
		"StartManifestRun": func() error {
			_, err := c.Connections(wire.KindManifest).StartRun(ctx, tCID, &wire.ManifestRunCreate{})
			return err
		},
		"GetStorageRun":       func() error { _, err := c.Connections(wire.KindStorage).GetRun(ctx, tCID, tRun); return err },
		"ListStorageRuns":     func() error { _, err := c.Connections(wire.KindStorage).ListRuns(ctx, tCID, 0); return err },
		"GetReports":          func() error { _, err := c.GetReports(ctx, tIM, tRun, ""); return err },
		"GetConfiguration":    func() error { _, err := c.GetConfiguration(ctx, wire.ScopeConnection, tCID); return err },
		"CreateConfiguration": func() error { _, err := c.CreateConfiguration(ctx, wire.ScopeITwin, tTW, nil); return err },
		"DeleteConfiguration": func() error { return c.DeleteConfiguration(ctx, wire.ScopeITwin, tTW) },
		"GetITwin":            func() error { _, err := c.GetITwin(ctx, tTW); return err },
		"CreateITwin":         func() error { _, err := c.CreateITwin(ctx, wire.ITwinCreate{DisplayName: "x"}); return err },
		"DeleteITwin":         func() error { return c.DeleteITwin(ctx, tTW) },
		"CreateIModel":        func() error { _, err := c.CreateIModel(ctx, wire.IModelCreate{}); return err },
		"GetIModel":           func() error { _, err := c.GetIModel(ctx, tIM); return err },
		"DeleteIModel":        func() error { return c.DeleteIModel(ctx, tIM) },
		"ListChangesets":      func() error { _, err := c.ListChangesets(ctx, tIM); return err },
		"GetChangeset":        func() error { _, err := c.GetChangeset(ctx, tIM, "1"); return err },
		"GetRootFolderID":     func() error { _, err := c.GetRootFolderID(ctx, tTW); return err },
		"CreateFolder": func() error {
			_, err := c.CreateFolder(ctx, tFold, wire.StorageItemCreate{DisplayName: "x"})
			return err
		},
		"GetFolder":       func() error { _, err := c.GetFolder(ctx, tFold); return err },
		"UpdateFolder":    func() error { _, err := c.UpdateFolder(ctx, tFold, wire.StorageItemUpdate{}); return err },
		"DeleteFolder":    func() error { return c.DeleteFolder(ctx, tFold) },
		"ListFolderItems": func() error { _, err := c.ListFolderItems(ctx, tFold); return err },
		"UploadFile": func() error {
			_, err := c.UploadFile(ctx, tFold, wire.StorageItemCreate{DisplayName: "x"}, strings.NewReader("a"), 1)
			return err
		},
		"UpdateFileContent":  func() error { _, err := c.UpdateFileContent(ctx, tFile, strings.NewReader("a"), 1); return err },
		"GetFile":            func() error { _, err := c.GetFile(ctx, tFile); return err },
		"UpdateFile":         func() error { _, err := c.UpdateFile(ctx, tFile, wire.StorageItemUpdate{}); return err },
		"DeleteFile":         func() error { return c.DeleteFile(ctx, tFile) },
		"GetFileDownloadURL": func() error { _, err := c.GetFileDownloadURL(ctx, tFile); return err },
	}
	for name, call := range calls {
		err := call()
		if !IsNotFound(err) || ErrorCode(err) != "RouteNotFound" {
			t.Errorf("%s: err = %T %v, want the 404 APIError", name, err, err)
		}
	}
}

func TestUndecodableAnswers(t *testing.T) {
	f := newFakeAPI(t)
	f.handle("GET /itwins/"+tTW, func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprint(w, `{"iTwin": [1,2]}`)
	})
	f.handle("GET /imodels/"+tIM, func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(200) })
	c := f.client()
	_, err := c.GetITwin(t.Context(), tTW)
	if err == nil || !strings.Contains(err.Error(), "decoding the answer of GET") || !strings.Contains(err.Error(), "/itwins/"+tTW) {
		t.Errorf("err = %v", err)
	}
	_, err = c.GetIModel(t.Context(), tIM)
	if err == nil || !strings.Contains(err.Error(), "without a body") {
		t.Errorf("err = %v", err)
	}
}

func TestLastSegmentAndQuery(t *testing.T) {
	for in, want := range map[string]string{
		"https://h/synchronization/imodels/storageconnections/c/runs/r1":     "r1",
		"https://h/synchronization/imodels/storageconnections/c/runs/r1/":    "r1",
		"https://h/synchronization/imodels/storageconnections/c/runs/r1?x=1": "r1",
		"/storage/folders/a%2Fb#frag":                                        "a/b",
		"r2":                                                                 "r2",
	} {
		if got := lastSegment(in); got != want {
			t.Errorf("lastSegment(%q) = %q, want %q", in, got, want)
		}
	}
	if got := encodeQuery(map[string][]string{"$top": {"10"}, "imodelId": {"a b"}, "$orderBy": {"index asc"}}); got != "$orderBy=index+asc&$top=10&imodelId=a+b" {
		t.Errorf("encodeQuery = %q", got)
	}
	if acceptFor("/imodels") != acceptV2 || acceptFor("/iModels/x/changesets") != acceptV2 || acceptFor("/synchronization/imodels/x") != acceptV1 || acceptFor("/imodelsx") != acceptV1 {
		t.Error("acceptFor")
	}
}
