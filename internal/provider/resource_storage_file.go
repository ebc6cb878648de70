package provider

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/diag"
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
	_ resource.ResourceWithConfigure   = &storageFileResource{}
	_ resource.ResourceWithIdentity    = &storageFileResource{}
	_ resource.ResourceWithImportState = &storageFileResource{}
	_ resource.ResourceWithModifyPlan  = &storageFileResource{}
)

// NewStorageFileResource returns the itwin_storage_file resource.
func NewStorageFileResource() resource.Resource { return &storageFileResource{} }

type storageFileResource struct {
	client *itwin.Client
}

type storageFileModel struct {
	ID           types.String `tfsdk:"id"`
	FolderID     types.String `tfsdk:"folder_id"`
	DisplayName  types.String `tfsdk:"display_name"`
	Description  types.String `tfsdk:"description"`
	Source       types.String `tfsdk:"source"`
	SourceHash   types.String `tfsdk:"source_hash"`
	Size         types.Int64  `tfsdk:"size"`
	Path         types.String `tfsdk:"path"`
	LastModified types.String `tfsdk:"last_modified"`
}

func (r *storageFileResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_storage_file"
}

func (r *storageFileResource) Schema(_ context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	resp.Schema = schema.Schema{
		Description: "A file in iTwin Storage, uploaded from a local file. The SHA-256 of the local file is computed " +
			"at plan time (`source_hash`), so editing the file plans an in-place content update, and anything that " +
			"references `source_hash` (for example a run's `triggers`) sees the change in the same plan. A content " +
			"change made outside Terraform (the file's size or last-modified time differ from what the last upload " +
			"left) is detected on refresh and the next apply uploads `source` again. After an import the hash of the " +
			"remote content is unknown, so the first apply uploads the configured `source` once.",
		Attributes: map[string]schema.Attribute{
			"id": schema.StringAttribute{
				Computed:      true,
				Description:   "Storage id of the file.",
				PlanModifiers: []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
			"folder_id": schema.StringAttribute{
				Required:      true,
				Description:   "Id of the Storage folder that holds the file (for example `itwin_storage_folder.x.id`). Changing it uploads a new file.",
				Validators:    []validator.String{stringvalidator.LengthAtLeast(1)},
				PlanModifiers: []planmodifier.String{stringplanmodifier.RequiresReplace()},
			},
			"display_name": schema.StringAttribute{
				Optional: true,
				Computed: true,
				Description: "File name in Storage, including its extension (connectors pick files by extension). " +
					"Defaults to the base name of `source`. Renaming updates the file in place.",
				Validators: []validator.String{stringvalidator.LengthBetween(1, 255)},
			},
			"description": schema.StringAttribute{
				Optional: true,
				Description: "Description of the file. Updated in place. Removing it (or setting `\"\"`) clears the " +
					"remote description; a description set outside Terraform shows up as a diff.",
			},
			"source": schema.StringAttribute{
				Required: true,
				Description: "Path of the local file to upload. It must exist at plan time. Files are streamed, never " +
					"loaded into memory; the Storage API takes at most 256 MiB per file.",
				Validators: []validator.String{stringvalidator.LengthAtLeast(1)},
			},
			"source_hash": schema.StringAttribute{
				Computed: true,
				Description: "SHA-256 (hex) of the content last uploaded, computed from `source` at plan time. An empty " +
					"string means the remote content changed outside Terraform; null means it is not known (after an import).",
			},
			"size": schema.Int64Attribute{
				Computed:    true,
				Description: "Size of the stored file in bytes.",
			},
			"path": schema.StringAttribute{
				Computed:    true,
				Description: "Path of the file inside the iTwin's Storage, as the API reports it.",
			},
			"last_modified": schema.StringAttribute{
				Computed:    true,
				Description: "When the file was last modified in Storage (RFC 3339, UTC).",
			},
		},
	}
}

func (r *storageFileResource) IdentitySchema(_ context.Context, _ resource.IdentitySchemaRequest, resp *resource.IdentitySchemaResponse) {
	resp.IdentitySchema = idIdentitySchema("storage file")
}

func (r *storageFileResource) Configure(_ context.Context, req resource.ConfigureRequest, resp *resource.ConfigureResponse) {
	r.client = clientFrom(req.ProviderData, &resp.Diagnostics)
}

// ModifyPlan computes source_hash from the local file, defaults display_name, and keeps or clears the computed
// values depending on what the apply will really change.
func (r *storageFileResource) ModifyPlan(ctx context.Context, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse) {
	if req.Plan.Raw.IsNull() {
		return // destroy
	}
	var plan, config storageFileModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	resp.Diagnostics.Append(req.Config.Get(ctx, &config)...)
	if resp.Diagnostics.HasError() {
		return
	}

	if config.DisplayName.IsNull() {
		if plan.Source.IsUnknown() {
			plan.DisplayName = types.StringUnknown()
		} else {
			plan.DisplayName = types.StringValue(filepath.Base(plan.Source.ValueString()))
		}
	}

	if plan.Source.IsUnknown() {
		plan.SourceHash = types.StringUnknown()
	} else {
		info, err := hashLocalFile(plan.Source.ValueString())
		if err != nil {
			resp.Diagnostics.AddAttributeError(path.Root("source"), "Cannot read the source file",
				describeLocalFileError(plan.Source.ValueString(), err))
			return
		}
		if info.Size > itwin.MaxUploadSize {
			resp.Diagnostics.AddAttributeError(path.Root("source"), "Source file too large",
				fmt.Sprintf("The source file %q has %d bytes; iTwin Storage accepts at most %d bytes (256 MiB) per file.",
					plan.Source.ValueString(), info.Size, itwin.MaxUploadSize))
			return
		}
		plan.SourceHash = types.StringValue(info.Hash)
	}

	if req.State.Raw.IsNull() {
		resp.Diagnostics.Append(resp.Plan.Set(ctx, &plan)...)
		return
	}
	var state storageFileModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	if !plan.FolderID.Equal(state.FolderID) {
		// Replacement (folder_id requires it): a new file, so every server value is new.
		plan.ID, plan.Size, plan.LastModified, plan.Path = types.StringUnknown(), types.Int64Unknown(), types.StringUnknown(), types.StringUnknown()
		resp.Diagnostics.Append(resp.Plan.Set(ctx, &plan)...)
		return
	}
	contentChanges := !plan.SourceHash.Equal(state.SourceHash)
	nameChanges := !plan.DisplayName.Equal(state.DisplayName)
	remoteChanges := contentChanges || nameChanges || !plan.Description.Equal(state.Description)
	// The framework marks computed values unknown only when it sees a configuration change, which a new
	// source_hash alone is not; and it marks them all, even those the apply will not touch. Decide here.
	plan.Size, plan.LastModified, plan.Path = state.Size, state.LastModified, state.Path
	if remoteChanges {
		plan.LastModified = types.StringUnknown()
	}
	if contentChanges {
		plan.Size = types.Int64Unknown()
	}
	if nameChanges {
		plan.Path = types.StringUnknown()
	}
	resp.Diagnostics.Append(resp.Plan.Set(ctx, &plan)...)
}

func (m *storageFileModel) fill(f *wire.StorageFile) {
	m.ID = types.StringValue(f.ID)
	if f.ParentFolderID != "" {
		m.FolderID = types.StringValue(f.ParentFolderID)
	}
	m.DisplayName = types.StringValue(f.DisplayName)
	m.Description = descriptionValue(f.Description, m.Description)
	m.Size = types.Int64Value(f.Size)
	m.Path = types.StringValue(f.Path)
	m.LastModified = timestampValue(f.LastModifiedDateTime)
}

// errSourceChanged says the local file changed between plan and apply; uploading it would store content that
// the reviewed plan did not show.
var errSourceChanged = errors.New("the source file changed after the plan was made")

// withSource opens the local file, checks it still has the planned hash, and hands it to upload as a stream with
// its size. (Terraform plans again with every value known just before the apply, so the planned hash is known
// here even when source was unknown in the reviewed plan.)
func withSource(name string, planned types.String, upload func(io.Reader, int64) (*wire.StorageFile, error)) (*wire.StorageFile, string, error) {
	info, err := hashLocalFile(name)
	if err != nil {
		return nil, "", err
	}
	if !planned.IsUnknown() && !planned.IsNull() && planned.ValueString() != info.Hash {
		return nil, "", fmt.Errorf("%w (planned sha256 %s, now %s); run terraform plan again", errSourceChanged, planned.ValueString(), info.Hash)
	}
	f, err := os.Open(name)
	if err != nil {
		return nil, "", err
	}
	defer f.Close()
	stored, err := upload(f, info.Size)
	return stored, info.Hash, err
}

func (r *storageFileResource) sourceError(diags *diag.Diagnostics, doing, name string, err error) {
	if errors.Is(err, errSourceChanged) {
		diags.AddAttributeError(path.Root("source"), "Source file changed", fmt.Sprintf("%s: %s.", doing, err))
		return
	}
	diags.AddAttributeError(path.Root("source"), "Cannot read the source file", describeLocalFileError(name, err))
}

func (r *storageFileResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	var plan storageFileModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	if resp.Diagnostics.HasError() {
		return
	}
	var apiErr error
	file, hash, err := withSource(plan.Source.ValueString(), plan.SourceHash, func(content io.Reader, size int64) (*wire.StorageFile, error) {
		f, err := r.client.UploadFile(ctx, plan.FolderID.ValueString(), wire.StorageItemCreate{
			DisplayName: plan.DisplayName.ValueString(),
			Description: plan.Description.ValueString(),
		}, content, size)
		apiErr = err
		return f, err
	})
	if err != nil {
		if apiErr == nil {
			r.sourceError(&resp.Diagnostics, "uploading storage file", plan.Source.ValueString(), err)
			return
		}
		var incomplete *itwin.UploadIncompleteError
		if errors.As(err, &incomplete) {
			r.recordIncompleteUpload(ctx, resp, plan, incomplete)
			return
		}
		if itwin.IsNotFound(err) && itwin.ErrorCode(err) != "FileNotFound" {
			resp.Diagnostics.AddAttributeError(path.Root("folder_id"), "Error uploading storage file",
				"uploading storage file: the folder does not exist: "+err.Error())
			return
		}
		addAPIError(&resp.Diagnostics, "uploading storage file", err,
			map[string]path.Path{"displayName": path.Root("display_name"), "description": path.Root("description")})
		return
	}
	tflog.Info(ctx, "uploaded storage file", map[string]any{"id": file.ID, "size": file.Size})
	plan.fill(file)
	plan.SourceHash = types.StringValue(hash)
	resp.Diagnostics.Append(resp.State.Set(ctx, &plan)...)
	setIdentity(ctx, resp.Identity, idIdentity{ID: plan.ID}, &resp.Diagnostics)
}

// recordIncompleteUpload saves a file that was created but whose content upload failed, so Terraform keeps it
// (tainted) and the next apply deletes it and uploads again, instead of leaving an orphan placeholder in the
// folder next to a second copy (names are not unique).
func (r *storageFileResource) recordIncompleteUpload(ctx context.Context, resp *resource.CreateResponse, plan storageFileModel, e *itwin.UploadIncompleteError) {
	partial := plan
	partial.ID = types.StringValue(e.FileID)
	// "" says the remote content is not what source_hash describes; the other server values are not known.
	partial.SourceHash = types.StringValue("")
	partial.Size, partial.Path, partial.LastModified = types.Int64Null(), types.StringNull(), types.StringNull()
	if partial.DisplayName.IsUnknown() {
		partial.DisplayName = types.StringNull()
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, &partial)...)
	setIdentity(ctx, resp.Identity, idIdentity{ID: partial.ID}, &resp.Diagnostics)
	resp.Diagnostics.AddAttributeError(path.Root("source"), "Storage file upload did not complete",
		fmt.Sprintf("The storage file %s was created in folder %s, but uploading its content failed. The file is saved in the "+
			"state as tainted, so the next apply deletes it and uploads %q again. Cause: %s",
			e.FileID, plan.FolderID.ValueString(), plan.Source.ValueString(), e.Err))
}

