package provider

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-go/tftypes"

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

func TestStartRun_Accepted(t *testing.T) {
	f := newFakeSync(t, wire.KindStorage)
	f.starts = append(f.starts, f.accept("run-1", run(wire.StateNotStarted, wire.ResultUndetermined)))
	tg := f.target()
	id, err := startRun(context.Background(), tg, mustConn(t, tg), (&testOps{}).ops())
	if err != nil || id != "run-1" {
		t.Fatalf("startRun = %q, %v; want run-1", id, err)
	}
	if n := f.requests("POST"); n != 1 {
		t.Errorf("POSTs = %d, want 1", n)
	}
}

func TestStartRun_ActiveRunIsWaitedForThenOursStarts(t *testing.T) {
	f := newFakeSync(t, wire.KindStorage)
	f.lastRun = "other"
	f.runs["other"] = []wire.Run{run(wire.StateExecuting, wire.ResultUndetermined), run(wire.StateExecuting, wire.ResultUndetermined), run(wire.StateCompleted, wire.ResultSuccess)}
	f.starts = []func(http.ResponseWriter, *http.Request){
		func(w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("Location", f.runURL("other"))
			w.WriteHeader(http.StatusSeeOther)
		},
		f.accept("ours", run(wire.StateNotStarted, wire.ResultUndetermined)),
	}
	o := &testOps{}
	tg := f.target()
	id, err := startRun(context.Background(), tg, mustConn(t, tg), o.ops())
	if err != nil || id != "ours" {
		t.Fatalf("startRun = %q, %v; want ours", id, err)
	}
	if n := f.requests("POST"); n != 2 {
		t.Errorf("POSTs = %d, want 2 (303, then our start)", n)
	}
	if n := f.requests("GET " + f.connPath() + "/runs/other"); n < 3 {
		t.Errorf("the active run was polled %d times, want it followed to Completed (3 polls)", n)
	}
	if len(o.progress) == 0 || !strings.Contains(o.progress[0], "already has an active run other") {
		t.Errorf("progress = %q, want a message about the active run", o.progress)
	}
}

func TestStartRun_RaceIsRetriedWithBackoff(t *testing.T) {
	f := newFakeSync(t, wire.KindStorage)
	race := func(w http.ResponseWriter, _ *http.Request) { writeAPIError(w, 409, "RunAlreadyRequested") }
	f.starts = []func(http.ResponseWriter, *http.Request){race, race, f.accept("r", run(wire.StateNotStarted, wire.ResultUndetermined))}
	o := &testOps{}
	tg := f.target()
	id, err := startRun(context.Background(), tg, mustConn(t, tg), o.ops())
	if err != nil || id != "r" {
		t.Fatalf("startRun = %q, %v", id, err)
	}
	if want := []time.Duration{time.Second, 2 * time.Second}; !equalDurations(o.recorded(), want) {
		t.Errorf("backoff = %v, want %v", o.recorded(), want)
	}
}

func TestStartRun_RaceGivesUpAfterThreeRetries(t *testing.T) {
	f := newFakeSync(t, wire.KindStorage)
	f.starts = []func(http.ResponseWriter, *http.Request){func(w http.ResponseWriter, _ *http.Request) {
		writeAPIError(w, 409, "IModelAlreadyProcessingRequest") // the legacy code counts too
	}}
	o := &testOps{}
	tg := f.target()
	_, err := startRun(context.Background(), tg, mustConn(t, tg), o.ops())
	if err == nil || !strings.Contains(err.Error(), "IModelAlreadyProcessingRequest") {
		t.Fatalf("err = %v, want the 409", err)
	}
	if n := f.requests("POST"); n != 4 {
		t.Errorf("POSTs = %d, want 4", n)
	}
	if want := []time.Duration{time.Second, 2 * time.Second, 4 * time.Second}; !equalDurations(o.recorded(), want) {
		t.Errorf("backoff = %v, want %v", o.recorded(), want)
	}
}

