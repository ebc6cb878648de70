package provider

import (
	"context"
	"fmt"
	"sort"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework-validators/setvalidator"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/diag"
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
	_ resource.Resource                   = &storageConnectionResource{}
	_ resource.ResourceWithConfigure      = &storageConnectionResource{}
	_ resource.ResourceWithIdentity       = &storageConnectionResource{}
	_ resource.ResourceWithImportState    = &storageConnectionResource{}
	_ resource.ResourceWithModifyPlan     = &storageConnectionResource{}
	_ resource.ResourceWithValidateConfig = &storageConnectionResource{}
)

// NewSyncStorageConnectionResource is the constructor of itwin_sync_storage_connection.
func NewSyncStorageConnectionResource() resource.Resource { return &storageConnectionResource{} }

type storageConnectionResource struct {
	client *itwin.Client
	clock  clock
}

type storageConnectionModel struct {
	ID                 types.String `tfsdk:"id"`
	IModelID           types.String `tfsdk:"imodel_id"`
	ITwinID            types.String `tfsdk:"itwin_id"`
	DisplayName        types.String `tfsdk:"display_name"`
	AuthenticationType types.String `tfsdk:"authentication_type"`
	SourceFiles        types.Set    `tfsdk:"source_files"`
	SourceFileIDs      types.Map    `tfsdk:"source_file_ids"`
	SourceFileNames    types.Map    `tfsdk:"source_file_names"`
	LastRunID          types.String `tfsdk:"last_run_id"`
}

func (r *storageConnectionResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_sync_storage_connection"
}

