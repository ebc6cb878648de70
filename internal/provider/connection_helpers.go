package provider

// Shared by the connection and source-file resources: connector-type validation and the extension warning, the
// reading and building of source_files, the reconciliation of a connection's source files, the mapping of
// source-file API errors onto attributes, the delete retry while a run is active, and the adoption of a connection
// created by a create whose answer was lost.

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"net/http"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-framework/types/basetypes"
	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/seed37c7dd03/terraform-provider-itwin/internal/itwin"
	"github.com/seed37c7dd03/terraform-provider-itwin/internal/wire"
)

// Error codes the connection resources branch on (internal/wire/testdata/spec/api.md §8.1, §11b).
const (
	codeFileAlreadyMapped      = "FileAlreadyMapped"
	codeFileNotFound           = "FileNotFound"
	codeConnectionAlreadyInUse = "ConnectionAlreadyInUse"
	codeIModelNotFound         = "iModelNotFound"
)

// connectorTypeValidator accepts the connector types a client may send on create or update (internal/wire/testdata/spec/api.md §7.1); legacy
// values are readable but rejected by the server, so they are rejected at plan time too.
func connectorTypeValidator() validator.String {
	return stringvalidator.OneOf(wire.CurrentConnectorTypeNames()...)
}

// connectorTypeDescription documents connector_type attributes with the allowed values.
func connectorTypeDescription() string {
	return "Connector type that processes the file, one of `" + strings.Join(wire.CurrentConnectorTypeNames(), "`, `") +
		"`. The data source `itwin_sync_connector_types` lists the file extensions each accepts."
}

// authenticationTypeValidator accepts the authenticationType values (internal/wire/testdata/spec/api.md §7.2).
func authenticationTypeValidator() validator.String {
	return stringvalidator.OneOf(wire.AuthenticationTypeUser, wire.AuthenticationTypeService)
}

const authenticationTypeDescription = "How runs of the connection authenticate: `User` (runs on behalf of the client " +
	"that created the connection, which must have consented, see the `itwin_sync_authorization` data source) or " +
	"`Service`. When unset, the server's default (`User`) applies and is recorded here."

// addConnectorExtensionWarning warns when a file's extension is not one the connector type handles. It is a
// warning, not an error, because a server may accept more formats than the published table.
func addConnectorExtensionWarning(diags *diag.Diagnostics, p path.Path, fileName, connectorType string) {
	if fileName == "" || connectorType == "" {
		return
	}
	ct, known := wire.LookupConnectorType(connectorType)
	if !known || wire.ConnectorAccepts(connectorType, fileName) {
		return
	}
	accepted := "none"
	if len(ct.Extensions) > 0 {
		accepted = "." + strings.Join(ct.Extensions, ", .")
	}
	diags.AddAttributeWarning(p, "File extension not handled by the connector type",
		fmt.Sprintf("The file %q is mapped with connector type %s, which accepts %s. A run will likely fail this file "+
			"with TAE_UNSUPPORTED_FORMAT; check the connector type (the data source itwin_sync_connector_types lists them).",
			fileName, connectorType, accepted))
}

// checkStorageFileExtension looks the Storage file up (best effort: a file that cannot be read is left to the
// apply to report) and warns when its name does not suit the connector type. Names come from the client's
// walkCache, so a plan reads each file at most once, and the apply-time plan reads none (see applying).
func checkStorageFileExtension(ctx context.Context, client *itwin.Client, diags *diag.Diagnostics, p path.Path, storageFileID, connectorType string) {
	if client == nil || storageFileID == "" || connectorType == "" {
		return
	}
	names := walkCacheOf(client)
	if names.applying.Load() {
		return
	}
	if name, ok := names.lookup(ctx, client, storageFileID); ok {
		addConnectorExtensionWarning(diags, p, name, connectorType)
	}
}

