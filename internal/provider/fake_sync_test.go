package provider

// fakeSync is a scripted Synchronization API for the run machinery's unit tests, with the helpers they share.

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/diag"

	"github.com/seed37c7dd03/terraform-provider-itwin/internal/itwin"
	"github.com/seed37c7dd03/terraform-provider-itwin/internal/wire"
)

// fakeSync is a scripted Synchronization API for one storage (or manifest) connection: run starts answer from a
// script, runs answer a sequence of states (the last one repeats), and every request is logged.
type fakeSync struct {
	t        *testing.T
	srv      *httptest.Server
	kind     wire.Kind
	connID   string
	imodelID string
	authType string

	mu          sync.Mutex
	lastRun     string
	starts      []func(w http.ResponseWriter, r *http.Request) // consumed in order; the last one repeats
	runs        map[string][]wire.Run
	changesets  []wire.Changeset
	reports     []wire.DiagnosticReport
	sourceFiles []wire.StorageSourceFile
	files       map[string]wire.StorageFile
	userAuthed  bool
	connGone    bool // the connection was deleted: its GET answers 404
	connDenied  bool // the connection's GET answers 403
	listDenied  bool // the source file list answers 403
	log         []string
	startBodies []string
}

func newFakeSync(t *testing.T, kind wire.Kind) *fakeSync {
	f := &fakeSync{t: t, kind: kind, connID: "CDGyTAuzEViJKcyqyWp6bJW6ecC69Od8tgzKjbyILG8", imodelID: "eb6ccda2-15aa-4aff-99b5-9c71aea04ceb",
		authType: "Service", runs: map[string][]wire.Run{}, files: map[string]wire.StorageFile{}}
	f.srv = httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(f.srv.Close)
	return f
}

func (f *fakeSync) client() *itwin.Client {
	c, err := itwin.NewClient(context.Background(), itwin.Config{APIURL: f.srv.URL, AccessToken: "t", MaxRetries: 1,
		RetryWaitMin: time.Millisecond, RetryWaitMax: 2 * time.Millisecond})
	if err != nil {
		f.t.Fatal(err)
	}
	return c
}

func (f *fakeSync) target() runTarget {
	return runTarget{client: f.client(), kind: f.kind, connectionID: f.connID}
}

func (f *fakeSync) connPath() string {
	return f.kind.CollectionPath() + "/" + f.connID
}

func (f *fakeSync) runURL(id string) string { return f.srv.URL + f.connPath() + "/runs/" + id }