func (r *storageConnectionResource) Schema(_ context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	resp.Schema = schema.Schema{
		Description: "A storage connection: links files in iTwin Storage to an iModel, each with a connector type. " +
			"`source_files` is authoritative: files added, removed or re-typed outside Terraform show up as a diff and are " +
			"put back on apply. Manage a connection's files either here or with `itwin_sync_storage_connection_source_file`, not both.",
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
			"source_files": schema.SetNestedAttribute{
				Required: true,
				Description: "The Storage files the connection synchronizes (1 to 250), each with its connector type. A file may be " +
					"mapped only once per iModel, across all its connections. Changing a file's connector type keeps its mapping.",
				Validators: []validator.Set{setvalidator.SizeAtLeast(1), setvalidator.SizeAtMost(250)},
				NestedObject: schema.NestedAttributeObject{
					Attributes: map[string]schema.Attribute{
						"storage_file_id": schema.StringAttribute{
							Required:    true,
							Description: "Id of a completed file in the iModel's iTwin Storage (for example `itwin_storage_file.x.id`).",
							Validators:  []validator.String{stringvalidator.LengthAtLeast(1)},
						},
						"connector_type": schema.StringAttribute{
							Required:    true,
							Description: connectorTypeDescription(),
							Validators:  []validator.String{connectorTypeValidator()},
						},
					},
				},
			},
			"source_file_ids": schema.MapAttribute{
				Computed:    true,
				ElementType: types.StringType,
				Description: "Mapping (source file) id of each file, keyed by storage_file_id. Stable while the file stays in the connection.",
			},
			"source_file_names": schema.MapAttribute{
				Computed:    true,
				ElementType: types.StringType,
				Description: "The file name the server last saw for each file (`lastKnownFileName`), keyed by storage_file_id.",
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

func (r *storageConnectionResource) IdentitySchema(_ context.Context, _ resource.IdentitySchemaRequest, resp *resource.IdentitySchemaResponse) {
	resp.IdentitySchema = idIdentitySchema("storage connection")
}

func (r *storageConnectionResource) Configure(_ context.Context, req resource.ConfigureRequest, resp *resource.ConfigureResponse) {
	r.client, r.clock = configured(req.ProviderData, &resp.Diagnostics)
}

// ValidateConfig rejects a file listed twice with different connector types: the set keeps both elements, but
// the server maps a file once.
func (r *storageConnectionResource) ValidateConfig(ctx context.Context, req resource.ValidateConfigRequest, resp *resource.ValidateConfigResponse) {
	var files types.Set
	resp.Diagnostics.Append(req.Config.GetAttribute(ctx, path.Root("source_files"), &files)...)
	if files.IsNull() || files.IsUnknown() {
		return
	}
	var ids []string
	for _, el := range files.Elements() {
		obj, ok := el.(types.Object)
		if !ok || obj.IsNull() || obj.IsUnknown() {
			continue
		}
		if id, ok := obj.Attributes()["storage_file_id"].(types.String); ok && !id.IsNull() && !id.IsUnknown() {
			ids = append(ids, id.ValueString())
		}
	}
	for _, d := range duplicateKeys(ids) {
		resp.Diagnostics.AddAttributeError(path.Root("source_files"), "Duplicate storage file",
			fmt.Sprintf("The storage file %q is listed more than once in source_files. A file is mapped once per connection, with one connector type; keep a single entry for it.", d))
	}
}

// ModifyPlan keeps the computed maps exact (unknown only for files that are new or changed) and warns about
// files whose extension does not suit their connector type.
func (r *storageConnectionResource) ModifyPlan(ctx context.Context, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse) {
	if req.Plan.Raw.IsNull() {
		return // destroy
	}
	var plan storageConnectionModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	if resp.Diagnostics.HasError() {
		return
	}
	var state *storageConnectionModel
	if !req.State.Raw.IsNull() {
		state = &storageConnectionModel{}
		resp.Diagnostics.Append(req.State.Get(ctx, state)...)
		if resp.Diagnostics.HasError() {
			return
		}
	}

	desired, known := storageFileSpecs(plan.SourceFiles)
	prior := map[string]string{} // storage file id → connector type in state
	if state != nil {
		if specs, ok := storageFileSpecs(state.SourceFiles); ok {
			for _, s := range specs {
				prior[s.StorageFileID] = s.ConnectorType
			}
		}
	}
	if known && len(duplicateKeys(storageFileIDs(desired))) > 0 {
		return // ValidateConfig reported it
	}

	switch {
	case !known || state == nil:
		plan.SourceFileIDs = types.MapUnknown(types.StringType)
		plan.SourceFileNames = types.MapUnknown(types.StringType)
	default:
		keys := storageFileIDs(desired)
		want := map[string]string{}
		for _, d := range desired {
			want[d.StorageFileID] = d.ConnectorType
		}
		plan.SourceFileIDs = plannedComputedMap(state.SourceFileIDs, keys, func(k string) bool { _, ok := prior[k]; return ok })
		// The server may refresh lastKnownFileName when a mapping is rewritten, so only untouched files keep it.
		plan.SourceFileNames = plannedComputedMap(state.SourceFileNames, keys, func(k string) bool { ct, ok := prior[k]; return ok && ct == want[k] })
	}
	resp.Diagnostics.Append(resp.Plan.Set(ctx, &plan)...)

	// Warn only about files this plan introduces or re-types, so an accepted warning does not repeat forever.
	if known && r.client != nil {
		for _, d := range desired {
			if ct, ok := prior[d.StorageFileID]; ok && ct == d.ConnectorType {
				continue
			}
			checkStorageFileExtension(ctx, r.client, &resp.Diagnostics, path.Root("source_files"), d.StorageFileID, d.ConnectorType)
		}
	}
}

func storageFileIDs(specs []storageFileSpec) []string {
	ids := make([]string, 0, len(specs))
	for _, s := range specs {
		ids = append(ids, s.StorageFileID)
	}
	return ids
}

func (r *storageConnectionResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	var plan storageConnectionModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	if resp.Diagnostics.HasError() {
		return
	}
	desired, known := storageFileSpecs(plan.SourceFiles)
	if !known {
		resp.Diagnostics.AddAttributeError(path.Root("source_files"), "Unknown source files", "source_files must be known when the connection is created.")
		return
	}
	if dups := duplicateKeys(storageFileIDs(desired)); len(dups) > 0 {
		resp.Diagnostics.AddAttributeError(path.Root("source_files"), "Duplicate storage file",
			fmt.Sprintf("The storage files %s are listed more than once in source_files.", strings.Join(dups, ", ")))
		return
	}
	body := wire.StorageConnectionCreate{
		IModelID:           plan.IModelID.ValueString(),
		DisplayName:        plan.DisplayName.ValueString(),
		AuthenticationType: plan.AuthenticationType.ValueString(),
	}
	for _, d := range desired {
		body.SourceFiles = append(body.SourceFiles, wire.StorageFileCreate{StorageFileID: d.StorageFileID, ConnectorType: d.ConnectorType})
	}
	conn, err := r.client.CreateStorageConnection(ctx, body)
	if err != nil && createOutcomeUncertain(err) {
		// The server may have created it before the answer was lost; adopt it rather than orphan it (and then
		// fail every later apply with FileAlreadyMapped).
		want := make([]string, 0, len(desired))
		for _, d := range desired {
			want = append(want, storageFileKey(d.StorageFileID, d.ConnectorType))
		}
		if adopted := adoptUncertainCreate(ctx, &resp.Diagnostics, "storage", err, r.listConnections(body.IModelID), r.fileKeys,
			body.DisplayName, plan.AuthenticationType, want); adopted != nil {
			conn, err = adopted, nil
		}
	}
	if err != nil {
		r.addCreateError(ctx, &resp.Diagnostics, err, body.IModelID, desired)
		return
	}
	// Record the id at once: if anything below fails, Terraform keeps (and taints) the connection instead of
	// orphaning it.
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("id"), conn.ID)...)
	setIdentity(ctx, resp.Identity, idIdentity{ID: types.StringValue(conn.ID)}, &resp.Diagnostics)
	if resp.Diagnostics.HasError() {
		return
	}
	files, err := r.client.ListStorageSourceFiles(ctx, conn.ID)
	if err != nil {
		addAPIError(&resp.Diagnostics, "reading the source files of new storage connection "+conn.ID, err, nil)
		return
	}
	state := storageConnectionFromAPI(conn, files)
	resp.Diagnostics.Append(resp.State.Set(ctx, &state)...)
}

// addCreateError explains a failed create. The server's 404 for a missing file does not always say which file, so
// the files are looked up to name it.
func (r *storageConnectionResource) addCreateError(ctx context.Context, diags *diag.Diagnostics, err error, imodelID string, desired []storageFileSpec) {
	p := path.Root("source_files")
	switch itwin.ErrorCode(err) {
	case codeFileAlreadyMapped:
		want := make([]string, 0, len(desired))
		for _, d := range desired {
			want = append(want, storageFileKey(d.StorageFileID, d.ConnectorType))
		}
		diags.AddAttributeError(p, "Source file already mapped",
			"Creating the storage connection failed: one or more of the files in source_files are already mapped to this iModel by "+
				"another connection (a file can be mapped only once per iModel). Remove them from the other connection, or manage that "+
				"connection instead."+alreadyMappedHint(ctx, r.listConnections(imodelID), r.fileKeys, storageFileOfKey, want)+" Server: "+err.Error())
		return
	case codeFileNotFound:
		var missing []string
		for _, d := range desired {
			if _, gerr := r.client.GetFile(ctx, d.StorageFileID); itwin.IsNotFound(gerr) {
				missing = append(missing, d.StorageFileID)
			}
		}
		what := "one of the files in source_files does not exist"
		if len(missing) > 0 {
			sort.Strings(missing)
			what = fmt.Sprintf("the Storage file(s) %s do not exist", strings.Join(quoteAll(missing), ", "))
		}
		diags.AddAttributeError(p, "Source file not found",
			fmt.Sprintf("Creating the storage connection failed: %s in the iModel's iTwin (or the upload is not complete). Server: %s", what, err.Error()))
		return
	}
	addConnectionCreateError(diags, "storage", err)
}

// listConnections lists the storage connections of an iModel, for adoption and hints after a failed create.
func (r *storageConnectionResource) listConnections(imodelID string) func(context.Context) ([]wire.Connection, error) {
	return func(ctx context.Context) ([]wire.Connection, error) {
		return r.client.ListStorageConnections(ctx, imodelID)
	}
}

// fileKeys returns the storageFileKey of each source file of a storage connection.
func (r *storageConnectionResource) fileKeys(ctx context.Context, connID string) ([]string, error) {
	files, err := r.client.ListStorageSourceFiles(ctx, connID)
	if err != nil {
		return nil, err
	}
	keys := make([]string, 0, len(files))
	for _, f := range files {
		keys = append(keys, storageFileKey(f.StorageFileID, f.ConnectorType))
	}
	return keys, nil
}

func quoteAll(ss []string) []string {
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = fmt.Sprintf("%q", s)
	}
	return out
}

