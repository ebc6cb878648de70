package provider

import (
	"context"
	"fmt"
	"slices"

	"github.com/hashicorp/terraform-plugin-framework-validators/setvalidator"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/seed37c7dd03/terraform-provider-itwin/internal/itwin"
	"github.com/seed37c7dd03/terraform-provider-itwin/internal/wire"
)

var (
	_ resource.Resource                = &manifestConnectionResource{}
	_ resource.ResourceWithConfigure   = &manifestConnectionResource{}
	_ resource.ResourceWithIdentity    = &manifestConnectionResource{}
	_ resource.ResourceWithImportState = &manifestConnectionResource{}
	_ resource.ResourceWithModifyPlan  = &manifestConnectionResource{}
)

// NewSyncManifestConnectionResource is the constructor of itwin_sync_manifest_connection.
func NewSyncManifestConnectionResource() resource.Resource { return &manifestConnectionResource{} }

type manifestConnectionResource struct {
	client *itwin.Client
	clock  clock
}

type manifestConnectionModel struct {
	ID                 types.String `tfsdk:"id"`
	IModelID           types.String `tfsdk:"imodel_id"`
	ITwinID            types.String `tfsdk:"itwin_id"`
	DisplayName        types.String `tfsdk:"display_name"`
	AuthenticationType types.String `tfsdk:"authentication_type"`
	SourceFiles        types.Set    `tfsdk:"source_files"`
	SourceFileIDs      types.Map    `tfsdk:"source_file_ids"`
	LastRunID          types.String `tfsdk:"last_run_id"`
}

func (r *manifestConnectionResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_sync_manifest_connection"
}

