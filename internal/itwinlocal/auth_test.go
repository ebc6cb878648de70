package itwinlocal_test

import (
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/seed37c7dd03/terraform-provider-itwin/internal/itwinlocal"
	"github.com/seed37c7dd03/terraform-provider-itwin/internal/itwinlocal/itwinlocaltest"
	"github.com/seed37c7dd03/terraform-provider-itwin/internal/wire"
)

func postForm(t *testing.T, u string, form url.Values, basicUser, basicPass string) (*http.Response, map[string]any) {
	t.Helper()
	req, _ := http.NewRequest("POST", u, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if basicUser != "" {
		req.SetBasicAuth(basicUser, basicPass)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var m map[string]any
	_ = json.NewDecoder(resp.Body).Decode(&m)
	return resp, m
}

func TestTokenEndpoint(t *testing.T) {
	in := start(t)
	u := in.URL + "/connect/token"
	good := url.Values{"grant_type": {"client_credentials"}, "client_id": {in.ClientID}, "client_secret": {in.ClientSecret}, "scope": {"itwin-platform"}}

	resp, m := postForm(t, u, good, "", "")
	if resp.StatusCode != 200 || m["token_type"] != "Bearer" || m["expires_in"].(float64) != 3600 || m["scope"] != "itwin-platform" {
		t.Fatalf("token: %d %v", resp.StatusCode, m)
	}
	parts := strings.Split(m["access_token"].(string), ".")
	if len(parts) != 3 {
		t.Fatalf("access_token is not a JWT: %v", m["access_token"])
	}
	payload, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		t.Fatal(err)
	}
	var claims map[string]any
	if err := json.Unmarshal(payload, &claims); err != nil {
		t.Fatal(err)
	}
	if claims["iss"] != in.URL || claims["sub"] != in.ClientID || claims["aud"] == nil || claims["scope"] != "itwin-platform" {
		t.Fatalf("claims: %v", claims)
	}
	if exp, ok := claims["exp"].(float64); !ok || int64(exp) < time.Now().Add(59*time.Minute).Unix() {
		t.Fatalf("exp: %v", claims["exp"])
	}

	// HTTP Basic instead of form credentials; scope may be omitted.
	resp, m = postForm(t, u, url.Values{"grant_type": {"client_credentials"}}, in.ClientID, in.ClientSecret)
	if resp.StatusCode != 200 || m["access_token"] == nil {
		t.Fatalf("basic auth: %d %v", resp.StatusCode, m)
	}

	cases := []struct {
		name   string
		form   url.Values
		status int
		code   string
	}{
		{"wrong secret", url.Values{"grant_type": {"client_credentials"}, "client_id": {in.ClientID}, "client_secret": {"nope"}}, 400, "invalid_client"},
		{"unknown client", url.Values{"grant_type": {"client_credentials"}, "client_id": {"x"}, "client_secret": {"y"}}, 400, "invalid_client"},
		{"grant", url.Values{"grant_type": {"password"}, "client_id": {in.ClientID}, "client_secret": {in.ClientSecret}}, 400, "unsupported_grant_type"},
		{"no grant", url.Values{"client_id": {in.ClientID}}, 400, "invalid_request"},
		{"no client", url.Values{"grant_type": {"client_credentials"}}, 400, "invalid_request"},
		{"legacy scope", url.Values{"grant_type": {"client_credentials"}, "client_id": {in.ClientID}, "client_secret": {in.ClientSecret}, "scope": {"synchronization:read"}}, 400, "invalid_scope"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			resp, m := postForm(t, u, tc.form, "", "")
			if resp.StatusCode != tc.status || m["error"] != tc.code {
				t.Fatalf("got %d %v, want %d %s", resp.StatusCode, m, tc.status, tc.code)
			}
			if _, isEnvelope := m["error"].(map[string]any); isEnvelope {
				t.Fatal("token errors use the OAuth2 shape, not the envelope")
			}
		})
	}
}

func TestDiscoveryAndJWKS(t *testing.T) {
	in := start(t)
	r := in.DoAs(t, "", "GET", "/.well-known/openid-configuration", nil)
	expectStatus(t, r, 200)
	var d wire.OpenIDConfiguration
	r.JSON(t, &d)
	if d.Issuer != in.URL || d.TokenEndpoint != in.URL+"/connect/token" || d.JWKSURI == "" || d.AuthorizationEndpoint == "" ||
		len(d.ResponseTypesSupported) == 0 || len(d.SubjectTypesSupported) == 0 || len(d.IDTokenSigningAlgValuesSupported) == 0 {
		t.Fatalf("discovery: %+v", d)
	}
	r = in.DoAs(t, "", "GET", d.JWKSURI, nil)
	expectStatus(t, r, 200)
	var jwks struct {
		Keys []map[string]string `json:"keys"`
	}
	r.JSON(t, &jwks)
	if len(jwks.Keys) != 1 || jwks.Keys[0]["kty"] != "EC" || jwks.Keys[0]["alg"] != "ES256" || jwks.Keys[0]["x"] == "" {
		t.Fatalf("jwks: %s", r.Body)
	}
}

