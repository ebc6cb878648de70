package itwin

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/seed37c7dd03/terraform-provider-itwin/internal/wire"
)

// failFirst answers the first n requests with fail, then with ok.
func failFirst(n int32, fail, ok http.HandlerFunc) http.HandlerFunc {
	var calls atomic.Int32
	return func(w http.ResponseWriter, r *http.Request) {
		if calls.Add(1) <= n {
			fail(w, r)
			return
		}
		ok(w, r)
	}
}

func status(code int, headers ...string) http.HandlerFunc {
	return func(w http.ResponseWriter, _ *http.Request) {
		for i := 0; i+1 < len(headers); i += 2 {
			w.Header().Set(headers[i], headers[i+1])
		}
		writeJSON(w, code, apiErrorBody("Boom", "status "+http.StatusText(code)))
	}
}

// hangUp closes the connection without answering: a transport error for the client.
func hangUp(w http.ResponseWriter, _ *http.Request) {
	conn, _, err := w.(http.Hijacker).Hijack()
	if err == nil {
		conn.Close()
	}
}

func okJSON(body any) http.HandlerFunc {
	return func(w http.ResponseWriter, _ *http.Request) { writeJSON(w, 200, body) }
}

func TestRetriesIdempotentMethods(t *testing.T) {
	ctx := t.Context()
	cases := []struct {
		name   string
		method string
		path   string
		resp   any
		call   func(c *Client) error
	}{
		{"GET", "GET", syncIM + "/storageconnections/" + tCID, connBody, func(c *Client) error { _, err := c.Connections(wire.KindStorage).Get(ctx, tCID); return err }},
		{"PUT", "PUT", syncIM + "/storageconnections/" + tCID, connBody, func(c *Client) error {
			_, err := c.Connections(wire.KindStorage).Update(ctx, tCID, wire.ConnectionUpdate{DisplayName: wire.Ptr("x")})
			return err
		}},
		{"PATCH", "PATCH", "/storage/files/" + tFile, fileBody, func(c *Client) error {
			_, err := c.UpdateFile(ctx, tFile, wire.StorageItemUpdate{DisplayName: wire.Ptr("x")})
			return err
		}},
		{"DELETE", "DELETE", "/storage/files/" + tFile, nil, func(c *Client) error { return c.DeleteFile(ctx, tFile) }},
	}
	for _, tc := range cases {
		for _, fault := range []struct {
			name    string
			handler http.HandlerFunc
		}{{"500", status(500)}, {"503", status(503)}, {"429", status(429, "Retry-After", "0")}, {"transport", hangUp}} {
			t.Run(tc.name+"/"+fault.name, func(t *testing.T) {
				f := newFakeAPI(t)
				okStatus := 200
				if tc.resp == nil {
					okStatus = 204
				}
				f.handle(tc.method+" "+tc.path, failFirst(2, fault.handler, func(w http.ResponseWriter, _ *http.Request) { writeJSON(w, okStatus, tc.resp) }))
				if err := tc.call(f.client()); err != nil {
					t.Fatalf("expected success after retries, got %v", err)
				}
				if n := f.count(tc.method, tc.path); n < 3 {
					t.Errorf("%d attempts, want 3", n)
				}
			})
		}
	}
}

// waitRecorder wraps a client's backoff: it records every wait the client computes before a retry and has the
// client wait `sleep` instead, so tests assert the computed wait without sitting it out (DESIGN §7).
type waitRecorder struct {
	mu     sync.Mutex
	waits  []time.Duration
	sleep  time.Duration
	onWait func() // called after each computed wait, before the client waits
}

func recordWaits(c *Client, sleep time.Duration) *waitRecorder {
	r := &waitRecorder{sleep: sleep}
	computed := c.backoff // the backoff NewClient installed, so the test checks what the client really uses
	c.backoff = func(minWait, maxWait time.Duration, attempt int, resp *http.Response) time.Duration {
		d := computed(minWait, maxWait, attempt, resp)
		r.mu.Lock()
		r.waits = append(r.waits, d)
		r.mu.Unlock()
		if r.onWait != nil {
			r.onWait()
		}
		return r.sleep
	}
	return r
}

func (r *waitRecorder) recorded() []time.Duration {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]time.Duration(nil), r.waits...)
}

