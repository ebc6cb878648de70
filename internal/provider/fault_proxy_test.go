package provider

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"sync"
	"testing"

	"github.com/seed37c7dd03/terraform-provider-itwin/internal/itwinlocal/itwinlocaltest"
)

// faultProxy sits between the provider and an itwin-local instance and lets a test break chosen requests. It
// keeps the Host header, so itwin-local mints its links (upload URLs, completeUrl, Location) on the proxy's
// origin and every follow-up request passes through the proxy too.
type faultProxy struct {
	URL string
	mu  sync.Mutex
	// intercept, when set, sees each request first; it returns true when it answered (or dropped) the request.
	intercept func(w http.ResponseWriter, r *http.Request, forward http.Handler) bool
}

func newFaultProxy(t *testing.T, inst *itwinlocaltest.Instance) *faultProxy {
	t.Helper()
	target, err := url.Parse(inst.URL)
	if err != nil {
		t.Fatal(err)
	}
	rp := httputil.NewSingleHostReverseProxy(target)
	p := &faultProxy{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p.mu.Lock()
		f := p.intercept
		p.mu.Unlock()
		if f != nil && f(w, r, rp) {
			return
		}
		rp.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	p.URL = srv.URL
	return p
}

// set installs (or, with nil, removes) the interception.
func (p *faultProxy) set(f func(w http.ResponseWriter, r *http.Request, forward http.Handler) bool) {
	p.mu.Lock()
	p.intercept = f
	p.mu.Unlock()
}

// providerBlock is a provider block that talks to the instance through the proxy.
func (p *faultProxy) providerBlock(inst *itwinlocaltest.Instance) string {
	return fmt.Sprintf(`
provider "itwin" {
  api_url       = %q
  client_id     = %q
  client_secret = %q
  max_retries   = 2
}
`, p.URL, inst.ClientID, inst.ClientSecret)
}

// dropConnection closes the client's connection without an answer: a transport error for the client.
func dropConnection(w http.ResponseWriter) {
	if hj, ok := w.(http.Hijacker); ok {
		if conn, _, err := hj.Hijack(); err == nil {
			_ = conn.Close()
			return
		}
	}
	panic(http.ErrAbortHandler)
}

// forwardThenDrop lets the server process the request, then drops the connection before the client sees the
// answer: the server changed something, and the client cannot know.
func forwardThenDrop(w http.ResponseWriter, r *http.Request, forward http.Handler) {
	forward.ServeHTTP(httptest.NewRecorder(), r)
	dropConnection(w)
}
