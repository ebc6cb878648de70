package provider

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	actiontimeouts "github.com/hashicorp/terraform-plugin-framework-timeouts/action/timeouts"
	"github.com/hashicorp/terraform-plugin-framework/action"
	actionschema "github.com/hashicorp/terraform-plugin-framework/action/schema"
	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	rschema "github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/seed37c7dd03/terraform-provider-itwin/internal/wire"
)

func actionSchema(t *testing.T) action.SchemaResponse {
	var resp action.SchemaResponse
	(&syncRunAction{}).Schema(context.Background(), action.SchemaRequest{}, &resp)
	if resp.Diagnostics.HasError() {
		t.Fatal(resp.Diagnostics)
	}
	return resp
}

func manifestFilesValue(t *testing.T, files []manifestFileModel) types.List {
	elem := manifestFileObjectType()
	v, d := types.ListValueFrom(context.Background(), elem, files)
	if d.HasError() {
		t.Fatal(d)
	}
	return v
}

// manifestFileObjectType is the object type of one source_files entry, read from the resource schema.
func manifestFileObjectType() attr.Type {
	var resp resource.SchemaResponse
	NewSyncManifestConnectionRunResource().Schema(context.Background(), resource.SchemaRequest{}, &resp)
	return resp.Schema.Attributes["source_files"].GetType().(types.ListType).ElemType
}

func (m syncRunActionModel) config(t *testing.T) tfsdk.Config {
	sch := actionSchema(t).Schema
	s := tfsdk.State{Schema: sch}
	if d := s.Set(context.Background(), &m); d.HasError() {
		t.Fatal(d)
	}
	return tfsdk.Config{Schema: sch, Raw: s.Raw}
}

func baseActionModel(connID string) syncRunActionModel {
	return syncRunActionModel{
		ConnectionID:               types.StringValue(connID),
		Wait:                       types.BoolNull(),
		AllowedResults:             types.SetNull(types.StringType),
		Timeouts:                   actiontimeouts.Value{Object: types.ObjectNull(map[string]attr.Type{"invoke": types.StringType})},
		DocumentAttributeSchemaURL: types.StringNull(),
		SourceFiles:                types.ListNull(manifestFileObjectType()),
	}
}

func masterFile(id, name, url string, children ...manifestChildModel) manifestFileModel {
	return manifestFileModel{manifestChildModel: manifestChildModel{SourceFileID: types.StringValue(id), Name: types.StringValue(name),
		RelativePath: types.StringNull(), URL: types.StringValue(url), ConnectorType: types.StringValue("MSTN")},
		Action: types.StringNull(), Children: children}
}

func TestSyncRunAction_SchemaDescribesEveryAttribute(t *testing.T) {
	sch := actionSchema(t).Schema
	if sch.Description == "" {
		t.Error("action has no description")
	}
	for name, a := range sch.Attributes {
		if a.GetDescription() == "" {
			t.Errorf("attribute %s has no description", name)
		}
	}
	for _, want := range []string{"connection_id", "wait", "allowed_results", "timeouts", "source_files", "document_attribute_schema_url"} {
		if _, ok := sch.Attributes[want]; !ok {
			t.Errorf("missing attribute %s", want)
		}
	}
}

func TestSyncRunAction_ValidateConfigRejectsDuplicateFiles(t *testing.T) {
	m := baseActionModel("c")
	m.SourceFiles = manifestFilesValue(t, []manifestFileModel{masterFile("dms-1", "a.dgn", "https://x/a"), masterFile("dms-1", "b.dgn", "https://x/b")})
	var resp action.ValidateConfigResponse
	(&syncRunAction{}).ValidateConfig(context.Background(), action.ValidateConfigRequest{Config: m.config(t)}, &resp)
	if resp.Diagnostics.ErrorsCount() != 1 || !strings.Contains(resp.Diagnostics.Errors()[0].Detail(), "dms-1") {
		t.Fatalf("diags = %v", resp.Diagnostics)
	}
}

func invokeAction(t *testing.T, f *fakeSync, m syncRunActionModel) (*action.InvokeResponse, []string) {
	var progress []string
	a := &syncRunAction{client: f.client(), clock: newFakeClock()}
	resp := &action.InvokeResponse{SendProgress: func(e action.InvokeProgressEvent) { progress = append(progress, e.Message) }}
	a.Invoke(context.Background(), action.InvokeRequest{Config: m.config(t)}, resp)
	return resp, progress
}

