package provider

import (
	"context"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	fwresource "github.com/hashicorp/terraform-plugin-framework/resource"
	fwschema "github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-go/tftypes"

	"github.com/seed37c7dd03/terraform-provider-itwin/internal/itwin"
)

func TestPlanReconcile(t *testing.T) {
	sf := func(key, ct string) itwin.SourceFile { return itwin.SourceFile{Key: key, ConnectorType: ct} }
	current := []itwin.SourceFile{
		{ID: "m-a", Key: "a", ConnectorType: "MSTN"},
		{ID: "m-b", Key: "b", ConnectorType: "MSTN"},
		{ID: "m-c", Key: "c", ConnectorType: "IFC"},
	}
	desired := []itwin.SourceFile{
		sf("a", "MSTN"),  // kept as is
		sf("b", "CIVIL"), // re-typed: PUT on its mapping
		sf("d", "DWG"),   // new
	}
	p := planReconcile(current, desired)
	if !reflect.DeepEqual(p.Add, []itwin.SourceFile{sf("d", "DWG")}) {
		t.Errorf("Add = %+v", p.Add)
	}
	if !reflect.DeepEqual(p.Update, map[string]itwin.SourceFile{"m-b": sf("b", "CIVIL")}) {
		t.Errorf("Update = %+v", p.Update)
	}
	if len(p.Delete) != 1 || p.Delete[0].ID != "m-c" {
		t.Errorf("Delete = %+v", p.Delete)
	}
	if p := planReconcile(current, []itwin.SourceFile{sf("a", "MSTN"), sf("b", "MSTN"), sf("c", "IFC")}); len(p.Add)+len(p.Update)+len(p.Delete) != 0 {
		t.Errorf("an equal set must need no calls, got %+v", p)
	}
}

// Manifest mappings have no connector type: only adds and deletes.
func TestPlanReconcileManifest(t *testing.T) {
	current := []itwin.SourceFile{{ID: "m1", Key: "dms-1"}, {ID: "m2", Key: "dms-2"}}
	p := planReconcile(current, []itwin.SourceFile{{Key: "dms-1"}, {Key: "dms-3"}})
	if !reflect.DeepEqual(p.Add, []itwin.SourceFile{{Key: "dms-3"}}) || len(p.Update) != 0 || len(p.Delete) != 1 || p.Delete[0].ID != "m2" {
		t.Errorf("plan = %+v", p)
	}
}

func TestStorageSourceFilesOfUnknown(t *testing.T) {
	ctx := context.Background()
	if _, known := storageSourceFilesOf(ctx, types.SetUnknown(storageFileObjectType)); known {
		t.Error("an unknown set must not be known")
	}
	partly := types.SetValueMust(storageFileObjectType, []attr.Value{types.ObjectValueMust(storageFileObjectType.AttrTypes, map[string]attr.Value{
		"storage_file_id": types.StringUnknown(), "connector_type": types.StringValue("MSTN"),
	})})
	if _, known := storageSourceFilesOf(ctx, partly); known {
		t.Error("a set with an unknown member must not be known")
	}
	set, d := storageSourceFilesValue(ctx, []itwin.SourceFile{{ID: "m", Key: "a", ConnectorType: "IFC", FileName: "a.ifc"}})
	files, known := storageSourceFilesOf(ctx, set)
	if d.HasError() || !known || !reflect.DeepEqual(files, []itwin.SourceFile{{Key: "a", ConnectorType: "IFC"}}) {
		t.Errorf("files = %+v, %v, %v", files, known, d)
	}
	mset, d := manifestSourceFilesValue(ctx, []itwin.SourceFile{{ID: "m", Key: "dms|1"}})
	if files, known := manifestSourceFilesOf(ctx, mset); d.HasError() || !known || !reflect.DeepEqual(files, []itwin.SourceFile{{Key: "dms|1"}}) {
		t.Errorf("manifest files = %+v, %v, %v", files, known, d)
	}
	if k := fileKey(itwin.SourceFile{Key: "dms|1"}); fileOfKey(k) != "dms|1" {
		t.Errorf("fileOfKey(%q) = %q: a manifest id may contain the separator", k, fileOfKey(k))
	}
}