// fillTemplate turns a route template into a concrete path for the auth matrix.
func fillTemplate(tmpl string, ids map[string]string) string {
	segs := strings.Split(tmpl, "/")
	for i, s := range segs {
		if !strings.HasPrefix(s, "{") {
			continue
		}
		key := segs[i-1] + "/" + s
		if i >= 2 && segs[i-2] == "configurations" {
			key = "configurations/" + key
		}
		v, ok := ids[key]
		if !ok {
			panic("no id for " + key + " in " + tmpl)
		}
		segs[i] = v
	}
	return strings.Join(segs, "/")
}

// TestAuthMatrix checks every API route: missing, malformed, unknown, expired and scope-less tokens get the
// §11o 401 codes, and a client without access to the owning iTwin gets 403.
func TestAuthMatrix(t *testing.T) {
	main := itwinlocal.ClientConfig{ID: "main", Secret: "main-secret", ITwins: []string{"*"}}
	other := itwinlocal.ClientConfig{ID: "other", Secret: "other-secret"}
	in := start(t, itwinlocaltest.WithClients(main, other))
	scid, fid := newStorageConn(t, in, "a.dgn")
	mcid := newManifestConn(t, in, in.IModelID, "dms-1")
	runID := startRun(t, in, scid)
	var sfList wire.StorageSourceFileList
	in.Do(t, "GET", "/synchronization/imodels/storageconnections/"+scid+"/sourcefiles", nil).JSON(t, &sfList)
	var msfList wire.ManifestSourceFileList
	in.Do(t, "GET", "/synchronization/imodels/manifestconnections/"+mcid+"/sourcefiles", nil).JSON(t, &msfList)
	r := in.Do(t, "POST", "/storage/folders/"+in.RootFolderID+"/folders", map[string]string{"displayName": "sub"})
	expectStatus(t, r, 201)
	var folder wire.StorageFolderEnvelope
	r.JSON(t, &folder)
	r = in.Do(t, "POST", "/imodels/"+in.IModelID+"/namedversions", map[string]string{"name": "v1"})
	expectStatus(t, r, 201)
	var version wire.NamedVersionEnvelope
	r.JSON(t, &version)

	ids := map[string]string{
		"itwins/{id}": in.ITwinID, "imodels/{id}": in.IModelID, "changesets/{changeset}": "1",
		"folders/{id}": folder.Folder.ID, "files/{id}": fid,
		"storageconnections/{id}": scid, "manifestconnections/{id}": mcid, "runs/{runId}": runID,
		"sourcefiles/{sourceFileId}": sfList.SourceFiles[0].ID, "namedversions/{namedVersionId}": version.NamedVersion.ID,
		"users/{userId}": itwinlocal.ClientUserID("main"), "users/{id}": itwinlocal.ClientUserID("main"),
		"configurations/itwins/{id}": in.ITwinID, "configurations/imodels/{id}": in.IModelID, "configurations/connections/{id}": scid,
	}
	query := map[string]string{
		"/storage": "?iTwinId=" + in.ITwinID,
		"/imodels": "?iTwinId=" + in.ITwinID,
		"/synchronization/imodels/storageconnections":                   "?imodelId=" + in.IModelID,
		"/synchronization/imodels/manifestconnections":                  "?imodelId=" + in.IModelID,
		"/synchronization/imodels/connections":                          "?imodelId=" + in.IModelID,
		"/synchronization/reports":                                      "?imodelId=" + in.IModelID + "&runId=" + runID,
		"/synchronization/imodels/connections/authorizationinformation": "?redirectUrl=http://localhost/cb",
	}
	// Routes that do not address an object of an iTwin: another client is allowed.
	noObject := map[string]bool{
		"POST /itwins": true, "GET /synchronization/imodels/connections/authorizationinformation": true,
		"GET /itwins":   true,                          // lists the caller's own iTwins (tested in TestITwinList)
		"GET /users/me": true, "GET /users/{id}": true, // users belong to no iTwin
	}
	expired, _ := in.Server.IssueToken(in.URL, "main", itwinlocal.PlatformScope, -time.Minute)
	noScope, _ := in.Server.IssueToken(in.URL, "main", "openid", time.Hour)
	ghost, _ := in.Server.IssueToken(in.URL, "deleted-client", itwinlocal.PlatformScope, time.Hour)
	otherTok := in.TokenFor(t, "other", "other-secret")

	n := 0
	for _, rt := range in.Server.Routes() {
		if !rt.API {
			continue
		}
		n++
		path := fillTemplate(rt.Template, ids) + query[rt.Template]
		name := rt.Method + " " + rt.Template
		t.Run(name, func(t *testing.T) {
			expectErr(t, in.DoAs(t, "", rt.Method, path, nil), 401, "HeaderNotFound", "")
			expectErr(t, in.DoAs(t, "", rt.Method, path, nil, "Authorization", "Basic bWFpbjptYWluLXNlY3JldA=="), 401, "InvalidAuthorizationScheme", "")
			expectErr(t, in.DoAs(t, "", rt.Method, path, nil, "Authorization", "Bearer"), 401, "InvalidAuthorizationScheme", "")
			expectErr(t, in.DoAs(t, "not.a.jwt", rt.Method, path, nil), 401, "Unauthorized", "")
			expectErr(t, in.DoAs(t, expired, rt.Method, path, nil), 401, "Unauthorized", "")
			expectErr(t, in.DoAs(t, ghost, rt.Method, path, nil), 401, "Unauthorized", "")
			expectErr(t, in.DoAs(t, noScope, rt.Method, path, nil), 401, "RequiredScopeMissing", "")
			if noObject[name] {
				return
			}
			var body any
			switch {
			case strings.HasPrefix(name, "POST /imodels"):
				body = map[string]string{"iTwinId": in.ITwinID, "name": "x"}
			case strings.HasSuffix(name, "connections") && rt.Method == "POST":
				body = storageConnBody(in.IModelID, fid)
				if strings.Contains(name, "manifest") {
					body = map[string]any{"iModelId": in.IModelID, "sourceFiles": []map[string]string{{"sourceFileId": "zz"}}}
				}
			}
			r := in.DoAs(t, otherTok, rt.Method, path, body)
			expectErr(t, r, 403, "InsufficientPermissions", "")
		})
	}
	if n < 60 {
		t.Fatalf("only %d API routes checked", n)
	}
	// The other client can still create and use its own iTwin.
	r = in.DoAs(t, otherTok, "POST", "/itwins/", map[string]string{"class": "Endeavor", "subClass": "Project", "displayName": "mine"})
	expectStatus(t, r, 201)
	var it wire.ITwinEnvelope
	r.JSON(t, &it)
	expectStatus(t, in.DoAs(t, otherTok, "GET", "/itwins/"+it.ITwin.ID, nil), 200)
	// S2 without imodelId lists only accessible connections.
	var list wire.ConnectionList
	in.DoAs(t, otherTok, "GET", "/synchronization/imodels/storageconnections", nil).JSON(t, &list)
	if len(list.Connections) != 0 {
		t.Fatalf("other client sees %d connections", len(list.Connections))
	}
}

