package provider

import (
	"context"
	"maps"
	"slices"

	"github.com/hashicorp/terraform-plugin-framework-timeouts/resource/timeouts"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	rschema "github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/seed37c7dd03/terraform-provider-itwin/internal/itwin"
	"github.com/seed37c7dd03/terraform-provider-itwin/internal/wire"
)

// itwin_sync_storage_connection_run and itwin_sync_manifest_connection_run: one synchronization run of a
// connection, started on create and waited for. One implementation, specialised by the connection kind
// (connection_kind.go) and the kind's state model: run_storage.go (source fingerprint, rerun_on_source_change) and
// run_manifest.go (the files to process, with write-only URLs).

var (
	_ resource.ResourceWithConfigure      = &storageRunResource{}
	_ resource.ResourceWithModifyPlan     = &storageRunResource{}
	_ resource.ResourceWithIdentity       = &storageRunResource{}
	_ resource.ResourceWithImportState    = &storageRunResource{}
	_ resource.ResourceWithValidateConfig = &manifestRunResource{}
)

type (
	storageRunResource  = connectionRunResource[storageRunModel, *storageRunModel]
	manifestRunResource = connectionRunResource[manifestRunModel, *manifestRunModel]
)

// NewSyncStorageConnectionRunResource is the constructor of itwin_sync_storage_connection_run.
func NewSyncStorageConnectionRunResource() resource.Resource {
	return &storageRunResource{resourceBase{typeName: storageKind.typeName() + "_run"}, storageKind}
}

// NewSyncManifestConnectionRunResource is the constructor of itwin_sync_manifest_connection_run.
func NewSyncManifestConnectionRunResource() resource.Resource {
	return &manifestRunResource{resourceBase{typeName: manifestKind.typeName() + "_run"}, manifestKind}
}

// runModel is what both run resources hold: the run, what starts a new one, the local wait settings and the
// outputs.
type runModel struct {
	ID             types.String   `tfsdk:"id"`
	ConnectionID   types.String   `tfsdk:"connection_id"`
	Triggers       types.Map      `tfsdk:"triggers"`
	Wait           types.Bool     `tfsdk:"wait"`
	AllowedResults types.Set      `tfsdk:"allowed_results"`
	Timeouts       timeouts.Value `tfsdk:"timeouts"`
	runOutputsModel
}

func (m *runModel) base() *runModel { return m }

// namesFunc returns the file names of a run's tasks, keyed by their source id.
type namesFunc func(context.Context) map[string]string

// runState is the state model of one kind's run resource.
type runState[M any] interface {
	*M
	base() *runModel
	// prepare readies Create's run on the plan model: it records what the kind records before a run starts and
	// returns the run body (manifest) and the task file names. config holds the write-only values.
	prepare(ctx context.Context, client *itwin.Client, config *M, diags *diag.Diagnostics) (*wire.ManifestRunCreate, namesFunc)
	// taskNames returns the task file names for a refresh of a run in this state.
	taskNames(ctx context.Context, client *itwin.Client, diags *diag.Diagnostics) namesFunc
	// planReplace decides at plan time whether the run in prior must be replaced for a reason of the kind.
	planReplace(ctx context.Context, client *itwin.Client, prior *M, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse)
}

type connectionRunResource[M any, P runState[M]] struct {
	resourceBase
	kind *connKind
}

func (r *connectionRunResource[M, P]) target(connID string) runTarget {
	return runTarget{client: r.client, kind: r.kind.Kind, connectionID: connID}
}

func (r *connectionRunResource[M, P]) Schema(ctx context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	attrs := runResourceAttributes(ctx)
	maps.Copy(attrs, r.kind.runAttributes)
	resp.Schema = rschema.Schema{Description: r.kind.runDescription, Attributes: attrs}
}

func (r *connectionRunResource[M, P]) IdentitySchema(_ context.Context, _ resource.IdentitySchemaRequest, resp *resource.IdentitySchemaResponse) {
	resp.IdentitySchema = childIdentitySchema("connection_id", r.kind.Noun(), "connection", "run")
}

func (r *connectionRunResource[M, P]) ValidateConfig(ctx context.Context, req resource.ValidateConfigRequest, resp *resource.ValidateConfigResponse) {
	if r.kind.validateRun != nil {
		r.kind.validateRun(ctx, req.Config, &resp.Diagnostics)
	}
}

// ModifyPlan warns at plan time about a run that will fail for lack of user consent, and lets the kind plan a
// replacement of an existing run. A plan that changes nothing calls nothing here, so it stays empty.
func (r *connectionRunResource[M, P]) ModifyPlan(ctx context.Context, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse) {
	if req.Plan.Raw.IsNull() || r.client == nil {
		return
	}
	plan := P(new(M))
	resp.Diagnostics.Append(req.Plan.Get(ctx, plan)...)
	if resp.Diagnostics.HasError() || plan.base().ConnectionID.IsUnknown() {
		return
	}
	if req.State.Raw.IsNull() {
		// A run will start: warn now if it cannot succeed.
		conn, err := r.client.Connections(r.kind.Kind).Get(ctx, plan.base().ConnectionID.ValueString())
		if err != nil {
			tflog.Debug(ctx, "could not read the connection at plan time", map[string]any{"error": err.Error()})
			return
		}
		warnUserConnection(ctx, r.client, conn, &resp.Diagnostics)
		return
	}
	state := P(new(M))
	resp.Diagnostics.Append(req.State.Get(ctx, state)...)
	if resp.Diagnostics.HasError() || !state.base().ConnectionID.Equal(plan.base().ConnectionID) {
		return
	}
	plan.planReplace(ctx, r.client, (*M)(state), req, resp)
}

