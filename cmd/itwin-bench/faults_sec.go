package main

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"database/sql"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"time"

	"github.com/seed37c7dd03/terraform-provider-itwin/internal/itwin"
	"github.com/seed37c7dd03/terraform-provider-itwin/internal/itwinlocal"
	"github.com/seed37c7dd03/terraform-provider-itwin/internal/wire"
)

const auditConfig = `terraform {
  required_providers {
    itwin = { source = "seed37c7dd03/itwin" }
  }
}

provider "itwin" {}

variable "itwin_id" { type = string }
variable "imodel_id" { type = string }

resource "itwin_storage_folder" "audit" {
  itwin_id     = var.itwin_id
  display_name = "audit"
}

resource "itwin_storage_file" "building" {
  folder_id = itwin_storage_folder.audit.id
  source    = "${path.module}/building.ifc"
}

resource "itwin_sync_manifest_connection" "docs" {
  imodel_id           = var.imodel_id
  display_name        = "audit"
  authentication_type = "Service"
  source_files        = ["doc-1"]
}

ephemeral "itwin_storage_file_url" "building" {
  file_id = itwin_storage_file.building.id
}

resource "itwin_sync_manifest_connection_run" "docs" {
  connection_id = itwin_sync_manifest_connection.docs.id
  triggers      = { building = itwin_storage_file.building.source_hash }
  source_files = [{
    source_file_id = "doc-1"
    name           = "building.ifc"
    url            = ephemeral.itwin_storage_file_url.building.url
    connector_type = "IFC"
  }]
}

output "result" {
  value = itwin_sync_manifest_connection_run.docs.result
}
`

var (
	jwtRe    = regexp.MustCompile(`eyJ[A-Za-z0-9_-]{4,}\.eyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{8,}`)
	bearerRe = regexp.MustCompile(`(?i)bearer[\s"':=]+([A-Za-z0-9._~+/-]{8,})`)
	sigRe    = regexp.MustCompile(`(?i)sig=([^&\s"'\\]+)`)
)

// (d) no client secret, bearer token or URL signature in the state, the CLI output or a TRACE log.
func faultsSecrets(ctx context.Context, e *env, s *suite, quick bool) error {
	l, err := e.startLocal(ctx, e.dir("d")+"/data", "--speed", "0.02")
	if err != nil {
		return err
	}
	defer l.stop()
	dir := e.dir("audit")
	trace := filepath.Join(dir, "trace.log")
	t := e.terraform(dir, l, "TF_LOG=TRACE", "TF_LOG_PATH="+trace)
	if err := t.writeFile("main.tf", auditConfig); err != nil {
		return err
	}
	if err := t.writeVars(map[string]any{"itwin_id": l.ITwinID, "imodel_id": l.IModelID}); err != nil {
		return err
	}
	b, err := os.ReadFile("examples/quickstart/files/building.ifc")
	if err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(dir, "building.ifc"), b, 0o644); err != nil {
		return err
	}
	applyOut, _, err := t.run(ctx, "apply", "-auto-approve")
	if !s.check("apply with client credentials and a manifest run with URLs", err == nil, "%s", grepLine(applyOut, "Apply complete")) {
		return err
	}
	result, _ := t.output(ctx, "result")
	s.check("the manifest run downloaded the file through the URL", result == "Success", "result %s", result)
	planOut, _, err := t.run(ctx, "plan")
	if err != nil {
		return err
	}
	showOut, _, err := t.run(ctx, "show")
	if err != nil {
		return err
	}
	state, err := os.ReadFile(filepath.Join(dir, "terraform.tfstate"))
	if err != nil {
		return err
	}
	traceLog, err := os.ReadFile(trace)
	if err != nil {
		return err
	}
	// Controls: the log really covers the manifest run, and a real URL of this server carries sig= (so the
	// search below would find one).
	c, err := l.client(ctx)
	if err != nil {
		return err
	}
	items, err := c.ListFolderItems(ctx, l.RootFolderID)
	if err != nil {
		return err
	}
	var sample string
	for _, it := range items {
		if it.DisplayName == "audit" {
			files, _ := c.ListFolderItems(ctx, it.ID)
			if len(files) == 1 {
				sample, _ = c.GetFileDownloadURL(ctx, files[0].ID)
			}
		}
	}
	covered := bytes.Contains(traceLog, []byte("manifestconnections")) && len(traceLog) > 100_000
	s.check("controls: TRACE log covers the run; server URLs carry sig=", covered && sigRe.MatchString(sample),
		"log %d KiB, sample URL has sig=: %v", len(traceLog)/1024, sigRe.MatchString(sample))
	sources := []struct {
		name string
		data []byte
	}{{"state file", state}, {"apply output", []byte(applyOut)}, {"plan output", []byte(planOut)}, {"show output", []byte(showOut)}, {"TRACE log", traceLog}}
	for _, src := range sources {
		secret := bytes.Count(src.data, []byte(l.ClientSecret))
		jwts := len(jwtRe.FindAll(src.data, -1))
		bearers := 0
		for _, m := range bearerRe.FindAllSubmatch(src.data, -1) {
			if !isRedacted(string(m[1])) {
				bearers++
			}
		}
		sigs := 0
		for _, m := range sigRe.FindAllSubmatch(src.data, -1) {
			if !isRedacted(string(m[1])) {
				sigs++
			}
		}
		total := secret + jwts + bearers + sigs
		s.check("no secret in the "+src.name, total == 0, "client secret %d, JWT %d, Bearer value %d, sig= value %d (%d KiB searched)",
			secret, jwts, bearers, sigs, len(src.data)/1024)
	}
	return nil
}

