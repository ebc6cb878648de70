package provider

import (
	"context"

	"github.com/hashicorp/terraform-plugin-framework-validators/resourcevalidator"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/seed37c7dd03/terraform-provider-itwin/internal/itwin"
	"github.com/seed37c7dd03/terraform-provider-itwin/internal/wire"
)

var (
	_ resource.ResourceWithConfigure        = &storageFolderResource{}
	_ resource.ResourceWithIdentity         = &storageFolderResource{}
	_ resource.ResourceWithImportState      = &storageFolderResource{}
	_ resource.ResourceWithConfigValidators = &storageFolderResource{}
	_ resource.ResourceWithModifyPlan       = &storageFolderResource{}
)

// NewStorageFolderResource returns the itwin_storage_folder resource.
func NewStorageFolderResource() resource.Resource {
	return &storageFolderResource{resourceBase{typeName: "_storage_folder"}}
}

type storageFolderResource struct {
	resourceBase
}

type storageFolderModel struct {
	ID             types.String `tfsdk:"id"`
	ITwinID        types.String `tfsdk:"itwin_id"`
	ParentFolderID types.String `tfsdk:"parent_folder_id"`
	DisplayName    types.String `tfsdk:"display_name"`
	Description    types.String `tfsdk:"description"`
	Path           types.String `tfsdk:"path"`
}

func (r *storageFolderResource) Schema(_ context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	resp.Schema = schema.Schema{
		Description: "A folder in iTwin Storage, created either in the root folder of an iTwin's Storage (`itwin_id`) " +
			"or inside another folder (`parent_folder_id`). Deleting the folder deletes its contents.",
		Attributes: map[string]schema.Attribute{
			"id": computedStringAttribute("Storage id of the folder."),
			"itwin_id": schema.StringAttribute{
				Optional: true,
				Description: "Create the folder in the root folder of this iTwin's Storage. Exactly one of `itwin_id` and " +
					"`parent_folder_id` must be set. Changing it creates a new folder.",
				Validators: []validator.String{stringvalidator.LengthAtLeast(1)},
				// Replacement is decided in ModifyPlan: after an import itwin_id is unknown to the state, and setting
				// it must not replace a folder that already sits in that iTwin's root.
			},
			"parent_folder_id": schema.StringAttribute{
				Optional: true,
				Computed: true,
				Description: "Id of the folder to create this folder in. Exactly one of `itwin_id` and `parent_folder_id` " +
					"must be set; with `itwin_id` it is computed (the iTwin's Storage root folder). Changing it creates a new folder.",
				Validators: []validator.String{stringvalidator.LengthAtLeast(1)},
				PlanModifiers: []planmodifier.String{
					stringplanmodifier.UseStateForUnknown(),
					stringplanmodifier.RequiresReplaceIfConfigured(),
				},
			},
			"display_name": nameAttribute("Name of the folder (at most 255 characters). Renaming updates the folder in place."),
			"description": schema.StringAttribute{
				Optional: true,
				Description: "Description of the folder. Updated in place. Removing it (or setting `\"\"`) clears the " +
					"remote description; a description set outside Terraform shows up as a diff.",
			},
			"path": schema.StringAttribute{
				Computed:    true,
				Description: "Path of the folder inside the iTwin's Storage, as the API reports it.",
			},
		},
	}
}

func (r *storageFolderResource) ConfigValidators(_ context.Context) []resource.ConfigValidator {
	return []resource.ConfigValidator{
		resourcevalidator.ExactlyOneOf(path.MatchRoot("itwin_id"), path.MatchRoot("parent_folder_id")),
	}
}

func (r *storageFolderResource) IdentitySchema(_ context.Context, _ resource.IdentitySchemaRequest, resp *resource.IdentitySchemaResponse) {
	resp.IdentitySchema = idIdentitySchema("storage folder")
}

// ModifyPlan decides whether a change of itwin_id replaces the folder. A folder imported by id has no itwin_id
// in state; setting it then only records it, provided the folder really sits in that iTwin's root.
func (r *storageFolderResource) ModifyPlan(ctx context.Context, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse) {
	var plan, state storageFolderModel
	if !loadChange(ctx, req, &plan, &state, &resp.Diagnostics) {
		return
	}
	if plan.ITwinID.Equal(state.ITwinID) {
		// Keep the computed path when the name does not change.
		if plan.DisplayName.Equal(state.DisplayName) && plan.Path.IsUnknown() {
			resp.Diagnostics.Append(resp.Plan.SetAttribute(ctx, path.Root("path"), state.Path)...)
		}
		return
	}
	if plan.ITwinID.IsUnknown() || !state.ITwinID.IsNull() || plan.ITwinID.IsNull() || r.client == nil {
		resp.RequiresReplace = append(resp.RequiresReplace, path.Root("itwin_id"))
		return
	}
	// Imported folder (itwin_id null in state) that the configuration places in an iTwin's root.
	root, err := rootFolderID(ctx, r.client, plan.ITwinID.ValueString()) // once per walk: walk_cache.go
	if err != nil {
		addAPIError(&resp.Diagnostics, "finding the Storage root folder of the iTwin", err, nil)
		return
	}
	if root != state.ParentFolderID.ValueString() {
		resp.RequiresReplace = append(resp.RequiresReplace, path.Root("itwin_id"))
		resp.Diagnostics.Append(resp.Plan.SetAttribute(ctx, path.Root("parent_folder_id"), types.StringUnknown())...)
		return
	}
	resp.Diagnostics.Append(resp.Plan.SetAttribute(ctx, path.Root("parent_folder_id"), types.StringValue(root))...)
}

