package provider

import (
	"context"

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

var (
	_ resource.ResourceWithConfigure      = &manifestRunResource{}
	_ resource.ResourceWithModifyPlan     = &manifestRunResource{}
	_ resource.ResourceWithIdentity       = &manifestRunResource{}
	_ resource.ResourceWithImportState    = &manifestRunResource{}
	_ resource.ResourceWithValidateConfig = &manifestRunResource{}
)

// NewSyncManifestConnectionRunResource is itwin_sync_manifest_connection_run: one run of a manifest connection
// with the files to process. Their URLs are pre-authenticated, so they are write-only and never stored.
func NewSyncManifestConnectionRunResource() resource.Resource { return &manifestRunResource{} }

type manifestRunResource struct {
	client *itwin.Client
	clock  clock
}

type manifestRunModel struct {
	ID                         types.String   `tfsdk:"id"`
	ConnectionID               types.String   `tfsdk:"connection_id"`
	Triggers                   types.Map      `tfsdk:"triggers"`
	Wait                       types.Bool     `tfsdk:"wait"`
	AllowedResults             types.Set      `tfsdk:"allowed_results"`
	Timeouts                   timeouts.Value `tfsdk:"timeouts"`
	DocumentAttributeSchemaURL types.String   `tfsdk:"document_attribute_schema_url"`
	SourceFiles                types.List     `tfsdk:"source_files"`
	runOutputsModel
}

func (r *manifestRunResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_sync_manifest_connection_run"
}

func (r *manifestRunResource) Schema(ctx context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	attrs := runResourceAttributes(ctx)
	for _, f := range manifestBodyFields {
		attrs[f.name] = resourceInAttr(f)
	}
	resp.Schema = rschema.Schema{
		Description: "Runs a manifest connection once with the given files: starts a synchronization run when created and waits for it to " +
			"complete. File URLs are pre-authenticated, so they are write-only and cannot be compared between plans: a new run starts only " +
			"when `connection_id` or `triggers` change (key `triggers` on the files' versions or hashes). Changing the file list alone does not " +
			"start a run. Runs cannot be cancelled or deleted: destroying this resource only forgets the run.",
		Attributes: attrs,
	}
}

func (r *manifestRunResource) IdentitySchema(_ context.Context, _ resource.IdentitySchemaRequest, resp *resource.IdentitySchemaResponse) {
	resp.IdentitySchema = connectionChildIdentitySchema("manifest connection", "run")
}

func (r *manifestRunResource) Configure(_ context.Context, req resource.ConfigureRequest, resp *resource.ConfigureResponse) {
	r.client, r.clock = configured(req.ProviderData, &resp.Diagnostics)
}

func (r *manifestRunResource) ValidateConfig(ctx context.Context, req resource.ValidateConfigRequest, resp *resource.ValidateConfigResponse) {
	var files types.List
	resp.Diagnostics.Append(req.Config.GetAttribute(ctx, path.Root("source_files"), &files)...)
	if files.IsNull() || files.IsUnknown() {
		return
	}
	var models []manifestFileModel
	if d := files.ElementsAs(ctx, &models, false); d.HasError() {
		return // some values are unknown until apply; the server validates them then
	}
	validateManifestFiles(models, &resp.Diagnostics)
}

// ModifyPlan warns at plan time about a User connection without consent when a run will start.
func (r *manifestRunResource) ModifyPlan(ctx context.Context, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse) {
	if req.Plan.Raw.IsNull() || !req.State.Raw.IsNull() || r.client == nil {
		return
	}
	var connID types.String
	resp.Diagnostics.Append(req.Plan.GetAttribute(ctx, path.Root("connection_id"), &connID)...)
	if connID.IsUnknown() || connID.IsNull() {
		return
	}
	conn, err := r.client.GetManifestConnection(ctx, connID.ValueString())
	if err != nil {
		tflog.Debug(ctx, "could not read the connection at plan time", map[string]any{"error": err.Error()})
		return
	}
	warnUserConnection(ctx, r.client, conn, &resp.Diagnostics)
}

func (r *manifestRunResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	var plan, config manifestRunModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	// Write-only values (the URLs) exist only in the configuration.
	resp.Diagnostics.Append(req.Config.Get(ctx, &config)...)
	if resp.Diagnostics.HasError() {
		return
	}
	timeout, d := plan.Timeouts.Create(ctx, defaultRunTimeout)
	resp.Diagnostics.Append(d...)
	files := readManifestFiles(ctx, config.SourceFiles, &resp.Diagnostics)
	if resp.Diagnostics.HasError() {
		return
	}
	ctx, cancel := r.clock.WithTimeout(ctx, timeout)
	defer cancel()

	body := manifestBody(ctx, config.DocumentAttributeSchemaURL, files, &resp.Diagnostics)
	if resp.Diagnostics.HasError() {
		return
	}
	t := runTarget{client: r.client, kind: wire.KindManifest, connectionID: plan.ConnectionID.ValueString(), manifest: &body}
	allowed := allowedResults(ctx, plan.AllowedResults, &resp.Diagnostics)
	names := manifestFileNames(files)
	_, diags := executeRun(ctx, t, callerResource, plan.Wait.ValueBool(), allowed, func(context.Context) map[string]string { return names }, runOps{clock: r.clock},
		func(runID string, outs runOutputsModel) diag.Diagnostics {
			plan.ID = types.StringValue(runID)
			plan.runOutputsModel = outs
			diags := resp.State.Set(ctx, &plan)
			setIdentity(ctx, resp.Identity, connectionChildIdentity{ConnectionID: plan.ConnectionID, ID: plan.ID}, &diags)
			return diags
		})
	resp.Diagnostics.Append(diags...)
}

func (r *manifestRunResource) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	var state manifestRunModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	setIdentity(ctx, resp.Identity, connectionChildIdentity{ConnectionID: state.ConnectionID, ID: state.ID}, &resp.Diagnostics)
	connID, runID := state.ConnectionID.ValueString(), state.ID.ValueString()
	t := runTarget{client: r.client, kind: wire.KindManifest, connectionID: connID}
	names := manifestFileNames(readManifestFiles(ctx, state.SourceFiles, &resp.Diagnostics))
	if !refreshRunState(ctx, t, runID, &state.runOutputsModel, func(context.Context) map[string]string { return names }, resp) {
		return
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, &state)...)
}

// Update records local settings, the (non-secret part of the) file list and the triggers adopted after an
// import, without any API call.
func (r *manifestRunResource) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	var plan manifestRunModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	if resp.Diagnostics.HasError() {
		return
	}
	clearImportedRun(ctx, resp)
	resp.Diagnostics.Append(resp.State.Set(ctx, &plan)...)
	setIdentity(ctx, resp.Identity, connectionChildIdentity{ConnectionID: plan.ConnectionID, ID: plan.ID}, &resp.Diagnostics)
}

// Delete forgets the run: runs cannot be deleted or cancelled.
func (r *manifestRunResource) Delete(ctx context.Context, req resource.DeleteRequest, _ *resource.DeleteResponse) {
	forgetRun(ctx, req)
}

func (r *manifestRunResource) ImportState(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	importRunState(ctx, req, resp)
}