func isRedacted(v string) bool {
	v = strings.Trim(v, `"'`)
	return strings.Contains(strings.ToUpper(v), "REDACTED") || v == "***" || strings.HasPrefix(v, "%5BREDACTED") || strings.HasPrefix(v, "[REDACTED")
}

// --- (e) auth matrix ---

type authCase struct {
	name, header, wantCode string
	wantStatus             int
}

// faultsAuth sends every API route missing, malformed, expired and wrong-scope tokens, and a client's valid
// token on another client's iTwin.
func faultsAuth(ctx context.Context, e *env, s *suite, quick bool) error {
	dir := e.dir("e")
	cfg := filepath.Join(dir, "clients.json")
	if err := os.WriteFile(cfg, []byte(`{"clients":[{"id":"client-a","secret":"secret-a-123","itwins":[]},{"id":"client-b","secret":"secret-b-456","itwins":[]}]}`), 0o600); err != nil {
		return err
	}
	l, err := e.startLocal(ctx, dir+"/data", "--speed", "0.001", "--config", cfg)
	if err != nil {
		return err
	}
	defer l.stop()
	l.ClientID, l.ClientSecret = "client-a", "secret-a-123"
	b, err := newBObjects(ctx, l)
	if err != nil {
		return fmt.Errorf("creating client-b's objects: %w", err)
	}
	routes, err := listRoutes(dir)
	if err != nil {
		return err
	}
	key, err := readJWTKey(filepath.Join(dir, "data", "itwin-local.db"))
	if err != nil {
		return err
	}
	now := time.Now()
	expired := signJWT(key, l.URL, "client-a", itwinlocal.PlatformScope, now.Add(-2*time.Hour), now.Add(-time.Hour))
	wrongScope := signJWT(key, l.URL, "client-a", "openid profile", now, now.Add(time.Hour))
	control := signJWT(key, l.URL, "client-a", itwinlocal.PlatformScope, now, now.Add(time.Hour))
	st, _, _ := call(ctx, "GET", l.URL+"/itwins/"+l.ITwinID, "Bearer "+control, nil)
	s.check("control: a valid token minted the same way is accepted", st == 200, "GET /itwins/{own iTwin} → %d", st)

	tokA, err := fetchToken(ctx, l.URL, "client-a", "secret-a-123")
	if err != nil {
		return err
	}
	tokB, err := fetchToken(ctx, l.URL, "client-b", "secret-b-456")
	if err != nil {
		return err
	}
	cases := []authCase{
		{"missing token", "", "HeaderNotFound", 401},
		{"malformed token (Bearer garbage)", "Bearer not.a.jwt", "Unauthorized", 401},
		{"malformed header (Basic scheme)", "Basic Y2xpZW50LWE6c2VjcmV0", "InvalidAuthorizationScheme", 401},
		{"expired token", "Bearer " + expired, "Unauthorized", 401},
		{"wrong-scope token", "Bearer " + wrongScope, "RequiredScopeMissing", 401},
	}
	for _, tc := range cases {
		ok, bad := 0, []string{}
		for _, rt := range routes {
			u, body := b.fill(l.URL, rt)
			st, code, err := call(ctx, rt.Method, u, tc.header, body)
			if err == nil && st == tc.wantStatus && code == tc.wantCode {
				ok++
			} else {
				bad = append(bad, fmt.Sprintf("%s %s → %d %s", rt.Method, rt.Template, st, code))
			}
		}
		s.check(tc.name+" on every API route", len(bad) == 0, "%d/%d routes → %d %s%s", ok, len(routes), tc.wantStatus, tc.wantCode, listSuffix(bad))
	}
	// Another client's iTwin: client-a's valid token on client-b's objects. Routes that name no iTwin object
	// (POST /itwins creates one; GET /itwins lists the caller's own; C2 is per caller; users belong to no iTwin)
	// are not part of this row.
	ok, bad, skipped, ctrlBad := 0, []string{}, 0, []string{}
	for _, rt := range routes {
		if !b.scoped(rt) {
			skipped++
			continue
		}
		u, body := b.fill(l.URL, rt)
		st, code, err := call(ctx, rt.Method, u, "Bearer "+tokA, body)
		if err == nil && st == 403 && code == "InsufficientPermissions" {
			ok++
		} else {
			bad = append(bad, fmt.Sprintf("%s %s → %d %s", rt.Method, rt.Template, st, code))
		}
		if rt.Method == "GET" && !strings.Contains(rt.Template, "/download") {
			if st, _, _ := call(ctx, "GET", u, "Bearer "+tokB, nil); st != 200 {
				ctrlBad = append(ctrlBad, fmt.Sprintf("%s → %d", rt.Template, st))
			}
		}
	}
	s.check("another client's iTwin → 403 on every scoped route", len(bad) == 0, "%d/%d routes → 403 InsufficientPermissions (%d routes name no iTwin object)%s",
		ok, ok+len(bad), skipped, listSuffix(bad))
	s.check("control: the owner reads the same objects", len(ctrlBad) == 0, "client-b GETs → 200%s", listSuffix(ctrlBad))
	return nil
}