func TestStartRun_ServerErrorAfterCreatingTheRunAdoptsIt(t *testing.T) {
	f := newFakeSync(t, wire.KindStorage)
	f.lastRun = "old"
	f.starts = []func(http.ResponseWriter, *http.Request){func(w http.ResponseWriter, _ *http.Request) {
		f.lastRun = "created-anyway"
		f.runs["created-anyway"] = []wire.Run{run(wire.StateQueued, wire.ResultUndetermined)}
		writeAPIError(w, 500, "InternalServerError")
	}}
	tg := f.target()
	id, err := startRun(context.Background(), tg, mustConn(t, tg), (&testOps{}).ops())
	if err != nil || id != "created-anyway" {
		t.Fatalf("startRun = %q, %v; want the run the lost answer created", id, err)
	}
	if n := f.requests("POST"); n != 1 {
		t.Errorf("POSTs = %d, want 1: a run exists, so the start must not be sent again", n)
	}
}

func TestStartRun_TransportErrorWithoutRunRetriesOnce(t *testing.T) {
	f := newFakeSync(t, wire.KindStorage)
	f.lastRun = "old"
	drop := func(w http.ResponseWriter, _ *http.Request) {
		conn, _, err := w.(http.Hijacker).Hijack()
		if err == nil {
			conn.Close()
		}
	}
	f.starts = []func(http.ResponseWriter, *http.Request){drop, f.accept("second", run(wire.StateNotStarted, wire.ResultUndetermined))}
	tg := f.target()
	id, err := startRun(context.Background(), tg, mustConn(t, tg), (&testOps{}).ops())
	if err != nil || id != "second" {
		t.Fatalf("startRun = %q, %v; want the retried start", id, err)
	}
	if n := f.requests("POST"); n != 2 {
		t.Errorf("POSTs = %d, want 2 (lost, then one retry)", n)
	}
}

func TestStartRun_UncertainTwiceFails(t *testing.T) {
	f := newFakeSync(t, wire.KindStorage)
	f.starts = []func(http.ResponseWriter, *http.Request){func(w http.ResponseWriter, _ *http.Request) { writeAPIError(w, 503, "Unavailable") }}
	tg := f.target()
	_, err := startRun(context.Background(), tg, mustConn(t, tg), (&testOps{}).ops())
	var u *itwin.StartUncertainError
	if !errors.As(err, &u) {
		t.Fatalf("err = %v, want the uncertain start error", err)
	}
	if n := f.requests("POST"); n != 2 {
		t.Errorf("POSTs = %d, want 2", n)
	}
}

