package provider

import (
	"context"

	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/seed37c7dd03/terraform-provider-itwin/internal/wire"
)

var (
	_ datasource.DataSource              = &connectionsDataSource{}
	_ datasource.DataSourceWithConfigure = &connectionsDataSource{}
)

// NewSyncConnectionsDataSource is the constructor of itwin_sync_connections.
func NewSyncConnectionsDataSource() datasource.DataSource {
	return &connectionsDataSource{dataSourceBase{typeName: "_sync_connections"}}
}

type connectionsDataSource struct {
	dataSourceBase
}

type connectionsDataModel struct {
	IModelID    types.String `tfsdk:"imodel_id"`
	DisplayName types.String `tfsdk:"display_name"`
	IDs         types.List   `tfsdk:"ids"`
	Connections types.List   `tfsdk:"connections"`
}

var connectionsItemObjectType = types.ObjectType{AttrTypes: map[string]attr.Type{
	"id":           types.StringType,
	"kind":         types.StringType,
	"display_name": types.StringType,
	"imodel_id":    types.StringType,
}}

func (d *connectionsDataSource) Schema(_ context.Context, _ datasource.SchemaRequest, resp *datasource.SchemaResponse) {
	resp.Schema = schema.Schema{
		Description: "Lists the connections of every kind on an iModel (all pages). Connection names are not unique, so " +
			"filtering by `display_name` may return several; check the length before using one.",
		Attributes: map[string]schema.Attribute{
			"imodel_id": schema.StringAttribute{
				Required:    true,
				Description: "Id of the iModel.",
				Validators:  []validator.String{stringvalidator.LengthAtLeast(1)},
			},
			"display_name": schema.StringAttribute{
				Optional:    true,
				Description: "When set, only connections with exactly this name are listed.",
			},
			"ids": schema.ListAttribute{
				Computed:    true,
				ElementType: types.StringType,
				Description: "Ids of the listed connections, in the server's order.",
			},
			"connections": schema.ListNestedAttribute{
				Computed:    true,
				Description: "The listed connections, in the server's order.",
				NestedObject: schema.NestedAttributeObject{
					Attributes: map[string]schema.Attribute{
						"id":           schema.StringAttribute{Computed: true, Description: "Connection id."},
						"kind":         schema.StringAttribute{Computed: true, Description: "`storage` or `manifest`."},
						"display_name": schema.StringAttribute{Computed: true, Description: "Name of the connection."},
						"imodel_id":    schema.StringAttribute{Computed: true, Description: "Id of the iModel."},
					},
				},
			},
		},
	}
}

func (d *connectionsDataSource) Read(ctx context.Context, req datasource.ReadRequest, resp *datasource.ReadResponse) {
	var m connectionsDataModel
	if !load(ctx, req.Config, &m, &resp.Diagnostics) {
		return
	}
	imodelID := m.IModelID.ValueString()
	targets := map[string]path.Path{"imodelId": path.Root("imodel_id")}
	all, err := d.client.ListConnections(ctx, imodelID)
	if err != nil {
		addAPIError(&resp.Diagnostics, "listing the connections of iModel "+imodelID, err, targets)
		return
	}
	// The all-kinds list does not say which kind each connection is; the storage list does.
	storage, err := d.client.Connections(wire.KindStorage).List(ctx, imodelID)
	if err != nil {
		addAPIError(&resp.Diagnostics, "listing the storage connections of iModel "+imodelID, err, targets)
		return
	}
	isStorage := map[string]bool{}
	for _, c := range storage {
		isStorage[c.ID] = true
	}
	var ids, items []attr.Value
	for _, c := range all {
		if !m.DisplayName.IsNull() && c.DisplayName != m.DisplayName.ValueString() {
			continue
		}
		kind := wire.KindManifest
		if isStorage[c.ID] {
			kind = wire.KindStorage
		}
		imodel := c.IModelID
		if imodel == "" {
			imodel = imodelID
		}
		ids = append(ids, types.StringValue(c.ID))
		items = append(items, types.ObjectValueMust(connectionsItemObjectType.AttrTypes, map[string]attr.Value{
			"id": types.StringValue(c.ID), "kind": types.StringValue(string(kind)),
			"display_name": types.StringValue(c.DisplayName), "imodel_id": types.StringValue(imodel),
		}))
	}
	m.IDs = types.ListValueMust(types.StringType, ids)
	m.Connections = types.ListValueMust(connectionsItemObjectType, items)
	resp.Diagnostics.Append(resp.State.Set(ctx, &m)...)
}