func (r *storageFileResource) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	var state storageFileModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	setIdentity(ctx, resp.Identity, idIdentity{ID: state.ID}, &resp.Diagnostics)
	file, err := r.client.GetFile(ctx, state.ID.ValueString())
	if err != nil {
		if itwin.IsNotFound(err) {
			removeGone(ctx, resp, "storage file", state.ID.ValueString())
			return
		}
		addAPIError(&resp.Diagnostics, "reading storage file", err, nil)
		return
	}
	// The content hash of a stored file is not available from the API; size and last-modified time are. If they
	// moved since our last write, someone changed the file outside Terraform: forget the hash so the next plan
	// uploads the configured source again.
	if !state.Size.IsNull() && !state.LastModified.IsNull() && !state.SourceHash.IsNull() && state.SourceHash.ValueString() != "" {
		nowModified := timestampValue(file.LastModifiedDateTime)
		if state.Size.ValueInt64() != file.Size || !state.LastModified.Equal(nowModified) {
			tflog.Warn(ctx, "storage file changed outside Terraform", map[string]any{
				"id": file.ID, "size": file.Size, "recorded_size": state.Size.ValueInt64(),
				"last_modified": nowModified.ValueString(), "recorded_last_modified": state.LastModified.ValueString(),
			})
			resp.Diagnostics.AddWarning("Storage file changed outside Terraform",
				fmt.Sprintf("The storage file %q (%s) has size %d and last-modified time %s, but the last upload by Terraform left size %d and %s. The next apply uploads %q again.",
					file.DisplayName, file.ID, file.Size, nowModified.ValueString(), state.Size.ValueInt64(), state.LastModified.ValueString(), state.Source.ValueString()))
			state.SourceHash = types.StringValue("")
		}
	}
	state.fill(file)
	resp.Diagnostics.Append(resp.State.Set(ctx, &state)...)
}