func TestSyncRunAction_InvokeStorageSendsProgressAndEnforcesResult(t *testing.T) {
	f := newFakeSync(t, wire.KindStorage)
	f.starts = []func(http.ResponseWriter, *http.Request){f.accept("r1",
		run(wire.StateQueued, wire.ResultUndetermined), run(wire.StateCompleted, wire.ResultSuccess))}
	resp, progress := invokeAction(t, f, baseActionModel(f.connID))
	if resp.Diagnostics.HasError() {
		t.Fatal(resp.Diagnostics)
	}
	joined := strings.Join(progress, "\n")
	for _, want := range []string{"started synchronization run r1", "Queued", "result Success"} {
		if !strings.Contains(joined, want) {
			t.Errorf("progress lacks %q:\n%s", want, joined)
		}
	}

	f.starts = []func(http.ResponseWriter, *http.Request){f.accept("r2", run(wire.StateCompleted, wire.ResultSkipped))}
	resp, _ = invokeAction(t, f, baseActionModel(f.connID))
	if !resp.Diagnostics.HasError() {
		t.Error("a Skipped run is not in the default allowed_results")
	}
}

func TestSyncRunAction_ManifestBodyOnStorageConnectionIsRejected(t *testing.T) {
	f := newFakeSync(t, wire.KindStorage)
	m := baseActionModel(f.connID)
	m.SourceFiles = manifestFilesValue(t, []manifestFileModel{masterFile("dms-1", "a.dgn", "https://x/a")})
	resp, _ := invokeAction(t, f, m)
	if resp.Diagnostics.ErrorsCount() != 1 || !strings.Contains(resp.Diagnostics.Errors()[0].Summary(), "storage connection") {
		t.Fatalf("diags = %v", resp.Diagnostics)
	}
	if f.requests("POST") != 0 {
		t.Error("no run may start")
	}
}

func TestSyncRunAction_InvokeManifestPostsTheBody(t *testing.T) {
	f := newFakeSync(t, wire.KindManifest)
	f.starts = []func(http.ResponseWriter, *http.Request){f.accept("r1", run(wire.StateCompleted, wire.ResultSuccess))}
	m := baseActionModel(f.connID)
	child := manifestChildModel{SourceFileID: types.StringValue("dms-2"), Name: types.StringValue("ref.dgn"), RelativePath: types.StringNull(),
		URL: types.StringValue("https://files/ref?sig=2"), ConnectorType: types.StringValue("MSTN"),
		DocumentAttribute: &documentAttributeModel{ClassName: types.StringValue("Docs:Link"),
			Properties: types.MapValueMust(types.StringType, map[string]attr.Value{"Revision": types.StringValue("C")})}}
	m.SourceFiles = manifestFilesValue(t, []manifestFileModel{masterFile("dms-1", "master.dgn", "https://files/master?sig=1", child)})
	m.Wait = types.BoolValue(false)
	resp, _ := invokeAction(t, f, m)
	if resp.Diagnostics.HasError() {
		t.Fatal(resp.Diagnostics)
	}
	var body wire.ManifestRunCreate
	if len(f.startBodies) != 1 || json.Unmarshal([]byte(f.startBodies[0]), &body) != nil {
		t.Fatalf("start bodies = %q", f.startBodies)
	}
	sf := body.SourceFiles
	if len(sf) != 1 || sf[0].URL != "https://files/master?sig=1" || len(sf[0].Children) != 1 {
		t.Fatalf("body = %+v", body)
	}
	c := sf[0].Children[0]
	if c.ParentID != "dms-1" || c.URL != "https://files/ref?sig=2" || c.DocumentAttribute == nil || c.DocumentAttribute.Properties["Revision"] != "C" {
		t.Errorf("child = %+v, want parentId set from the master and its document attribute", c)
	}
}

func TestValidateManifestFiles_ConnectorMismatchWarnsOnTheAttribute(t *testing.T) {
	child := manifestChildModel{SourceFileID: types.StringValue("dms-2"), Name: types.StringValue("site.ifc"), URL: types.StringValue("u"),
		ConnectorType: types.StringValue("MSTN")}
	var diags diag.Diagnostics
	validateManifestFiles([]manifestFileModel{masterFile("dms-1", "master.dgn", "u", child)}, &diags)
	if diags.HasError() || diags.WarningsCount() != 1 {
		t.Fatalf("diags = %v, want one warning for the .ifc child under MSTN", diags)
	}
	want := path.Root("source_files").AtListIndex(0).AtName("children").AtListIndex(0).AtName("connector_type")
	if w, ok := diags[0].(diag.DiagnosticWithPath); !ok || !w.Path().Equal(want) {
		t.Errorf("warning path = %v, want %v", diags[0], want)
	}
}

