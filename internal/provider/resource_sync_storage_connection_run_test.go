package provider

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/hashicorp/terraform-plugin-framework-timeouts/resource/timeouts"
	"github.com/hashicorp/terraform-plugin-framework-timetypes/timetypes"
	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-go/tftypes"

	"github.com/seed37c7dd03/terraform-provider-itwin/internal/itwin"
	"github.com/seed37c7dd03/terraform-provider-itwin/internal/wire"
)

func TestSourceFingerprint(t *testing.T) {
	a := fingerprintEntry{StorageFileID: "a", Size: 10, LastModified: "2026-01-01T00:00:00.0000000Z"}
	b := fingerprintEntry{StorageFileID: "b", Size: 20, LastModified: "2026-01-01T00:00:00.0000000Z"}
	base := sourceFingerprint([]fingerprintEntry{a, b})
	if len(base) != 64 {
		t.Fatalf("fingerprint %q is not a sha256 hex digest", base)
	}
	if got := sourceFingerprint([]fingerprintEntry{b, a}); got != base {
		t.Error("the listing order must not change the fingerprint")
	}
	resized, touched, moved := a, a, a
	resized.Size = 11
	touched.LastModified = "2026-01-01T00:00:01.0000000Z"
	moved.StorageFileID = "c"
	for name, entries := range map[string][]fingerprintEntry{
		"resized": {resized, b}, "re-uploaded": {touched, b}, "other file": {moved, b}, "file removed": {b}, "file added": {a, b, moved},
	} {
		if sourceFingerprint(entries) == base {
			t.Errorf("%s: fingerprint unchanged", name)
		}
	}
}

// storageRunFixture is a storage run resource wired to a fake API, with its schema.
type storageRunFixture struct {
	f   *fakeSync
	r   *storageRunResource
	sch resource.SchemaResponse
}

func newStorageRunFixture(t *testing.T) *storageRunFixture {
	f := newFakeSync(t, wire.KindStorage)
	r := &storageRunResource{resourceBase{client: f.client(), clock: newFakeClock()}, storageKind}
	fx := &storageRunFixture{f: f, r: r}
	r.Schema(context.Background(), resource.SchemaRequest{}, &fx.sch)
	if fx.sch.Diagnostics.HasError() {
		t.Fatal(fx.sch.Diagnostics)
	}
	f.sourceFiles = []wire.StorageSourceFile{{ID: "sf-1", StorageFileID: "file-a", LastKnownFileName: "a.ifc"}}
	f.files["file-a"] = wire.StorageFile{ID: "file-a", Size: 100, LastModifiedDateTime: wire.NewTimestamp(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))}
	return fx
}

func (fx *storageRunFixture) fingerprint(t *testing.T) string {
	fp, err := storageSourceFingerprint(context.Background(), fx.r.client, fx.f.connID)
	if err != nil {
		t.Fatal(err)
	}
	return fp
}

func timeoutsValue(create string) timeouts.Value {
	at := map[string]attr.Type{"create": types.StringType}
	if create == "" {
		return timeouts.Value{Object: types.ObjectNull(at)}
	}
	return timeouts.Value{Object: types.ObjectValueMust(at, map[string]attr.Value{"create": types.StringValue(create)})}
}

func unknownRunOutputs() runOutputsModel {
	o := runOutputsModel{
		runStatusModel: runStatusModel{
			State: types.StringUnknown(), Result: types.StringUnknown(), Phase: types.StringUnknown(), StartedAt: timetypes.NewRFC3339Unknown(),
			EndedAt: timetypes.NewRFC3339Unknown(), DurationSeconds: types.Float64Unknown(),
			Error: types.ObjectUnknown(fieldAttrTypes(runErrorFields)),
			Tasks: types.ListUnknown(objectType(taskFields)),
		},
		Changesets: types.ListUnknown(objectType(changesetFields)),
		Reports:    types.ListUnknown(objectType(reportFields)),
	}
	return o
}

