package provider

import (
	"context"
	"fmt"

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
	_ resource.Resource                = &storageSourceFileResource{}
	_ resource.ResourceWithConfigure   = &storageSourceFileResource{}
	_ resource.ResourceWithIdentity    = &storageSourceFileResource{}
	_ resource.ResourceWithImportState = &storageSourceFileResource{}
	_ resource.ResourceWithModifyPlan  = &storageSourceFileResource{}
)

// NewSyncStorageConnectionSourceFileResource is the constructor of itwin_sync_storage_connection_source_file.
func NewSyncStorageConnectionSourceFileResource() resource.Resource {
	return &storageSourceFileResource{}
}

type storageSourceFileResource struct {
	client *itwin.Client
}

type storageSourceFileModel struct {
	ID            types.String `tfsdk:"id"`
	ConnectionID  types.String `tfsdk:"connection_id"`
	StorageFileID types.String `tfsdk:"storage_file_id"`
	ConnectorType types.String `tfsdk:"connector_type"`
	FileName      types.String `tfsdk:"file_name"`
}

const storageSourceFileImportFormat = "<connection_id>/<source_file_id>"

func (r *storageSourceFileResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_sync_storage_connection_source_file"
}

func (r *storageSourceFileResource) Schema(_ context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	resp.Schema = schema.Schema{
		Description: "One Storage file mapped into a storage connection that is not managed in this configuration (a storage " +
			"connection needs at least one file when it is created, so connections created by Terraform list their files in " +
			"`itwin_sync_storage_connection.source_files`). Manage a connection's files either with this resource or inline, " +
			"never both: the inline list is authoritative and would remove files added here.",
		Attributes: map[string]schema.Attribute{
			"id": schema.StringAttribute{
				Computed:      true,
				Description:   "Mapping (source file) id, assigned by the server and kept when the file or connector type changes.",
				PlanModifiers: []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
			"connection_id": schema.StringAttribute{
				Required:      true,
				Description:   "Id of the storage connection. Changing it replaces the mapping.",
				PlanModifiers: []planmodifier.String{stringplanmodifier.RequiresReplace()},
				Validators:    []validator.String{stringvalidator.LengthAtLeast(1)},
			},
			"storage_file_id": schema.StringAttribute{
				Required: true,
				Description: "Id of a completed file in the iModel's iTwin Storage. A file may be mapped only once per iModel. " +
					"Changing it rewrites the mapping in place (its id stays).",
				Validators: []validator.String{stringvalidator.LengthAtLeast(1)},
			},
			"connector_type": schema.StringAttribute{
				Required:    true,
				Description: connectorTypeDescription() + " Changing it updates the mapping in place.",
				Validators:  []validator.String{connectorTypeValidator()},
			},
			"file_name": schema.StringAttribute{
				Computed:    true,
				Description: "The file name the server last saw for the Storage file (`lastKnownFileName`).",
			},
		},
	}
}

func (r *storageSourceFileResource) IdentitySchema(_ context.Context, _ resource.IdentitySchemaRequest, resp *resource.IdentitySchemaResponse) {
	resp.IdentitySchema = connectionChildIdentitySchema("storage connection", "source file mapping (a value of source_file_ids, not the Storage file id)")
}

func (r *storageSourceFileResource) Configure(_ context.Context, req resource.ConfigureRequest, resp *resource.ConfigureResponse) {
	r.client = clientFrom(req.ProviderData, &resp.Diagnostics)
}

// ModifyPlan keeps file_name while the mapping is untouched and warns when the file's extension does not suit the
// connector type.
func (r *storageSourceFileResource) ModifyPlan(ctx context.Context, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse) {
	if req.Plan.Raw.IsNull() {
		return
	}
	var plan storageSourceFileModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	if resp.Diagnostics.HasError() {
		return
	}
	changed := true
	if !req.State.Raw.IsNull() {
		var state storageSourceFileModel
		resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
		if resp.Diagnostics.HasError() {
			return
		}
		changed = !plan.StorageFileID.Equal(state.StorageFileID) || !plan.ConnectorType.Equal(state.ConnectorType) ||
			!plan.ConnectionID.Equal(state.ConnectionID)
		if changed {
			plan.FileName = types.StringUnknown()
		} else {
			plan.FileName = state.FileName
		}
		resp.Diagnostics.Append(resp.Plan.Set(ctx, &plan)...)
	}
	if changed && !plan.StorageFileID.IsUnknown() && !plan.ConnectorType.IsUnknown() {
		checkStorageFileExtension(ctx, r.client, &resp.Diagnostics, path.Root("connector_type"), plan.StorageFileID.ValueString(), plan.ConnectorType.ValueString())
	}
}

func storageSourceFileFromAPI(connID string, f *wire.StorageSourceFile) storageSourceFileModel {
	return storageSourceFileModel{
		ID:            types.StringValue(f.ID),
		ConnectionID:  types.StringValue(connID),
		StorageFileID: types.StringValue(f.StorageFileID),
		ConnectorType: types.StringValue(f.ConnectorType),
		FileName:      stringOrNullValue(f.LastKnownFileName),
	}
}

// addStorageSourceFileCallError puts file problems on storage_file_id and a missing connection on connection_id.
func addStorageSourceFileCallError(diags *diag.Diagnostics, doing string, err error, plan storageSourceFileModel) {
	if itwin.IsNotFound(err) && itwin.ErrorCode(err) != codeFileNotFound {
		diags.AddAttributeError(path.Root("connection_id"), "Storage connection not found",
			fmt.Sprintf("%s: the storage connection %q does not exist (or is a manifest connection). Server: %s", doing, plan.ConnectionID.ValueString(), err.Error()))
		return
	}
	addSourceFileError(diags, doing, err, path.Root("storage_file_id"), plan.StorageFileID.ValueString())
}

func (r *storageSourceFileResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	var plan storageSourceFileModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	if resp.Diagnostics.HasError() {
		return
	}
	connID := plan.ConnectionID.ValueString()
	f, err := r.client.AddStorageSourceFile(ctx, connID, wire.StorageFileCreate{
		StorageFileID: plan.StorageFileID.ValueString(), ConnectorType: plan.ConnectorType.ValueString(),
	})
	if err != nil {
		addStorageSourceFileCallError(&resp.Diagnostics, "adding source file to storage connection "+connID, err, plan)
		return
	}
	state := storageSourceFileFromAPI(connID, f)
	resp.Diagnostics.Append(resp.State.Set(ctx, &state)...)
	setIdentity(ctx, resp.Identity, connectionChildIdentity{ConnectionID: state.ConnectionID, ID: state.ID}, &resp.Diagnostics)
}

func (r *storageSourceFileResource) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	var state storageSourceFileModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	setIdentity(ctx, resp.Identity, connectionChildIdentity{ConnectionID: state.ConnectionID, ID: state.ID}, &resp.Diagnostics)
	connID, id := state.ConnectionID.ValueString(), state.ID.ValueString()
	f, err := r.client.GetStorageSourceFile(ctx, connID, id)
	if itwin.IsNotFound(err) {
		// Either the mapping or its whole connection is gone; both mean this mapping no longer exists.
		removeGone(ctx, resp, "storage connection source file", connID+"/"+id)
		return
	}
	if err != nil {
		addAPIError(&resp.Diagnostics, fmt.Sprintf("reading source file %s of storage connection %s", id, connID), err, nil)
		return
	}
	newState := storageSourceFileFromAPI(connID, f)
	resp.Diagnostics.Append(resp.State.Set(ctx, &newState)...)
}