func listSuffix(bad []string) string {
	if len(bad) == 0 {
		return ""
	}
	if len(bad) > 6 {
		return fmt.Sprintf("; failing: %s … (+%d)", strings.Join(bad[:6], "; "), len(bad)-6)
	}
	return "; failing: " + strings.Join(bad, "; ")
}

// listRoutes asks an in-process itwin-local (throwaway data dir) for its route table; the stats keys and the
// served process use the same table.
func listRoutes(dir string) ([]itwinlocal.RouteInfo, error) {
	srv, err := itwinlocal.New(itwinlocal.Config{DataDir: filepath.Join(dir, "routes")})
	if err != nil {
		return nil, err
	}
	defer srv.Close()
	var api []itwinlocal.RouteInfo
	for _, r := range srv.Routes() {
		if r.API {
			api = append(api, r)
		}
	}
	// DELETEs last: if one wrongly succeeded it must not hide the other rows.
	var rest, dels []itwinlocal.RouteInfo
	for _, r := range api {
		if r.Method == "DELETE" {
			dels = append(dels, r)
		} else {
			rest = append(rest, r)
		}
	}
	return append(rest, dels...), nil
}

// bObjects are client-b's iTwin and objects in it.
type bObjects struct {
	itwin, imodel, folder, file, conn, run, sf, mconn, mrun, msf, version string
}