func (r *storageFileResource) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	var plan, state storageFileModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	setIdentity(ctx, resp.Identity, idIdentity{ID: state.ID}, &resp.Diagnostics)
	id := state.ID.ValueString()
	var latest *wire.StorageFile
	if !plan.SourceHash.Equal(state.SourceHash) {
		var apiErr error
		file, hash, err := withSource(plan.Source.ValueString(), plan.SourceHash, func(content io.Reader, size int64) (*wire.StorageFile, error) {
			f, err := r.client.UpdateFileContent(ctx, id, content, size)
			apiErr = err
			return f, err
		})
		switch {
		case err != nil && apiErr == nil:
			r.sourceError(&resp.Diagnostics, "updating storage file content", plan.Source.ValueString(), err)
			return
		case err != nil:
			addAPIError(&resp.Diagnostics, "updating storage file content", err, nil)
			return
		}
		plan.SourceHash = types.StringValue(hash)
		tflog.Info(ctx, "uploaded new storage file content", map[string]any{"id": id, "size": file.Size})
		latest = file
		// Record the upload before anything else can fail, so a failed rename does not re-upload next time.
		state.fill(file)
		state.Source, state.SourceHash = plan.Source, plan.SourceHash
		resp.Diagnostics.Append(resp.State.Set(ctx, &state)...)
	}
	if !plan.DisplayName.Equal(state.DisplayName) || !plan.Description.Equal(state.Description) {
		file, err := r.client.UpdateFile(ctx, id, storageItemUpdate(plan.DisplayName, plan.Description, state.DisplayName, state.Description))
		if err != nil {
			addAPIError(&resp.Diagnostics, "updating storage file", err,
				map[string]path.Path{"displayName": path.Root("display_name"), "description": path.Root("description")})
			return
		}
		latest = file
	}
	if latest == nil && (plan.LastModified.IsUnknown() || plan.Size.IsUnknown() || plan.Path.IsUnknown()) {
		file, err := r.client.GetFile(ctx, id)
		if err != nil {
			addAPIError(&resp.Diagnostics, "reading storage file", err, nil)
			return
		}
		latest = file
	}
	if latest != nil {
		plan.fill(latest)
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, &plan)...)
}

func (r *storageFileResource) Delete(ctx context.Context, req resource.DeleteRequest, resp *resource.DeleteResponse) {
	var state storageFileModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	if err := r.client.DeleteFile(ctx, state.ID.ValueString()); err != nil && !itwin.IsNotFound(err) {
		addAPIError(&resp.Diagnostics, "deleting storage file", err, nil)
	}
}

// ImportState takes the storage file id, as a string or as the identity's id.
func (r *storageFileResource) ImportState(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	if id, ok := importedID(ctx, req, &resp.Diagnostics); ok {
		resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("id"), id)...)
	}
}
