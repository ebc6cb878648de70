package itwin

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"
)

// recorded is one request as the fake server saw it.
type recorded struct {
	Method   string
	Path     string
	RawQuery string
	Header   http.Header
	Body     []byte
	// ContentLength and TransferEncoding show whether a streamed body was sent with a length.
	ContentLength    int64
	TransferEncoding []string
}

// fakeAPI is an httptest server that records every request and routes them with ServeMux patterns.
type fakeAPI struct {
	t    *testing.T
	srv  *httptest.Server
	mux  *http.ServeMux
	mu   sync.Mutex
	reqs []recorded
}

func newFakeAPI(t *testing.T) *fakeAPI {
	t.Helper()
	f := &fakeAPI{t: t, mux: http.NewServeMux()}
	f.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		f.mu.Lock()
		f.reqs = append(f.reqs, recorded{Method: r.Method, Path: r.URL.Path, RawQuery: r.URL.RawQuery, Header: r.Header.Clone(), Body: body,
			ContentLength: r.ContentLength, TransferEncoding: r.TransferEncoding})
		f.mu.Unlock()
		r.Body = io.NopCloser(bytesReader(body))
		if _, pattern := f.mux.Handler(r); pattern == "" {
			writeJSON(w, http.StatusNotFound, map[string]any{"error": map[string]any{"code": "RouteNotFound", "message": "no route " + r.Method + " " + r.URL.Path}})
			return
		}
		f.mux.ServeHTTP(w, r)
	}))
	t.Cleanup(f.srv.Close)
	return f
}

func (f *fakeAPI) handle(pattern string, h http.HandlerFunc) { f.mux.HandleFunc(pattern, h) }

// reply registers a fixed answer.
func (f *fakeAPI) reply(pattern string, status int, body any) {
	f.handle(pattern, func(w http.ResponseWriter, _ *http.Request) { writeJSON(w, status, body) })
}

func (f *fakeAPI) requests() []recorded {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]recorded(nil), f.reqs...)
}

func (f *fakeAPI) count(method, path string) int {
	n := 0
	for _, r := range f.requests() {
		if r.Method == method && r.Path == path {
			n++
		}
	}
	return n
}

// client returns a client on the fake server with a static token and tiny retry waits.
func (f *fakeAPI) client(mutate ...func(*Config)) *Client {
	f.t.Helper()
	cfg := Config{
		APIURL:       f.srv.URL,
		AccessToken:  "test-access-token",
		MaxRetries:   3,
		RetryWaitMin: time.Millisecond,
		RetryWaitMax: 5 * time.Millisecond,
		UserAgent:    "terraform-provider-itwin/test",
		// Its own limiter that never sleeps: a test's 429 must neither make the test wait nor pace other tests.
		Limiter: NewLimiter(LimiterOptions{Sleep: func(ctx context.Context, _ time.Duration) error { return ctx.Err() }}),
	}
	for _, m := range mutate {
		m(&cfg)
	}
	c, err := NewClient(f.t.Context(), cfg)
	if err != nil {
		f.t.Fatalf("NewClient: %v", err)
	}
	return c
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	if v == nil {
		w.WriteHeader(status)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func apiErrorBody(code, message string) map[string]any {
	return map[string]any{"error": map[string]any{"code": code, "message": message}}
}

type bytesReaderT struct {
	b []byte
	i int
}

func (r *bytesReaderT) Read(p []byte) (int, error) {
	if r.i >= len(r.b) {
		return 0, io.EOF
	}
	n := copy(p, r.b[r.i:])
	r.i += n
	return n, nil
}

func bytesReader(b []byte) io.Reader { return &bytesReaderT{b: b} }

// jsonEqual compares a recorded body with the expected JSON value.
func jsonEqual(t *testing.T, got []byte, want string) {
	t.Helper()
	var g, w any
	if err := json.Unmarshal(got, &g); err != nil {
		t.Fatalf("body %q is not JSON: %v", got, err)
	}
	if err := json.Unmarshal([]byte(want), &w); err != nil {
		t.Fatalf("bad expectation %q: %v", want, err)
	}
	gb, _ := json.Marshal(g)
	wb, _ := json.Marshal(w)
	if string(gb) != string(wb) {
		t.Errorf("body = %s, want %s", gb, wb)
	}
}