// An action has no state: its failure diagnostics must not claim that anything is saved or tainted, and must say
// that invoking the action again is what starts another run.
func TestSyncRunAction_FailureWordingFitsAnAction(t *testing.T) {
	f := newFakeSync(t, wire.KindStorage)
	failed := wire.Task{ID: "task-b", StorageFileID: "file-b", State: wire.StateCompleted, Result: wire.ResultError,
		Error: &wire.TaskError{ErrorCode: "TAE_PARSE_ERROR", Message: "The file could not be read."}}
	f.starts = []func(http.ResponseWriter, *http.Request){f.accept("r1", run(wire.StateCompleted, wire.ResultPartialSuccess, twoTaskJob(failed)))}
	resp, _ := invokeAction(t, f, baseActionModel(f.connID))
	if resp.Diagnostics.ErrorsCount() != 1 {
		t.Fatalf("diags = %v, want one error for the failed file", resp.Diagnostics)
	}
	assertActionWording(t, resp.Diagnostics.Errors()[0])

	// A timeout: the run stays queued past timeouts.invoke.
	f.starts = []func(http.ResponseWriter, *http.Request){f.accept("r2", run(wire.StateQueued, wire.ResultUndetermined))}
	m := baseActionModel(f.connID)
	m.Timeouts = actiontimeouts.Value{Object: types.ObjectValueMust(map[string]attr.Type{"invoke": types.StringType},
		map[string]attr.Value{"invoke": types.StringValue("300ms")})}
	resp, _ = invokeAction(t, f, m)
	if resp.Diagnostics.ErrorsCount() != 1 || !strings.Contains(resp.Diagnostics.Errors()[0].Summary(), "did not finish in time") {
		t.Fatalf("diags = %v, want the timeout error", resp.Diagnostics)
	}
	e := resp.Diagnostics.Errors()[0]
	assertActionWording(t, e)
	if !strings.Contains(e.Detail(), "timeouts.invoke") || strings.Contains(e.Detail(), "timeouts.create") {
		t.Errorf("the action's timeout is timeouts.invoke:\n%s", e.Detail())
	}
}

func assertActionWording(t *testing.T, e diag.Diagnostic) {
	t.Helper()
	if !strings.Contains(e.Detail(), "invoke the action again") && !strings.Contains(e.Detail(), "Invoke the action again") {
		t.Errorf("detail does not say to invoke the action again:\n%s", e.Detail())
	}
	for _, wrong := range []string{"marked tainted", "saved in the state", "next apply starts"} {
		if strings.Contains(e.Detail(), wrong) {
			t.Errorf("detail claims %q, which is false for an action:\n%s", wrong, e.Detail())
		}
	}
}

// The action and the run resources take the same allowed_results: every result a completed run can have (the
// wire's list without Undetermined), documented and validated from that one list. The action used to spell the
// values out by hand.
func TestAllowedResultsAreTheWiresResults(t *testing.T) {
	ctx := context.Background()
	var want []string
	for _, r := range wire.ExecutionResults {
		if r != wire.ResultUndetermined {
			want = append(want, r)
		}
	}
	var rs resource.SchemaResponse
	NewSyncStorageConnectionRunResource().Schema(ctx, resource.SchemaRequest{}, &rs)
	descriptions := map[string]string{
		"action":   actionSchema(t).Schema.Attributes["allowed_results"].GetDescription(),
		"resource": rs.Schema.Attributes["allowed_results"].GetDescription(),
	}
	validators := map[string][]validator.Set{
		"action":   actionSchema(t).Schema.Attributes["allowed_results"].(actionschema.SetAttribute).Validators,
		"resource": rs.Schema.Attributes["allowed_results"].(rschema.SetAttribute).Validators,
	}
	for who, desc := range descriptions {
		if !strings.Contains(desc, "`"+strings.Join(want, "`, `")+"`") || strings.Contains(desc, wire.ResultUndetermined) {
			t.Errorf("%s: allowed_results description %q does not list exactly %v", who, desc, want)
		}
		for _, r := range append(want, wire.ResultUndetermined) {
			v, _ := types.SetValueFrom(ctx, types.StringType, []string{r})
			var diags diag.Diagnostics
			for _, val := range validators[who] {
				var resp validator.SetResponse
				val.ValidateSet(ctx, validator.SetRequest{Path: path.Root("allowed_results"), ConfigValue: v}, &resp)
				diags.Append(resp.Diagnostics...)
			}
			if accepted := !diags.HasError(); accepted != (r != wire.ResultUndetermined) {
				t.Errorf("%s: allowed_results = [%s] accepted = %v", who, r, accepted)
			}
		}
	}
}
