package provider

// List resources of the connection kinds (connection_kind.go): itwin_sync_storage_connection and
// itwin_sync_manifest_connection list the connections of an iModel, their _source_file types the source files of
// a connection. Each is one implementation for both kinds, and each result carries the state the matching
// resource's Read writes (connectionResource.fromAPI, stateOf).

import (
	"context"
	"fmt"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/list"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/seed37c7dd03/terraform-provider-itwin/internal/itwin"
)

var (
	_ list.ListResourceWithConfigure = &connectionListResource[storageConnectionModel, *storageConnectionModel]{}
	_ list.ListResourceWithConfigure = &sourceFileListResource[storageSourceFileModel, *storageSourceFileModel]{}
)

// NewSyncStorageConnectionListResource lists the storage connections of an iModel.
func NewSyncStorageConnectionListResource() list.ListResource {
	return newConnectionList(newConnectionResource[storageConnectionModel](storageKind))
}

// NewSyncManifestConnectionListResource lists the manifest connections of an iModel.
func NewSyncManifestConnectionListResource() list.ListResource {
	return newConnectionList(newConnectionResource[connectionModel](manifestKind))
}

// NewSyncStorageConnectionSourceFileListResource lists the source files of a storage connection.
func NewSyncStorageConnectionSourceFileListResource() list.ListResource {
	return newSourceFileList(newSourceFileResource[storageSourceFileModel](storageKind))
}

// NewSyncManifestConnectionSourceFileListResource lists the source files of a manifest connection.
func NewSyncManifestConnectionSourceFileListResource() list.ListResource {
	return newSourceFileList(newSourceFileResource[manifestSourceFileModel](manifestKind))
}

// connectionListResource lists one kind's connections. res is the kind's resource: its type name, its client
// (the embedded resourceBase is res's) and the state it builds from the API.
type connectionListResource[M any, P connectionState[M]] struct {
	*resourceBase
	res *connectionResource[M, P]
}

func newConnectionList[M any, P connectionState[M]](res *connectionResource[M, P]) *connectionListResource[M, P] {
	return &connectionListResource[M, P]{&res.resourceBase, res}
}

type connectionListConfig struct {
	IModelID types.String `tfsdk:"imodel_id"`
}

func (r *connectionListResource[M, P]) ListResourceConfigSchema(_ context.Context, _ list.ListResourceSchemaRequest, resp *list.ListResourceSchemaResponse) {
	noun := r.res.kind.Noun()
	resp.Schema = listConfigSchema(fmt.Sprintf("Lists the %ss of an iModel (at most 100 per iModel), with their identity and, with "+
		"`include_resource = true`, the full resource including `source_files`. The display name shows the "+
		"connection's name and how many source files it has. To list the %ss of every iModel of an iTwin, give the "+
		"list block a `for_each` over the results of an `itwin_imodel` list block.", noun, noun),
		"imodel_id", fmt.Sprintf("Id of the iModel whose %ss are listed.", noun))
}

func (r *connectionListResource[M, P]) List(ctx context.Context, req list.ListRequest, stream *list.ListResultsStream) {
	var cfg connectionListConfig
	streamList(ctx, req, stream, r.res.client, &cfg, func(e *listEmitter) {
		imodelID := cfg.IModelID.ValueString()
		noun := r.res.kind.Noun()
		// The connection lists answer an unknown iModel with an empty page (internal/wire/testdata/spec/api.md §2),
		// so ask the iModels API first: an unknown iModel is a mistake in the configuration, not an iModel without
		// connections.
		if _, err := r.res.client.GetIModel(ctx, imodelID); err != nil {
			e.fail(listCallError("reading the iModel", err, "imodel_id", "iModel", imodelID, accessSync))
			return
		}
		api := r.res.api()
		var listErr error
		for conn := range eachOK(api.Each(ctx, imodelID), &listErr) {
			files, err := api.ListSourceFiles(ctx, conn.ID)
			if itwin.IsNotFound(err) {
				continue // deleted since the page was read: no longer there to import
			}
			if err != nil {
				e.fail(listCallError("listing the source files of "+noun+" "+conn.ID, err, "", noun, conn.ID, accessSync))
				return
			}
			var diags diag.Diagnostics
			m := r.res.fromAPI(ctx, &conn, files, cfg.IModelID, &diags)
			if diags.HasError() {
				e.fail(diags)
				return
			}
			name := conn.DisplayName
			if name == "" {
				name = conn.ID
			}
			if !e.emit(fmt.Sprintf("%s (%s, %s)", name, noun, countNoun(len(files), "file")), idIdentity{ID: types.StringValue(conn.ID)}, m) {
				return
			}
		}
		if listErr != nil {
			e.fail(listCallError("listing the "+noun+"s of the iModel", listErr, "imodel_id", "iModel", imodelID, accessSync))
		}
	})
}