// storageConnectionFromAPI builds the full state from the server's view of the connection and its files.
func storageConnectionFromAPI(conn *wire.Connection, files []wire.StorageSourceFile) storageConnectionModel {
	ids := map[string]string{}
	names := map[string]string{}
	for _, f := range files {
		ids[f.StorageFileID] = f.ID
		names[f.StorageFileID] = f.LastKnownFileName
	}
	return storageConnectionModel{
		ID:                 types.StringValue(conn.ID),
		IModelID:           types.StringValue(conn.IModelID),
		ITwinID:            nullableString(conn.ITwinID),
		DisplayName:        types.StringValue(conn.DisplayName),
		AuthenticationType: nullableString(conn.AuthenticationType),
		SourceFiles:        storageFilesSet(files),
		SourceFileIDs:      stringMapValue(ids),
		SourceFileNames:    stringMapValue(names),
		LastRunID:          nullableString(conn.LastRunID()),
	}
}

func (r *storageConnectionResource) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	var state storageConnectionModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	setIdentity(ctx, resp.Identity, idIdentity{ID: state.ID}, &resp.Diagnostics)
	id := state.ID.ValueString()
	conn, err := r.client.GetStorageConnection(ctx, id)
	if itwin.IsNotFound(err) {
		removeGone(ctx, resp, "storage connection", id)
		return
	}
	if err != nil {
		addAPIError(&resp.Diagnostics, "reading storage connection "+id, err, nil)
		return
	}
	files, err := r.client.ListStorageSourceFiles(ctx, id)
	if itwin.IsNotFound(err) {
		removeGone(ctx, resp, "storage connection", id)
		return
	}
	if err != nil {
		addAPIError(&resp.Diagnostics, "reading the source files of storage connection "+id, err, nil)
		return
	}
	newState := storageConnectionFromAPI(conn, files)
	if newState.IModelID.ValueString() == "" {
		newState.IModelID = state.IModelID
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, &newState)...)
}