func TestPlannedComputedMap(t *testing.T) {
	prior := stringMapValue(map[string]string{"a": "id-a", "b": "id-b"})
	got := plannedComputedMap(prior, []string{"a", "c"}, func(k string) bool { return k != "c" })
	want := types.MapValueMust(types.StringType, map[string]attr.Value{"a": types.StringValue("id-a"), "c": types.StringUnknown()})
	if !got.Equal(want) {
		t.Errorf("got %s, want %s", got, want)
	}
	// keep=false makes a prior value unknown (a re-typed file's name may change).
	got = plannedComputedMap(prior, []string{"a"}, func(string) bool { return false })
	if !got.Elements()["a"].IsUnknown() {
		t.Errorf("want a unknown, got %s", got)
	}
}

func TestPreferPlannedMap(t *testing.T) {
	planned := types.MapValueMust(types.StringType, map[string]attr.Value{"a": types.StringValue("planned-a"), "c": types.StringUnknown()})
	got := preferPlannedMap(planned, map[string]string{"a": "server-a", "c": "server-c"})
	want := stringMapValue(map[string]string{"a": "planned-a", "c": "server-c"})
	if !got.Equal(want) {
		t.Errorf("got %s, want %s", got, want)
	}
}

func TestAddConnectorExtensionWarning(t *testing.T) {
	var diags diag.Diagnostics
	p := path.Root("source_files")
	addConnectorExtensionWarning(&diags, p, "plant.DGN", "MSTN")
	addConnectorExtensionWarning(&diags, p, "", "MSTN")
	addConnectorExtensionWarning(&diags, p, "x.rvt", "NOT-A-TYPE")
	if len(diags) != 0 {
		t.Fatalf("accepted, unnamed or unknown-type files must not warn: %v", diags)
	}
	addConnectorExtensionWarning(&diags, p, "site.geojson", "IFC")
	if len(diags.Warnings()) != 1 || diags.HasError() {
		t.Fatalf("want one warning, got %v", diags)
	}
	for _, w := range []string{"site.geojson", "IFC", ".ifc"} {
		if !strings.Contains(diags[0].Detail(), w) {
			t.Errorf("warning %q does not mention %q", diags[0].Detail(), w)
		}
	}
}

func TestDuplicateKeys(t *testing.T) {
	if got := duplicateKeys([]string{"b", "a", "b", "c", "a"}); !reflect.DeepEqual(got, []string{"a", "b"}) {
		t.Errorf("got %q", got)
	}
}