// sourceFileListResource lists one kind's source files of a connection, as connectionListResource does connections.
type sourceFileListResource[M any, P sourceFileState[M]] struct {
	*resourceBase
	res *sourceFileResource[M, P]
}

func newSourceFileList[M any, P sourceFileState[M]](res *sourceFileResource[M, P]) *sourceFileListResource[M, P] {
	return &sourceFileListResource[M, P]{&res.resourceBase, res}
}

type sourceFileListConfig struct {
	ConnectionID types.String `tfsdk:"connection_id"`
}

func (r *sourceFileListResource[M, P]) ListResourceConfigSchema(_ context.Context, _ list.ListResourceSchemaRequest, resp *list.ListResourceSchemaResponse) {
	noun := r.res.kind.Noun()
	resp.Schema = listConfigSchema(fmt.Sprintf("Lists the source files of a %s (at most 250), with their identity and, with "+
		"`include_resource = true`, the full resource. Use it for connections managed elsewhere: a connection "+
		"managed by `itwin_sync_%s_connection` lists its files in `source_files`, and managing them twice would make "+
		"the two fight.", noun, r.res.kind.Kind),
		"connection_id", fmt.Sprintf("Id of the %s whose source files are listed.", noun))
}

func (r *sourceFileListResource[M, P]) List(ctx context.Context, req list.ListRequest, stream *list.ListResultsStream) {
	var cfg sourceFileListConfig
	streamList(ctx, req, stream, r.res.client, &cfg, func(e *listEmitter) {
		connID := cfg.ConnectionID.ValueString()
		kind := r.res.kind
		api := r.res.api()
		conn, err := api.Get(ctx, connID)
		if itwin.IsNotFound(err) {
			var diags diag.Diagnostics
			diags.AddAttributeError(configPath("connection_id"), kind.title()+" not found", fmt.Sprintf(
				"reading the %s: config.connection_id = %q names no %s that this client can see (it does not exist, it belongs "+
					"to an iTwin the client is not a member of, or it is a %s, whose files itwin_sync_%s_connection_source_file "+
					"lists). Server: %s", kind.Noun(), connID, kind.Noun(), kind.Other().Noun(), kind.Other(), err))
			e.fail(diags)
			return
		}
		if err != nil {
			e.fail(listCallError("reading the "+kind.Noun(), err, "connection_id", kind.Noun(), connID, accessSync))
			return
		}
		where := conn.DisplayName
		if where == "" {
			where = conn.ID
		}
		var listErr error
		for f := range eachOK(api.EachSourceFile(ctx, connID), &listErr) {
			m := stateOf[M, P](cfg.ConnectionID, &f)
			what := f.Key
			if f.FileName != "" {
				what = f.FileName
			}
			if f.ConnectorType != "" {
				what += ", " + f.ConnectorType
			}
			if !e.emit(fmt.Sprintf("%s (source file of %s %q)", what, kind.Noun(), where), m.base().identity(), m) {
				return
			}
		}
		if listErr != nil {
			e.fail(listCallError("listing the source files of the "+kind.Noun(), listErr, "connection_id", kind.Noun(), connID, accessSync))
		}
	})
}

// countNoun: "1 file", "3 files".
func countNoun(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}
