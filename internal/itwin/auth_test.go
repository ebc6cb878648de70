package itwin

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-log/tflogtest"

	"github.com/seed37c7dd03/terraform-provider-itwin/internal/wire"
)

const (
	testClientSecret = "cs-VERY-SECRET-9f8e7d"
	testAccessToken  = "at-OPAQUE-TOKEN-123456"
)

// tokenEndpoint adds a client-credentials token endpoint to the fake API.
func tokenEndpoint(t *testing.T, f *fakeAPI, expiresIn int, fetches *atomic.Int32) {
	f.handle("POST /connect/token", func(w http.ResponseWriter, r *http.Request) {
		if err := r.ParseForm(); err != nil {
			t.Errorf("token request: %v", err)
		}
		id, secret, basic := r.BasicAuth()
		if !basic {
			id, secret = r.PostForm.Get("client_id"), r.PostForm.Get("client_secret")
		}
		if strings.HasPrefix(r.Header.Get("Authorization"), "Bearer") {
			t.Error("a bearer token was sent to the token endpoint")
		}
		if r.PostForm.Get("grant_type") != "client_credentials" || r.PostForm.Get("scope") != "itwin-platform" {
			t.Errorf("token form = %v", r.PostForm)
		}
		if id != "svc-client" || secret != testClientSecret {
			writeJSON(w, 400, map[string]any{"error": "invalid_client", "error_description": "Unknown client or wrong secret"})
			return
		}
		fetches.Add(1)
		writeJSON(w, 200, map[string]any{"access_token": fmt.Sprintf("%s-%d", testAccessToken, fetches.Load()), "token_type": "Bearer", "expires_in": expiresIn, "scope": "itwin-platform"})
	})
}

func ccConfig(f *fakeAPI, secret string) func(*Config) {
	return func(c *Config) {
		c.AccessToken = ""
		c.ClientID = "svc-client"
		c.ClientSecret = secret
		c.TokenURL = f.srv.URL + "/connect/token"
	}
}

func TestClientCredentialsTokenCached(t *testing.T) {
	f := newFakeAPI(t)
	var fetches atomic.Int32
	tokenEndpoint(t, f, 3600, &fetches)
	f.reply("GET "+syncIM+"/storageconnections/"+tCID, 200, connBody)
	c := f.client(ccConfig(f, testClientSecret))
	for i := 0; i < 3; i++ {
		if _, err := c.Connections(wire.KindStorage).Get(t.Context(), tCID); err != nil {
			t.Fatal(err)
		}
	}
	if fetches.Load() != 1 {
		t.Errorf("token fetched %d times, want 1 (cached)", fetches.Load())
	}
	for _, r := range f.requests() {
		if r.Path == "/connect/token" {
			continue
		}
		if got := r.Header.Get("Authorization"); got != "Bearer "+testAccessToken+"-1" {
			t.Errorf("Authorization = %q", got)
		}
	}
}

func TestClientCredentialsRefreshBeforeExpiry(t *testing.T) {
	f := newFakeAPI(t)
	var fetches atomic.Int32
	tokenEndpoint(t, f, 3600, &fetches)
	f.reply("GET "+syncIM+"/storageconnections/"+tCID, 200, connBody)
	c := f.client(ccConfig(f, testClientSecret))
	cc := c.auth.(*clientCredentials)
	now := time.Now()
	cc.now = func() time.Time { return now }
	if _, err := c.Connections(wire.KindStorage).Get(t.Context(), tCID); err != nil {
		t.Fatal(err)
	}
	now = now.Add(3600*time.Second - refreshMargin - time.Second) // still valid
	if _, err := c.Connections(wire.KindStorage).Get(t.Context(), tCID); err != nil {
		t.Fatal(err)
	}
	if fetches.Load() != 1 {
		t.Fatalf("fetches = %d before the refresh window", fetches.Load())
	}
	now = now.Add(2 * time.Second) // inside the refresh margin: renew
	if _, err := c.Connections(wire.KindStorage).Get(t.Context(), tCID); err != nil {
		t.Fatal(err)
	}
	if fetches.Load() != 2 {
		t.Errorf("fetches = %d, want a renewal inside the margin", fetches.Load())
	}
	last := f.requests()[len(f.requests())-1]
	if last.Header.Get("Authorization") != "Bearer "+testAccessToken+"-2" {
		t.Errorf("renewed token not used: %q", last.Header.Get("Authorization"))
	}
}