func TestRetryAfterHonoured(t *testing.T) {
	for _, tc := range []struct {
		name    string
		handler http.HandlerFunc
		min     time.Duration
	}{
		{"429 seconds", status(429, "Retry-After", "1"), time.Second},
		{"503 seconds", status(503, "Retry-After", "2"), 2 * time.Second},
		{"429 HTTP date", status(429, "Retry-After", time.Now().Add(time.Minute).UTC().Format(http.TimeFormat)), 50 * time.Second},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFakeAPI(t)
			f.handle("GET "+syncIM+"/storageconnections/"+tCID, failFirst(1, tc.handler, okJSON(connBody)))
			c := f.client()
			rec := recordWaits(c, 0)
			if _, err := c.Connections(wire.KindStorage).Get(t.Context(), tCID); err != nil {
				t.Fatal(err)
			}
			// RetryWaitMax is 5ms in the test client: only Retry-After can make the computed wait reach seconds.
			// It may exceed Retry-After by a 10% jitter, never fall short of it, and never exceed the cap.
			waits := rec.recorded()
			if len(waits) != 1 || waits[0] < tc.min || waits[0] > maxRetryAfter*11/10 {
				t.Errorf("computed waits %v, want one wait of at least the %s of Retry-After", waits, tc.min)
			}
			if n := f.count("GET", syncIM+"/storageconnections/"+tCID); n != 2 {
				t.Errorf("%d attempts, want 2", n)
			}
		})
	}

	// Without Retry-After the client's own exponential backoff applies, bounded by RetryWaitMax (5ms here).
	f := newFakeAPI(t)
	f.handle("GET "+syncIM+"/storageconnections/"+tCID, failFirst(3, status(500), okJSON(connBody)))
	c := f.client()
	rec := recordWaits(c, 0)
	if _, err := c.Connections(wire.KindStorage).Get(t.Context(), tCID); err != nil {
		t.Fatal(err)
	}
	waits := rec.recorded()
	if len(waits) != 3 {
		t.Fatalf("computed waits %v, want 3", waits)
	}
	for _, w := range waits {
		if w <= 0 || w > 5*time.Millisecond {
			t.Errorf("computed waits %v, want each within (0, RetryWaitMax=5ms]", waits)
		}
	}
}

func TestGiveUpAfterMaxRetriesKeepsAPIError(t *testing.T) {
	f := newFakeAPI(t)
	f.handle("GET "+syncIM+"/storageconnections/"+tCID, status(503))
	_, err := f.client().Connections(wire.KindStorage).Get(t.Context(), tCID)
	apiErr, ok := AsAPIError(err)
	if !ok || apiErr.Status != 503 || apiErr.Code != "Boom" {
		t.Fatalf("err = %v, want the 503 envelope", err)
	}
	if n := f.count("GET", syncIM+"/storageconnections/"+tCID); n != 4 {
		t.Errorf("%d attempts, want 1 + MaxRetries(3)", n)
	}
	f2 := newFakeAPI(t)
	f2.handle("GET "+syncIM+"/storageconnections/"+tCID, status(500))
	_, err = f2.client(func(c *Config) { c.MaxRetries = 0 }).Connections(wire.KindStorage).Get(t.Context(), tCID)
	if !IsStatus(err, 500) || f2.count("GET", syncIM+"/storageconnections/"+tCID) != 1 {
		t.Errorf("MaxRetries=0: err=%v attempts=%d", err, f2.count("GET", syncIM+"/storageconnections/"+tCID))
	}
}

