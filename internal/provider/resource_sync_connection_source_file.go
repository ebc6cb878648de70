package provider

import (
	"context"
	"fmt"
	"maps"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/seed37c7dd03/terraform-provider-itwin/internal/itwin"
)

// itwin_sync_storage_connection_source_file and itwin_sync_manifest_connection_source_file: one implementation,
// specialised by the connection kind (connection_kind.go) and by the kind's state model.

var (
	_ resource.ResourceWithConfigure   = &storageSourceFileResource{}
	_ resource.ResourceWithIdentity    = &storageSourceFileResource{}
	_ resource.ResourceWithImportState = &storageSourceFileResource{}
	_ resource.ResourceWithModifyPlan  = &storageSourceFileResource{}
	_ resource.ResourceWithImportState = &manifestSourceFileResource{}
)

type (
	storageSourceFileResource  = sourceFileResource[storageSourceFileModel, *storageSourceFileModel]
	manifestSourceFileResource = sourceFileResource[manifestSourceFileModel, *manifestSourceFileModel]
)

// NewSyncStorageConnectionSourceFileResource is the constructor of itwin_sync_storage_connection_source_file.
func NewSyncStorageConnectionSourceFileResource() resource.Resource {
	return newSourceFileResource[storageSourceFileModel](storageKind)
}

// NewSyncManifestConnectionSourceFileResource is the constructor of itwin_sync_manifest_connection_source_file.
func NewSyncManifestConnectionSourceFileResource() resource.Resource {
	return newSourceFileResource[manifestSourceFileModel](manifestKind)
}

// sourceFileModel is what both source-file resources hold.
type sourceFileModel struct {
	ID           types.String `tfsdk:"id"`
	ConnectionID types.String `tfsdk:"connection_id"`
}

func (m *sourceFileModel) base() *sourceFileModel { return m }

func (m *sourceFileModel) identity() connectionChildIdentity {
	return connectionChildIdentity{ConnectionID: m.ConnectionID, ID: m.ID}
}

// storageSourceFileModel: a Storage file with its connector type, and the name the server saw.
type storageSourceFileModel struct {
	sourceFileModel
	StorageFileID types.String `tfsdk:"storage_file_id"`
	ConnectorType types.String `tfsdk:"connector_type"`
	FileName      types.String `tfsdk:"file_name"`
}

// manifestSourceFileModel: an external document id.
type manifestSourceFileModel struct {
	sourceFileModel
	SourceFileID types.String `tfsdk:"source_file_id"`
}

// sourceFileState is the state model of one kind's source-file resource.
type sourceFileState[M any] interface {
	*M
	base() *sourceFileModel
	// file is the mapping the model asks for; known is false while part of it is unknown.
	file() (f itwin.SourceFile, known bool)
	// set records the server's mapping.
	set(f itwin.SourceFile)
	// planComputed plans the kind's computed attributes: kept from prior while the mapping is unchanged.
	planComputed(prior *M, changed bool)
	// keepPlanned keeps the computed values the plan already knew (an update must return what it planned).
	keepPlanned(plan *M)
}

func (m *storageSourceFileModel) file() (itwin.SourceFile, bool) {
	return itwin.SourceFile{Key: m.StorageFileID.ValueString(), ConnectorType: m.ConnectorType.ValueString()},
		!m.StorageFileID.IsUnknown() && !m.ConnectorType.IsUnknown()
}

func (m *storageSourceFileModel) set(f itwin.SourceFile) {
	m.StorageFileID, m.ConnectorType, m.FileName = types.StringValue(f.Key), types.StringValue(f.ConnectorType), stringOrNullValue(f.FileName)
}

func (m *storageSourceFileModel) planComputed(prior *storageSourceFileModel, changed bool) {
	m.FileName = prior.FileName
	if changed {
		m.FileName = types.StringUnknown()
	}
}

func (m *storageSourceFileModel) keepPlanned(plan *storageSourceFileModel) {
	if !plan.FileName.IsUnknown() {
		m.FileName = plan.FileName
	}
}