func TestClientCredentialsFailureReadable(t *testing.T) {
	f := newFakeAPI(t)
	var fetches atomic.Int32
	tokenEndpoint(t, f, 3600, &fetches)
	c := f.client(ccConfig(f, "wrong-"+testClientSecret))
	_, err := c.Connections(wire.KindStorage).Get(t.Context(), tCID)
	var ae *AuthError
	if !errors.As(err, &ae) || ae.Code != "invalid_client" {
		t.Fatalf("err = %T %v", err, err)
	}
	msg := err.Error()
	want := "obtaining an access token from " + f.srv.URL + "/connect/token: invalid_client"
	if !strings.HasPrefix(msg, want) {
		t.Errorf("message = %q, want prefix %q", msg, want)
	}
	if strings.Contains(msg, testClientSecret) {
		t.Errorf("message leaks the secret: %s", msg)
	}
	if f.count("GET", syncIM+"/storageconnections/"+tCID) != 0 {
		t.Error("API called without a token")
	}
	if IsTransient(err) {
		t.Error("invalid_client is not transient")
	}

	// Unreachable token endpoint: still readable, and the run start is not reported as uncertain.
	dead := newFakeAPI(t)
	url := dead.srv.URL
	dead.srv.Close()
	c2, _ := NewClient(t.Context(), Config{APIURL: url, ClientID: "a", ClientSecret: testClientSecret, TokenURL: url + "/connect/token", MaxRetries: 0})
	_, err = c2.Connections(wire.KindStorage).StartRun(t.Context(), tCID, nil)
	var unc *StartUncertainError
	if !errors.As(err, &ae) || errors.As(err, &unc) || !strings.Contains(err.Error(), "obtaining an access token from "+url) || strings.Contains(err.Error(), testClientSecret) {
		t.Errorf("err = %T %v", err, err)
	}

	// A non-OAuth error body.
	f3 := newFakeAPI(t)
	f3.handle("POST /connect/token", func(w http.ResponseWriter, _ *http.Request) {
		w.WriteHeader(http.StatusForbidden)
		fmt.Fprint(w, "forbidden by proxy")
	})
	_, err = f3.client(ccConfig(f3, testClientSecret)).GetITwin(t.Context(), tTW)
	if err == nil || !strings.Contains(err.Error(), "403") || !strings.Contains(err.Error(), "forbidden by proxy") {
		t.Errorf("err = %v", err)
	}
}

func TestJWTExpiry(t *testing.T) {
	payload := base64.RawURLEncoding.EncodeToString([]byte(`{"exp":1893456000,"sub":"x"}`))
	if got := jwtExpiry("eyJhbGciOiJub25lIn0." + payload + ".sig"); !got.Equal(time.Unix(1893456000, 0)) {
		t.Errorf("exp = %v", got)
	}
	for _, bad := range []string{"opaque", "a.b", "a.!!!.c", "a." + base64.RawURLEncoding.EncodeToString([]byte(`{}`)) + ".c"} {
		if !jwtExpiry(bad).IsZero() {
			t.Errorf("jwtExpiry(%q) should be zero", bad)
		}
	}
	// A token endpoint without expires_in: the JWT exp decides.
	f := newFakeAPI(t)
	exp := time.Now().Add(time.Hour).Unix()
	jwt := "eyJhbGciOiJub25lIn0." + base64.RawURLEncoding.EncodeToString([]byte(fmt.Sprintf(`{"exp":%d}`, exp))) + ".c2ln"
	f.handle("POST /connect/token", func(w http.ResponseWriter, _ *http.Request) {
		writeJSON(w, 200, map[string]any{"access_token": jwt, "token_type": "Bearer"})
	})
	f.reply("GET /itwins/"+tTW, 200, itwinBody)
	c := f.client(ccConfig(f, testClientSecret))
	if _, err := c.GetITwin(t.Context(), tTW); err != nil {
		t.Fatal(err)
	}
	if cc := c.auth.(*clientCredentials); cc.expiry.Unix() != exp {
		t.Errorf("expiry = %v, want the JWT exp", cc.expiry)
	}
}