// warnMappedFiles warns, after an apply created or changed mappings, about the files whose server-side name
// (lastKnownFileName, returned with the mappings the apply reads anyway) does not suit their connector type. Only
// files that are new or re-typed against prior (the state before the apply; null on create) are checked. It costs
// no request, and it covers what the apply-time plan no longer checks: files whose ids were unknown at plan time.
func warnMappedFiles(ctx context.Context, kind *connKind, diags *diag.Diagnostics, p path.Path, files []itwin.SourceFile, prior types.Set) {
	if kind.checkFile == nil {
		return
	}
	had := map[string]string{}
	if old, _ := kind.filesOf(ctx, prior); old != nil {
		for _, f := range old {
			had[f.Key] = f.ConnectorType
		}
	}
	for _, f := range files {
		if ct, ok := had[f.Key]; !ok || ct != f.ConnectorType {
			addConnectorExtensionWarning(diags, p, f.FileName, f.ConnectorType)
		}
	}
}

// markApplying records that this configured provider is applying (see walkCache): Create and Update call it first.
func markApplying(client *itwin.Client) {
	if client != nil {
		walkCacheOf(client).applying.Store(true)
	}
}

// addSourceFileError reports a failed source-file call on attribute p, in words that name the file when the
// server's code says the file itself is the problem.
func addSourceFileError(diags *diag.Diagnostics, doing string, err error, p path.Path, fileID string) {
	switch itwin.ErrorCode(err) {
	case codeFileAlreadyMapped:
		diags.AddAttributeError(p, "Source file already mapped",
			fmt.Sprintf("%s: the file %q is already mapped to this iModel by a connection (a file can be mapped only once per iModel, "+
				"across all its connections). Remove it from the other connection first, or import that connection. Server: %s",
				doing, fileID, err.Error()))
	case codeFileNotFound:
		diags.AddAttributeError(p, "Source file not found",
			fmt.Sprintf("%s: the Storage file %q does not exist in the iModel's iTwin (or its upload is not complete). Server: %s",
				doing, fileID, err.Error()))
	default:
		addAPIError(diags, doing, err, map[string]path.Path{
			"sourceFiles": p, "storageFileId": p, "sourceFileId": p, "connectorType": p,
		})
	}
}

// addConnectionCreateError reports a failed connection create (after the caller has handled file-specific
// codes): an unknown iModel and the server's 422 targets land on the attribute they concern.
func addConnectionCreateError(diags *diag.Diagnostics, kind string, err error) {
	if itwin.ErrorCode(err) == codeIModelNotFound {
		diags.AddAttributeError(path.Root("imodel_id"), "iModel not found",
			fmt.Sprintf("Creating the %s connection failed: the iModel does not exist, or this client has no access to its iTwin. Server: %s", kind, err.Error()))
		return
	}
	sf := path.Root("source_files")
	addAPIError(diags, "creating "+kind+" connection", err, map[string]path.Path{
		"iModelId": path.Root("imodel_id"), "sourceFiles": sf, "storageFileId": sf, "sourceFileId": sf, "connectorType": sf,
		"displayName": path.Root("display_name"), "authenticationType": path.Root("authentication_type"),
	})
}

// storageFileItemModel is one element of a storage connection's source_files.
type storageFileItemModel struct {
	StorageFileID types.String `tfsdk:"storage_file_id"`
	ConnectorType types.String `tfsdk:"connector_type"`
}

// storageFileObjectType is the element type of a storage connection's source_files set.
var storageFileObjectType = types.ObjectType{AttrTypes: map[string]attr.Type{
	"storage_file_id": types.StringType,
	"connector_type":  types.StringType,
}}

// sourceFilesOf reads a source_files set element by element: file converts one element, telling whether its key
// is known and whether all of it is. It returns the files whose key is known, and whether the set and all its
// elements are known.
func sourceFilesOf[E attr.Value](ctx context.Context, set types.Set, file func(E) (f itwin.SourceFile, keyKnown, known bool)) ([]itwin.SourceFile, bool) {
	if set.IsNull() || set.IsUnknown() {
		return nil, !set.IsUnknown()
	}
	var elems []E
	if set.ElementsAs(ctx, &elems, false).HasError() {
		return nil, false
	}
	var files []itwin.SourceFile
	known := true
	for _, e := range elems {
		f, keyKnown, allKnown := file(e)
		known = known && allKnown
		if keyKnown {
			files = append(files, f)
		}
	}
	return files, known
}

