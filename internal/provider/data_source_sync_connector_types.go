package provider

import (
	"context"

	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/seed37c7dd03/terraform-provider-itwin/internal/wire"
)

var _ datasource.DataSource = &connectorTypesDataSource{}

// NewSyncConnectorTypesDataSource is the constructor of itwin_sync_connector_types.
func NewSyncConnectorTypesDataSource() datasource.DataSource { return &connectorTypesDataSource{} }

// connectorTypesDataSource serves the connector catalogue (internal/wire/testdata/spec/api.md §7.1). The API has no endpoint that lists
// connectors, so it reads the provider's built-in table and needs no client.
type connectorTypesDataSource struct{}

type connectorTypesModel struct {
	IncludeLegacy  types.Bool   `tfsdk:"include_legacy"`
	FileName       types.String `tfsdk:"file_name"`
	Names          types.List   `tfsdk:"names"`
	ConnectorTypes types.List   `tfsdk:"connector_types"`
}

var connectorTypeObjectType = types.ObjectType{AttrTypes: map[string]attr.Type{
	"name":        types.StringType,
	"extensions":  types.ListType{ElemType: types.StringType},
	"description": types.StringType,
	"legacy":      types.BoolType,
}}

func (d *connectorTypesDataSource) Metadata(_ context.Context, req datasource.MetadataRequest, resp *datasource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_sync_connector_types"
}

func (d *connectorTypesDataSource) Schema(_ context.Context, _ datasource.SchemaRequest, resp *datasource.SchemaResponse) {
	resp.Schema = schema.Schema{
		Description: "The connector types of the Synchronization API and the file extensions each accepts (spec §7.1). " +
			"Filter by `file_name` to find the connectors that can process a file.",
		Attributes: map[string]schema.Attribute{
			"include_legacy": schema.BoolAttribute{
				Optional:    true,
				Description: "Also list legacy connector types, which existing connections may still carry but which cannot be used on new mappings. Defaults to false.",
			},
			"file_name": schema.StringAttribute{
				Optional:    true,
				Description: "When set, only connector types that accept a file of this name (matched on its extension, case-insensitively) are listed.",
			},
			"names": schema.ListAttribute{
				Computed:    true,
				ElementType: types.StringType,
				Description: "Names of the listed connector types, in catalogue order.",
			},
			"connector_types": schema.ListNestedAttribute{
				Computed:    true,
				Description: "The listed connector types, in catalogue order (current types first).",
				NestedObject: schema.NestedAttributeObject{
					Attributes: map[string]schema.Attribute{
						"name":        schema.StringAttribute{Computed: true, Description: "Value to use as `connector_type`."},
						"extensions":  schema.ListAttribute{Computed: true, ElementType: types.StringType, Description: "File extensions the connector accepts, lower case without the dot."},
						"description": schema.StringAttribute{Computed: true, Description: "What the connector reads."},
						"legacy":      schema.BoolAttribute{Computed: true, Description: "Whether the type is legacy (readable on existing objects, rejected on create and update)."},
					},
				},
			},
		},
	}
}

func (d *connectorTypesDataSource) Read(ctx context.Context, req datasource.ReadRequest, resp *datasource.ReadResponse) {
	var m connectorTypesModel
	if !load(ctx, req.Config, &m, &resp.Diagnostics) {
		return
	}
	var names, items []attr.Value
	for _, c := range wire.ConnectorTypes {
		if c.Legacy && !m.IncludeLegacy.ValueBool() {
			continue
		}
		if !m.FileName.IsNull() && !wire.ConnectorAccepts(c.Name, m.FileName.ValueString()) {
			continue
		}
		exts := make([]attr.Value, 0, len(c.Extensions))
		for _, e := range c.Extensions {
			exts = append(exts, types.StringValue(e))
		}
		names = append(names, types.StringValue(c.Name))
		items = append(items, types.ObjectValueMust(connectorTypeObjectType.AttrTypes, map[string]attr.Value{
			"name":        types.StringValue(c.Name),
			"extensions":  types.ListValueMust(types.StringType, exts),
			"description": types.StringValue(c.Description),
			"legacy":      types.BoolValue(c.Legacy),
		}))
	}
	m.Names = types.ListValueMust(types.StringType, names)
	m.ConnectorTypes = types.ListValueMust(connectorTypeObjectType, items)
	resp.Diagnostics.Append(resp.State.Set(ctx, &m)...)
}
