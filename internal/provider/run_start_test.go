package provider

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/seed37c7dd03/terraform-provider-itwin/internal/itwin"
	"github.com/seed37c7dd03/terraform-provider-itwin/internal/wire"
)

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

// Connector error text is free text and may quote the pre-signed URL of a manifest file. Neither the state
// (the tasks and error outputs) nor the diagnostics may carry its signature.
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
