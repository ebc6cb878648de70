package provider

import (
	"cmp"
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

// connectionsDataFields are the computed attributes (the outField DSL of run_schema.go).
var connectionsDataFields = []outField{
	{name: "ids", desc: "Ids of the listed connections, in the server's order.", kind: fStringList},
	{name: "connections", desc: "The listed connections, in the server's order.", kind: fObjectList, fields: connectionsItemFields},
}

var connectionsItemFields = []outField{
	{name: "id", desc: "Connection id."},
	{name: "kind", desc: "`storage` or `manifest`."},
	{name: "display_name", desc: "Name of the connection."},
	{name: "imodel_id", desc: "Id of the iModel."},
}

func (d *connectionsDataSource) Schema(_ context.Context, _ datasource.SchemaRequest, resp *datasource.SchemaResponse) {
	attrs := dataSourceOutputAttributes(connectionsDataFields)
	attrs["imodel_id"] = schema.StringAttribute{Required: true, Description: "Id of the iModel.", Validators: []validator.String{stringvalidator.LengthAtLeast(1)}}
	attrs["display_name"] = schema.StringAttribute{Optional: true, Description: "When set, only connections with exactly this name are listed."}
	resp.Schema = schema.Schema{
		Description: "Lists the connections of every kind on an iModel (all pages). Connection names are not unique, so " +
			"filtering by `display_name` may return several; check the length before using one.",
		Attributes: attrs,
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
		ids = append(ids, types.StringValue(c.ID))
		items = append(items, types.ObjectValueMust(fieldAttrTypes(connectionsItemFields), map[string]attr.Value{
			"id": types.StringValue(c.ID), "kind": types.StringValue(string(kind)),
			"display_name": types.StringValue(c.DisplayName), "imodel_id": types.StringValue(cmp.Or(c.IModelID, imodelID)),
		}))
	}
	m.IDs = types.ListValueMust(types.StringType, ids)
	m.Connections = types.ListValueMust(objectType(connectionsItemFields), items)
	resp.Diagnostics.Append(resp.State.Set(ctx, &m)...)
}