// storageSourceFilesOf reads a storage connection's source_files (Storage file ids with their connector types).
func storageSourceFilesOf(ctx context.Context, set types.Set) ([]itwin.SourceFile, bool) {
	return sourceFilesOf(ctx, set, func(o types.Object) (itwin.SourceFile, bool, bool) {
		var e storageFileItemModel
		if o.IsUnknown() || o.IsNull() || o.As(ctx, &e, basetypes.ObjectAsOptions{}).HasError() {
			return itwin.SourceFile{}, false, false
		}
		return itwin.SourceFile{Key: e.StorageFileID.ValueString(), ConnectorType: e.ConnectorType.ValueString()},
			!e.StorageFileID.IsUnknown(), !e.StorageFileID.IsUnknown() && !e.ConnectorType.IsUnknown()
	})
}

// manifestSourceFilesOf reads a manifest connection's source_files (external document ids).
func manifestSourceFilesOf(ctx context.Context, set types.Set) ([]itwin.SourceFile, bool) {
	return sourceFilesOf(ctx, set, func(id types.String) (itwin.SourceFile, bool, bool) {
		return itwin.SourceFile{Key: id.ValueString()}, !id.IsUnknown(), !id.IsUnknown()
	})
}

// storageSourceFilesValue builds a storage connection's source_files from the server's mappings.
func storageSourceFilesValue(ctx context.Context, files []itwin.SourceFile) (types.Set, diag.Diagnostics) {
	elems := make([]storageFileItemModel, 0, len(files))
	for _, f := range files {
		elems = append(elems, storageFileItemModel{StorageFileID: types.StringValue(f.Key), ConnectorType: types.StringValue(f.ConnectorType)})
	}
	return types.SetValueFrom(ctx, storageFileObjectType, elems)
}

// manifestSourceFilesValue builds a manifest connection's source_files from the server's mappings.
func manifestSourceFilesValue(ctx context.Context, files []itwin.SourceFile) (types.Set, diag.Diagnostics) {
	ids := make([]string, 0, len(files))
	for _, f := range files {
		ids = append(ids, f.Key)
	}
	return types.SetValueFrom(ctx, types.StringType, ids)
}

// fileKeys returns the keys of files.
func fileKeys(files []itwin.SourceFile) []string {
	keys := make([]string, 0, len(files))
	for _, f := range files {
		keys = append(keys, f.Key)
	}
	return keys
}

// duplicateKeys returns the keys that occur more than once, sorted.
func duplicateKeys(keys []string) []string {
	seen := map[string]int{}
	for _, k := range keys {
		seen[k]++
	}
	var dups []string
	for k, n := range seen {
		if n > 1 {
			dups = append(dups, k)
		}
	}
	sort.Strings(dups)
	return dups
}

// reconcilePlan is what an update must do so the server's mappings equal the desired files. Files are keyed by
// Key, so a kept file keeps its mapping id (a changed connector type is a PUT, not a re-add).
type reconcilePlan struct {
	Add    []itwin.SourceFile
	Update map[string]itwin.SourceFile // mapping id → new file
	Delete []itwin.SourceFile
}

func planReconcile(current, desired []itwin.SourceFile) reconcilePlan {
	p := reconcilePlan{Update: map[string]itwin.SourceFile{}}
	byKey := map[string]itwin.SourceFile{}
	for _, c := range current {
		byKey[c.Key] = c
	}
	want := map[string]bool{}
	for _, d := range desired {
		want[d.Key] = true
		cur, ok := byKey[d.Key]
		switch {
		case !ok:
			p.Add = append(p.Add, d)
		case cur.ConnectorType != d.ConnectorType:
			p.Update[cur.ID] = d
		}
	}
	for _, c := range current {
		if !want[c.Key] {
			p.Delete = append(p.Delete, c)
		}
	}
	return p
}