func TestStartRun_NotFoundIsNotRetried(t *testing.T) {
	f := newFakeSync(t, wire.KindStorage)
	f.starts = []func(http.ResponseWriter, *http.Request){func(w http.ResponseWriter, _ *http.Request) { writeAPIError(w, 404, "StorageConnectionNotFound") }}
	tg := f.target()
	_, err := startRun(context.Background(), tg, &wire.Connection{}, (&testOps{}).ops())
	if !itwin.IsNotFound(err) {
		t.Fatalf("err = %v, want 404", err)
	}
	if n := f.requests("POST"); n != 1 {
		t.Errorf("POSTs = %d, want 1", n)
	}
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

// --- executeRun: the full life of a run ---

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

func TestExecuteRun_SuccessRecordsIDFirstThenOutputs(t *testing.T) {
	f := newFakeSync(t, wire.KindStorage)
	done := run(wire.StateCompleted, wire.ResultSuccess, twoTaskJob(wire.Task{ID: "task-b", StorageFileID: "file-b", State: wire.StateCompleted, Result: wire.ResultSuccess}))
	done.Phase = wire.PhaseReferenceFile
	f.starts = []func(http.ResponseWriter, *http.Request){f.accept("run-1",
		run(wire.StateNotStarted, wire.ResultUndetermined), run(wire.StateExecuting, wire.ResultUndetermined), done)}
	f.changesets = []wire.Changeset{
		{ID: "cs-other", Index: 1, SynchronizationInfo: &wire.SynchronizationInfo{TaskID: "someone-else"}},
		{ID: "cs-b", Index: 3, Description: "b", SynchronizationInfo: &wire.SynchronizationInfo{TaskID: "task-b", ChangedFiles: []string{"b.ifc"}}},
		{ID: "cs-a", Index: 2, SynchronizationInfo: &wire.SynchronizationInfo{TaskID: "task-a"}},
	}
	f.reports = []wire.DiagnosticReport{{ID: "rep-1", TaskID: "task-a", SasURI: f.srv.URL + "/blobs/rep-1?sig=secret"}}
	f.sourceFiles = []wire.StorageSourceFile{{ID: "sf", StorageFileID: "file-a", LastKnownFileName: "a.ifc"}}

	var recs []recorded
	o := &testOps{}
	tg := f.target()
	names := func(ctx context.Context) map[string]string { return storageFileNames(ctx, tg.client, f.connID) }
	id, diags := executeRun(context.Background(), tg, callerResource, true, []string{wire.ResultSuccess}, names, o.ops(), recorder(&recs))
	if diags.HasError() || id != "run-1" {
		t.Fatalf("executeRun = %q, %v", id, diags)
	}
	if len(recs) != 2 || recs[0].id != "run-1" || !recs[0].outs.State.IsNull() {
		t.Fatalf("records = %+v, want the id recorded with empty outputs, then the final outputs", recs)
	}
	outs := recs[1].outs
	if outs.State.ValueString() != wire.StateCompleted || outs.Result.ValueString() != wire.ResultSuccess || outs.Phase.ValueString() != wire.PhaseReferenceFile {
		t.Errorf("outputs = %+v", outs)
	}
	if outs.DurationSeconds.ValueFloat64() != 2.5 {
		t.Errorf("duration = %v, want 2.5", outs.DurationSeconds)
	}
	cs := outs.Changesets.Elements()
	if len(cs) != 2 || !strings.Contains(cs[0].String(), `"cs-a"`) || !strings.Contains(cs[1].String(), `"b.ifc"`) {
		t.Errorf("changesets = %v, want cs-a then cs-b (only this run's tasks, index order)", cs)
	}
	if rep := outs.Reports.String(); !strings.Contains(rep, "rep-1") || strings.Contains(rep, "sig=") {
		t.Errorf("reports = %s, want the id and never the pre-signed URL", rep)
	}
	if tasks := outs.Tasks.String(); !strings.Contains(tasks, `"a.ifc"`) || !strings.Contains(tasks, `"IFC"`) {
		t.Errorf("tasks = %s, want file name and connector type", tasks)
	}
	if len(o.progress) < 3 || !strings.Contains(strings.Join(o.progress, "\n"), "Executing") {
		t.Errorf("progress = %q, want one line per state change", o.progress)
	}
}

func TestExecuteRun_PartialSuccessReportsEachFailedFile(t *testing.T) {
	f := newFakeSync(t, wire.KindStorage)
	failed := wire.Task{ID: "task-b", StorageFileID: "file-b", State: wire.StateCompleted, Result: wire.ResultError, RetryAttempts: 2,
		Error: &wire.TaskError{ErrorCode: "TAE_PARSE_ERROR", Message: "The file could not be read.", Description: "Check that it opens.",
			KbArticleLink: "https://kb.example/parse", CanUserFix: true}}
	f.starts = []func(http.ResponseWriter, *http.Request){f.accept("run-1", run(wire.StateCompleted, wire.ResultPartialSuccess, twoTaskJob(failed)))}
	f.sourceFiles = []wire.StorageSourceFile{{ID: "sf", StorageFileID: "file-b", LastKnownFileName: "broken.ifc"}}

	var recs []recorded
	tg := f.target()
	names := func(ctx context.Context) map[string]string { return storageFileNames(ctx, tg.client, f.connID) }
	_, diags := executeRun(context.Background(), tg, callerResource, true, []string{wire.ResultSuccess}, names, (&testOps{}).ops(), recorder(&recs))
	if got := diags.ErrorsCount(); got != 1 {
		t.Fatalf("errors = %d (%v), want one per failed task", got, diags)
	}
	e := diags.Errors()[0]
	for _, want := range []string{"broken.ifc", "TAE_PARSE_ERROR"} {
		if !strings.Contains(e.Summary(), want) {
			t.Errorf("summary %q lacks %q", e.Summary(), want)
		}
	}
	for _, want := range []string{"The file could not be read.", "Check that it opens.", "https://kb.example/parse", "2 retries", "PartialSuccess", "allowed_results", "tainted"} {
		if !strings.Contains(e.Detail(), want) {
			t.Errorf("detail lacks %q:\n%s", want, e.Detail())
		}
	}
	if len(recs) != 2 || recs[1].outs.Result.ValueString() != wire.ResultPartialSuccess {
		t.Errorf("the failed run's outputs must still be recorded: %+v", recs)
	}

	// allowed_results admits it.
	f.starts = []func(http.ResponseWriter, *http.Request){f.accept("run-2", run(wire.StateCompleted, wire.ResultPartialSuccess, twoTaskJob(failed)))}
	_, diags = executeRun(context.Background(), tg, callerResource, true, []string{wire.ResultPartialSuccess, wire.ResultSuccess}, names, (&testOps{}).ops(), nil)
	if diags.HasError() {
		t.Errorf("PartialSuccess is allowed, got %v", diags)
	}
}

func TestExecuteRun_UserNotAuthenticatedExplainsWhatToDo(t *testing.T) {
	f := newFakeSync(t, wire.KindStorage)
	r := run(wire.StateCompleted, wire.ResultError)
	r.Jobs = []wire.Job{}
	r.Error = &wire.RunError{ErrorKey: "UserNotAuthenticated", Description: "User is not authenticated."}
	f.starts = []func(http.ResponseWriter, *http.Request){f.accept("run-1", r)}
	_, diags := executeRun(context.Background(), f.target(), callerResource, true, []string{wire.ResultSuccess}, func(context.Context) map[string]string { return nil }, (&testOps{}).ops(), nil)
	if diags.ErrorsCount() != 1 {
		t.Fatalf("diags = %v", diags)
	}
	e := diags.Errors()[0]
	for _, want := range []string{"UserNotAuthenticated", "itwin_sync_authorization", `authentication_type = "Service"`} {
		if !strings.Contains(e.Summary()+e.Detail(), want) {
			t.Errorf("diagnostic lacks %q: %s / %s", want, e.Summary(), e.Detail())
		}
	}
}

func TestExecuteRun_SkippedNotAllowed(t *testing.T) {
	f := newFakeSync(t, wire.KindManifest)
	f.starts = []func(http.ResponseWriter, *http.Request){f.accept("run-1", run(wire.StateCompleted, wire.ResultSkipped))}
	_, diags := executeRun(context.Background(), f.target(), callerResource, true, []string{wire.ResultSuccess}, func(context.Context) map[string]string { return nil }, (&testOps{}).ops(), nil)
	if diags.ErrorsCount() != 1 || !strings.Contains(diags.Errors()[0].Summary(), "Skipped") {
		t.Fatalf("diags = %v, want one error naming Skipped", diags)
	}
	if n := f.requests("POST " + f.connPath() + "/runs"); n != 1 {
		t.Errorf("manifest start POSTs = %d, want 1 on the plural path", n)
	}
}

func TestExecuteRun_TimeoutKeepsIDAndLastState(t *testing.T) {
	f := newFakeSync(t, wire.KindStorage)
	f.starts = []func(http.ResponseWriter, *http.Request){f.accept("slow", run(wire.StateQueued, wire.ResultUndetermined), run(wire.StateExecuting, wire.ResultUndetermined))}
	to := &testOps{}
	o := to.ops()
	// The deadline passes on the fake clock while the waiter polls: it must interrupt the wait.
	ctx, cancel := to.WithTimeout(context.Background(), 500*time.Millisecond)
	defer cancel()
	var recs []recorded
	id, diags := executeRun(ctx, f.target(), callerResource, true, []string{wire.ResultSuccess}, func(context.Context) map[string]string { return nil }, o, recorder(&recs))
	if id != "slow" || !diags.HasError() {
		t.Fatalf("executeRun = %q, %v; want the id with an error", id, diags)
	}
	e := diags.Errors()[0]
	if !strings.Contains(e.Summary(), "did not finish in time") || !strings.Contains(e.Detail(), "continues on the server") || !strings.Contains(e.Detail(), "Executing") {
		t.Errorf("diagnostic = %s / %s", e.Summary(), e.Detail())
	}
	last := recs[len(recs)-1]
	if last.id != "slow" || last.outs.State.ValueString() != wire.StateExecuting {
		t.Errorf("last record = %+v, want the run id with its last known state", last)
	}
}

func TestExecuteRun_NoWaitRecordsAcceptedRun(t *testing.T) {
	f := newFakeSync(t, wire.KindStorage)
	f.starts = []func(http.ResponseWriter, *http.Request){f.accept("r", run(wire.StateNotStarted, wire.ResultUndetermined))}
	var recs []recorded
	id, diags := executeRun(context.Background(), f.target(), callerResource, false, []string{wire.ResultSuccess}, nil, (&testOps{}).ops(), recorder(&recs))
	if id != "r" || diags.HasError() {
		t.Fatalf("executeRun = %q, %v", id, diags)
	}
	if last := recs[len(recs)-1]; last.outs.State.ValueString() != wire.StateNotStarted {
		t.Errorf("state = %v, want NotStarted", last.outs.State)
	}
	if n := f.requests("GET " + f.connPath() + "/runs/r"); n != 1 {
		t.Errorf("run GETs = %d, want exactly 1 (no waiting)", n)
	}
}

func TestExecuteRun_MissingConnectionNamesTheAttribute(t *testing.T) {
	f := newFakeSync(t, wire.KindStorage)
	tg := f.target()
	tg.connectionID = "nope"
	_, diags := executeRun(context.Background(), tg, callerResource, true, nil, nil, (&testOps{}).ops(), nil)
	if diags.ErrorsCount() != 1 || !strings.Contains(diags.Errors()[0].Detail(), "connection_id") {
		t.Fatalf("diags = %v", diags)
	}
	if f.requests("POST") != 0 {
		t.Error("no run may be started on a missing connection")
	}
}

func TestWarnUserConnection(t *testing.T) {
	f := newFakeSync(t, wire.KindStorage)
	c := f.client()
	var diags diag.Diagnostics
	warnUserConnection(context.Background(), c, &wire.Connection{ID: "x", AuthenticationType: "Service"}, &diags)
	if len(diags) != 0 || f.requests("GET") != 0 {
		t.Fatalf("service connections need no check: %v", diags)
	}
	warnUserConnection(context.Background(), c, &wire.Connection{ID: "x", AuthenticationType: "User"}, &diags)
	if diags.WarningsCount() != 1 || !strings.Contains(diags[0].Detail(), "/local/consent/abc") {
		t.Fatalf("diags = %v, want one warning with the consent page", diags)
	}
	f.userAuthed = true
	diags = nil
	warnUserConnection(context.Background(), c, &wire.Connection{ID: "x"}, &diags) // unset = User
	if len(diags) != 0 {
		t.Fatalf("consent given: %v", diags)
	}
}

func TestDescribeRunChange(t *testing.T) {
	prev := run(wire.StateWaitingToExecute, wire.ResultUndetermined)
	cur := run(wire.StateExecuting, wire.ResultUndetermined, twoTaskJob(wire.Task{ID: "b", State: wire.StateExecuting}))
	cur.ID, cur.Phase = "r1", wire.PhaseMasterFile
	got := describeRunChange(&prev, &cur)
	want := "synchronization run r1: WaitingToExecute -> Executing (phase MasterFile), 1/2 tasks completed"
	if got != want {
		t.Errorf("got %q\nwant %q", got, want)
	}
	done := run(wire.StateCompleted, wire.ResultSuccess)
	done.ID = "r1"
	if got := describeRunChange(nil, &done); got != "synchronization run r1: Completed, result Success" {
		t.Errorf("got %q", got)
	}
}

func TestFlattenRun_EmptyAndErrors(t *testing.T) {
	outs, diags := flattenRun(context.Background(), runDetails{})
	if diags.HasError() || !outs.State.IsNull() || outs.Tasks.IsNull() || len(outs.Tasks.Elements()) != 0 {
		t.Fatalf("empty outputs must be known (null scalars, empty lists): %+v %v", outs, diags)
	}
	r := run(wire.StateExecuting, wire.ResultUndetermined)
	r.Error = &wire.RunError{ErrorKey: "K", Description: "D"}
	outs, _ = flattenRun(context.Background(), runDetails{run: &r})
	if !outs.EndedAt.IsNull() || !outs.DurationSeconds.IsNull() || outs.Error.IsNull() {
		t.Errorf("active run: ended_at/duration must be null and error set: %+v", outs)
	}
}

func TestFileNamesFromTasks(t *testing.T) {
	r := run(wire.StateCompleted, wire.ResultSuccess, twoTaskJob(wire.Task{ID: "b", SourceFileID: "dms-1", State: wire.StateCompleted}))
	outs, _ := flattenRun(context.Background(), runDetails{run: &r, fileNames: map[string]string{"file-a": "a.ifc", "dms-1": "m.dgn"}})
	got := fileNamesFromTasks(context.Background(), outs.Tasks)
	if got["file-a"] != "a.ifc" || got["dms-1"] != "m.dgn" {
		t.Errorf("names = %v", got)
	}
}

func TestExecuteRun_InterruptedStartStillRecordsTheRun(t *testing.T) {
	f := newFakeSync(t, wire.KindStorage)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	f.starts = []func(http.ResponseWriter, *http.Request){func(w http.ResponseWriter, r *http.Request) {
		// The server creates the run, then the user presses Ctrl-C before the answer arrives.
		f.lastRun = "created"
		f.runs["created"] = []wire.Run{run(wire.StateNotStarted, wire.ResultUndetermined)}
		cancel()
		<-r.Context().Done()
	}}
	var recs []recorded
	id, diags := executeRun(ctx, f.target(), callerResource, true, []string{wire.ResultSuccess}, nil, (&testOps{}).ops(), recorder(&recs))
	if id != "created" || len(recs) == 0 || recs[0].id != "created" {
		t.Fatalf("executeRun = %q, records %+v; want the run the interrupted start created", id, recs)
	}
	if !diags.HasError() || !strings.Contains(diags.Errors()[0].Summary(), "cancelled") {
		t.Errorf("diags = %v, want the cancellation reported", diags)
	}
	if n := f.requests("POST"); n != 1 {
		t.Errorf("POSTs = %d, want 1", n)
	}
}

// The resource wording of a timeout: the run is saved, the resource tainted, timeouts.create can be raised.
func TestTimeoutError_ResourceAndActionWording(t *testing.T) {
	tg := runTarget{kind: wire.KindStorage, connectionID: "c1"}
	r := run(wire.StateExecuting, wire.ResultUndetermined)
	_, res := timeoutError(tg, callerResource, "r1", &r, context.DeadlineExceeded)
	for _, want := range []string{"Executing", "marked tainted", "timeouts.create", `run_id = "r1"`} {
		if !strings.Contains(res, want) {
			t.Errorf("resource detail lacks %q: %s", want, res)
		}
	}
	_, act := timeoutError(tg, callerAction, "r1", &r, context.Canceled)
	if strings.Contains(act, "marked tainted") || strings.Contains(act, "timeouts.") || !strings.Contains(act, "Invoke the action again") {
		t.Errorf("action detail after a cancellation: %s", act)
	}
}

// canUserFix does not mean "fix the file": for an unsupported format the fix is the connector type, which the
// description says. The diagnostic must not contradict it (REVIEW finding 19).
func TestRunResultDiagnostics_CanUserFixDoesNotBlameTheFile(t *testing.T) {
	tg := runTarget{kind: wire.KindStorage, connectionID: "c1"}
	unsupported := wire.Task{ID: "t", StorageFileID: "f", State: wire.StateCompleted, Result: wire.ResultError,
		Error: &wire.TaskError{ErrorCode: "TAE_UNSUPPORTED_FORMAT", Message: "Unsupported file format.",
			Description: "Map the file with a connector type that accepts it.", CanUserFix: true}}
	r := run(wire.StateCompleted, wire.ResultError, wire.Job{ConnectorType: "IFC", Tasks: []wire.Task{unsupported}})
	diags := runResultDiagnostics(tg, callerResource, &r, []string{wire.ResultSuccess}, map[string]string{"f": "a.dwg"})
	if diags.ErrorsCount() != 1 {
		t.Fatalf("diags = %v", diags)
	}
	d := diags.Errors()[0].Detail()
	if strings.Contains(d, "fixed in the source file") || !strings.Contains(d, "you can fix (see above)") {
		t.Errorf("detail:\n%s", d)
	}
	unsupported.Error.Description = ""
	r.Jobs[0].Tasks[0] = unsupported
	d = runResultDiagnostics(tg, callerResource, &r, []string{wire.ResultSuccess}, nil).Errors()[0].Detail()
	if !strings.Contains(d, "connector type") {
		t.Errorf("without a description the hint names both places:\n%s", d)
	}
}

// Connector error text is free text and may quote the pre-signed URL of a manifest file. Neither the state
// (the tasks and error outputs) nor the diagnostics may carry its signature (REVIEW finding 7).
func TestExecuteRun_ServerErrorTextIsRedacted(t *testing.T) {
	const sas = "https://acct.blob.core.windows.net/c/master.dgn?sv=2024-01-01&se=2026-12-01&sp=r&sig=S3CRETsig"
	f := newFakeSync(t, wire.KindManifest)
	failed := wire.Task{ID: "task-b", SourceFileID: "dms-1", State: wire.StateCompleted, Result: wire.ResultError,
		Error: &wire.TaskError{ErrorCode: "TAE_DOWNLOAD_FAILED", Message: "Could not download " + sas,
			Details: "GET " + sas + " returned 403", Description: "Check the URL " + sas, KbArticleLink: "https://kb.example/dl"}}
	r := run(wire.StateCompleted, wire.ResultError, wire.Job{ConnectorType: "MSTN", Tasks: []wire.Task{failed}})
	r.Error = &wire.RunError{ErrorKey: "PreprocessorFailed", Description: "Download of " + sas + " failed"}
	f.starts = []func(http.ResponseWriter, *http.Request){f.accept("run-1", r)}

	var recs []recorded
	_, diags := executeRun(context.Background(), f.target(), callerResource, true, []string{wire.ResultSuccess},
		func(context.Context) map[string]string { return nil }, (&testOps{}).ops(), recorder(&recs))
	if diags.ErrorsCount() != 2 {
		t.Fatalf("diags = %v, want the task error and the run error", diags)
	}
	outs := recs[len(recs)-1].outs
	stored := outs.Tasks.String() + outs.Error.String()
	var shown strings.Builder
	for _, d := range diags {
		shown.WriteString(d.Summary() + "\n" + d.Detail() + "\n")
	}
	for where, text := range map[string]string{"state": stored, "diagnostics": shown.String()} {
		if strings.Contains(text, "S3CRETsig") || strings.Contains(text, "sp=r") {
			t.Errorf("%s carry the pre-signed URL's query:\n%s", where, text)
		}
		if !strings.Contains(text, "acct.blob.core.windows.net/c/master.dgn") {
			t.Errorf("%s lost the useful part of the message (host and path):\n%s", where, text)
		}
	}
	if !strings.Contains(shown.String(), "https://kb.example/dl") {
		t.Errorf("the KB link must survive redaction:\n%s", shown.String())
	}
}

// readMissingRun on a manifest connection: same rules as for storage runs, and an error reading the connection
// is reported rather than guessed at.
func TestReadMissingRun_Manifest(t *testing.T) {
	ctx := context.Background()
	var sch resource.SchemaResponse
	NewSyncManifestConnectionRunResource().Schema(ctx, resource.SchemaRequest{}, &sch)
	for name, c := range map[string]struct {
		connGone, connDenied bool
		wantRemoved, wantErr bool
	}{
		"connection exists":     {},
		"connection deleted":    {connGone: true, wantRemoved: true},
		"connection unreadable": {connDenied: true, wantErr: true},
	} {
		t.Run(name, func(t *testing.T) {
			f := newFakeSync(t, wire.KindManifest)
			f.connGone, f.connDenied = c.connGone, c.connDenied
			st := tfsdk.State{Schema: sch.Schema, Raw: tftypes.NewValue(sch.Schema.Type().TerraformType(ctx), nil)}
			if d := st.SetAttribute(ctx, path.Root("id"), "run-x"); d.HasError() {
				t.Fatal(d)
			}
			resp := &resource.ReadResponse{State: st}
			readMissingRun(ctx, f.target(), "run-x", resp)
			if got := resp.State.Raw.IsNull(); got != c.wantRemoved {
				t.Errorf("removed = %v, want %v (%v)", got, c.wantRemoved, resp.Diagnostics)
			}
			if got := resp.Diagnostics.HasError(); got != c.wantErr {
				t.Errorf("error = %v, want %v (%v)", got, c.wantErr, resp.Diagnostics)
			}
			if !c.wantErr && resp.Diagnostics.WarningsCount() != 1 {
				t.Errorf("diags = %v, want one warning", resp.Diagnostics)
			}
		})
	}
}