func TestPOSTRetriedOnlyOn429(t *testing.T) {
	ctx := t.Context()
	create := func(c *Client) error {
		_, err := c.Connections(wire.KindStorage).Create(ctx, ConnectionCreate{IModelID: tIM, SourceFiles: []SourceFile{{Key: tFile, ConnectorType: "MSTN"}}})
		return err
	}
	path := syncIM + "/storageconnections"

	f := newFakeAPI(t)
	f.handle("POST "+path, failFirst(2, status(429, "Retry-After", "0"), func(w http.ResponseWriter, _ *http.Request) { writeJSON(w, 201, connBody) }))
	if err := create(f.client()); err != nil {
		t.Fatalf("429 must be retried for POST: %v", err)
	}
	if n := f.count("POST", path); n != 3 {
		t.Errorf("429: %d attempts, want 3", n)
	}
	for _, r := range f.requests() { // every retry carries the same body
		jsonEqual(t, r.Body, `{"iModelId":"`+tIM+`","sourceFiles":[{"storageFileId":"`+tFile+`","connectorType":"MSTN"}]}`)
	}

	f = newFakeAPI(t)
	f.handle("POST "+path, status(500))
	if err := create(f.client()); !IsStatus(err, 500) {
		t.Fatalf("500: err = %v", err)
	}
	if n := f.count("POST", path); n != 1 {
		t.Errorf("500: POST sent %d times, want exactly 1", n)
	}

	f = newFakeAPI(t)
	f.handle("POST "+path, hangUp)
	err := create(f.client())
	var te *TransportError
	if !errors.As(err, &te) || !IsTransient(err) {
		t.Fatalf("transport error: err = %T %v", err, err)
	}
	if n := f.count("POST", path); n != 1 {
		t.Errorf("transport error: POST sent %d times, want exactly 1", n)
	}
}

func TestContextCancelStopsRetries(t *testing.T) {
	f := newFakeAPI(t)
	f.handle("GET "+syncIM+"/storageconnections/"+tCID, status(500))
	c := f.client(func(c *Config) { c.MaxRetries = 10 })
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	// The client is told to wait an hour before the retry and the context is cancelled just before it starts
	// waiting: the call can only return (and the test finish) if the wait is abandoned on cancellation.
	rec := recordWaits(c, time.Hour)
	rec.onWait = cancel
	_, err := c.Connections(wire.KindStorage).Get(ctx, tCID)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context canceled", err)
	}
	if n := f.count("GET", syncIM+"/storageconnections/"+tCID); n != 1 || len(rec.recorded()) != 1 {
		t.Errorf("%d attempts and %d waits, want 1 and 1: nothing is sent after the cancellation", n, len(rec.recorded()))
	}
	if IsTransient(err) {
		t.Error("a cancelled context is not transient")
	}
}

func TestRequestTimeoutPerAttempt(t *testing.T) {
	f := newFakeAPI(t)
	var calls atomic.Int32
	f.handle("GET "+syncIM+"/storageconnections/"+tCID, func(w http.ResponseWriter, r *http.Request) {
		if calls.Add(1) == 1 {
			select { // the first attempt hangs longer than the per-attempt timeout
			case <-time.After(2 * time.Second):
			case <-r.Context().Done():
			}
			return
		}
		writeJSON(w, 200, connBody)
	})
	c := f.client(func(c *Config) { c.RequestTimeout = 100 * time.Millisecond })
	if _, err := c.Connections(wire.KindStorage).Get(t.Context(), tCID); err != nil {
		t.Fatalf("the second attempt should succeed: %v", err)
	}
	if calls.Load() != 2 {
		t.Errorf("%d attempts, want 2", calls.Load())
	}
}