// reconcileSourceFiles applies a reconcile plan. Adds go first and deletes last, so a failure part-way never
// leaves the connection with fewer files than either the old or the new configuration intends, and a rejected add
// (already mapped elsewhere) changes nothing. It stops at the first error; the caller refreshes the state so the
// next plan shows what is left to do.
func reconcileSourceFiles(ctx context.Context, api itwin.ConnectionAPI, connID string, rp reconcilePlan, diags *diag.Diagnostics) {
	p, noun := path.Root("source_files"), api.Kind().Noun()
	for _, a := range rp.Add {
		tflog.Debug(ctx, "adding source file", map[string]any{"connection_id": connID, "key": a.Key})
		if _, err := api.AddSourceFile(ctx, connID, a); err != nil {
			addSourceFileError(diags, fmt.Sprintf("adding source file %s to %s %s", a.Key, noun, connID), err, p, a.Key)
			return
		}
	}
	for _, id := range slices.Sorted(maps.Keys(rp.Update)) {
		u := rp.Update[id]
		tflog.Debug(ctx, "changing source file connector type", map[string]any{"connection_id": connID, "source_file_id": id, "connector_type": u.ConnectorType})
		if _, err := api.UpdateSourceFile(ctx, connID, id, u); err != nil {
			addSourceFileError(diags, fmt.Sprintf("changing the connector type of source file %s on %s %s", u.Key, noun, connID), err, p, u.Key)
			return
		}
	}
	for _, d := range rp.Delete {
		tflog.Debug(ctx, "removing source file", map[string]any{"connection_id": connID, "source_file_id": d.ID, "key": d.Key})
		if err := api.DeleteSourceFile(ctx, connID, d.ID); err != nil && !itwin.IsNotFound(err) {
			addSourceFileError(diags, fmt.Sprintf("removing source file %s from %s %s", d.Key, noun, connID), err, p, d.Key)
			return
		}
	}
}

// stringMapValue builds a map(string) value.
func stringMapValue(m map[string]string) types.Map {
	elems := make(map[string]attr.Value, len(m))
	for k, v := range m {
		elems[k] = types.StringValue(v)
	}
	return types.MapValueMust(types.StringType, elems)
}

// plannedComputedMap plans a computed map keyed like the desired source files: a key keeps its prior value when
// keep(key) says the value cannot change, and is unknown otherwise (a new or changed file). Keys of removed files
// disappear. Keeping known values out of "(known after apply)" keeps plans quiet and exact.
func plannedComputedMap(prior types.Map, keys []string, keep func(key string) bool) types.Map {
	priorElems := map[string]attr.Value{}
	if !prior.IsNull() && !prior.IsUnknown() {
		priorElems = prior.Elements()
	}
	elems := make(map[string]attr.Value, len(keys))
	for _, k := range keys {
		if v, ok := priorElems[k]; ok && keep(k) {
			if s, isStr := v.(types.String); isStr && !s.IsUnknown() && !s.IsNull() {
				elems[k] = s
				continue
			}
		}
		elems[k] = types.StringUnknown()
	}
	return types.MapValueMust(types.StringType, elems)
}

// preferPlannedMap returns the server's map, except that values the plan already knew are kept as planned. An
// update must return what it planned (else Terraform reports an inconsistent result); a value that moved for
// another reason (a Storage rename between plan and apply) shows up at the next refresh instead.
func preferPlannedMap(planned types.Map, server map[string]string) types.Map {
	out := make(map[string]string, len(server))
	for k, v := range server {
		out[k] = v
	}
	if !planned.IsNull() && !planned.IsUnknown() {
		for k, v := range planned.Elements() {
			s, ok := v.(types.String)
			if _, onServer := out[k]; ok && onServer && !s.IsUnknown() && !s.IsNull() {
				out[k] = s.ValueString()
			}
		}
	}
	return stringMapValue(out)
}