func TestRateLimit(t *testing.T) {
	clock := newFakeClock()
	in := start(t,
		itwinlocaltest.WithClients(itwinlocal.ClientConfig{ID: "limited", Secret: "s", ITwins: []string{"*"}, RateLimitPerMinute: 3}),
		itwinlocaltest.WithConfig(func(c *itwinlocal.Config) { c.Now = clock.Now }))
	path := "/itwins/" + in.ITwinID
	for i := 0; i < 3; i++ {
		expectStatus(t, in.Do(t, "GET", path, nil), 200)
	}
	r := in.Do(t, "GET", path, nil)
	expectErr(t, r, 429, "RateLimitExceeded", "")
	if r.Header.Get("Retry-After") != "20" {
		t.Fatalf("Retry-After = %q, want 20 (one token per 20 s)", r.Header.Get("Retry-After"))
	}
	for _, h := range []string{"ITwinPlatform-RateLimited-Tier", "ITwinPlatform-RateLimited-API", "ITwinPlatform-RateLimited-Operation", "ITwinPlatform-RateLimited-Application"} {
		if r.Header.Get(h) == "" {
			t.Fatalf("missing header %s", h)
		}
	}
	clock.Advance(20 * time.Second)
	expectStatus(t, in.Do(t, "GET", path, nil), 200)
	expectErr(t, in.Do(t, "GET", path, nil), 429, "RateLimitExceeded", "")
}

func TestTokenExpiry(t *testing.T) {
	clock := newFakeClock()
	in := start(t, itwinlocaltest.WithConfig(func(c *itwinlocal.Config) { c.Now = clock.Now; c.TokenTTL = 10 * time.Minute }))
	tok := in.Token(t)
	expectStatus(t, in.DoAs(t, tok, "GET", "/itwins/"+in.ITwinID, nil), 200)
	clock.Advance(11 * time.Minute)
	expectErr(t, in.DoAs(t, tok, "GET", "/itwins/"+in.ITwinID, nil), 401, "Unauthorized", "")
}
