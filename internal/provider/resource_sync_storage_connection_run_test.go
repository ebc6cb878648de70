package provider

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-framework-timeouts/resource/timeouts"
	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-go/tftypes"

	"github.com/seed37c7dd03/terraform-provider-itwin/internal/itwin"
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
	f := newFakeSync(t, connKindStorage)
	r := &storageRunResource{client: f.client(), ops: (&testOps{}).ops()}
	fx := &storageRunFixture{f: f, r: r}
	r.Schema(context.Background(), resource.SchemaRequest{}, &fx.sch)
	if fx.sch.Diagnostics.HasError() {
		t.Fatal(fx.sch.Diagnostics)
	}
	f.sourceFiles = []itwin.StorageSourceFile{{ID: "sf-1", StorageFileID: "file-a", LastKnownFileName: "a.ifc"}}
	f.files["file-a"] = itwin.StorageFile{ID: "file-a", Size: 100, LastModifiedDateTime: itwin.NewTimestamp(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))}
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
		State: types.StringUnknown(), Result: types.StringUnknown(), Phase: types.StringUnknown(), StartedAt: types.StringUnknown(),
		EndedAt: types.StringUnknown(), DurationSeconds: types.Float64Unknown(),
		Error:      types.ObjectUnknown(fieldAttrTypes(runErrorFields)),
		Tasks:      types.ListUnknown(fieldByName("tasks").attrType().(types.ListType).ElemType),
		Changesets: types.ListUnknown(fieldByName("changesets").attrType().(types.ListType).ElemType),
		Reports:    types.ListUnknown(fieldByName("reports").attrType().(types.ListType).ElemType),
	}
	return o
}

// model is a configured run: planned (unknown outputs) when planned is true, otherwise as stored after a run.
func (fx *storageRunFixture) model(planned bool, rerun bool, fingerprint string, create string) storageRunModel {
	m := storageRunModel{
		ID: types.StringValue("run-0"), ConnectionID: types.StringValue(fx.f.connID), Triggers: types.MapNull(types.StringType),
		RerunOnSourceChange: types.BoolValue(rerun), Wait: types.BoolValue(true),
		AllowedResults:    types.SetValueMust(types.StringType, []attr.Value{types.StringValue(itwin.ResultSuccess)}),
		Timeouts:          timeoutsValue(create),
		SourceFingerprint: types.StringValue(fingerprint),
		runOutputsModel:   emptyRunOutputs(),
	}
	m.State = types.StringValue(itwin.StateCompleted)
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
	fx.f.authType = itwin.AuthenticationTypeUser
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
	job := itwin.Job{ID: "j", ConnectorType: "IFC", State: itwin.StateCompleted, Result: itwin.ResultSuccess,
		Tasks: []itwin.Task{{ID: "t1", StorageFileID: "file-a", State: itwin.StateCompleted, Result: itwin.ResultSuccess}}}
	fx.f.starts = []func(http.ResponseWriter, *http.Request){fx.f.accept("run-7", run(itwin.StateExecuting, itwin.ResultUndetermined), run(itwin.StateCompleted, itwin.ResultSuccess, job))}
	resp := fx.create(t, fx.model(true, false, "", ""))
	if resp.Diagnostics.HasError() {
		t.Fatal(resp.Diagnostics)
	}
	if !resp.State.Raw.IsFullyKnown() {
		t.Fatal("state has unknown values")
	}
	var got storageRunModel
	resp.State.Get(context.Background(), &got)
	if got.ID.ValueString() != "run-7" || got.Result.ValueString() != itwin.ResultSuccess || got.SourceFingerprint.ValueString() != fx.fingerprint(t) {
		t.Errorf("state = id %v result %v fingerprint %v", got.ID, got.Result, got.SourceFingerprint)
	}
	if !strings.Contains(got.Tasks.String(), `"a.ifc"`) {
		t.Errorf("tasks = %v, want the file name", got.Tasks)
	}
}

func TestStorageRunCreate_TimeoutLeavesKnownPartialState(t *testing.T) {
	fx := newStorageRunFixture(t)
	fx.r.ops.sleep = nil
	fx.f.starts = []func(http.ResponseWriter, *http.Request){fx.f.accept("run-slow", run(itwin.StateQueued, itwin.ResultUndetermined))}
	resp := fx.create(t, fx.model(true, false, "", "1s"))
	if !resp.Diagnostics.HasError() || !strings.Contains(resp.Diagnostics.Errors()[0].Summary(), "did not finish in time") {
		t.Fatalf("diags = %v, want the timeout error", resp.Diagnostics)
	}
	if resp.State.Raw.IsNull() || !resp.State.Raw.IsFullyKnown() {
		t.Fatal("the partial state must be saved and fully known so Terraform taints it")
	}
	var got storageRunModel
	resp.State.Get(context.Background(), &got)
	if got.ID.ValueString() != "run-slow" || got.State.ValueString() != itwin.StateQueued {
		t.Errorf("partial state = id %v state %v", got.ID, got.State)
	}
}

func TestStorageRunCreate_FailedRunIsSavedWithError(t *testing.T) {
	fx := newStorageRunFixture(t)
	r := run(itwin.StateCompleted, itwin.ResultError)
	r.Jobs = []itwin.Job{}
	r.Error = &itwin.RunError{ErrorKey: "UserNotAuthenticated", Description: "User is not authenticated."}
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
// removing it would make the next apply start a run nobody asked for (REVIEW finding 8).
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
	fx.f.runs["run-0"] = []itwin.Run{run(itwin.StateCompleted, itwin.ResultSuccess)}
	prior := fx.model(false, false, "fp", "")
	resp := &resource.ReadResponse{State: fx.state(t, prior)}
	fx.r.Read(context.Background(), resource.ReadRequest{State: fx.state(t, prior)}, resp)
	if resp.Diagnostics.HasError() || len(fx.f.log) != 1 {
		t.Errorf("diags %v, requests %v; want exactly the run GET", resp.Diagnostics, fx.f.log)
	}
}
