package provider

import (
	"context"
	"fmt"
	"maps"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework-timeouts/resource/timeouts"
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

// itwin_sync_storage_connection and itwin_sync_manifest_connection: one implementation, specialised by the
// connection kind (connection_kind.go) and by the kind's state model.

var (
	_ resource.ResourceWithConfigure      = &storageConnectionResource{}
	_ resource.ResourceWithIdentity       = &storageConnectionResource{}
	_ resource.ResourceWithImportState    = &storageConnectionResource{}
	_ resource.ResourceWithModifyPlan     = &storageConnectionResource{}
	_ resource.ResourceWithValidateConfig = &storageConnectionResource{}
	_ resource.ResourceWithModifyPlan     = &manifestConnectionResource{}
	_ resource.ResourceWithIdentity       = &manifestConnectionResource{}
)

type (
	storageConnectionResource  = connectionResource[storageConnectionModel, *storageConnectionModel]
	manifestConnectionResource = connectionResource[connectionModel, *connectionModel]
)

// NewSyncStorageConnectionResource is the constructor of itwin_sync_storage_connection.
func NewSyncStorageConnectionResource() resource.Resource {
	return newConnectionResource[storageConnectionModel](storageKind)
}

// NewSyncManifestConnectionResource is the constructor of itwin_sync_manifest_connection.
func NewSyncManifestConnectionResource() resource.Resource {
	return newConnectionResource[connectionModel](manifestKind)
}

// connectionModel is the state of a connection resource; it is the whole state of a manifest connection.
type connectionModel struct {
	ID                 types.String   `tfsdk:"id"`
	IModelID           types.String   `tfsdk:"imodel_id"`
	ITwinID            types.String   `tfsdk:"itwin_id"`
	DisplayName        types.String   `tfsdk:"display_name"`
	AuthenticationType types.String   `tfsdk:"authentication_type"`
	SourceFiles        types.Set      `tfsdk:"source_files"`
	SourceFileIDs      types.Map      `tfsdk:"source_file_ids"`
	LastRunID          types.String   `tfsdk:"last_run_id"`
	Timeouts           timeouts.Value `tfsdk:"timeouts"`
}

// storageConnectionModel adds what a storage connection knows about its files: their names.
type storageConnectionModel struct {
	connectionModel
	SourceFileNames types.Map `tfsdk:"source_file_names"`
}

// fileMap is a computed map(string) keyed by the files' keys: its value per file, and whether a file keeps its
// value when its connector type changes.
type fileMap struct {
	value        *types.Map
	of           func(itwin.SourceFile) string
	keptOnRetype bool
}

// connectionState is the state model of one kind's connection resource.
type connectionState[M any] interface {
	*M
	base() *connectionModel
	fileMaps() []fileMap
}

func (m *connectionModel) base() *connectionModel { return m }

func (m *connectionModel) fileMaps() []fileMap {
	return []fileMap{{value: &m.SourceFileIDs, of: func(f itwin.SourceFile) string { return f.ID }, keptOnRetype: true}}
}

func (m *storageConnectionModel) fileMaps() []fileMap {
	// The server may refresh lastKnownFileName when a mapping is rewritten, so only untouched files keep it.
	return append(m.connectionModel.fileMaps(),
		fileMap{value: &m.SourceFileNames, of: func(f itwin.SourceFile) string { return f.FileName }})
}

type connectionResource[M any, P connectionState[M]] struct {
	resourceBase
	kind *connKind
}

func newConnectionResource[M any, P connectionState[M]](k *connKind) *connectionResource[M, P] {
	return &connectionResource[M, P]{resourceBase{typeName: k.typeName()}, k}
}

func (r *connectionResource[M, P]) api() itwin.ConnectionAPI {
	return r.client.Connections(r.kind.Kind)
}

func (r *connectionResource[M, P]) Schema(ctx context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	attrs := map[string]schema.Attribute{
		"id":        computedStringAttribute("Connection id (43-character base64url), assigned by the server."),
		"imodel_id": replacingStringAttribute("Id of the iModel the connection synchronizes into. Changing it replaces the connection."),
		"itwin_id":  computedStringAttribute("Id of the iTwin that owns the iModel, derived by the server."),
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
		"source_files": r.kind.sourceFilesAttribute,
		"source_file_ids": schema.MapAttribute{
			Computed:    true,
			ElementType: types.StringType,
			Description: r.kind.sourceFileIDsDescription,
		},
		"last_run_id": computedStringAttribute("Id of the connection's most recent run, or null before the first run. Refreshed on every read, " +
			"so runs started elsewhere show up here without causing a diff."),
	}
	attrs["timeouts"] = timeouts.Attributes(ctx, timeouts.Opts{Delete: true, DeleteDescription: "How long a delete waits " +
		"for an active run on the connection to finish (the API refuses to delete it meanwhile), as a Go duration (default `1m`)."})
	maps.Copy(attrs, r.kind.connAttributes)
	resp.Schema = schema.Schema{Description: r.kind.connDescription, Attributes: attrs}
}

func (r *connectionResource[M, P]) IdentitySchema(_ context.Context, _ resource.IdentitySchemaRequest, resp *resource.IdentitySchemaResponse) {
	resp.IdentitySchema = idIdentitySchema(r.kind.Noun())
}

// ValidateConfig rejects a file listed twice with different connector types: the set keeps both elements, but
// the server maps a file once. (Only storage files have a connector type, so only they can repeat.)
func (r *connectionResource[M, P]) ValidateConfig(ctx context.Context, req resource.ValidateConfigRequest, resp *resource.ValidateConfigResponse) {
	var set types.Set
	resp.Diagnostics.Append(req.Config.GetAttribute(ctx, path.Root("source_files"), &set)...)
	if set.IsNull() || set.IsUnknown() {
		return
	}
	files, _ := r.kind.filesOf(ctx, set) // the files whose key is known so far
	for _, d := range duplicateKeys(fileKeys(files)) {
		resp.Diagnostics.AddAttributeError(path.Root("source_files"), "Duplicate storage file",
			fmt.Sprintf("The storage file %q is listed more than once in source_files. A file is mapped once per connection, with one connector type; keep a single entry for it.", d))
	}
}

// ModifyPlan keeps the computed maps exact (unknown only for files that are new or changed) and warns about the
// files the plan adds or re-types when the kind checks them.
func (r *connectionResource[M, P]) ModifyPlan(ctx context.Context, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse) {
	if req.Plan.Raw.IsNull() {
		return // destroy
	}
	plan, state := P(new(M)), P(nil)
	resp.Diagnostics.Append(req.Plan.Get(ctx, plan)...)
	if !req.State.Raw.IsNull() {
		state = P(new(M))
		resp.Diagnostics.Append(req.State.Get(ctx, state)...)
	}
	if resp.Diagnostics.HasError() {
		return
	}

	desired, known := r.kind.filesOf(ctx, plan.base().SourceFiles)
	prior := map[string]string{} // key → connector type in state
	if state != nil {
		if files, ok := r.kind.filesOf(ctx, state.base().SourceFiles); ok {
			for _, f := range files {
				prior[f.Key] = f.ConnectorType
			}
		}
	}
	if known && len(duplicateKeys(fileKeys(desired))) > 0 {
		return // ValidateConfig reported it
	}
	want := map[string]string{}
	for _, d := range desired {
		want[d.Key] = d.ConnectorType
	}
	planned := plan.fileMaps()
	for i, fm := range planned {
		if !known || state == nil {
			*fm.value = types.MapUnknown(types.StringType)
			continue
		}
		*fm.value = plannedComputedMap(*state.fileMaps()[i].value, fileKeys(desired), func(k string) bool {
			ct, ok := prior[k]
			return ok && (fm.keptOnRetype || ct == want[k])
		})
	}
	resp.Diagnostics.Append(resp.Plan.Set(ctx, plan)...)

	// Warn only about files this plan introduces or re-types, so an accepted warning does not repeat forever.
	if known && r.client != nil && r.kind.checkFile != nil {
		for _, d := range desired {
			if ct, ok := prior[d.Key]; !ok || ct != d.ConnectorType {
				r.kind.checkFile(ctx, r.client, &resp.Diagnostics, path.Root("source_files"), d)
			}
		}
	}
}

// desiredFiles reads the planned source_files for a create or an update; it reports unknown or repeated files.
func (r *connectionResource[M, P]) desiredFiles(ctx context.Context, set types.Set, doing string, diags *diag.Diagnostics) ([]itwin.SourceFile, bool) {
	files, known := r.kind.filesOf(ctx, set)
	if !known {
		diags.AddAttributeError(path.Root("source_files"), "Unknown source files", "source_files must be known when the connection is "+doing+".")
		return nil, false
	}
	if dups := duplicateKeys(fileKeys(files)); len(dups) > 0 {
		diags.AddAttributeError(path.Root("source_files"), "Duplicate storage file",
			fmt.Sprintf("The storage files %s are listed more than once in source_files.", strings.Join(dups, ", ")))
		return nil, false
	}
	return files, true
}

func (r *connectionResource[M, P]) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	markApplying(r.client) // see storageNames in connection_helpers.go
	plan := P(new(M))
	if !load(ctx, req.Plan, plan, &resp.Diagnostics) {
		return
	}
	p := plan.base()
	desired, ok := r.desiredFiles(ctx, p.SourceFiles, "created", &resp.Diagnostics)
	if !ok {
		return
	}
	body := itwin.ConnectionCreate{IModelID: p.IModelID.ValueString(), DisplayName: p.DisplayName.ValueString(),
		AuthenticationType: p.AuthenticationType.ValueString(), SourceFiles: desired}
	want := make([]string, 0, len(desired))
	for _, d := range desired {
		want = append(want, fileKey(d))
	}
	conn, err := r.api().Create(ctx, body)
	if err != nil && createOutcomeUncertain(err) {
		// The server may have created it before the answer was lost; adopt it rather than orphan it (and then
		// fail every later apply with FileAlreadyMapped).
		if adopted := adoptUncertainCreate(ctx, &resp.Diagnostics, string(r.kind.Kind), err, r.listConnections(body.IModelID), r.fileKeys,
			body.DisplayName, p.AuthenticationType, want); adopted != nil {
			conn, err = adopted, nil
		}
	}
	if err != nil {
		r.addCreateError(ctx, &resp.Diagnostics, err, body.IModelID, desired, want)
		return
	}
	// Record the id at once: if anything below fails, Terraform keeps (and taints) the connection instead of
	// orphaning it.
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("id"), conn.ID)...)
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("timeouts"), p.Timeouts)...)
	setIdentity(ctx, resp.Identity, idIdentity{ID: types.StringValue(conn.ID)}, &resp.Diagnostics)
	if resp.Diagnostics.HasError() {
		return
	}
	files, err := r.api().ListSourceFiles(ctx, conn.ID)
	if err != nil {
		addAPIError(&resp.Diagnostics, "reading the source files of new "+r.kind.Noun()+" "+conn.ID, err, nil)
		return
	}
	warnMappedFiles(ctx, r.kind, &resp.Diagnostics, path.Root("source_files"), files, types.Set{})
	m := r.fromAPI(ctx, conn, files, p.IModelID, &resp.Diagnostics)
	m.base().Timeouts = p.Timeouts
	resp.Diagnostics.Append(resp.State.Set(ctx, m)...)
}