// model is a configured run: planned (unknown outputs) when planned is true, otherwise as stored after a run.
func (fx *storageRunFixture) model(planned bool, rerun bool, fingerprint string, create string) storageRunModel {
	m := storageRunModel{
		runModel: runModel{
			ID: types.StringValue("run-0"), ConnectionID: types.StringValue(fx.f.connID), Triggers: types.MapNull(types.StringType),
			Wait:            types.BoolValue(true),
			AllowedResults:  types.SetValueMust(types.StringType, []attr.Value{types.StringValue(wire.ResultSuccess)}),
			Timeouts:        timeoutsValue(create),
			runOutputsModel: emptyRunOutputs(),
		},
		RerunOnSourceChange: types.BoolValue(rerun),
		SourceFingerprint:   types.StringValue(fingerprint),
	}
	m.State = types.StringValue(wire.StateCompleted)
	if planned {
		m.ID, m.SourceFingerprint, m.runOutputsModel = types.StringUnknown(), types.StringUnknown(), unknownRunOutputs()
	}
	return m
}

func (fx *storageRunFixture) plan(t *testing.T, m storageRunModel) tfsdk.Plan {
	p := tfsdk.Plan{Schema: fx.sch.Schema}
	if d := p.Set(context.Background(), &m); d.HasError() {
		t.Fatal(d)
	}
	return p
}

func (fx *storageRunFixture) state(t *testing.T, m storageRunModel) tfsdk.State {
	s := tfsdk.State{Schema: fx.sch.Schema}
	if d := s.Set(context.Background(), &m); d.HasError() {
		t.Fatal(d)
	}
	return s
}

func (fx *storageRunFixture) modifyPlan(t *testing.T, prior, planned storageRunModel) *resource.ModifyPlanResponse {
	req := resource.ModifyPlanRequest{Plan: fx.plan(t, planned), State: fx.state(t, prior), Config: tfsdk.Config{Schema: fx.sch.Schema, Raw: fx.plan(t, planned).Raw}}
	resp := &resource.ModifyPlanResponse{Plan: req.Plan}
	fx.r.ModifyPlan(context.Background(), req, resp)
	if resp.Diagnostics.HasError() {
		t.Fatal(resp.Diagnostics)
	}
	return resp
}

func TestStorageRunModifyPlan_UnchangedFilesKeepThePlanEmpty(t *testing.T) {
	fx := newStorageRunFixture(t)
	prior := fx.model(false, true, fx.fingerprint(t), "")
	resp := fx.modifyPlan(t, prior, prior)
	if len(resp.RequiresReplace) != 0 {
		t.Errorf("RequiresReplace = %v, want none when the files did not change", resp.RequiresReplace)
	}
	var fp types.String
	resp.Plan.GetAttribute(context.Background(), path.Root("source_fingerprint"), &fp)
	if fp.IsUnknown() || fp.ValueString() != prior.SourceFingerprint.ValueString() {
		t.Errorf("planned fingerprint = %v, want the recorded one", fp)
	}
}

func TestStorageRunModifyPlan_ChangedFilePlansANewRun(t *testing.T) {
	fx := newStorageRunFixture(t)
	prior := fx.model(false, true, fx.fingerprint(t), "")
	sf := fx.f.files["file-a"]
	sf.Size = 101
	fx.f.files["file-a"] = sf
	resp := fx.modifyPlan(t, prior, prior)
	if len(resp.RequiresReplace) != 1 || !resp.RequiresReplace[0].Equal(path.Root("source_fingerprint")) {
		t.Fatalf("RequiresReplace = %v, want source_fingerprint", resp.RequiresReplace)
	}
	var fp types.String
	resp.Plan.GetAttribute(context.Background(), path.Root("source_fingerprint"), &fp)
	if !fp.IsUnknown() {
		t.Errorf("planned fingerprint = %v, want unknown (the new run records it)", fp)
	}
}

func TestStorageRunModifyPlan_RerunOffMakesNoCalls(t *testing.T) {
	fx := newStorageRunFixture(t)
	prior := fx.model(false, false, "stale", "")
	resp := fx.modifyPlan(t, prior, prior)
	if len(resp.RequiresReplace) != 0 || len(fx.f.log) != 0 {
		t.Errorf("rerun_on_source_change = false: RequiresReplace = %v, requests = %v; want neither", resp.RequiresReplace, fx.f.log)
	}
}

