package itwinlocal_test

import (
	"database/sql"
	"encoding/json"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/seed37c7dd03/terraform-provider-itwin/internal/itwinlocal"
	"github.com/seed37c7dd03/terraform-provider-itwin/internal/itwinlocal/itwinlocaltest"
	"github.com/seed37c7dd03/terraform-provider-itwin/internal/wire"
)

// fakeClock is a settable clock for expiry and rate-limit tests.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func newFakeClock() *fakeClock { return &fakeClock{t: time.Now().UTC()} }

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// expectStatus fails unless the response has the status.
func expectStatus(t *testing.T, r *itwinlocaltest.Response, status int) {
	t.Helper()
	if r.Status != status {
		t.Fatalf("status = %d, want %d; body %s", r.Status, status, r.Body)
	}
}

// expectErr asserts status, envelope code, JSON content type and (if target != "") details[0].target.
func expectErr(t *testing.T, r *itwinlocaltest.Response, status int, code, target string) wire.ErrorEnvelope {
	t.Helper()
	if r.Status != status {
		t.Fatalf("status = %d, want %d; body %s", r.Status, status, r.Body)
	}
	if ct := r.Header.Get("Content-Type"); ct != "application/json" {
		t.Fatalf("Content-Type = %q on %d error", ct, status)
	}
	var env wire.ErrorEnvelope
	if err := json.Unmarshal(r.Body, &env); err != nil {
		t.Fatalf("error body is not an envelope: %s", r.Body)
	}
	if env.Error.Code != code {
		t.Fatalf("code = %q, want %q; body %s", env.Error.Code, code, r.Body)
	}
	if env.Error.Message == "" {
		t.Fatalf("empty message: %s", r.Body)
	}
	if target != "" {
		if len(env.Error.Details) == 0 || env.Error.Details[0].Target != target {
			t.Fatalf("details target: want %q; body %s", target, r.Body)
		}
	}
	return env
}

// expectNoBody asserts an answer without body and without Content-Type (§10 row 4).
func expectNoBody(t *testing.T, r *itwinlocaltest.Response, status int) {
	t.Helper()
	expectStatus(t, r, status)
	if len(r.Body) != 0 || r.Header.Get("Content-Type") != "" {
		t.Fatalf("%d must have no body and no Content-Type; got %q, %q", status, r.Header.Get("Content-Type"), r.Body)
	}
}

func storageConnBody(imodelID string, files ...string) map[string]any {
	var sf []map[string]string
	for _, f := range files {
		sf = append(sf, map[string]string{"storageFileId": f, "connectorType": "MSTN"})
	}
	return map[string]any{"displayName": "conn", "iModelId": imodelID, "authenticationType": "Service", "sourceFiles": sf}
}

// newStorageConn uploads a file and creates a storage connection on the seed iModel; returns (connection id, file id).
func newStorageConn(t *testing.T, in *itwinlocaltest.Instance, name string) (string, string) {
	t.Helper()
	fid := in.UploadFile(t, "", name, []byte("content of "+name))
	r := in.Do(t, "POST", "/synchronization/imodels/storageconnections", storageConnBody(in.IModelID, fid))
	expectStatus(t, r, 201)
	var env wire.ConnectionEnvelope
	r.JSON(t, &env)
	return env.Connection.ID, fid
}

func newManifestConn(t *testing.T, in *itwinlocaltest.Instance, imodelID string, ids ...string) string {
	t.Helper()
	var sf []map[string]string
	for _, id := range ids {
		sf = append(sf, map[string]string{"sourceFileId": id})
	}
	r := in.Do(t, "POST", "/synchronization/imodels/manifestconnections", map[string]any{"iModelId": imodelID, "sourceFiles": sf, "authenticationType": "Service"})
	expectStatus(t, r, 201)
	var env wire.ConnectionEnvelope
	r.JSON(t, &env)
	return env.Connection.ID
}

func newIModel(t *testing.T, in *itwinlocaltest.Instance, name string) string {
	t.Helper()
	r := in.Do(t, "POST", "/imodels", map[string]any{"iTwinId": in.ITwinID, "name": name})
	expectStatus(t, r, 201)
	var env wire.IModelEnvelope
	r.JSON(t, &env)
	return env.IModel.ID
}

// startRun starts a storage run and returns the run id from Location.
func startRun(t *testing.T, in *itwinlocaltest.Instance, cid string) string {
	t.Helper()
	r := in.Do(t, "POST", "/synchronization/imodels/storageconnections/"+cid+"/run", nil)
	expectNoBody(t, r, 202)
	loc := r.Header.Get("Location")
	return loc[strings.LastIndex(loc, "/")+1:]
}

// completeRun marks a run Completed through the store, as the engine would.
func completeRun(t *testing.T, in *itwinlocaltest.Instance, runID, result string) {
	t.Helper()
	err := in.Server.Store().UpdateRun(t.Context(), runID, func(_ *sql.Tx, r *itwinlocal.RunRecord) error {
		r.State, r.Result, r.End = wire.StateCompleted, result, in.Server.Now()
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func mustJSON(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

// start runs itwin-local without the run engine: these tests exercise the API surface and need started runs to
// stay active (303, ConnectionAlreadyInUse, jobs: []) or complete them through the store themselves.
func start(t *testing.T, opts ...itwinlocaltest.Option) *itwinlocaltest.Instance {
	t.Helper()
	return itwinlocaltest.Start(t, append([]itwinlocaltest.Option{itwinlocaltest.WithoutEngine()}, opts...)...)
}