// TestLogsAreRedacted drives a client-credentials client through API calls, retries, an upload to a pre-signed
// URL and failures, captures every tflog line, and checks that no secret reaches the log or an error.
func TestLogsAreRedacted(t *testing.T) {
	var logs bytes.Buffer
	ctx := tflogtest.RootLogger(t.Context(), &logs)

	f := uploadServer(t, failFirst(1, status(503), func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(201) }), "")
	var fetches atomic.Int32
	tokenEndpoint(t, f, 3600, &fetches)
	f.handle("GET "+syncIM+"/connections", failFirst(1, status(500), okJSON(connsBody)))
	f.handle("GET /synchronization/reports", func(w http.ResponseWriter, _ *http.Request) {
		writeJSON(w, 500, apiErrorBody("Boom", "could not read https://blob.example/r?sv=1&sig=SIGVALUE"))
	})
	c := f.client(ccConfig(f, testClientSecret))

	if _, err := c.ListConnections(ctx, tIM); err != nil {
		t.Fatal(err)
	}
	if _, err := c.UploadFile(ctx, tFold, wire.StorageItemCreate{DisplayName: "a.dgn"}, strings.NewReader("abc"), 3); err != nil {
		t.Fatal(err)
	}
	_, reportErr := c.GetReports(ctx, tIM, tRun, "")
	dead := newFakeAPI(t)
	deadURL := dead.srv.URL
	dead.srv.Close()
	putErr := func() error {
		_, err := c.do(ctx, call{method: http.MethodPut, path: deadURL + "/blob?sv=1&sig=SIGVALUE", external: true, policy: retryNever})
		return err
	}()

	entries, err := tflogtest.MultilineJSONDecode(&logs)
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) < 8 {
		t.Fatalf("only %d log entries: %s", len(entries), logs.String())
	}
	var sawRetry, sawUpload bool
	for _, e := range entries {
		b, _ := json.Marshal(e)
		line := string(b)
		if strings.Contains(line, "retrying request") {
			sawRetry = true
		}
		if strings.Contains(line, "/blobs/upload/") {
			sawUpload = true
		}
	}
	if !sawRetry || !sawUpload {
		t.Errorf("expected retry and upload entries in the log:\n%s", logs.String())
	}
	all := logs.String() + "\n" + fmt.Sprint(reportErr) + "\n" + fmt.Sprint(putErr)
	for _, secret := range []string{testClientSecret, testAccessToken, "SIGVALUE"} {
		if strings.Contains(all, secret) {
			t.Errorf("%q leaked into logs or errors:\n%s", secret, all)
		}
	}
	if reportErr == nil || putErr == nil {
		t.Errorf("expected both failures: %v / %v", reportErr, putErr)
	}
}

func TestUnauthorizedRenewsTokenOnce(t *testing.T) {
	f := newFakeAPI(t)
	var fetches atomic.Int32
	tokenEndpoint(t, f, 3600, &fetches)
	path := syncIM + "/storageconnections/" + tCID + "/run"
	f.handle("POST "+path, func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") == "Bearer "+testAccessToken+"-1" {
			writeJSON(w, 401, apiErrorBody("Unauthorized", "The access token is invalid or has expired."))
			return
		}
		w.Header().Set("Location", runLocation(f, "storage", tRun))
		w.WriteHeader(http.StatusAccepted)
	})
	res, err := f.client(ccConfig(f, testClientSecret)).Connections(wire.KindStorage).StartRun(t.Context(), tCID, nil)
	if err != nil || res.RunID != tRun {
		t.Fatalf("res=%+v err=%v", res, err)
	}
	if fetches.Load() != 2 || f.count("POST", path) != 2 {
		t.Errorf("fetches=%d posts=%d, want 2 and 2", fetches.Load(), f.count("POST", path))
	}

	// A 401 that persists is returned after one renewal, not looped on.
	f2 := newFakeAPI(t)
	var fetches2 atomic.Int32
	tokenEndpoint(t, f2, 3600, &fetches2)
	f2.reply("GET /itwins/"+tTW, 401, apiErrorBody("RequiredScopeMissing", "The access token does not include the required scope."))
	_, err = f2.client(ccConfig(f2, testClientSecret)).GetITwin(t.Context(), tTW)
	if !IsStatus(err, 401) || ErrorCode(err) != "RequiredScopeMissing" || f2.count("GET", "/itwins/"+tTW) != 2 {
		t.Errorf("err=%v calls=%d", err, f2.count("GET", "/itwins/"+tTW))
	}

	// A static token cannot be renewed: one call.
	f3 := newFakeAPI(t)
	f3.reply("GET /itwins/"+tTW, 401, apiErrorBody("Unauthorized", "expired"))
	if _, err := f3.client().GetITwin(t.Context(), tTW); !IsStatus(err, 401) || f3.count("GET", "/itwins/"+tTW) != 1 {
		t.Errorf("static token: err=%v calls=%d", err, f3.count("GET", "/itwins/"+tTW))
	}
}

func TestTokenRequestUserAgentAndRetry(t *testing.T) {
	f := newFakeAPI(t)
	var fetches atomic.Int32
	ok := func(w http.ResponseWriter, r *http.Request) {
		if ua := r.Header.Get("User-Agent"); ua != "terraform-provider-itwin/test" {
			t.Errorf("token request User-Agent = %q", ua)
		}
		fetches.Add(1)
		writeJSON(w, 200, map[string]any{"access_token": "tok", "token_type": "Bearer", "expires_in": 3600})
	}
	f.handle("POST /connect/token", failFirst(1, status(503), ok))
	f.reply("GET /itwins/"+tTW, 200, itwinBody)
	if _, err := f.client(ccConfig(f, testClientSecret)).GetITwin(t.Context(), tTW); err != nil {
		t.Fatal(err)
	}
	if f.count("POST", "/connect/token") != 2 || fetches.Load() != 1 {
		t.Errorf("token endpoint called %d times", f.count("POST", "/connect/token"))
	}
}