func (m *storageFolderModel) fill(f *wire.StorageFolder) {
	m.ID = types.StringValue(f.ID)
	m.DisplayName = types.StringValue(f.DisplayName)
	m.Description = descriptionValue(f.Description, m.Description)
	m.Path = types.StringValue(f.Path)
	if f.ParentFolderID != "" {
		m.ParentFolderID = types.StringValue(f.ParentFolderID)
	}
}

func (r *storageFolderResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	var plan storageFolderModel
	if !load(ctx, req.Plan, &plan, &resp.Diagnostics) {
		return
	}
	parent := plan.ParentFolderID.ValueString()
	if !plan.ITwinID.IsNull() {
		root, err := rootFolderID(ctx, r.client, plan.ITwinID.ValueString()) // once per walk: walk_cache.go
		if err != nil {
			addAPIError(&resp.Diagnostics, "finding the Storage root folder of the iTwin", err,
				map[string]path.Path{"iTwinId": path.Root("itwin_id")})
			return
		}
		parent = root
	}
	folder, err := r.client.CreateFolder(ctx, parent, wire.StorageItemCreate{
		DisplayName: plan.DisplayName.ValueString(),
		Description: plan.Description.ValueString(),
	})
	if err != nil {
		target := path.Root("parent_folder_id")
		if !plan.ITwinID.IsNull() {
			target = path.Root("itwin_id")
		}
		if itwin.IsNotFound(err) {
			resp.Diagnostics.AddAttributeError(target, "Error creating storage folder",
				"creating storage folder: the parent folder does not exist: "+err.Error())
			return
		}
		addAPIError(&resp.Diagnostics, "creating storage folder", err,
			map[string]path.Path{"displayName": path.Root("display_name"), "description": path.Root("description")})
		return
	}
	tflog.Info(ctx, "created storage folder", map[string]any{"id": folder.ID})
	plan.fill(folder)
	if plan.ParentFolderID.IsUnknown() {
		plan.ParentFolderID = types.StringValue(parent)
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, &plan)...)
	setIdentity(ctx, resp.Identity, idIdentity{ID: plan.ID}, &resp.Diagnostics)
}

func (r *storageFolderResource) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	readByID(ctx, req, resp, "storage folder", r.client.GetFolder, (*storageFolderModel).fill)
}

func (r *storageFolderResource) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	var plan, state storageFolderModel
	if !load(ctx, req.Plan, &plan, &resp.Diagnostics) || !load(ctx, req.State, &state, &resp.Diagnostics) {
		return
	}
	setIdentity(ctx, resp.Identity, idIdentity{ID: state.ID}, &resp.Diagnostics)
	if !plan.DisplayName.Equal(state.DisplayName) || !plan.Description.Equal(state.Description) {
		folder, err := r.client.UpdateFolder(ctx, state.ID.ValueString(), storageItemUpdate(plan.DisplayName, plan.Description, state.DisplayName, state.Description))
		if err != nil {
			addAPIError(&resp.Diagnostics, "updating storage folder", err,
				map[string]path.Path{"displayName": path.Root("display_name"), "description": path.Root("description")})
			return
		}
		plan.fill(folder)
	} else {
		// Only itwin_id was recorded (after an import); refresh the computed values.
		folder, err := r.client.GetFolder(ctx, state.ID.ValueString())
		if err != nil {
			addAPIError(&resp.Diagnostics, "reading storage folder", err, nil)
			return
		}
		plan.fill(folder)
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, &plan)...)
}

func (r *storageFolderResource) Delete(ctx context.Context, req resource.DeleteRequest, resp *resource.DeleteResponse) {
	deleteByID(ctx, req, resp, "storage folder", r.client.DeleteFolder)
}

// ImportState takes the storage folder id, as a string or as the identity's id.
func (r *storageFolderResource) ImportState(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	importIDState(ctx, req, resp)
}
