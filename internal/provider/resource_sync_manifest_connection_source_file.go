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
	_ resource.Resource                = &manifestSourceFileResource{}
	_ resource.ResourceWithConfigure   = &manifestSourceFileResource{}
	_ resource.ResourceWithIdentity    = &manifestSourceFileResource{}
	_ resource.ResourceWithImportState = &manifestSourceFileResource{}
)

// NewSyncManifestConnectionSourceFileResource is the constructor of itwin_sync_manifest_connection_source_file.
func NewSyncManifestConnectionSourceFileResource() resource.Resource {
	return &manifestSourceFileResource{}
}

type manifestSourceFileResource struct {
	client *itwin.Client
}

type manifestSourceFileModel struct {
	ID           types.String `tfsdk:"id"`
	ConnectionID types.String `tfsdk:"connection_id"`
	SourceFileID types.String `tfsdk:"source_file_id"`
}

func (r *manifestSourceFileResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_sync_manifest_connection_source_file"
}

func (r *manifestSourceFileResource) Schema(_ context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	resp.Schema = schema.Schema{
		Description: "One external document registered on a manifest connection that is not managed in this configuration (a " +
			"connection created by Terraform lists its documents in `itwin_sync_manifest_connection.source_files`). Manage a " +
			"connection's documents either with this resource or inline, never both: the inline list is authoritative.",
		Attributes: map[string]schema.Attribute{
			"id": schema.StringAttribute{
				Computed:      true,
				Description:   "Mapping (source file) id, assigned by the server and kept when source_file_id changes.",
				PlanModifiers: []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
			"connection_id": schema.StringAttribute{
				Required:      true,
				Description:   "Id of the manifest connection. Changing it replaces the mapping.",
				PlanModifiers: []planmodifier.String{stringplanmodifier.RequiresReplace()},
				Validators:    []validator.String{stringvalidator.LengthAtLeast(1)},
			},
			"source_file_id": schema.StringAttribute{
				Required: true,
				Description: "Your own stable id of the document in the external system (not a Storage id). An id may be " +
					"registered once per iModel. Changing it rewrites the mapping in place (its id stays).",
				Validators: []validator.String{stringvalidator.LengthAtLeast(1)},
			},
		},
	}
}

func (r *manifestSourceFileResource) IdentitySchema(_ context.Context, _ resource.IdentitySchemaRequest, resp *resource.IdentitySchemaResponse) {
	resp.IdentitySchema = connectionChildIdentitySchema("manifest connection", "source file mapping (a value of source_file_ids, not the external document id)")
}

func (r *manifestSourceFileResource) Configure(_ context.Context, req resource.ConfigureRequest, resp *resource.ConfigureResponse) {
	r.client = clientFrom(req.ProviderData, &resp.Diagnostics)
}

func addManifestSourceFileCallError(diags *diag.Diagnostics, doing string, err error, plan manifestSourceFileModel) {
	if itwin.IsNotFound(err) {
		diags.AddAttributeError(path.Root("connection_id"), "Manifest connection not found",
			fmt.Sprintf("%s: the manifest connection %q does not exist (or is a storage connection). Server: %s", doing, plan.ConnectionID.ValueString(), err.Error()))
		return
	}
	addSourceFileError(diags, doing, err, path.Root("source_file_id"), plan.SourceFileID.ValueString())
}

func (r *manifestSourceFileResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	var plan manifestSourceFileModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	if resp.Diagnostics.HasError() {
		return
	}
	connID := plan.ConnectionID.ValueString()
	f, err := r.client.AddManifestSourceFile(ctx, connID, wire.ManifestFileCreate{SourceFileID: plan.SourceFileID.ValueString()})
	if err != nil {
		addManifestSourceFileCallError(&resp.Diagnostics, "adding source file to manifest connection "+connID, err, plan)
		return
	}
	state := manifestSourceFileModel{ID: types.StringValue(f.ID), ConnectionID: plan.ConnectionID, SourceFileID: types.StringValue(f.SourceFileID)}
	resp.Diagnostics.Append(resp.State.Set(ctx, &state)...)
	setIdentity(ctx, resp.Identity, connectionChildIdentity{ConnectionID: state.ConnectionID, ID: state.ID}, &resp.Diagnostics)
}

func (r *manifestSourceFileResource) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	var state manifestSourceFileModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	setIdentity(ctx, resp.Identity, connectionChildIdentity{ConnectionID: state.ConnectionID, ID: state.ID}, &resp.Diagnostics)
	connID, id := state.ConnectionID.ValueString(), state.ID.ValueString()
	f, err := r.client.GetManifestSourceFile(ctx, connID, id)
	if itwin.IsNotFound(err) {
		removeGone(ctx, resp, "manifest connection source file", connID+"/"+id)
		return
	}
	if err != nil {
		addAPIError(&resp.Diagnostics, fmt.Sprintf("reading source file %s of manifest connection %s", id, connID), err, nil)
		return
	}
	state.SourceFileID = types.StringValue(f.SourceFileID)
	resp.Diagnostics.Append(resp.State.Set(ctx, &state)...)
}

func (r *manifestSourceFileResource) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	var plan, state manifestSourceFileModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	setIdentity(ctx, resp.Identity, connectionChildIdentity{ConnectionID: state.ConnectionID, ID: state.ID}, &resp.Diagnostics)
	connID, id := state.ConnectionID.ValueString(), state.ID.ValueString()
	f, err := r.client.UpdateManifestSourceFile(ctx, connID, id, wire.ManifestFileCreate{SourceFileID: plan.SourceFileID.ValueString()})
	if err != nil {
		addManifestSourceFileCallError(&resp.Diagnostics, fmt.Sprintf("updating source file %s of manifest connection %s", id, connID), err, plan)
		return
	}
	state.SourceFileID = types.StringValue(f.SourceFileID)
	resp.Diagnostics.Append(resp.State.Set(ctx, &state)...)
}

func (r *manifestSourceFileResource) Delete(ctx context.Context, req resource.DeleteRequest, resp *resource.DeleteResponse) {
	var state manifestSourceFileModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	connID, id := state.ConnectionID.ValueString(), state.ID.ValueString()
	if err := r.client.DeleteManifestSourceFile(ctx, connID, id); err != nil && !itwin.IsNotFound(err) {
		addAPIError(&resp.Diagnostics, fmt.Sprintf("removing source file %s from manifest connection %s", id, connID), err, nil)
	}
}

// ImportState takes "<connection_id>/<source_file_id>", the mapping id as shown in source_file_ids, or the
// identity's connection_id and id.
func (r *manifestSourceFileResource) ImportState(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	importConnectionChildState(ctx, req, resp, storageSourceFileImportFormat)
}