func (r *manifestConnectionResource) Schema(_ context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	resp.Schema = schema.Schema{
		Description: "A manifest connection: registers documents of an external document system (by your own stable ids) with " +
			"an iModel. Each run then posts the files with pre-authenticated download URLs (`itwin_sync_manifest_connection_run`). " +
			"`source_files` is authoritative. Manage a connection's files either here or with " +
			"`itwin_sync_manifest_connection_source_file`, not both.",
		Attributes: map[string]schema.Attribute{
			"id": schema.StringAttribute{
				Computed:      true,
				Description:   "Connection id (43-character base64url), assigned by the server.",
				PlanModifiers: []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
			"imodel_id": schema.StringAttribute{
				Required:      true,
				Description:   "Id of the iModel the connection synchronizes into. Changing it replaces the connection.",
				PlanModifiers: []planmodifier.String{stringplanmodifier.RequiresReplace()},
				Validators:    []validator.String{stringvalidator.LengthAtLeast(1)},
			},
			"itwin_id": schema.StringAttribute{
				Computed:      true,
				Description:   "Id of the iTwin that owns the iModel, derived by the server.",
				PlanModifiers: []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
			"display_name": schema.StringAttribute{
				Optional:      true,
				Computed:      true,
				Description:   "Name of the connection. Names are not unique. When unset, the server's value is kept.",
				PlanModifiers: []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
			"authentication_type": schema.StringAttribute{
				Optional:      true,
				Computed:      true,
				Description:   authenticationTypeDescription,
				Validators:    []validator.String{authenticationTypeValidator()},
				PlanModifiers: []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
			"source_files": schema.SetAttribute{
				Required:    true,
				ElementType: types.StringType,
				Description: "The ids of the documents in your external system that this connection registers (1 to 250), for " +
					"example `[\"dms-0001\", \"dms-0003\"]`. They are not Storage ids. An id may be registered once per iModel.",
				Validators: []validator.Set{
					setvalidator.SizeAtLeast(1), setvalidator.SizeAtMost(250),
					setvalidator.ValueStringsAre(stringvalidator.LengthAtLeast(1)),
				},
			},
			"source_file_ids": schema.MapAttribute{
				Computed:    true,
				ElementType: types.StringType,
				Description: "Mapping (source file) id of each registered document, keyed by its external id. Stable while the document stays registered.",
			},
			"last_run_id": schema.StringAttribute{
				Computed: true,
				Description: "Id of the connection's most recent run, or null before the first run. Refreshed on every read, " +
					"so runs started elsewhere show up here without causing a diff.",
				PlanModifiers: []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
		},
	}
}

func (r *manifestConnectionResource) IdentitySchema(_ context.Context, _ resource.IdentitySchemaRequest, resp *resource.IdentitySchemaResponse) {
	resp.IdentitySchema = idIdentitySchema("manifest connection")
}

func (r *manifestConnectionResource) Configure(_ context.Context, req resource.ConfigureRequest, resp *resource.ConfigureResponse) {
	r.client, r.clock = configured(req.ProviderData, &resp.Diagnostics)
}

// manifestFileKeys reads a source_files set of strings; known is false while anything in it is unknown.
func manifestFileKeys(set types.Set) (keys []string, known bool) {
	if set.IsNull() || set.IsUnknown() {
		return nil, !set.IsUnknown()
	}
	for _, el := range set.Elements() {
		s, ok := el.(types.String)
		if !ok || s.IsUnknown() {
			return nil, false
		}
		keys = append(keys, s.ValueString())
	}
	return keys, true
}

func manifestFilesSet(files []wire.ManifestSourceFile) types.Set {
	elems := make([]attr.Value, 0, len(files))
	for _, f := range files {
		elems = append(elems, types.StringValue(f.SourceFileID))
	}
	return types.SetValueMust(types.StringType, elems)
}

// ModifyPlan keeps source_file_ids known for documents that stay registered.
func (r *manifestConnectionResource) ModifyPlan(ctx context.Context, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse) {
	if req.Plan.Raw.IsNull() || req.State.Raw.IsNull() {
		return // destroy, or create (computed values are unknown anyway)
	}
	var plan, state manifestConnectionModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	keys, known := manifestFileKeys(plan.SourceFiles)
	if !known {
		plan.SourceFileIDs = types.MapUnknown(types.StringType)
	} else {
		prior, _ := manifestFileKeys(state.SourceFiles)
		plan.SourceFileIDs = plannedComputedMap(state.SourceFileIDs, keys, func(k string) bool { return slices.Contains(prior, k) })
	}
	resp.Diagnostics.Append(resp.Plan.Set(ctx, &plan)...)
}

func manifestConnectionFromAPI(conn *wire.Connection, files []wire.ManifestSourceFile) manifestConnectionModel {
	ids := map[string]string{}
	for _, f := range files {
		ids[f.SourceFileID] = f.ID
	}
	return manifestConnectionModel{
		ID:                 types.StringValue(conn.ID),
		IModelID:           types.StringValue(conn.IModelID),
		ITwinID:            nullableString(conn.ITwinID),
		DisplayName:        types.StringValue(conn.DisplayName),
		AuthenticationType: nullableString(conn.AuthenticationType),
		SourceFiles:        manifestFilesSet(files),
		SourceFileIDs:      stringMapValue(ids),
		LastRunID:          nullableString(conn.LastRunID()),
	}
}

func (r *manifestConnectionResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	var plan manifestConnectionModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	if resp.Diagnostics.HasError() {
		return
	}
	keys, known := manifestFileKeys(plan.SourceFiles)
	if !known {
		resp.Diagnostics.AddAttributeError(path.Root("source_files"), "Unknown source files", "source_files must be known when the connection is created.")
		return
	}
	body := wire.ManifestConnectionCreate{
		IModelID:           plan.IModelID.ValueString(),
		DisplayName:        plan.DisplayName.ValueString(),
		AuthenticationType: plan.AuthenticationType.ValueString(),
	}
	for _, k := range keys {
		body.SourceFiles = append(body.SourceFiles, wire.ManifestFileCreate{SourceFileID: k})
	}
	conn, err := r.client.CreateManifestConnection(ctx, body)
	if err != nil && createOutcomeUncertain(err) {
		// The server may have created it before the answer was lost; adopt it rather than orphan it.
		if adopted := adoptUncertainCreate(ctx, &resp.Diagnostics, "manifest", err, r.listConnections(body.IModelID), r.fileKeys,
			body.DisplayName, plan.AuthenticationType, keys); adopted != nil {
			conn, err = adopted, nil
		}
	}
	if err != nil {
		if itwin.ErrorCode(err) == codeFileAlreadyMapped {
			resp.Diagnostics.AddAttributeError(path.Root("source_files"), "Source file already registered",
				"Creating the manifest connection failed: one or more of the ids in source_files are already registered on this iModel by "+
					"another connection (an id can be registered only once per iModel)."+
					alreadyMappedHint(ctx, r.listConnections(body.IModelID), r.fileKeys, func(k string) string { return k }, keys)+
					" Server: "+err.Error())
			return
		}
		addConnectionCreateError(&resp.Diagnostics, "manifest", err)
		return
	}
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("id"), conn.ID)...)
	setIdentity(ctx, resp.Identity, idIdentity{ID: types.StringValue(conn.ID)}, &resp.Diagnostics)
	if resp.Diagnostics.HasError() {
		return
	}
	files, err := r.client.ListManifestSourceFiles(ctx, conn.ID)
	if err != nil {
		addAPIError(&resp.Diagnostics, "reading the source files of new manifest connection "+conn.ID, err, nil)
		return
	}
	state := manifestConnectionFromAPI(conn, files)
	resp.Diagnostics.Append(resp.State.Set(ctx, &state)...)
}

// listConnections lists the manifest connections of an iModel, for adoption and hints after a failed create.
func (r *manifestConnectionResource) listConnections(imodelID string) func(context.Context) ([]wire.Connection, error) {
	return func(ctx context.Context) ([]wire.Connection, error) {
		return r.client.ListManifestConnections(ctx, imodelID)
	}
}

// fileKeys returns the sourceFileId of each source file of a manifest connection.
func (r *manifestConnectionResource) fileKeys(ctx context.Context, connID string) ([]string, error) {
	files, err := r.client.ListManifestSourceFiles(ctx, connID)
	if err != nil {
		return nil, err
	}
	keys := make([]string, 0, len(files))
	for _, f := range files {
		keys = append(keys, f.SourceFileID)
	}
	return keys, nil
}

func (r *manifestConnectionResource) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	var state manifestConnectionModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	setIdentity(ctx, resp.Identity, idIdentity{ID: state.ID}, &resp.Diagnostics)
	id := state.ID.ValueString()
	conn, err := r.client.GetManifestConnection(ctx, id)
	var files []wire.ManifestSourceFile
	if err == nil {
		files, err = r.client.ListManifestSourceFiles(ctx, id)
	}
	if itwin.IsNotFound(err) {
		removeGone(ctx, resp, "manifest connection", id)
		return
	}
	if err != nil {
		addAPIError(&resp.Diagnostics, "reading manifest connection "+id, err, nil)
		return
	}
	newState := manifestConnectionFromAPI(conn, files)
	if newState.IModelID.ValueString() == "" {
		newState.IModelID = state.IModelID
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, &newState)...)
}

func (r *manifestConnectionResource) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	var plan, state manifestConnectionModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	setIdentity(ctx, resp.Identity, idIdentity{ID: state.ID}, &resp.Diagnostics)
	id := state.ID.ValueString()

	if !plan.SourceFiles.Equal(state.SourceFiles) {
		keys, known := manifestFileKeys(plan.SourceFiles)
		if !known {
			resp.Diagnostics.AddAttributeError(path.Root("source_files"), "Unknown source files", "source_files must be known when the connection is updated.")
			return
		}
		current, err := r.client.ListManifestSourceFiles(ctx, id)
		if err != nil {
			addAPIError(&resp.Diagnostics, "reading the source files of manifest connection "+id, err, nil)
			return
		}
		reconcileManifestSourceFiles(ctx, r.client, id, planManifestReconcile(current, keys), &resp.Diagnostics)
	}

	if !resp.Diagnostics.HasError() {
		var upd wire.ConnectionUpdate
		if !plan.DisplayName.IsUnknown() && !plan.DisplayName.Equal(state.DisplayName) {
			// Sent even when "": an omitted name would keep the old one (the PUT merges).
			upd.DisplayName = wire.Ptr(plan.DisplayName.ValueString())
		}
		if !plan.AuthenticationType.IsUnknown() && !plan.AuthenticationType.Equal(state.AuthenticationType) {
			upd.AuthenticationType = plan.AuthenticationType.ValueString()
		}
		if upd != (wire.ConnectionUpdate{}) {
			if _, err := r.client.UpdateManifestConnection(ctx, id, upd); err != nil {
				addAPIError(&resp.Diagnostics, "updating manifest connection "+id, err, map[string]path.Path{
					"displayName": path.Root("display_name"), "authenticationType": path.Root("authentication_type"),
				})
			}
		}
	}

	conn, err := r.client.GetManifestConnection(ctx, id)
	var files []wire.ManifestSourceFile
	if err == nil {
		files, err = r.client.ListManifestSourceFiles(ctx, id)
	}
	if err != nil {
		addAPIError(&resp.Diagnostics, "reading manifest connection "+id+" after the update", err, nil)
		return
	}
	newState := manifestConnectionFromAPI(conn, files)
	if newState.IModelID.ValueString() == "" {
		newState.IModelID = state.IModelID
	}
	if !resp.Diagnostics.HasError() {
		newState.LastRunID = preferPlannedString(plan.LastRunID, newState.LastRunID)
		newState.ITwinID = preferPlannedString(plan.ITwinID, newState.ITwinID)
		newState.SourceFileIDs = preferPlannedMap(plan.SourceFileIDs, mapOf(newState.SourceFileIDs))
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, &newState)...)
}

func (r *manifestConnectionResource) Delete(ctx context.Context, req resource.DeleteRequest, resp *resource.DeleteResponse) {
	var state manifestConnectionModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	deleteConnection(ctx, r.clock, "manifest connection", state.ID.ValueString(), r.client.DeleteManifestConnection, &resp.Diagnostics)
}

// ImportState takes a connection id, as a string or as the identity's id. A storage connection id gets an
// explanation instead of a "not found".
func (r *manifestConnectionResource) ImportState(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	id, ok := importedID(ctx, req, &resp.Diagnostics)
	if !ok {
		return
	}
	if r.client != nil {
		_, kind, err := r.client.GetConnection(ctx, id)
		switch {
		case itwin.IsNotFound(err):
			resp.Diagnostics.AddError("Connection not found", fmt.Sprintf("No connection with id %q exists (or this client cannot see it).", id))
			return
		case err != nil:
			addAPIError(&resp.Diagnostics, "looking up connection "+id, err, nil)
			return
		case kind == wire.KindStorage:
			resp.Diagnostics.AddError("Wrong connection kind",
				fmt.Sprintf("%q is a storage connection; import it as itwin_sync_storage_connection instead.", id))
			return
		}
	}
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("id"), id)...)
}