func TestStorageRunModifyPlan_CreateWarnsAboutUserConnection(t *testing.T) {
	fx := newStorageRunFixture(t)
	fx.f.authType = wire.AuthenticationTypeUser
	planned := fx.model(true, false, "", "")
	req := resource.ModifyPlanRequest{Plan: fx.plan(t, planned), State: tfsdk.State{Schema: fx.sch.Schema, Raw: nullRaw(fx)}}
	resp := &resource.ModifyPlanResponse{Plan: req.Plan}
	fx.r.ModifyPlan(context.Background(), req, resp)
	if resp.Diagnostics.WarningsCount() != 1 || !strings.Contains(resp.Diagnostics.Warnings()[0].Detail(), "UserNotAuthenticated") {
		t.Fatalf("diags = %v, want the consent warning", resp.Diagnostics)
	}
}

func nullRaw(fx *storageRunFixture) tftypes.Value {
	return tftypes.NewValue(fx.sch.Schema.Type().TerraformType(context.Background()), nil)
}

func (fx *storageRunFixture) create(t *testing.T, planned storageRunModel) *resource.CreateResponse {
	req := resource.CreateRequest{Plan: fx.plan(t, planned), Config: tfsdk.Config{Schema: fx.sch.Schema, Raw: fx.plan(t, planned).Raw}}
	resp := &resource.CreateResponse{State: tfsdk.State{Schema: fx.sch.Schema, Raw: nullRaw(fx)}}
	fx.r.Create(context.Background(), req, resp)
	return resp
}

func TestStorageRunCreate_RecordsOutputsAndFingerprint(t *testing.T) {
	fx := newStorageRunFixture(t)
	job := wire.Job{ID: "j", ConnectorType: "IFC", State: wire.StateCompleted, Result: wire.ResultSuccess,
		Tasks: []wire.Task{{ID: "t1", StorageFileID: "file-a", State: wire.StateCompleted, Result: wire.ResultSuccess}}}
	fx.f.starts = []func(http.ResponseWriter, *http.Request){fx.f.accept("run-7", run(wire.StateExecuting, wire.ResultUndetermined), run(wire.StateCompleted, wire.ResultSuccess, job))}
	resp := fx.create(t, fx.model(true, false, "", ""))
	if resp.Diagnostics.HasError() {
		t.Fatal(resp.Diagnostics)
	}
	if !resp.State.Raw.IsFullyKnown() {
		t.Fatal("state has unknown values")
	}
	var got storageRunModel
	resp.State.Get(context.Background(), &got)
	if got.ID.ValueString() != "run-7" || got.Result.ValueString() != wire.ResultSuccess || got.SourceFingerprint.ValueString() != fx.fingerprint(t) {
		t.Errorf("state = id %v result %v fingerprint %v", got.ID, got.Result, got.SourceFingerprint)
	}
	if !strings.Contains(got.Tasks.String(), `"a.ifc"`) {
		t.Errorf("tasks = %v, want the file name", got.Tasks)
	}
}

func TestStorageRunCreate_TimeoutLeavesKnownPartialState(t *testing.T) {
	fx := newStorageRunFixture(t) // the 1s timeout passes on the fixture's fake clock while the run stays Queued
	fx.f.starts = []func(http.ResponseWriter, *http.Request){fx.f.accept("run-slow", run(wire.StateQueued, wire.ResultUndetermined))}
	resp := fx.create(t, fx.model(true, false, "", "1s"))
	if !resp.Diagnostics.HasError() || !strings.Contains(resp.Diagnostics.Errors()[0].Summary(), "did not finish in time") {
		t.Fatalf("diags = %v, want the timeout error", resp.Diagnostics)
	}
	if resp.State.Raw.IsNull() || !resp.State.Raw.IsFullyKnown() {
		t.Fatal("the partial state must be saved and fully known so Terraform taints it")
	}
	var got storageRunModel
	resp.State.Get(context.Background(), &got)
	if got.ID.ValueString() != "run-slow" || got.State.ValueString() != wire.StateQueued {
		t.Errorf("partial state = id %v state %v", got.ID, got.State)
	}
}