func (f *fakeSync) requests(prefix string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	n := 0
	for _, l := range f.log {
		if strings.HasPrefix(l, prefix) {
			n++
		}
	}
	return n
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func writeAPIError(w http.ResponseWriter, status int, code string) {
	writeJSON(w, status, wire.ErrorEnvelope{Error: wire.ErrorBody{Code: code, Message: code + " (test)"}})
}

// accept answers 202 for a new run id, which becomes lastRun, with the given states.
func (f *fakeSync) accept(id string, states ...wire.Run) func(http.ResponseWriter, *http.Request) {
	return func(w http.ResponseWriter, _ *http.Request) {
		f.lastRun = id
		f.runs[id] = states
		w.Header().Set("Location", f.runURL(id))
		w.WriteHeader(http.StatusAccepted)
	}
}

func (f *fakeSync) serve(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.log = append(f.log, r.Method+" "+r.URL.Path)
	p := r.URL.Path
	switch {
	case r.Method == http.MethodPost && (p == f.connPath()+"/run" || p == f.connPath()+"/runs"):
		buf := new(strings.Builder)
		_, _ = ioCopy(buf, r)
		f.startBodies = append(f.startBodies, buf.String())
		if len(f.starts) == 0 {
			f.t.Errorf("unexpected run start")
			writeAPIError(w, 500, "NoScript")
			return
		}
		h := f.starts[0]
		if len(f.starts) > 1 {
			f.starts = f.starts[1:]
		}
		h(w, r)
	case r.Method == http.MethodGet && p == f.connPath() && f.connGone:
		writeAPIError(w, 404, "StorageConnectionNotFound")
	case r.Method == http.MethodGet && p == f.connPath() && f.connDenied:
		writeAPIError(w, 403, "InsufficientPermissions")
	case r.Method == http.MethodGet && p == f.connPath():
		conn := wire.Connection{ID: f.connID, DisplayName: "c", IModelID: f.imodelID, AuthenticationType: f.authType, Links: &wire.ConnectionLinks{}}
		if f.lastRun != "" {
			conn.Links.LastRun = &wire.Link{Href: f.runURL(f.lastRun)}
		}
		writeJSON(w, 200, wire.ConnectionEnvelope{Connection: conn})
	case r.Method == http.MethodGet && strings.HasPrefix(p, f.connPath()+"/runs/"):
		id := strings.TrimPrefix(p, f.connPath()+"/runs/")
		seq, ok := f.runs[id]
		if !ok || len(seq) == 0 {
			writeAPIError(w, 404, "StorageConnectionRunNotFound")
			return
		}
		run := seq[0]
		if len(seq) > 1 {
			f.runs[id] = seq[1:]
		}
		run.ID = id
		writeJSON(w, 200, wire.RunEnvelope{Run: run})
	case r.Method == http.MethodGet && p == f.connPath()+"/sourcefiles" && f.listDenied:
		writeAPIError(w, 403, "InsufficientPermissions")
	case r.Method == http.MethodGet && p == f.connPath()+"/sourcefiles":
		writeJSON(w, 200, wire.StorageSourceFileList{SourceFiles: f.sourceFiles})
	case r.Method == http.MethodGet && strings.HasPrefix(p, "/storage/files/"):
		sf, ok := f.files[strings.TrimPrefix(p, "/storage/files/")]
		if !ok {
			writeAPIError(w, 404, "FileNotFound")
			return
		}
		writeJSON(w, 200, map[string]any{"file": sf})
	case r.Method == http.MethodGet && p == "/imodels/"+f.imodelID+"/changesets":
		writeJSON(w, 200, map[string]any{"changesets": f.changesets, "_links": map[string]any{}})
	case r.Method == http.MethodGet && p == "/synchronization/reports":
		writeJSON(w, 200, wire.DiagnosticReportList{Reports: f.reports})
	case r.Method == http.MethodGet && strings.EqualFold(p, "/synchronization/imodels/connections/authorizationinformation"):
		writeJSON(w, 200, wire.AuthorizationInformationEnvelope{AuthorizationInformation: wire.AuthorizationInformation{
			IsUserAuthorized: f.userAuthed, Links: wire.AuthorizationInfoLinks{AuthorizationURL: &wire.Link{Href: f.srv.URL + "/local/consent/abc"}}}})
	default:
		writeAPIError(w, 404, "NoRoute")
	}
}

func ioCopy(dst *strings.Builder, r *http.Request) (int64, error) {
	b := make([]byte, 4096)
	var n int64
	for {
		k, err := r.Body.Read(b)
		dst.Write(b[:k])
		n += int64(k)
		if err != nil {
			return n, nil
		}
	}
}

func run(state, result string, jobs ...wire.Job) wire.Run {
	r := wire.Run{State: state, Result: result, Jobs: jobs, StartDateTime: wire.NewTimestamp(time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC))}
	if state == wire.StateCompleted {
		r.EndDateTime = wire.NewTimestamp(time.Date(2026, 1, 2, 3, 4, 7, 500_000_000, time.UTC))
	}
	return r
}

// testOps is the fake clock (backoffs and polls are recorded, not slept) with a progress recorder.
type testOps struct {
	fakeClock
	progress []string
}

func (o *testOps) ops() runOps {
	if o.now.IsZero() {
		o.now = newFakeClock().now
	}
	return runOps{
		clock: &o.fakeClock,
		progress: func(_ context.Context, msg string) {
			o.mu.Lock()
			o.progress = append(o.progress, msg)
			o.mu.Unlock()
		},
	}
}

func mustConn(t *testing.T, tg runTarget) *wire.Connection {
	t.Helper()
	c, err := tg.getConnection(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func equalDurations(a, b []time.Duration) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

type recorded struct {
	id   string
	outs runOutputsModel
}

func recorder(into *[]recorded) runRecorder {
	return func(id string, outs runOutputsModel) diag.Diagnostics {
		*into = append(*into, recorded{id, outs})
		return nil
	}
}

func twoTaskJob(second wire.Task) wire.Job {
	return wire.Job{ID: "job", ConnectorType: "IFC", State: wire.StateCompleted, Tasks: []wire.Task{
		{ID: "task-a", StorageFileID: "file-a", State: wire.StateCompleted, Result: wire.ResultSuccess},
		second,
	}}
}