func TestDeleteConnectionRetries(t *testing.T) {
	inUse := &itwin.APIError{Status: 409, Code: codeConnectionAlreadyInUse, Message: "Connection is already being processed."}

	t.Run("run finishes", func(t *testing.T) {
		calls := 0
		var diags diag.Diagnostics
		clk := newFakeClock()
		deleteConnection(t.Context(), clk, defaultConnectionDeleteTimeout, "storage connection", "c1", func(context.Context, string) error {
			calls++
			if calls < 3 {
				return inUse
			}
			return nil
		}, &diags)
		if diags.HasError() || calls != 3 {
			t.Errorf("calls=%d diags=%v", calls, diags)
		}
		if want := []time.Duration{connectionInUseInterval, connectionInUseInterval}; !equalDurations(clk.recorded(), want) {
			t.Errorf("waits = %v, want %v", clk.recorded(), want)
		}
	})
	// timeouts.delete bounds the wait, on the provider's clock: attempts every 5 s, the last one when the
	// timeout runs out (a shorter wait then), and an error naming timeouts.delete.
	for _, c := range []struct {
		timeout time.Duration
		waits   []time.Duration
		text    string
	}{
		{defaultConnectionDeleteTimeout, slices.Repeat([]time.Duration{connectionInUseInterval}, 12), "within 1m0s (timeouts.delete)"},
		{12 * time.Second, []time.Duration{5 * time.Second, 5 * time.Second, 2 * time.Second}, "within 12s (timeouts.delete)"},
		{0, nil, "within 0s"},
	} {
		t.Run("run outlasts timeout "+c.timeout.String(), func(t *testing.T) {
			calls := 0
			var diags diag.Diagnostics
			clk := newFakeClock()
			start := clk.Now()
			deleteConnection(t.Context(), clk, c.timeout, "storage connection", "c1", func(context.Context, string) error { calls++; return inUse }, &diags)
			if !diags.HasError() || !strings.Contains(diags.Errors()[0].Detail(), "synchronization run is active") ||
				!strings.Contains(diags.Errors()[0].Detail(), c.text) {
				t.Errorf("diags=%v", diags)
			}
			if !equalDurations(clk.recorded(), c.waits) || calls != len(c.waits)+1 {
				t.Errorf("waits = %v after %d calls, want %v and %d calls", clk.recorded(), calls, c.waits, len(c.waits)+1)
			}
			if elapsed := clk.Now().Sub(start); elapsed != c.timeout {
				t.Errorf("waited %v on the clock, want exactly the timeout %v", elapsed, c.timeout)
			}
		})
	}
	t.Run("gone is success", func(t *testing.T) {
		var diags diag.Diagnostics
		deleteConnection(t.Context(), newFakeClock(), defaultConnectionDeleteTimeout, "storage connection", "c1", func(context.Context, string) error {
			return &itwin.APIError{Status: 404, Code: "StorageConnectionNotFound"}
		}, &diags)
		if len(diags) != 0 {
			t.Errorf("diags=%v", diags)
		}
	})
	t.Run("other errors are not retried", func(t *testing.T) {
		calls := 0
		var diags diag.Diagnostics
		deleteConnection(t.Context(), newFakeClock(), defaultConnectionDeleteTimeout, "storage connection", "c1", func(context.Context, string) error {
			calls++
			return &itwin.APIError{Status: 403, Code: "InsufficientPermissions", Message: "no"}
		}, &diags)
		if calls != 1 || !diags.HasError() {
			t.Errorf("calls=%d diags=%v", calls, diags)
		}
	})
}

// storageConnPlanner drives a storage connection's ModifyPlan the way one Terraform walk does: one configured client
// per walk (Terraform starts a provider process for each), any number of resources planned with it.
type storageConnPlanner struct {
	t      *testing.T
	r      *storageConnectionResource
	schema fwschema.Schema
	imodel string
}

func newStorageConnPlanner(t *testing.T, imodelID string) *storageConnPlanner {
	r := &storageConnectionResource{kind: storageKind}
	var sr fwresource.SchemaResponse
	r.Schema(t.Context(), fwresource.SchemaRequest{}, &sr)
	return &storageConnPlanner{t: t, r: r, schema: sr.Schema, imodel: imodelID}
}

// model is a storage connection with files; created says whether the server has it (ids known) or the plan
// creates it.
func (p *storageConnPlanner) model(files []itwin.SourceFile, created bool) tftypes.Value {
	t, ctx := p.t, p.t.Context()
	set, d := storageSourceFilesValue(ctx, files)
	if d.HasError() {
		t.Fatal(d)
	}
	m := storageConnectionModel{connectionModel: connectionModel{
		ID: types.StringUnknown(), IModelID: types.StringValue(p.imodel), ITwinID: types.StringUnknown(),
		DisplayName: types.StringUnknown(), AuthenticationType: types.StringUnknown(), SourceFiles: set,
		SourceFileIDs: types.MapUnknown(types.StringType), LastRunID: types.StringUnknown(),
		Timeouts: nullTimeouts("delete"),
	}, SourceFileNames: types.MapUnknown(types.StringType)}
	if created {
		ids, names := map[string]string{}, map[string]string{}
		for _, f := range files {
			ids[f.Key], names[f.Key] = "m-"+f.Key, "name"
		}
		m.ID, m.ITwinID, m.DisplayName, m.AuthenticationType, m.LastRunID =
			types.StringValue("conn"), types.StringValue("twin"), types.StringValue("n"), types.StringValue("User"), types.StringNull()
		m.SourceFileIDs, m.SourceFileNames = stringMapValue(ids), stringMapValue(names)
	}
	st := tfsdk.State{Schema: p.schema, Raw: tftypes.NewValue(p.schema.Type().TerraformType(ctx), nil)}
	if d := st.Set(ctx, &m); d.HasError() {
		t.Fatalf("building the model: %v", d)
	}
	return st.Raw
}