func newBObjects(ctx context.Context, l *local) (*bObjects, error) {
	tok, err := fetchToken(ctx, l.URL, "client-b", "secret-b-456")
	if err != nil {
		return nil, err
	}
	st, _, body := callBody(ctx, "POST", l.URL+"/itwins", "Bearer "+tok, map[string]string{"class": "Endeavor", "subClass": "Project", "displayName": "client-b project"})
	var env wire.ITwinEnvelope
	if st != 201 || json.Unmarshal(body, &env) != nil {
		return nil, fmt.Errorf("POST /itwins as client-b: %d %s", st, body)
	}
	o := &bObjects{itwin: env.ITwin.ID}
	c, err := l.clientAs(ctx, "client-b", "secret-b-456")
	if err != nil {
		return nil, err
	}
	if o.folder, err = c.GetRootFolderID(ctx, o.itwin); err != nil {
		return nil, err
	}
	if o.imodel, err = newIModel(ctx, c, o.itwin, "b"); err != nil {
		return nil, err
	}
	st, _, body = callBody(ctx, "POST", l.URL+"/imodels/"+o.imodel+"/namedversions", "Bearer "+tok, map[string]string{"name": "b baseline"})
	var nv wire.NamedVersionEnvelope
	if st != 201 || json.Unmarshal(body, &nv) != nil {
		return nil, fmt.Errorf("POST namedversions as client-b: %d %s", st, body)
	}
	o.version = nv.NamedVersion.ID
	if o.file, err = upload(ctx, c, o.folder, "b.ifc", smallIFC(9)); err != nil {
		return nil, err
	}
	if o.conn, err = newConnection(ctx, c, o.imodel, "b", o.file); err != nil {
		return nil, err
	}
	if o.run, err = startRun(ctx, c, o.conn); err != nil {
		return nil, err
	}
	if _, err := pollRun(ctx, c, o.conn, o.run, time.Minute); err != nil {
		return nil, err
	}
	sfs, err := c.Connections(wire.KindStorage).ListSourceFiles(ctx, o.conn)
	if err != nil || len(sfs) == 0 {
		return nil, fmt.Errorf("source files of b's connection: %v", err)
	}
	o.sf = sfs[0].ID
	mc, err := c.Connections(wire.KindManifest).Create(ctx, itwin.ConnectionCreate{IModelID: o.imodel, DisplayName: "b docs",
		AuthenticationType: wire.AuthenticationTypeService, SourceFiles: []itwin.SourceFile{{Key: "doc-b"}}})
	if err != nil {
		return nil, err
	}
	o.mconn = mc.ID
	msfs, err := c.Connections(wire.KindManifest).ListSourceFiles(ctx, o.mconn)
	if err != nil || len(msfs) == 0 {
		return nil, fmt.Errorf("source files of b's manifest connection: %v", err)
	}
	o.msf = msfs[0].ID
	dl, err := c.GetFileDownloadURL(ctx, o.file)
	if err != nil {
		return nil, err
	}
	mr, err := c.Connections(wire.KindManifest).StartRun(ctx, o.mconn, &wire.ManifestRunCreate{SourceFiles: []wire.ManifestRunFile{{ID: "doc-b", Name: "b.ifc", URL: dl, ConnectorType: "IFC"}}})
	if err != nil {
		return nil, err
	}
	o.mrun = mr.RunID
	for _, scope := range []string{wire.ScopeITwin, wire.ScopeIModel, wire.ScopeConnection} {
		id := map[string]string{wire.ScopeITwin: o.itwin, wire.ScopeIModel: o.imodel, wire.ScopeConnection: o.conn}[scope]
		if _, err := c.CreateConfiguration(ctx, scope, id, map[string]any{}); err != nil {
			return nil, fmt.Errorf("configuration on %s: %w", scope, err)
		}
	}
	return o, nil
}