// addCreateError explains a failed create. The server's 404 for a missing file does not always say which file,
// so the kind looks the files up to name it.
func (r *connectionResource[M, P]) addCreateError(ctx context.Context, diags *diag.Diagnostics, err error, imodelID string, desired []itwin.SourceFile, want []string) {
	p := path.Root("source_files")
	switch itwin.ErrorCode(err) {
	case codeFileAlreadyMapped:
		diags.AddAttributeError(p, r.kind.alreadyMappedSummary, "Creating the "+r.kind.Noun()+" failed: "+r.kind.alreadyMappedDetail+
			alreadyMappedHint(ctx, r.listConnections(imodelID), r.fileKeys, fileOfKey, want)+" Server: "+err.Error())
		return
	case codeFileNotFound:
		if r.kind.missingFiles != nil {
			what := "one of the files in source_files does not exist"
			if missing := r.kind.missingFiles(ctx, r.client, desired); len(missing) > 0 {
				what = fmt.Sprintf("the Storage file(s) %s do not exist", strings.Join(quoteAll(missing), ", "))
			}
			diags.AddAttributeError(p, "Source file not found",
				fmt.Sprintf("Creating the %s failed: %s in the iModel's iTwin (or the upload is not complete). Server: %s", r.kind.Noun(), what, err.Error()))
			return
		}
	}
	addConnectionCreateError(diags, string(r.kind.Kind), err)
}