func TestStorageRunCreate_FailedRunIsSavedWithError(t *testing.T) {
	fx := newStorageRunFixture(t)
	r := run(wire.StateCompleted, wire.ResultError)
	r.Jobs = []wire.Job{}
	r.Error = &wire.RunError{ErrorKey: "UserNotAuthenticated", Description: "User is not authenticated."}
	fx.f.starts = []func(http.ResponseWriter, *http.Request){fx.f.accept("run-f", r)}
	resp := fx.create(t, fx.model(true, false, "", ""))
	if !resp.Diagnostics.HasError() || resp.State.Raw.IsNull() {
		t.Fatalf("want an error and saved state, got %v", resp.Diagnostics)
	}
}

func TestStorageRunUpdateAndDeleteMakeNoCalls(t *testing.T) {
	fx := newStorageRunFixture(t)
	prior := fx.model(false, false, "fp", "")
	next := prior
	next.Wait = types.BoolValue(false)
	uresp := &resource.UpdateResponse{State: fx.state(t, prior)}
	fx.r.Update(context.Background(), resource.UpdateRequest{Plan: fx.plan(t, next), State: fx.state(t, prior)}, uresp)
	var got storageRunModel
	uresp.State.Get(context.Background(), &got)
	if uresp.Diagnostics.HasError() || got.Wait.ValueBool() || got.ID.ValueString() != "run-0" {
		t.Errorf("update: %v, state %+v", uresp.Diagnostics, got)
	}
	dresp := &resource.DeleteResponse{State: fx.state(t, prior)}
	fx.r.Delete(context.Background(), resource.DeleteRequest{State: fx.state(t, prior)}, dresp)
	if len(fx.f.log) != 0 {
		t.Errorf("requests = %v, want none: update and delete are local", fx.f.log)
	}
}

// A run whose connection was deleted is gone: the resource leaves the state with a warning.
func TestStorageRunRead_DeletedConnectionRemovesTheRunWithWarning(t *testing.T) {
	fx := newStorageRunFixture(t)
	fx.f.connGone = true
	prior := fx.model(false, false, "fp", "")
	resp := &resource.ReadResponse{State: fx.state(t, prior)}
	fx.r.Read(context.Background(), resource.ReadRequest{State: fx.state(t, prior)}, resp)
	if !resp.State.Raw.IsNull() || resp.Diagnostics.WarningsCount() != 1 || resp.Diagnostics.HasError() {
		t.Fatalf("state null = %v, diags = %v; want removal with a warning", resp.State.Raw.IsNull(), resp.Diagnostics)
	}
	if d := resp.Diagnostics.Warnings()[0]; !strings.Contains(d.Summary(), "storage connection "+fx.f.connID+" was deleted") {
		t.Errorf("warning = %s", d.Summary())
	}
}

// A run that is missing while its connection exists (purged run history) stays in state with a warning:
// removing it would make the next apply start a run nobody asked for.
func TestStorageRunRead_PurgedRunIsKeptWithWarning(t *testing.T) {
	fx := newStorageRunFixture(t)
	prior := fx.model(false, false, "fp", "")
	resp := &resource.ReadResponse{State: fx.state(t, prior)}
	fx.r.Read(context.Background(), resource.ReadRequest{State: fx.state(t, prior)}, resp)
	if resp.State.Raw.IsNull() || !resp.State.Raw.Equal(fx.state(t, prior).Raw) {
		t.Fatalf("state = %v; want the prior state kept unchanged", resp.State.Raw)
	}
	if resp.Diagnostics.HasError() || resp.Diagnostics.WarningsCount() != 1 ||
		!strings.Contains(resp.Diagnostics.Warnings()[0].Detail(), "purged") {
		t.Fatalf("diags = %v; want one warning about the purged run history", resp.Diagnostics)
	}
	if n := fx.f.requests("GET " + fx.f.connPath()); n != 2 { // the run GET has the connection path as prefix
		t.Errorf("requests = %v; want the run GET, then the connection GET", fx.f.log)
	}
}

func TestStorageRunRead_CompletedRunCostsOneCall(t *testing.T) {
	fx := newStorageRunFixture(t)
	fx.f.runs["run-0"] = []wire.Run{run(wire.StateCompleted, wire.ResultSuccess)}
	prior := fx.model(false, false, "fp", "")
	resp := &resource.ReadResponse{State: fx.state(t, prior)}
	fx.r.Read(context.Background(), resource.ReadRequest{State: fx.state(t, prior)}, resp)
	if resp.Diagnostics.HasError() || len(fx.f.log) != 1 {
		t.Errorf("diags %v, requests %v; want exactly the run GET", resp.Diagnostics, fx.f.log)
	}
}