func (m *manifestSourceFileModel) file() (itwin.SourceFile, bool) {
	return itwin.SourceFile{Key: m.SourceFileID.ValueString()}, !m.SourceFileID.IsUnknown()
}

func (m *manifestSourceFileModel) set(f itwin.SourceFile)                      { m.SourceFileID = types.StringValue(f.Key) }
func (m *manifestSourceFileModel) planComputed(*manifestSourceFileModel, bool) {}
func (m *manifestSourceFileModel) keepPlanned(*manifestSourceFileModel)        {}

type sourceFileResource[M any, P sourceFileState[M]] struct {
	resourceBase
	kind *connKind
}

func newSourceFileResource[M any, P sourceFileState[M]](k *connKind) *sourceFileResource[M, P] {
	return &sourceFileResource[M, P]{resourceBase{typeName: k.typeName() + "_source_file"}, k}
}

func (r *sourceFileResource[M, P]) api() itwin.ConnectionAPI {
	return r.client.Connections(r.kind.Kind)
}

func (r *sourceFileResource[M, P]) Schema(_ context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	attrs := map[string]schema.Attribute{
		"id":            computedStringAttribute(r.kind.sourceFileIDDescription),
		"connection_id": connectionIDAttribute("Id of the " + r.kind.Noun() + ". Changing it replaces the mapping."),
	}
	maps.Copy(attrs, r.kind.sourceFileAttributes)
	resp.Schema = schema.Schema{Description: r.kind.sourceFileDescription, Attributes: attrs}
}

func (r *sourceFileResource[M, P]) IdentitySchema(_ context.Context, _ resource.IdentitySchemaRequest, resp *resource.IdentitySchemaResponse) {
	resp.IdentitySchema = childIdentitySchema("connection_id", r.kind.Noun(), "connection",
		"source file mapping (a value of source_file_ids, not the "+r.kind.keyNoun+")")
}

// ModifyPlan keeps the kind's computed attributes while the mapping is untouched, and lets the kind warn about a
// new or changed mapping (storage: the file's extension against its connector type).
func (r *sourceFileResource[M, P]) ModifyPlan(ctx context.Context, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse) {
	if req.Plan.Raw.IsNull() {
		return
	}
	plan := P(new(M))
	if !load(ctx, req.Plan, plan, &resp.Diagnostics) {
		return
	}
	want, known := plan.file()
	changed := true
	if !req.State.Raw.IsNull() {
		state := P(new(M))
		if !load(ctx, req.State, state, &resp.Diagnostics) {
			return
		}
		had, _ := state.file()
		changed = !known || want != had || !plan.base().ConnectionID.Equal(state.base().ConnectionID)
		plan.planComputed((*M)(state), changed)
		resp.Diagnostics.Append(resp.Plan.Set(ctx, plan)...)
	}
	if changed && known && r.kind.checkFile != nil {
		r.kind.checkFile(ctx, r.client, &resp.Diagnostics, path.Root("connector_type"), want)
	}
}

// addCallError puts a missing connection on connection_id and file problems on the key attribute.
func (r *sourceFileResource[M, P]) addCallError(diags *diag.Diagnostics, doing string, err error, plan P) {
	if itwin.IsNotFound(err) && itwin.ErrorCode(err) != codeFileNotFound {
		diags.AddAttributeError(path.Root("connection_id"), r.kind.title()+" not found",
			fmt.Sprintf("%s: the %s %q does not exist (or is a %s). Server: %s", doing, r.kind.Noun(), plan.base().ConnectionID.ValueString(), r.kind.Other().Noun(), err.Error()))
		return
	}
	f, _ := plan.file()
	addSourceFileError(diags, doing, err, path.Root(r.kind.keyAttr), f.Key)
}

// stateOf is the state of a mapping of connection connID as the server answered it.
func stateOf[M any, P sourceFileState[M]](connID types.String, f *itwin.SourceFile) P {
	m := P(new(M))
	*m.base() = sourceFileModel{ID: types.StringValue(f.ID), ConnectionID: connID}
	m.set(*f)
	return m
}