// scoped reports whether a route names one of b's objects (and so must answer 403 to client-a).
func (o *bObjects) scoped(rt itwinlocal.RouteInfo) bool {
	switch rt.Method + " " + rt.Template {
	case "POST /itwins", "GET /itwins", "GET /synchronization/imodels/connections/authorizationinformation", "GET /users/me", "GET /users/{id}":
		return false
	}
	return true
}

// fill returns the route's URL with b's ids (and the query parameters that name them) and a valid body.
func (o *bObjects) fill(base string, rt itwinlocal.RouteInfo) (string, any) {
	t := rt.Template
	manifest := strings.Contains(t, "manifestconnections")
	id := ""
	switch {
	case strings.HasPrefix(t, "/itwins/"):
		id = o.itwin
	case strings.HasPrefix(t, "/imodels/"):
		id = o.imodel
	case strings.HasPrefix(t, "/storage/folders/"):
		id = o.folder
	case strings.HasPrefix(t, "/storage/files/"):
		id = o.file
	case strings.HasPrefix(t, "/synchronization/configurations/itwins/"):
		id = o.itwin
	case strings.HasPrefix(t, "/synchronization/configurations/imodels/"):
		id = o.imodel
	case manifest:
		id = o.mconn
	default:
		id = o.conn
	}
	run, sf := o.run, o.sf
	if manifest {
		run, sf = o.mrun, o.msf
	}
	p := strings.NewReplacer("{id}", id, "{runId}", run, "{sourceFileId}", sf, "{changeset}", "1", "{namedVersionId}", o.version,
		"{userId}", itwinlocal.ClientUserID("client-b")).Replace(t)
	q := ""
	switch rt.Method + " " + t {
	case "GET /storage", "GET /imodels":
		q = "?iTwinId=" + o.itwin
	case "GET /synchronization/imodels/connections", "GET /synchronization/imodels/storageconnections", "GET /synchronization/imodels/manifestconnections":
		q = "?imodelId=" + o.imodel
	case "GET /synchronization/reports":
		q = "?imodelId=" + o.imodel + "&runId=" + o.run
	case "GET /synchronization/imodels/connections/authorizationinformation":
		q = "?redirectUrl=http%3A%2F%2F127.0.0.1%2Fcb"
	}
	var body any
	switch rt.Method + " " + t {
	case "POST /imodels":
		body = map[string]string{"iTwinId": o.itwin, "name": "intruder"}
	case "PATCH /imodels/{id}":
		body = map[string]string{"name": "intruder"}
	case "PATCH /itwins/{id}":
		body = map[string]string{"displayName": "intruder"}
	case "POST /imodels/{id}/namedversions", "PATCH /imodels/{id}/namedversions/{namedVersionId}":
		body = map[string]string{"name": "intruder"}
	case "POST /itwins":
		body = map[string]string{"class": "Endeavor", "subClass": "Project", "displayName": "x"}
	case "POST /storage/folders/{id}/folders", "POST /storage/folders/{id}/files", "PATCH /storage/folders/{id}", "PATCH /storage/files/{id}":
		body = map[string]string{"displayName": "intruder.ifc"}
	case "POST /synchronization/imodels/storageconnections":
		body = wire.StorageConnectionCreate{IModelID: o.imodel, SourceFiles: []wire.StorageFileCreate{{StorageFileID: o.file, ConnectorType: "IFC"}}}
	case "POST /synchronization/imodels/manifestconnections":
		body = wire.ManifestConnectionCreate{IModelID: o.imodel, SourceFiles: []wire.ManifestFileCreate{{SourceFileID: "x"}}}
	case "PUT /synchronization/imodels/storageconnections/{id}", "PUT /synchronization/imodels/manifestconnections/{id}":
		body = wire.ConnectionUpdate{DisplayName: wire.Ptr("intruder")}
	case "POST /synchronization/imodels/storageconnections/{id}/sourcefiles", "PUT /synchronization/imodels/storageconnections/{id}/sourcefiles/{sourceFileId}":
		body = wire.StorageFileCreate{StorageFileID: o.file, ConnectorType: "IFC"}
	case "POST /synchronization/imodels/manifestconnections/{id}/sourcefiles", "PUT /synchronization/imodels/manifestconnections/{id}/sourcefiles/{sourceFileId}":
		body = wire.ManifestFileCreate{SourceFileID: "x"}
	case "POST /synchronization/imodels/manifestconnections/{id}/runs":
		body = wire.ManifestRunCreate{SourceFiles: []wire.ManifestRunFile{{ID: "doc-b", Name: "b.ifc", URL: "http://127.0.0.1:1/x", ConnectorType: "IFC"}}}
	}
	if strings.HasPrefix(t, "/synchronization/configurations/") && (rt.Method == "POST" || rt.Method == "PATCH") {
		body = map[string]any{}
	}
	return base + p + q, body
}