// fingerprintServer answers a storage connection's source file list and the Storage files' metadata, in process
// (no sockets, so it can run inside a synctest bubble), counting the file reads in flight. With hold, each file
// read waits until the test lets one answer (release), so the test decides when reads end.
type fingerprintServer struct {
	handler         http.HandlerFunc
	inflight        atomic.Int64
	release         chan struct{}
	missing, denied string
}

func newFingerprintServer(connID string, files []wire.StorageFile, hold bool) *fingerprintServer {
	fs := &fingerprintServer{release: make(chan struct{})}
	if !hold {
		close(fs.release)
	}
	byID := map[string]wire.StorageFile{}
	var sources []wire.StorageSourceFile
	for i, f := range files {
		byID[f.ID] = f
		sources = append(sources, wire.StorageSourceFile{ID: fmt.Sprintf("sf-%d", i), StorageFileID: f.ID})
	}
	fs.handler = func(w http.ResponseWriter, r *http.Request) {
		switch {
		case r.URL.Path == "/synchronization/imodels/storageconnections/"+connID+"/sourcefiles":
			writeJSON(w, 200, wire.StorageSourceFileList{SourceFiles: sources})
		case strings.HasPrefix(r.URL.Path, "/storage/files/"):
			fs.inflight.Add(1)
			<-fs.release
			fs.inflight.Add(-1)
			id := strings.TrimPrefix(r.URL.Path, "/storage/files/")
			switch id {
			case fs.missing:
				writeAPIError(w, 404, "FileNotFound")
			case fs.denied:
				writeAPIError(w, 403, "InsufficientPermissions")
			default:
				writeJSON(w, 200, map[string]any{"file": byID[id]})
			}
		default:
			writeAPIError(w, 404, "NoRoute")
		}
	}
	return fs
}

// RoundTrip serves a request by calling the handler in the caller's goroutine.
func (fs *fingerprintServer) RoundTrip(r *http.Request) (*http.Response, error) {
	rec := httptest.NewRecorder()
	fs.handler(rec, r)
	return rec.Result(), nil
}

