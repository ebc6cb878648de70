// Package itwinlocaltest starts an in-process itwin-local for tests: a temp data dir, an httptest server on
// loopback and the seed objects, all cleaned up with the test.
package itwinlocaltest

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/seed37c7dd03/terraform-provider-itwin/internal/itwinlocal"
	"github.com/seed37c7dd03/terraform-provider-itwin/internal/itwinlocal/engine"
	"github.com/seed37c7dd03/terraform-provider-itwin/internal/wire"
)

// Instance is a running itwin-local.
type Instance struct {
	URL, ClientID, ClientSecret, ITwinID, IModelID, RootFolderID string
	Server                                                       *itwinlocal.Server
	HTTP                                                         *httptest.Server

	mu     sync.Mutex
	tokens map[string]string
}

type options struct {
	cfg         itwinlocal.Config
	executor    func(*itwinlocal.Server) itwinlocal.RunExecutor
	executorSet bool // WithExecutor was used; a nil executor then means "none"
	dataDir     string
}

// Option customises Start.
type Option func(*options)

// WithConfig edits the Config before New (DataDir is set by Start unless WithDataDir is used).
func WithConfig(f func(*itwinlocal.Config)) Option { return func(o *options) { f(&o.cfg) } }

// WithClients replaces the dev client by these clients; the first one is the seed client (Instance.ClientID).
func WithClients(clients ...itwinlocal.ClientConfig) Option {
	return func(o *options) { o.cfg.Clients = clients }
}

// WithDataDir uses an existing data dir (restart tests) instead of a fresh temp dir.
func WithDataDir(dir string) Option { return func(o *options) { o.dataDir = dir } }

// WithExecutor installs a run executor built from the server instead of the default engine (e.g. an engine
// with test hooks). WithExecutor(nil) installs none, like WithoutEngine.
func WithExecutor(f func(*itwinlocal.Server) itwinlocal.RunExecutor) Option {
	return func(o *options) { o.executor, o.executorSet = f, true }
}

// WithoutEngine starts no run executor: started runs stay NotStarted (tests of the API surface that need a
// run to stay active, or that complete runs themselves through the store).
func WithoutEngine() Option { return WithExecutor(nil) }

// Start runs itwin-local for the test with the run engine installed (unless WithExecutor or WithoutEngine),
// so runs really complete. Speed defaults to 0.001 so runs finish in milliseconds.
func Start(t testing.TB, opts ...Option) *Instance {
	t.Helper()
	o := &options{cfg: itwinlocal.Config{Speed: 0.001}}
	for _, opt := range opts {
		opt(o)
	}
	o.cfg.DataDir = o.dataDir
	if o.cfg.DataDir == "" {
		o.cfg.DataDir = t.TempDir()
	}
	srv, err := itwinlocal.New(o.cfg)
	if err != nil {
		t.Fatalf("itwinlocaltest: New: %v", err)
	}
	if o.executorSet {
		if o.executor != nil {
			srv.SetExecutor(o.executor(srv))
		}
	} else {
		e, err := engine.New(srv, engine.Options{})
		if err != nil {
			srv.Close()
			t.Fatalf("itwinlocaltest: engine: %v", err)
		}
		srv.SetExecutor(e)
	}
	seed, err := srv.Seed(context.Background())
	if err != nil {
		srv.Close()
		t.Fatalf("itwinlocaltest: Seed: %v", err)
	}
	hs := httptest.NewServer(srv)
	t.Cleanup(func() {
		hs.Close()
		if err := srv.Close(); err != nil {
			t.Errorf("itwinlocaltest: Close: %v", err)
		}
	})
	return &Instance{URL: hs.URL, ClientID: seed.ClientID, ClientSecret: seed.ClientSecret, ITwinID: seed.ITwinID,
		IModelID: seed.IModelID, RootFolderID: seed.RootFolderID, Server: srv, HTTP: hs, tokens: map[string]string{}}
}