// preferPlannedString returns the planned value when it is known, else the server's.
func preferPlannedString(planned types.String, server types.String) types.String {
	if planned.IsUnknown() {
		return server
	}
	return planned
}

// A run blocks a connection's delete with 409 ConnectionAlreadyInUse. Short runs end within seconds, so the
// delete is retried every connectionInUseInterval until timeouts.delete (default defaultConnectionDeleteTimeout)
// runs out: that spares the user a second destroy, while a long run fails the delete with advice instead of
// hanging it.
const (
	defaultConnectionDeleteTimeout = time.Minute
	connectionInUseInterval        = 5 * time.Second
)

// deleteConnection deletes a connection, treats 404 as done and waits out an active run for at most timeout
// (measured on clk; the last attempt is made when the timeout runs out).
func deleteConnection(ctx context.Context, clk clock, timeout time.Duration, what, id string, del func(context.Context, string) error, diags *diag.Diagnostics) {
	deadline := clk.Now().Add(timeout)
	for attempt := 1; ; attempt++ {
		err := del(ctx, id)
		if err == nil || itwin.IsNotFound(err) {
			return
		}
		left := deadline.Sub(clk.Now())
		if itwin.ErrorCode(err) != codeConnectionAlreadyInUse || left <= 0 {
			if itwin.ErrorCode(err) == codeConnectionAlreadyInUse {
				diags.AddError("Connection has an active run",
					fmt.Sprintf("The %s %q cannot be deleted while a synchronization run is active on it, and the run did not finish within %s (timeouts.delete). "+
						"Wait for the run to complete, then run the destroy again, or raise timeouts.delete. Server: %s",
						what, id, timeout, err.Error()))
				return
			}
			addAPIError(diags, "deleting "+what+" "+id, err, nil)
			return
		}
		tflog.Info(ctx, what+" has an active run; waiting before retrying the delete", map[string]any{"id": id, "attempt": attempt})
		if serr := clk.Sleep(ctx, min(connectionInUseInterval, left)); serr != nil {
			diags.AddError("Deleting "+what+" interrupted", fmt.Sprintf("While waiting for the active run on %q to finish: %v", id, errors.Join(serr, err)))
			return
		}
	}
}

// createOutcomeUncertain reports whether a failed connection create may nevertheless have created the connection:
// the request got no answer, or a 5xx. (A 429 guarantees the server did nothing; the create POST is never
// retried after anything else, because a retry could create a second connection.)
func createOutcomeUncertain(err error) bool {
	return itwin.IsTransient(err) && !itwin.IsStatus(err, http.StatusTooManyRequests)
}

// connectionCandidate is a connection of the iModel with the keys of its source files.
type connectionCandidate struct {
	Conn wire.Connection
	Keys []string // sorted
}

// findOwnConnection looks for the connection an uncertain create may have made: the iModel's connections with
// the planned display name (and authentication type, when planned) whose files are exactly want. It lists
// the connections with list and reads each name-matching connection's file keys with files. It returns the
// matches; the caller adopts one only when there is exactly one.
func findOwnConnection(ctx context.Context, list func(context.Context) ([]wire.Connection, error),
	files func(context.Context, string) ([]string, error), displayName string, authType types.String, want []string) ([]connectionCandidate, error) {
	conns, err := list(ctx)
	if err != nil {
		return nil, err
	}
	want = slices.Sorted(slices.Values(want))
	var out []connectionCandidate
	for _, c := range conns {
		if c.DisplayName != displayName {
			continue
		}
		if !authType.IsNull() && !authType.IsUnknown() && c.AuthenticationType != "" && c.AuthenticationType != authType.ValueString() {
			continue
		}
		keys, err := files(ctx, c.ID)
		if itwin.IsNotFound(err) {
			continue // deleted meanwhile
		}
		if err != nil {
			return nil, err
		}
		keys = slices.Sorted(slices.Values(keys))
		if slices.Equal(keys, want) {
			out = append(out, connectionCandidate{Conn: c, Keys: keys})
		}
	}
	return out, nil
}

