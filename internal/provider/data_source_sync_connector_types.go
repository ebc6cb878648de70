package provider

import (
	"context"

	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/diag"
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

// connectorTypeModel is one element of connector_types, described by connectorTypeFields.
type connectorTypeModel struct {
	Name        string   `tfsdk:"name"`
	Extensions  []string `tfsdk:"extensions"`
	Description string   `tfsdk:"description"`
	Legacy      bool     `tfsdk:"legacy"`
}

// connectorTypesFields are the computed attributes (the outField DSL of run_schema.go).
var connectorTypesFields = []outField{
	{name: "names", desc: "Names of the listed connector types, in catalogue order.", kind: fStringList},
	{name: "connector_types", desc: "The listed connector types, in catalogue order (current types first).", kind: fObjectList, fields: connectorTypeFields},
}

var connectorTypeFields = []outField{
	{name: "name", desc: "Value to use as `connector_type`."},
	{name: "extensions", desc: "File extensions the connector accepts, lower case without the dot.", kind: fStringList},
	{name: "description", desc: "What the connector reads."},
	{name: "legacy", desc: "Whether the type is legacy (readable on existing objects, rejected on create and update).", kind: fBool},
}

func (d *connectorTypesDataSource) Metadata(_ context.Context, req datasource.MetadataRequest, resp *datasource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_sync_connector_types"
}

func (d *connectorTypesDataSource) Schema(_ context.Context, _ datasource.SchemaRequest, resp *datasource.SchemaResponse) {
	attrs := dataSourceOutputAttributes(connectorTypesFields)
	attrs["include_legacy"] = schema.BoolAttribute{Optional: true,
		Description: "Also list legacy connector types, which existing connections may still carry but which cannot be used on new mappings. Defaults to false."}
	attrs["file_name"] = schema.StringAttribute{Optional: true,
		Description: "When set, only connector types that accept a file of this name (matched on its extension, case-insensitively) are listed."}
	resp.Schema = schema.Schema{
		Description: "The connector types of the Synchronization API and the file extensions each accepts (spec §7.1). " +
			"Filter by `file_name` to find the connectors that can process a file.",
		Attributes: attrs,
	}
}

func (d *connectorTypesDataSource) Read(ctx context.Context, req datasource.ReadRequest, resp *datasource.ReadResponse) {
	var m connectorTypesModel
	if !load(ctx, req.Config, &m, &resp.Diagnostics) {
		return
	}
	// Non-nil slices: an empty result is an empty list, not null.
	names, items := []string{}, []connectorTypeModel{}
	for _, c := range wire.ConnectorTypes {
		if c.Legacy && !m.IncludeLegacy.ValueBool() {
			continue
		}
		if !m.FileName.IsNull() && !wire.ConnectorAccepts(c.Name, m.FileName.ValueString()) {
			continue
		}
		names = append(names, c.Name)
		items = append(items, connectorTypeModel{Name: c.Name, Extensions: append([]string{}, c.Extensions...), Description: c.Description, Legacy: c.Legacy})
	}
	var diags diag.Diagnostics
	m.Names, diags = types.ListValueFrom(ctx, types.StringType, names)
	resp.Diagnostics.Append(diags...)
	m.ConnectorTypes = listFrom(ctx, connectorTypeFields, items, &resp.Diagnostics)
	resp.Diagnostics.Append(resp.State.Set(ctx, &m)...)
}