// plan runs ModifyPlan with client for a connection going from prior (nil: a create) to files.
func (p *storageConnPlanner) plan(client *itwin.Client, prior, files []itwin.SourceFile) diag.Diagnostics {
	ctx := p.t.Context()
	p.r.client = client
	state := tfsdk.State{Schema: p.schema, Raw: tftypes.NewValue(p.schema.Type().TerraformType(ctx), nil)}
	planned := tfsdk.Plan{Schema: p.schema, Raw: p.model(files, false)}
	if prior != nil {
		state.Raw = p.model(prior, true)
		// An update keeps what the server assigned; ModifyPlan decides about the computed maps.
		var m storageConnectionModel
		if d := state.Get(ctx, &m); d.HasError() {
			p.t.Fatal(d)
		}
		set, _ := storageSourceFilesValue(ctx, files)
		m.SourceFiles = set
		if d := planned.Set(ctx, &m); d.HasError() {
			p.t.Fatal(d)
		}
	}
	resp := fwresource.ModifyPlanResponse{Plan: planned}
	p.r.ModifyPlan(ctx, fwresource.ModifyPlanRequest{Plan: planned, State: state, Config: tfsdk.Config{Schema: p.schema, Raw: planned.Raw}}, &resp)
	if resp.Diagnostics.HasError() {
		p.t.Fatalf("ModifyPlan: %v", resp.Diagnostics)
	}
	return resp.Diagnostics
}