func TestBackoff(t *testing.T) {
	resp := func(code int, retryAfter string) *http.Response {
		h := http.Header{}
		if retryAfter != "" {
			h.Set("Retry-After", retryAfter)
		}
		return &http.Response{StatusCode: code, Header: h}
	}
	for i := 0; i < 50; i++ {
		if d := backoff(time.Second, 4*time.Second, 0, resp(429, "3")); d < 3*time.Second || d > 3300*time.Millisecond {
			t.Fatalf("Retry-After 3: %s", d)
		}
		if d := backoff(time.Second, 4*time.Second, 0, resp(503, "1")); d < time.Second || d > 1100*time.Millisecond {
			t.Fatalf("503 Retry-After 1: %s", d)
		}
		// Exponential: attempt 2 → 4s step → [2s, 4s]; attempt 10 → capped at max 4s → [2s, 4s].
		if d := backoff(time.Second, 10*time.Second, 2, resp(500, "")); d < 2*time.Second || d > 4*time.Second {
			t.Fatalf("attempt 2: %s", d)
		}
		if d := backoff(time.Second, 4*time.Second, 10, resp(500, "")); d < 2*time.Second || d > 4*time.Second {
			t.Fatalf("attempt 10: %s", d)
		}
		if d := backoff(time.Second, 4*time.Second, 200, nil); d < 2*time.Second || d > 4*time.Second {
			t.Fatalf("overflow attempt: %s", d)
		}
		// Retry-After on a 500 is not a rate-limit instruction: exponential applies.
		if d := backoff(time.Millisecond, 2*time.Millisecond, 0, resp(500, "30")); d > 2*time.Millisecond {
			t.Fatalf("500 with Retry-After: %s", d)
		}
	}
	date := time.Now().Add(90 * time.Second).UTC().Format(http.TimeFormat)
	if d := backoff(time.Second, 4*time.Second, 0, resp(429, date)); d < 85*time.Second || d > 100*time.Second {
		t.Errorf("HTTP-date Retry-After: %s", d)
	}
	if d := backoff(time.Second, 4*time.Second, 0, resp(429, "99999")); d < maxRetryAfter || d > maxRetryAfter*11/10 {
		t.Errorf("huge Retry-After is capped: %s", d)
	}

	now := time.Date(2025, 3, 14, 9, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		in   string
		want time.Duration
		ok   bool
	}{
		{"120", 120 * time.Second, true},
		{" 5 ", 5 * time.Second, true},
		{"-1", 0, false},
		{"", 0, false},
		{"soon", 0, false},
		{now.Add(-time.Hour).Format(http.TimeFormat), 0, true},
		{now.Add(30 * time.Second).Format(http.TimeFormat), 30 * time.Second, true},
	} {
		got, ok := parseRetryAfter(tc.in, now)
		if got != tc.want || ok != tc.ok {
			t.Errorf("parseRetryAfter(%q) = %s, %v; want %s, %v", tc.in, got, ok, tc.want, tc.ok)
		}
	}
}

func TestCheckRetryPolicies(t *testing.T) {
	r := func(code int) *http.Response { return &http.Response{StatusCode: code} }
	transportErr := errors.New("connection reset")
	for _, tc := range []struct {
		policy retryPolicy
		resp   *http.Response
		err    error
		want   bool
	}{
		{retryIdempotent, r(500), nil, true},
		{retryIdempotent, r(501), nil, false},
		{retryIdempotent, r(429), nil, true},
		{retryIdempotent, r(404), nil, false},
		{retryIdempotent, nil, transportErr, true},
		{retryRateLimitOnly, r(429), nil, true},
		{retryRateLimitOnly, r(502), nil, false},
		{retryRateLimitOnly, nil, transportErr, false},
		{retryNever, r(429), nil, false},
		{retryNever, r(503), nil, false},
		{0, r(500), nil, false}, // no policy: treated as POST
	} {
		ctx := t.Context()
		if tc.policy != 0 {
			ctx = withPolicy(ctx, tc.policy)
		}
		got, err := checkRetry(ctx, tc.resp, tc.err)
		if got != tc.want || err != nil {
			t.Errorf("policy %d, resp %v, err %v: retry=%v err=%v; want %v", tc.policy, tc.resp, tc.err, got, err, tc.want)
		}
	}
	ctx, cancel := context.WithCancel(withPolicy(t.Context(), retryIdempotent))
	cancel()
	if retry, err := checkRetry(ctx, r(500), nil); retry || !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled: retry=%v err=%v", retry, err)
	}
	if policyFor("HEAD") != retryIdempotent || policyFor("POST") != retryRateLimitOnly {
		t.Error("policyFor")
	}
}

func TestRedirectsNotFollowed(t *testing.T) {
	f := newFakeAPI(t)
	f.handle("GET /storage/files/"+tFile+"/download", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, f.srv.URL+"/elsewhere?sig=zzz", http.StatusFound)
	})
	u, err := f.client().GetFileDownloadURL(t.Context(), tFile)
	if err != nil || !strings.HasSuffix(u, "/elsewhere?sig=zzz") {
		t.Fatalf("download URL = %q, %v", u, err)
	}
	if f.count("GET", "/elsewhere") != 0 {
		t.Error("the redirect was followed (with the bearer token)")
	}
	f.reply("GET /storage/files/nolocation/download", 200, fileBody)
	if _, err := f.client().GetFileDownloadURL(t.Context(), "nolocation"); err == nil {
		t.Error("expected an error without a redirect")
	}
}