func (r *sourceFileResource[M, P]) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	markApplying(r.client) // see storageNames in connection_helpers.go
	plan := P(new(M))
	if !load(ctx, req.Plan, plan, &resp.Diagnostics) {
		return
	}
	connID := plan.base().ConnectionID
	want, _ := plan.file()
	f, err := r.api().AddSourceFile(ctx, connID.ValueString(), want)
	if err != nil {
		r.addCallError(&resp.Diagnostics, "adding source file to "+r.kind.Noun()+" "+connID.ValueString(), err, plan)
		return
	}
	warnMappedFiles(ctx, r.kind, &resp.Diagnostics, path.Root("connector_type"), []itwin.SourceFile{*f}, types.Set{})
	state := stateOf[M, P](connID, f)
	resp.Diagnostics.Append(resp.State.Set(ctx, state)...)
	setIdentity(ctx, resp.Identity, state.base().identity(), &resp.Diagnostics)
}

func (r *sourceFileResource[M, P]) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	state := P(new(M))
	if !load(ctx, req.State, state, &resp.Diagnostics) {
		return
	}
	s := state.base()
	setIdentity(ctx, resp.Identity, s.identity(), &resp.Diagnostics)
	connID, id := s.ConnectionID.ValueString(), s.ID.ValueString()
	f, err := r.api().GetSourceFile(ctx, connID, id)
	if itwin.IsNotFound(err) {
		// Either the mapping or its whole connection is gone; both mean this mapping no longer exists.
		removeGone(ctx, resp, r.kind.Noun()+" source file", connID+"/"+id)
		return
	}
	if err != nil {
		addAPIError(&resp.Diagnostics, fmt.Sprintf("reading source file %s of %s %s", id, r.kind.Noun(), connID), err, nil)
		return
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, stateOf[M, P](s.ConnectionID, f))...)
}

func (r *sourceFileResource[M, P]) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	markApplying(r.client) // see storageNames in connection_helpers.go
	plan, state := P(new(M)), P(new(M))
	if !load(ctx, req.Plan, plan, &resp.Diagnostics) || !load(ctx, req.State, state, &resp.Diagnostics) {
		return
	}
	s := state.base()
	setIdentity(ctx, resp.Identity, s.identity(), &resp.Diagnostics)
	connID, id := s.ConnectionID.ValueString(), s.ID.ValueString()
	// PUT replaces the mapping's fields and keeps its id (internal/wire/testdata/spec/api.md §11c).
	want, _ := plan.file()
	f, err := r.api().UpdateSourceFile(ctx, connID, id, want)
	if err != nil {
		r.addCallError(&resp.Diagnostics, fmt.Sprintf("updating source file %s of %s %s", id, r.kind.Noun(), connID), err, plan)
		return
	}
	warnMappedFiles(ctx, r.kind, &resp.Diagnostics, path.Root("connector_type"), []itwin.SourceFile{*f}, types.Set{})
	newState := stateOf[M, P](s.ConnectionID, f)
	newState.keepPlanned((*M)(plan))
	resp.Diagnostics.Append(resp.State.Set(ctx, newState)...)
}

func (r *sourceFileResource[M, P]) Delete(ctx context.Context, req resource.DeleteRequest, resp *resource.DeleteResponse) {
	var s sourceFileModel
	resp.Diagnostics.Append(req.State.GetAttribute(ctx, path.Root("id"), &s.ID)...)
	resp.Diagnostics.Append(req.State.GetAttribute(ctx, path.Root("connection_id"), &s.ConnectionID)...)
	if resp.Diagnostics.HasError() {
		return
	}
	connID, id := s.ConnectionID.ValueString(), s.ID.ValueString()
	if err := r.api().DeleteSourceFile(ctx, connID, id); err != nil && !itwin.IsNotFound(err) {
		addAPIError(&resp.Diagnostics, fmt.Sprintf("removing source file %s from %s %s", id, r.kind.Noun(), connID), err, nil)
	}
}

// ImportState takes the connection id and the mapping id (as shown in the connection's source_file_ids), as a
// string in the kind's import format or as the identity's connection_id and id.
func (r *sourceFileResource[M, P]) ImportState(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	importChildState(ctx, req, resp, r.kind.sourceFileImportFormat, "connection_id")
}