// adoptUncertainCreate is called when a connection create failed with an uncertain outcome. It returns the
// connection to adopt (with a warning added) when exactly one connection of the iModel matches the plan, or nil
// when the create should be reported as failed (with a note added when the outcome stays unclear).
func adoptUncertainCreate(ctx context.Context, diags *diag.Diagnostics, kind string, createErr error,
	list func(context.Context) ([]wire.Connection, error), files func(context.Context, string) ([]string, error),
	displayName string, authType types.String, want []string) *wire.Connection {
	tflog.Warn(ctx, "connection create failed with an uncertain outcome; looking for a connection it may have created",
		map[string]any{"kind": kind, "error": createErr.Error()})
	found, err := findOwnConnection(ctx, list, files, displayName, authType, want)
	switch {
	case err != nil:
		diags.AddWarning("Connection may have been created",
			fmt.Sprintf("Creating the %s connection failed without a clear answer (%s), and listing the iModel's connections to check "+
				"whether it was created failed too (%s). If a connection with these source files now exists, the next apply reports "+
				"its files as already mapped; bring it under Terraform with `terraform import <address> <connection id>`.", kind, createErr, err))
		return nil
	case len(found) == 1:
		diags.AddWarning("Adopted a connection created by an interrupted request",
			fmt.Sprintf("Creating the %s connection failed without a clear answer (%s), but the server had created it: connection %s "+
				"has the planned display name and exactly the planned source files, so it is recorded in the state instead of "+
				"being created again.", kind, createErr, found[0].Conn.ID))
		return &found[0].Conn
	case len(found) > 1:
		ids := make([]string, 0, len(found))
		for _, f := range found {
			ids = append(ids, f.Conn.ID)
		}
		diags.AddWarning("Connection may have been created",
			fmt.Sprintf("Creating the %s connection failed without a clear answer (%s). Several connections match the plan (%s), so "+
				"none was adopted; import the right one with `terraform import <address> <connection id>`.", kind, createErr, strings.Join(ids, ", ")))
	}
	return nil
}

// alreadyMappedHint names the connections of the iModel that already map any of the files (best effort), and
// explains that one of them may be this resource's own connection, left by an interrupted create.
func alreadyMappedHint(ctx context.Context, list func(context.Context) ([]wire.Connection, error),
	files func(context.Context, string) ([]string, error), fileOf func(key string) string, want []string) string {
	const generic = " If an earlier apply was interrupted while creating this connection, the connection may exist " +
		"without being in the state; bring it under Terraform with `terraform import <address> <connection id>` " +
		"(the itwin_sync_connections data source lists the iModel's connections)."
	conns, err := list(ctx)
	if err != nil {
		return generic
	}
	wanted := map[string]bool{}
	for _, k := range want {
		wanted[fileOf(k)] = true
	}
	var holders []string
	for _, c := range conns {
		keys, err := files(ctx, c.ID)
		if err != nil {
			continue
		}
		for _, k := range keys {
			if wanted[fileOf(k)] {
				holders = append(holders, fmt.Sprintf("%s (%q)", c.ID, c.DisplayName))
				break
			}
		}
	}
	if len(holders) == 0 {
		return generic
	}
	return fmt.Sprintf(" The file(s) are mapped by connection %s. If that is this resource's own connection, left by an earlier "+
		"interrupted apply, bring it under Terraform with `terraform import <address> <connection id>`.", strings.Join(holders, ", "))
}

// fileKey identifies a mapping when looking for a connection by its files: what it maps and with which connector
// type (none for manifest files). Connector types never contain "|".
func fileKey(f itwin.SourceFile) string { return f.Key + "|" + f.ConnectorType }

// fileOfKey returns what a fileKey maps.
func fileOfKey(key string) string { return key[:strings.LastIndex(key, "|")] }