// The extension check reads each Storage file at most once per plan, only for mappings the plan adds or re-types,
// lists a folder instead of reading its files one by one once two of them turned up there, and reads nothing in the
// apply-time plan. Counted at itwin-local.
func TestAccStorageExtensionCheck_requests(t *testing.T) {
	inst, _ := startLocal(t)
	t.Parallel()
	admin := testClient(t, inst)
	folder := testCreateFolder(t, admin, inst.RootFolderID, "drawings")
	a := testUploadInto(t, admin, folder, "a.ifc", "ifc a")
	b := testUploadInto(t, admin, folder, "b.ifc", "ifc b")
	c := testUploadInto(t, admin, folder, "c.ifc", "ifc c")
	rvt := testUploadInto(t, admin, folder, "Tower.RVT", "revit")
	sf := func(key, ct string) itwin.SourceFile { return itwin.SourceFile{Key: key, ConnectorType: ct} }
	conn1, conn2 := []itwin.SourceFile{sf(a, "IFC"), sf(b, "IFC")}, []itwin.SourceFile{sf(c, "IFC"), sf(rvt, "IFC")}
	p := newStorageConnPlanner(t, inst.IModelID)
	count := countRequests(inst)
	reads := func(what string, wantGets, wantLists int64) {
		t.Helper()
		if g, l := count.since("GET /storage/files/{id}"), count.since("GET /storage/folders/{id}/list"); g != wantGets || l != wantLists {
			t.Errorf("%s: %d file GETs and %d folder listings, want %d and %d", what, g, l, wantGets, wantLists)
		}
	}
	warnings := func(what string, d diag.Diagnostics, want int) {
		t.Helper()
		if got := len(d.Warnings()); got != want {
			t.Errorf("%s: %d warnings, want %d: %v", what, got, want, d)
		}
	}

	// Plan 1 creates both connections: the first two reads find the files in one folder, the listing names the
	// other two. The warning is the one the existing extension test expects (Tower.RVT mapped as IFC).
	walk := testClient(t, inst)
	d := append(p.plan(walk, nil, conn1), p.plan(walk, nil, conn2)...)
	reads("plan creating 4 mappings", 2, 1)
	warnings("plan creating 4 mappings", d, 1)
	if len(d.Warnings()) == 1 && !strings.Contains(d.Warnings()[0].Detail(), "Tower.RVT") {
		t.Errorf("the warning should name Tower.RVT: %v", d)
	}
	// The same walk planning a resource that maps a file already read (a second resource, or Terraform planning
	// it again) reads nothing more.
	warnings("same plan, file already read", p.plan(walk, nil, []itwin.SourceFile{sf(rvt, "IFC")}), 1)
	reads("same plan, file already read", 0, 0)

	// Plan 2 (a new walk): nothing changed, nothing read.
	walk = testClient(t, inst)
	warnings("unchanged plan", append(p.plan(walk, conn1, conn1), p.plan(walk, conn2, conn2)...), 0)
	reads("unchanged plan", 0, 0)

	// Plan 3: one mapping re-typed, one file read.
	retyped := []itwin.SourceFile{sf(c, "IFC"), sf(rvt, "REVIT")}
	walk = testClient(t, inst)
	warnings("plan re-typing one mapping", append(p.plan(walk, conn1, conn1), p.plan(walk, conn2, retyped)...), 0)
	reads("plan re-typing one mapping", 1, 0)

	// The apply walk: once it has started creating or updating, its plans read nothing.
	walk = testClient(t, inst)
	markApplying(walk)
	warnings("apply-time plan", p.plan(walk, conn2, []itwin.SourceFile{sf(c, "MSTN"), sf(rvt, "IFC")}), 0)
	reads("apply-time plan", 0, 0)
}

// An apply warns from the mappings the server answered (lastKnownFileName), for new and re-typed files only.
func TestWarnMappedFiles(t *testing.T) {
	ctx := t.Context()
	prior, _ := storageSourceFilesValue(ctx, []itwin.SourceFile{{Key: "kept", ConnectorType: "IFC"}, {Key: "retyped", ConnectorType: "IFC"}})
	files := []itwin.SourceFile{
		{Key: "kept", ConnectorType: "IFC", FileName: "kept.rvt"},        // unchanged: warned about when introduced
		{Key: "retyped", ConnectorType: "MSTN", FileName: "retyped.ifc"}, // re-typed: warned
		{Key: "new", ConnectorType: "IFC", FileName: "new.dgn"},          // new: warned
		{Key: "fine", ConnectorType: "IFC", FileName: "fine.ifc"},        // new, suits its type
	}
	var d diag.Diagnostics
	warnMappedFiles(ctx, storageKind, &d, path.Root("source_files"), files, prior)
	var got []string
	for _, w := range d.Warnings() {
		got = append(got, w.Detail()[:strings.Index(w.Detail(), " is mapped")])
	}
	if want := []string{`The file "retyped.ifc"`, `The file "new.dgn"`}; !reflect.DeepEqual(got, want) {
		t.Errorf("warnings %q, want %q", got, want)
	}
	// On create (no prior) every file is new; manifest connections have no connector types to check.
	d = nil
	warnMappedFiles(ctx, storageKind, &d, path.Root("source_files"), files, types.Set{})
	if len(d.Warnings()) != 3 {
		t.Errorf("create: want 3 warnings, got %v", d)
	}
	d = nil
	warnMappedFiles(ctx, manifestKind, &d, path.Root("source_files"), []itwin.SourceFile{{Key: "dms-1", FileName: "x.rvt"}}, types.Set{})
	if len(d) != 0 {
		t.Errorf("manifest: want no diagnostics, got %v", d)
	}
}