func (r *storageConnectionResource) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	var plan, state storageConnectionModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	setIdentity(ctx, resp.Identity, idIdentity{ID: state.ID}, &resp.Diagnostics)
	id := state.ID.ValueString()

	if !plan.SourceFiles.Equal(state.SourceFiles) {
		desired, known := storageFileSpecs(plan.SourceFiles)
		if !known {
			resp.Diagnostics.AddAttributeError(path.Root("source_files"), "Unknown source files", "source_files must be known when the connection is updated.")
			return
		}
		if dups := duplicateKeys(storageFileIDs(desired)); len(dups) > 0 {
			resp.Diagnostics.AddAttributeError(path.Root("source_files"), "Duplicate storage file",
				fmt.Sprintf("The storage files %s are listed more than once in source_files.", strings.Join(dups, ", ")))
			return
		}
		// Reconcile against the server's current mappings rather than the state, so changes made since the last
		// refresh cannot make us add a file twice or delete a mapping that is already gone.
		current, err := r.client.ListStorageSourceFiles(ctx, id)
		if err != nil {
			addAPIError(&resp.Diagnostics, "reading the source files of storage connection "+id, err, nil)
			return
		}
		reconcileStorageSourceFiles(ctx, r.client, id, planStorageReconcile(current, desired), &resp.Diagnostics)
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
			if _, err := r.client.UpdateStorageConnection(ctx, id, upd); err != nil {
				addAPIError(&resp.Diagnostics, "updating storage connection "+id, err, map[string]path.Path{
					"displayName": path.Root("display_name"), "authenticationType": path.Root("authentication_type"),
				})
			}
		}
	}

	// Refresh, so that after a partial failure the state says what really happened and the next plan shows the rest.
	conn, err := r.client.GetStorageConnection(ctx, id)
	var files []wire.StorageSourceFile
	if err == nil {
		files, err = r.client.ListStorageSourceFiles(ctx, id)
	}
	if err != nil {
		addAPIError(&resp.Diagnostics, "reading storage connection "+id+" after the update", err, nil)
		return
	}
	newState := storageConnectionFromAPI(conn, files)
	if newState.IModelID.ValueString() == "" {
		newState.IModelID = state.IModelID
	}
	if !resp.Diagnostics.HasError() {
		newState.LastRunID = preferPlannedString(plan.LastRunID, newState.LastRunID)
		newState.ITwinID = preferPlannedString(plan.ITwinID, newState.ITwinID)
		newState.SourceFileIDs = preferPlannedMap(plan.SourceFileIDs, mapOf(newState.SourceFileIDs))
		newState.SourceFileNames = preferPlannedMap(plan.SourceFileNames, mapOf(newState.SourceFileNames))
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, &newState)...)
}

// mapOf reads a known map(string) value into a Go map.
func mapOf(m types.Map) map[string]string {
	out := map[string]string{}
	for k, v := range m.Elements() {
		if s, ok := v.(types.String); ok {
			out[k] = s.ValueString()
		}
	}
	return out
}

func (r *storageConnectionResource) Delete(ctx context.Context, req resource.DeleteRequest, resp *resource.DeleteResponse) {
	var state storageConnectionModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	deleteConnection(ctx, r.clock, "storage connection", state.ID.ValueString(), r.client.DeleteStorageConnection, &resp.Diagnostics)
}

// ImportState takes a connection id, as a string or as the identity's id. A manifest connection id gets an
// explanation instead of a "not found".
func (r *storageConnectionResource) ImportState(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
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
		case kind == wire.KindManifest:
			resp.Diagnostics.AddError("Wrong connection kind",
				fmt.Sprintf("%q is a manifest connection; import it as itwin_sync_manifest_connection instead.", id))
			return
		}
	}
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("id"), id)...)
}