// TokenFor fetches (and caches) an access token for a client through the token endpoint.
func (i *Instance) TokenFor(t testing.TB, clientID, secret string) string {
	t.Helper()
	i.mu.Lock()
	tok, ok := i.tokens[clientID]
	i.mu.Unlock()
	if ok {
		return tok
	}
	form := url.Values{"grant_type": {"client_credentials"}, "client_id": {clientID}, "client_secret": {secret}, "scope": {itwinlocal.PlatformScope}}
	resp, err := http.PostForm(i.URL+"/connect/token", form)
	if err != nil {
		t.Fatalf("itwinlocaltest: token: %v", err)
	}
	defer resp.Body.Close()
	var tr wire.TokenResponse
	if resp.StatusCode != 200 || json.NewDecoder(resp.Body).Decode(&tr) != nil {
		t.Fatalf("itwinlocaltest: token: status %d", resp.StatusCode)
	}
	i.mu.Lock()
	i.tokens[clientID] = tr.AccessToken
	i.mu.Unlock()
	return tr.AccessToken
}

// Token is TokenFor the seed client.
func (i *Instance) Token(t testing.TB) string { return i.TokenFor(t, i.ClientID, i.ClientSecret) }

// Response is a read HTTP answer.
type Response struct {
	Status int
	Header http.Header
	Body   []byte
}

// JSON decodes the body into v, failing the test on error.
func (r *Response) JSON(t testing.TB, v any) {
	t.Helper()
	if err := json.Unmarshal(r.Body, v); err != nil {
		t.Fatalf("decode %q: %v", r.Body, err)
	}
}

// Do sends a request with the seed client's token. body may be nil, []byte, string or a value to marshal.
// Redirects are not followed. hdr adds headers as "Name", "value" pairs.
func (i *Instance) Do(t testing.TB, method, path string, body any, hdr ...string) *Response {
	t.Helper()
	return i.DoAs(t, i.Token(t), method, path, body, hdr...)
}

// DoAs is Do with an explicit bearer token ("" = no Authorization header).
func (i *Instance) DoAs(t testing.TB, token, method, path string, body any, hdr ...string) *Response {
	t.Helper()
	var rd io.Reader
	isJSON := false
	switch b := body.(type) {
	case nil:
	case []byte:
		rd = bytes.NewReader(b)
	case string:
		rd = strings.NewReader(b)
	default:
		buf, err := json.Marshal(b)
		if err != nil {
			t.Fatal(err)
		}
		rd, isJSON = bytes.NewReader(buf), true
	}
	u := path
	if !strings.HasPrefix(u, "http") {
		u = i.URL + path
	}
	req, err := http.NewRequest(method, u, rd)
	if err != nil {
		t.Fatal(err)
	}
	if isJSON {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	for k := 0; k+1 < len(hdr); k += 2 {
		req.Header.Set(hdr[k], hdr[k+1])
	}
	cl := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := cl.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return &Response{Status: resp.StatusCode, Header: resp.Header, Body: b}
}

// UploadFile creates a Storage file in folderID ("" = the root folder) with the content, uploads it through the
// pre-signed URL and completes it. It returns the file id.
func (i *Instance) UploadFile(t testing.TB, folderID, name string, content []byte) string {
	t.Helper()
	if folderID == "" {
		folderID = i.RootFolderID
	}
	r := i.Do(t, "POST", "/storage/folders/"+folderID+"/files", map[string]string{"displayName": name})
	if r.Status != 202 {
		t.Fatalf("create file: %d %s", r.Status, r.Body)
	}
	var links wire.UploadLinks
	r.JSON(t, &links)
	i.PutBlob(t, links.Links.UploadURL.Href, content)
	r = i.DoAs(t, i.Token(t), "POST", links.Links.CompleteURL.Href, nil)
	if r.Status != 200 {
		t.Fatalf("complete file: %d %s", r.Status, r.Body)
	}
	var f wire.StorageFileEnvelope
	r.JSON(t, &f)
	return f.File.ID
}

// PutBlob PUTs content to a pre-signed upload URL the way Azure clients do.
func (i *Instance) PutBlob(t testing.TB, uploadURL string, content []byte) {
	t.Helper()
	r := i.DoAs(t, "", "PUT", uploadURL, content, "x-ms-blob-type", "BlockBlob")
	if r.Status != 201 {
		t.Fatalf("upload: %d %s", r.Status, r.Body)
	}
}