func (r *storageSourceFileResource) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	var plan, state storageSourceFileModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	setIdentity(ctx, resp.Identity, connectionChildIdentity{ConnectionID: state.ConnectionID, ID: state.ID}, &resp.Diagnostics)
	connID, id := state.ConnectionID.ValueString(), state.ID.ValueString()
	// PUT replaces both fields and keeps the mapping id (spec §11c).
	f, err := r.client.UpdateStorageSourceFile(ctx, connID, id, wire.StorageFileCreate{
		StorageFileID: plan.StorageFileID.ValueString(), ConnectorType: plan.ConnectorType.ValueString(),
	})
	if err != nil {
		addStorageSourceFileCallError(&resp.Diagnostics, fmt.Sprintf("updating source file %s of storage connection %s", id, connID), err, plan)
		return
	}
	newState := storageSourceFileFromAPI(connID, f)
	if !plan.FileName.IsUnknown() {
		newState.FileName = plan.FileName
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, &newState)...)
}

func (r *storageSourceFileResource) Delete(ctx context.Context, req resource.DeleteRequest, resp *resource.DeleteResponse) {
	var state storageSourceFileModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	connID, id := state.ConnectionID.ValueString(), state.ID.ValueString()
	if err := r.client.DeleteStorageSourceFile(ctx, connID, id); err != nil && !itwin.IsNotFound(err) {
		addAPIError(&resp.Diagnostics, fmt.Sprintf("removing source file %s from storage connection %s", id, connID), err, nil)
	}
}

// ImportState takes "<connection_id>/<source_file_id>", the mapping id as shown in source_file_ids, or the
// identity's connection_id and id.
func (r *storageSourceFileResource) ImportState(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	importConnectionChildState(ctx, req, resp, storageSourceFileImportFormat)
}