func call(ctx context.Context, method, u, auth string, body any) (int, string, error) {
	st, code, _ := callBody(ctx, method, u, auth, body)
	if st == 0 {
		return 0, code, fmt.Errorf("%s %s failed: %s", method, u, code)
	}
	return st, code, nil
}

// callBody sends one request without following redirects; it returns the status, the error code and the body.
func callBody(ctx context.Context, method, u, auth string, body any) (int, string, []byte) {
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, u, rd)
	if err != nil {
		return 0, err.Error(), nil
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if auth != "" {
		req.Header.Set("Authorization", auth)
	}
	cl := &http.Client{Timeout: 30 * time.Second, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := cl.Do(req)
	if err != nil {
		return 0, err.Error(), nil
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	var env wire.ErrorEnvelope
	_ = json.Unmarshal(b, &env)
	return resp.StatusCode, env.Error.Code, b
}

func fetchToken(ctx context.Context, base, id, secret string) (string, error) {
	req, _ := http.NewRequestWithContext(ctx, "POST", base+"/connect/token",
		strings.NewReader("grant_type=client_credentials&scope=itwin-platform&client_id="+id+"&client_secret="+secret))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	var tr wire.TokenResponse
	if resp.StatusCode != 200 || json.NewDecoder(resp.Body).Decode(&tr) != nil {
		return "", fmt.Errorf("token for %s: %s", id, resp.Status)
	}
	return tr.AccessToken, nil
}

// readJWTKey reads itwin-local's ES256 signing key from its database (read-only), so the suite can mint tokens
// the server would accept except for the one property under test (expiry, scope).
func readJWTKey(dbPath string) (*ecdsa.PrivateKey, error) {
	db, err := sql.Open("sqlite", "file:"+dbPath+"?mode=ro")
	if err != nil {
		return nil, err
	}
	defer db.Close()
	var der []byte
	if err := db.QueryRow(`SELECT value FROM meta WHERE key = 'jwt_es256_key'`).Scan(&der); err != nil {
		return nil, fmt.Errorf("reading the signing key: %w", err)
	}
	k, err := x509.ParsePKCS8PrivateKey(der)
	if err != nil {
		return nil, err
	}
	ek, ok := k.(*ecdsa.PrivateKey)
	if !ok {
		return nil, fmt.Errorf("the signing key is %T, not ECDSA", k)
	}
	return ek, nil
}

func signJWT(k *ecdsa.PrivateKey, iss, sub, scope string, iat, exp time.Time) string {
	enc := base64.RawURLEncoding
	hdr, _ := json.Marshal(map[string]string{"alg": "ES256", "typ": "JWT"})
	pl, _ := json.Marshal(map[string]any{"iss": iss, "sub": sub, "aud": itwinlocal.PlatformScope, "scope": scope, "client_id": sub,
		"iat": iat.Unix(), "nbf": iat.Unix(), "exp": exp.Unix(), "jti": fmt.Sprint(time.Now().UnixNano())})
	input := enc.EncodeToString(hdr) + "." + enc.EncodeToString(pl)
	h := sha256.Sum256([]byte(input))
	r, s, err := ecdsa.Sign(rand.Reader, k, h[:])
	if err != nil {
		panic(err)
	}
	sig := make([]byte, 64)
	r.FillBytes(sig[:32])
	s.FillBytes(sig[32:])
	return input + "." + enc.EncodeToString(sig)
}
