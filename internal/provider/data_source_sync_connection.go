package provider

import (
	"context"

	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/seed37c7dd03/terraform-provider-itwin/internal/itwin"
	"github.com/seed37c7dd03/terraform-provider-itwin/internal/wire"
)

var (
	_ datasource.DataSource              = &connectionDataSource{}
	_ datasource.DataSourceWithConfigure = &connectionDataSource{}
)

// NewSyncConnectionDataSource is the constructor of itwin_sync_connection.
func NewSyncConnectionDataSource() datasource.DataSource {
	return &connectionDataSource{dataSourceBase{typeName: "_sync_connection"}}
}

type connectionDataSource struct {
	dataSourceBase
}

type connectionDataModel struct {
	ID                 types.String `tfsdk:"id"`
	Kind               types.String `tfsdk:"kind"`
	DisplayName        types.String `tfsdk:"display_name"`
	IModelID           types.String `tfsdk:"imodel_id"`
	ITwinID            types.String `tfsdk:"itwin_id"`
	AuthenticationType types.String `tfsdk:"authentication_type"`
	LastRunID          types.String `tfsdk:"last_run_id"`
	SourceFiles        types.List   `tfsdk:"source_files"`
}

// connectionSourceFileModel is one of the connection's source files; what it maps is in storage_file_id or
// source_file_id, by kind.
type connectionSourceFileModel struct {
	ID            types.String `tfsdk:"id"`
	StorageFileID types.String `tfsdk:"storage_file_id"`
	SourceFileID  types.String `tfsdk:"source_file_id"`
	ConnectorType types.String `tfsdk:"connector_type"`
	FileName      types.String `tfsdk:"file_name"`
}

// connectionDataFields are the computed attributes, described once for the schema and the source_files type
// (the outField DSL of run_schema.go).
var connectionDataFields = []outField{
	{name: "kind", desc: "`storage` or `manifest`."},
	{name: "display_name", desc: "Name of the connection (not unique)."},
	{name: "imodel_id", desc: "Id of the iModel the connection synchronizes into."},
	{name: "itwin_id", desc: "Id of the iTwin that owns the iModel."},
	{name: "authentication_type", desc: "`User` or `Service`."},
	{name: "last_run_id", desc: "Id of the most recent run, or null before the first run."},
	{name: "source_files", desc: "The connection's source files.", kind: fObjectList, fields: connectionSourceFileFields},
}

var connectionSourceFileFields = []outField{
	{name: "id", desc: "Mapping (source file) id."},
	{name: "storage_file_id", desc: "Storage file id (storage connections; null for manifest)."},
	{name: "source_file_id", desc: "External document id (manifest connections; null for storage)."},
	{name: "connector_type", desc: "Connector type (storage connections; null for manifest)."},
	{name: "file_name", desc: "File name the server last saw (storage connections; null for manifest)."},
}

func (d *connectionDataSource) Schema(_ context.Context, _ datasource.SchemaRequest, resp *datasource.SchemaResponse) {
	attrs := dataSourceOutputAttributes(connectionDataFields)
	attrs["id"] = schema.StringAttribute{Required: true, Description: "Connection id.", Validators: []validator.String{stringvalidator.LengthAtLeast(1)}}
	resp.Schema = schema.Schema{
		Description: "Reads one connection of either kind (storage or manifest) by id, with its source files.",
		Attributes:  attrs,
	}
}

func (d *connectionDataSource) Read(ctx context.Context, req datasource.ReadRequest, resp *datasource.ReadResponse) {
	var m connectionDataModel
	if !load(ctx, req.Config, &m, &resp.Diagnostics) {
		return
	}
	id := m.ID.ValueString()
	conn, kind, err := d.client.GetConnection(ctx, id)
	if itwin.IsNotFound(err) {
		resp.Diagnostics.AddAttributeError(path.Root("id"), "Connection not found",
			"No storage or manifest connection with id \""+id+"\" exists (or this client cannot see it).")
		return
	}
	if err != nil {
		addAPIError(&resp.Diagnostics, "reading connection "+id, err, nil)
		return
	}
	files, err := d.client.Connections(kind).ListSourceFiles(ctx, id)
	if err != nil {
		addAPIError(&resp.Diagnostics, "reading the source files of "+kind.Noun()+" "+id, err, nil)
		return
	}
	items := make([]connectionSourceFileModel, 0, len(files))
	for _, f := range files {
		item := connectionSourceFileModel{ID: types.StringValue(f.ID), StorageFileID: types.StringNull(), SourceFileID: types.StringNull(),
			ConnectorType: stringOrNullValue(f.ConnectorType), FileName: stringOrNullValue(f.FileName)}
		if kind == wire.KindStorage {
			item.StorageFileID = types.StringValue(f.Key)
		} else {
			item.SourceFileID = types.StringValue(f.Key)
		}
		items = append(items, item)
	}
	m.Kind = types.StringValue(string(kind))
	m.DisplayName = types.StringValue(conn.DisplayName)
	m.IModelID = stringOrNullValue(conn.IModelID)
	m.ITwinID = stringOrNullValue(conn.ITwinID)
	m.AuthenticationType = stringOrNullValue(conn.AuthenticationType)
	m.LastRunID = stringOrNullValue(conn.LastRunID())
	m.SourceFiles = listFrom(ctx, connectionSourceFileFields, items, &resp.Diagnostics)
	resp.Diagnostics.Append(resp.State.Set(ctx, &m)...)
}
