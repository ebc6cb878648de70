package provider

import (
	"context"

	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/diag"
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

var connectionSourceFileObjectType = types.ObjectType{AttrTypes: map[string]attr.Type{
	"id":              types.StringType,
	"storage_file_id": types.StringType,
	"source_file_id":  types.StringType,
	"connector_type":  types.StringType,
	"file_name":       types.StringType,
}}

func (d *connectionDataSource) Schema(_ context.Context, _ datasource.SchemaRequest, resp *datasource.SchemaResponse) {
	resp.Schema = schema.Schema{
		Description: "Reads one connection of either kind (storage or manifest) by id, with its source files.",
		Attributes: map[string]schema.Attribute{
			"id": schema.StringAttribute{
				Required:    true,
				Description: "Connection id.",
				Validators:  []validator.String{stringvalidator.LengthAtLeast(1)},
			},
			"kind":                schema.StringAttribute{Computed: true, Description: "`storage` or `manifest`."},
			"display_name":        schema.StringAttribute{Computed: true, Description: "Name of the connection (not unique)."},
			"imodel_id":           schema.StringAttribute{Computed: true, Description: "Id of the iModel the connection synchronizes into."},
			"itwin_id":            schema.StringAttribute{Computed: true, Description: "Id of the iTwin that owns the iModel."},
			"authentication_type": schema.StringAttribute{Computed: true, Description: "`User` or `Service`."},
			"last_run_id":         schema.StringAttribute{Computed: true, Description: "Id of the most recent run, or null before the first run."},
			"source_files": schema.ListNestedAttribute{
				Computed:    true,
				Description: "The connection's source files.",
				NestedObject: schema.NestedAttributeObject{
					Attributes: map[string]schema.Attribute{
						"id":              schema.StringAttribute{Computed: true, Description: "Mapping (source file) id."},
						"storage_file_id": schema.StringAttribute{Computed: true, Description: "Storage file id (storage connections; null for manifest)."},
						"source_file_id":  schema.StringAttribute{Computed: true, Description: "External document id (manifest connections; null for storage)."},
						"connector_type":  schema.StringAttribute{Computed: true, Description: "Connector type (storage connections; null for manifest)."},
						"file_name":       schema.StringAttribute{Computed: true, Description: "File name the server last saw (storage connections; null for manifest)."},
					},
				},
			},
		},
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
	var diags diag.Diagnostics
	m.SourceFiles, diags = types.ListValueFrom(ctx, connectionSourceFileObjectType, items)
	resp.Diagnostics.Append(diags...)
	resp.Diagnostics.Append(resp.State.Set(ctx, &m)...)
}