func (fs *fingerprintServer) client(t *testing.T) *itwin.Client {
	c, err := itwin.NewClient(context.Background(), itwin.Config{APIURL: "http://fingerprint.test", AccessToken: "t", MaxRetries: 1,
		HTTPClient: &http.Client{Transport: fs}})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// The fingerprint reads the Storage files concurrently but at most fingerprintConcurrency at a time, and its
// value does not depend on the order the reads finish in.
func TestStorageSourceFingerprint_BoundedConcurrencyDeterministic(t *testing.T) {
	const connID = "conn-1"
	var files []wire.StorageFile
	var want []fingerprintEntry
	for i := range 12 {
		f := wire.StorageFile{ID: fmt.Sprintf("file-%02d", i), Size: int64(100 + i),
			LastModifiedDateTime: wire.NewTimestamp(time.Date(2026, 1, 1, 0, 0, i, 0, time.UTC))}
		files = append(files, f)
		want = append(want, fingerprintEntry{StorageFileID: f.ID, Size: f.Size, LastModified: f.LastModifiedDateTime.UTC().Format("2006-01-02T15:04:05.0000000Z")})
	}
	want[3] = fingerprintEntry{StorageFileID: "file-03", LastModified: "missing"}
	// In a synctest bubble, synctest.Wait returns once every reader is blocked: on a held read, or on the
	// limit. At each such moment exactly min(limit, files left) reads must be in flight, whatever the timing.
	synctest.Test(t, func(t *testing.T) {
		fs := newFingerprintServer(connID, files, true)
		fs.missing = "file-03"
		var got string
		var err error
		done := make(chan struct{})
		go func() {
			got, err = storageSourceFingerprint(context.Background(), fs.client(t), connID)
			close(done)
		}()
		for left := len(files); left > 0; left-- {
			synctest.Wait()
			if n := fs.inflight.Load(); n != int64(min(fingerprintConcurrency, left)) {
				t.Fatalf("%d file reads in flight with %d files left, want %d (concurrent, and bounded)", n, left, min(fingerprintConcurrency, left))
			}
			fs.release <- struct{}{}
		}
		<-done
		if err != nil {
			t.Fatal(err)
		}
		if got != sourceFingerprint(want) {
			t.Errorf("fingerprint = %s, want %s", got, sourceFingerprint(want))
		}
	})

	// One unreadable file fails the fingerprint with an error naming it.
	fs2 := newFingerprintServer(connID, files, false)
	fs2.denied = "file-07"
	if _, err := storageSourceFingerprint(context.Background(), fs2.client(t), connID); err == nil || !strings.Contains(err.Error(), "file-07") {
		t.Errorf("err = %v, want the failure of file-07", err)
	}
}

// rerun_on_source_change without a recorded fingerprint cannot detect anything: the plan says so on the
// attribute instead of silently doing nothing.
func TestStorageRunModifyPlan_RerunWithoutFingerprintWarns(t *testing.T) {
	fx := newStorageRunFixture(t)
	prior := fx.model(false, true, "", "")
	prior.SourceFingerprint = types.StringNull()
	resp := fx.modifyPlan(t, prior, prior)
	if len(resp.RequiresReplace) != 0 {
		t.Errorf("RequiresReplace = %v, want none", resp.RequiresReplace)
	}
	ws := resp.Diagnostics.Warnings()
	if len(ws) != 1 || !strings.Contains(ws[0].Detail(), "no source_fingerprint") {
		t.Fatalf("diags = %v, want one warning about the missing fingerprint", resp.Diagnostics)
	}
	if wp, ok := ws[0].(diag.DiagnosticWithPath); !ok || !wp.Path().Equal(path.Root("rerun_on_source_change")) {
		t.Errorf("the warning must point at rerun_on_source_change: %v", ws[0])
	}

	// A triggers change starts a run that records a fingerprint: no warning then.
	planned := prior
	planned.Triggers = types.MapValueMust(types.StringType, map[string]attr.Value{"v": types.StringValue("2")})
	prior.Triggers = types.MapValueMust(types.StringType, map[string]attr.Value{"v": types.StringValue("1")})
	if resp := fx.modifyPlan(t, prior, planned); resp.Diagnostics.WarningsCount() != 0 {
		t.Errorf("a new run is planned, yet: %v", resp.Diagnostics)
	}

	// Off: nothing to say.
	prior.RerunOnSourceChange = types.BoolValue(false)
	if resp := fx.modifyPlan(t, prior, prior); resp.Diagnostics.WarningsCount() != 0 {
		t.Errorf("rerun_on_source_change = false: %v", resp.Diagnostics)
	}
}

// A create whose fingerprint cannot be taken still runs, and warns on rerun_on_source_change when it is on.
func TestStorageRunCreate_FingerprintFailureWarnsWhenRerunIsOn(t *testing.T) {
	for _, rerun := range []bool{true, false} {
		fx := newStorageRunFixture(t)
		fx.f.listDenied = true
		fx.f.starts = []func(http.ResponseWriter, *http.Request){fx.f.accept("run-1", run(wire.StateCompleted, wire.ResultSuccess))}
		resp := fx.create(t, fx.model(true, rerun, "", ""))
		if resp.Diagnostics.HasError() {
			t.Fatalf("rerun=%v: %v", rerun, resp.Diagnostics)
		}
		var got storageRunModel
		resp.State.Get(context.Background(), &got)
		if got.ID.ValueString() != "run-1" || !got.SourceFingerprint.IsNull() {
			t.Errorf("rerun=%v: id %v fingerprint %v; want the run with a null fingerprint", rerun, got.ID, got.SourceFingerprint)
		}
		warned := false
		for _, w := range resp.Diagnostics.Warnings() {
			if wp, ok := w.(diag.DiagnosticWithPath); ok && wp.Path().Equal(path.Root("rerun_on_source_change")) {
				warned = true
			}
		}
		if warned != rerun {
			t.Errorf("rerun=%v: warning on rerun_on_source_change = %v (%v)", rerun, warned, resp.Diagnostics)
		}
	}
}