func (r *connectionRunResource[M, P]) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	plan, config := P(new(M)), P(new(M))
	resp.Diagnostics.Append(req.Plan.Get(ctx, plan)...)
	// Write-only values (the manifest's URLs) exist only in the configuration.
	if !load(ctx, req.Config, config, &resp.Diagnostics) {
		return
	}
	p := plan.base()
	timeout, d := p.Timeouts.Create(ctx, defaultRunTimeout)
	resp.Diagnostics.Append(d...)
	if resp.Diagnostics.HasError() {
		return
	}
	ctx, cancel := r.clock.WithTimeout(ctx, timeout)
	defer cancel()

	t := r.target(p.ConnectionID.ValueString())
	var names namesFunc
	t.manifest, names = plan.prepare(ctx, r.client, (*M)(config), &resp.Diagnostics)
	allowed := allowedResults(ctx, p.AllowedResults, &resp.Diagnostics)
	if resp.Diagnostics.HasError() {
		return
	}
	_, diags := executeRun(ctx, t, callerResource, p.Wait.ValueBool(), allowed, names, runOps{clock: r.clock},
		func(runID string, outs runOutputsModel) diag.Diagnostics {
			p.ID = types.StringValue(runID)
			p.runOutputsModel = outs
			diags := resp.State.Set(ctx, plan)
			setIdentity(ctx, resp.Identity, connectionChildIdentity{ConnectionID: p.ConnectionID, ID: p.ID}, &diags)
			return diags
		})
	resp.Diagnostics.Append(diags...)
}

// Read refreshes the outputs. On a 404 it tells a purged run (kept, with a warning) from a deleted connection
// (the run is removed with it).
func (r *connectionRunResource[M, P]) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	state := P(new(M))
	if !load(ctx, req.State, state, &resp.Diagnostics) {
		return
	}
	s := state.base()
	setIdentity(ctx, resp.Identity, connectionChildIdentity{ConnectionID: s.ConnectionID, ID: s.ID}, &resp.Diagnostics)
	t, runID := r.target(s.ConnectionID.ValueString()), s.ID.ValueString()
	fresh, err := refreshRun(ctx, t, runID, &s.runOutputsModel, state.taskNames(ctx, r.client, &resp.Diagnostics), &resp.Diagnostics)
	if err != nil {
		if itwin.IsNotFound(err) {
			readMissingRun(ctx, t, runID, resp)
			return
		}
		addAPIError(&resp.Diagnostics, "reading synchronization run "+runID, err, nil)
		return
	}
	s.runOutputsModel = fresh
	resp.Diagnostics.Append(resp.State.Set(ctx, state)...)
}

// Update only records local settings (wait, allowed_results, timeouts, the kind's local settings, and the
// triggers adopted after an import): no API call.
func (r *connectionRunResource[M, P]) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	plan := P(new(M))
	if !load(ctx, req.Plan, plan, &resp.Diagnostics) {
		return
	}
	clearImportedRun(ctx, resp)
	resp.Diagnostics.Append(resp.State.Set(ctx, plan)...)
	setIdentity(ctx, resp.Identity, connectionChildIdentity{ConnectionID: plan.base().ConnectionID, ID: plan.base().ID}, &resp.Diagnostics)
}

// Delete forgets the run: the API cannot delete or cancel runs, and their history stays with the connection.
func (r *connectionRunResource[M, P]) Delete(ctx context.Context, req resource.DeleteRequest, resp *resource.DeleteResponse) {
	var id types.String
	resp.Diagnostics.Append(req.State.GetAttribute(ctx, path.Root("id"), &id)...)
	tflog.Info(ctx, "forgetting synchronization run (runs cannot be deleted or cancelled)", map[string]any{"run_id": id.ValueString()})
}

// ImportState reads "<connection_id>/<run_id>" (or the identity's connection_id and id) and sets the local
// settings to their defaults, so a plan right after the import is empty.
func (r *connectionRunResource[M, P]) ImportState(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	if !importChildState(ctx, req, resp, "<connection_id>/<run_id>", "connection_id") {
		return
	}
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("wait"), true)...)
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("allowed_results"), []string{wire.ResultSuccess})...)
	for _, name := range slices.Sorted(maps.Keys(r.kind.runImportDefaults)) {
		resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root(name), r.kind.runImportDefaults[name])...)
	}
	markImportedRun(ctx, resp)
}