// listConnections lists the iModel's connections of this kind, for adoption and hints after a failed create.
func (r *connectionResource[M, P]) listConnections(imodelID string) func(context.Context) ([]wire.Connection, error) {
	return func(ctx context.Context) ([]wire.Connection, error) { return r.api().List(ctx, imodelID) }
}

// fileKeys returns the fileKey of each source file of a connection.
func (r *connectionResource[M, P]) fileKeys(ctx context.Context, connID string) ([]string, error) {
	files, err := r.api().ListSourceFiles(ctx, connID)
	if err != nil {
		return nil, err
	}
	keys := make([]string, 0, len(files))
	for _, f := range files {
		keys = append(keys, fileKey(f))
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

// fromAPI builds the full state from the server's view of the connection and its files. imodelID is the known
// iModel id, for a server that leaves it out.
func (r *connectionResource[M, P]) fromAPI(ctx context.Context, conn *wire.Connection, files []itwin.SourceFile, imodelID types.String, diags *diag.Diagnostics) P {
	m := P(new(M))
	b := m.base()
	set, d := r.kind.filesValue(ctx, files)
	diags.Append(d...)
	*b = connectionModel{
		ID:                 types.StringValue(conn.ID),
		IModelID:           types.StringValue(conn.IModelID),
		ITwinID:            stringOrNullValue(conn.ITwinID),
		DisplayName:        types.StringValue(conn.DisplayName),
		AuthenticationType: stringOrNullValue(conn.AuthenticationType),
		SourceFiles:        set,
		LastRunID:          stringOrNullValue(conn.LastRunID()),
		Timeouts:           nullTimeouts("delete"),
	}
	if conn.IModelID == "" {
		b.IModelID = imodelID
	}
	for _, fm := range m.fileMaps() {
		values := map[string]string{}
		for _, f := range files {
			values[f.Key] = fm.of(f)
		}
		*fm.value = stringMapValue(values)
	}
	return m
}

// read reads the connection and its files; gone is true when either is not found.
func (r *connectionResource[M, P]) read(ctx context.Context, id string, diags *diag.Diagnostics) (conn *wire.Connection, files []itwin.SourceFile, gone bool) {
	conn, err := r.api().Get(ctx, id)
	if err == nil {
		files, err = r.api().ListSourceFiles(ctx, id)
		if err != nil && !itwin.IsNotFound(err) {
			addAPIError(diags, "reading the source files of "+r.kind.Noun()+" "+id, err, nil)
			return nil, nil, false
		}
	}
	if itwin.IsNotFound(err) {
		return nil, nil, true
	}
	if err != nil {
		addAPIError(diags, "reading "+r.kind.Noun()+" "+id, err, nil)
	}
	return conn, files, false
}

func (r *connectionResource[M, P]) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	state := P(new(M))
	if !load(ctx, req.State, state, &resp.Diagnostics) {
		return
	}
	s := state.base()
	setIdentity(ctx, resp.Identity, idIdentity{ID: s.ID}, &resp.Diagnostics)
	conn, files, gone := r.read(ctx, s.ID.ValueString(), &resp.Diagnostics)
	if gone {
		removeGone(ctx, resp, r.kind.Noun(), s.ID.ValueString())
	}
	if conn == nil {
		return
	}
	m := r.fromAPI(ctx, conn, files, s.IModelID, &resp.Diagnostics)
	m.base().Timeouts = s.Timeouts
	resp.Diagnostics.Append(resp.State.Set(ctx, m)...)
}

func (r *connectionResource[M, P]) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	markApplying(r.client) // see storageNames in connection_helpers.go
	plan, state := P(new(M)), P(new(M))
	if !load(ctx, req.Plan, plan, &resp.Diagnostics) || !load(ctx, req.State, state, &resp.Diagnostics) {
		return
	}
	p, s := plan.base(), state.base()
	setIdentity(ctx, resp.Identity, idIdentity{ID: s.ID}, &resp.Diagnostics)
	id := s.ID.ValueString()

	if !p.SourceFiles.Equal(s.SourceFiles) {
		desired, ok := r.desiredFiles(ctx, p.SourceFiles, "updated", &resp.Diagnostics)
		if !ok {
			return
		}
		// Reconcile against the server's current mappings rather than the state, so changes made since the last
		// refresh cannot make us add a file twice or delete a mapping that is already gone.
		current, err := r.api().ListSourceFiles(ctx, id)
		if err != nil {
			addAPIError(&resp.Diagnostics, "reading the source files of "+r.kind.Noun()+" "+id, err, nil)
			return
		}
		reconcileSourceFiles(ctx, r.api(), id, planReconcile(current, desired), &resp.Diagnostics)
	}

	if !resp.Diagnostics.HasError() {
		var upd wire.ConnectionUpdate
		if !p.DisplayName.IsUnknown() && !p.DisplayName.Equal(s.DisplayName) {
			// Sent even when "": an omitted name would keep the old one (the PUT merges).
			upd.DisplayName = wire.Ptr(p.DisplayName.ValueString())
		}
		if !p.AuthenticationType.IsUnknown() && !p.AuthenticationType.Equal(s.AuthenticationType) {
			upd.AuthenticationType = p.AuthenticationType.ValueString()
		}
		if upd != (wire.ConnectionUpdate{}) {
			if _, err := r.api().Update(ctx, id, upd); err != nil {
				addAPIError(&resp.Diagnostics, "updating "+r.kind.Noun()+" "+id, err, map[string]path.Path{
					"displayName": path.Root("display_name"), "authenticationType": path.Root("authentication_type"),
				})
			}
		}
	}

	// Refresh, so that after a partial failure the state says what really happened and the next plan shows the rest.
	conn, err := r.api().Get(ctx, id)
	var files []itwin.SourceFile
	if err == nil {
		files, err = r.api().ListSourceFiles(ctx, id)
	}
	if err != nil {
		addAPIError(&resp.Diagnostics, "reading "+r.kind.Noun()+" "+id+" after the update", err, nil)
		return
	}
	warnMappedFiles(ctx, r.kind, &resp.Diagnostics, path.Root("source_files"), files, s.SourceFiles)
	newState := r.fromAPI(ctx, conn, files, s.IModelID, &resp.Diagnostics)
	newState.base().Timeouts = p.Timeouts
	if !resp.Diagnostics.HasError() {
		n := newState.base()
		n.LastRunID = preferPlannedString(p.LastRunID, n.LastRunID)
		n.ITwinID = preferPlannedString(p.ITwinID, n.ITwinID)
		planned := plan.fileMaps()
		for i, fm := range newState.fileMaps() {
			*fm.value = preferPlannedMap(*planned[i].value, mapOf(*fm.value))
		}
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, newState)...)
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

func (r *connectionResource[M, P]) Delete(ctx context.Context, req resource.DeleteRequest, resp *resource.DeleteResponse) {
	var id types.String
	var to timeouts.Value
	resp.Diagnostics.Append(req.State.GetAttribute(ctx, path.Root("id"), &id)...)
	resp.Diagnostics.Append(req.State.GetAttribute(ctx, path.Root("timeouts"), &to)...)
	timeout, d := to.Delete(ctx, defaultConnectionDeleteTimeout)
	resp.Diagnostics.Append(d...)
	if resp.Diagnostics.HasError() {
		return
	}
	deleteConnection(ctx, r.clock, timeout, r.kind.Noun(), id.ValueString(), r.api().Delete, &resp.Diagnostics)
}

// ImportState takes a connection id, as a string or as the identity's id. An id of the other kind gets an
// explanation instead of a "not found".
func (r *connectionResource[M, P]) ImportState(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
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
		case kind != r.kind.Kind:
			resp.Diagnostics.AddError("Wrong connection kind",
				fmt.Sprintf("%q is a %s; import it as itwin%s instead.", id, kind.Noun(), kindOf(kind).typeName()))
			return
		}
	}
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("id"), id)...)
}
