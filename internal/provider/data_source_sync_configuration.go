package provider

import (
	"context"
	"fmt"

	"github.com/hashicorp/terraform-plugin-framework-validators/datasourcevalidator"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
)

var (
	_ datasource.DataSource                     = &syncConfigurationDataSource{}
	_ datasource.DataSourceWithConfigure        = &syncConfigurationDataSource{}
	_ datasource.DataSourceWithConfigValidators = &syncConfigurationDataSource{}
)

// NewSyncConfigurationDataSource reads the stored and effective synchronization settings of one scope.
func NewSyncConfigurationDataSource() datasource.DataSource {
	return &syncConfigurationDataSource{dataSourceBase{typeName: "_sync_configuration"}}
}

type syncConfigurationDataSource struct {
	dataSourceBase
}

type syncConfigurationDataModel struct {
	ID               types.String `tfsdk:"id"`
	ITwinID          types.String `tfsdk:"itwin_id"`
	IModelID         types.String `tfsdk:"imodel_id"`
	ConnectionID     types.String `tfsdk:"connection_id"`
	Configured       types.Bool   `tfsdk:"configured"`
	Settings         types.Map    `tfsdk:"settings"`
	ResolvedSettings types.Map    `tfsdk:"resolved_settings"`
}

func (d *syncConfigurationDataSource) Schema(_ context.Context, _ datasource.SchemaRequest, resp *datasource.SchemaResponse) {
	attrs := map[string]schema.Attribute{
		"id": schema.StringAttribute{
			Computed:    true,
			Description: "The scope read, in the form `itwins/<id>`, `imodels/<id>` or `connections/<id>`.",
		},
		"configured": schema.BoolAttribute{
			Computed:    true,
			Description: "Whether the scope has a configuration of its own. When false, `settings` is empty and `resolved_settings` is computed by the provider from the parent scopes and the defaults.",
		},
		"settings": schema.MapAttribute{
			Computed:    true,
			ElementType: types.StringType,
			Description: "The flags stored at this scope, keyed by wire name (for example `squashIntermediateRevisions`), values as strings (`\"true\"`, `\"2\"`). Empty when the scope has no configuration.",
		},
		"resolved_settings": schema.MapAttribute{
			Computed:    true,
			ElementType: types.StringType,
			Description: "The effective value of every flag at this scope, keyed by wire name, values as strings: the defaults, overridden by the iTwin's settings, then the iModel's, then the connection's, as far as they apply. When the scope has no configuration (the API answers 404), the provider resolves it the same way from the parent scope (the iModel's iTwin, or the connection's iModel) plus the defaults of this scope's own flags; the itwin-local-only flags are then left out against api.bentley.com.",
		},
	}
	for _, s := range configScopes {
		attrs[s.IDAttr] = schema.StringAttribute{
			Optional:    true,
			Description: fmt.Sprintf("Id of the %s to read. Exactly one of `itwin_id`, `imodel_id` and `connection_id` must be set.", s.Display),
			Validators:  []validator.String{stringvalidator.LengthAtLeast(1)},
		}
	}
	resp.Schema = schema.Schema{
		Description: "Reads the synchronization configuration of one scope (an iTwin, an iModel or a connection): the flags stored " +
			"there and the effective value of every flag. The Configurations API is a Technical Preview in the public service.",
		Attributes: attrs,
	}
}

func (d *syncConfigurationDataSource) ConfigValidators(_ context.Context) []datasource.ConfigValidator {
	return []datasource.ConfigValidator{
		datasourcevalidator.ExactlyOneOf(path.MatchRoot("itwin_id"), path.MatchRoot("imodel_id"), path.MatchRoot("connection_id")),
	}
}

func (d *syncConfigurationDataSource) Read(ctx context.Context, req datasource.ReadRequest, resp *datasource.ReadResponse) {
	var m syncConfigurationDataModel
	if !load(ctx, req.Config, &m, &resp.Diagnostics) {
		return
	}
	var s configScope
	var id string
	for _, sc := range configScopes {
		v := map[string]types.String{"itwin_id": m.ITwinID, "imodel_id": m.IModelID, "connection_id": m.ConnectionID}[sc.IDAttr]
		if !v.IsNull() {
			s, id = sc, v.ValueString()
		}
	}
	if id == "" {
		resp.Diagnostics.AddError("Missing scope", "Exactly one of itwin_id, imodel_id and connection_id must be set.")
		return
	}
	cfg, configured, err := resolveSettings(ctx, d.client, s.Scope, id)
	if err != nil {
		addAPIError(&resp.Diagnostics, fmt.Sprintf("reading the sync configuration of %s %s", s.Display, id), err,
			map[string]path.Path{s.Target: path.Root(s.IDAttr)})
		return
	}
	m.ID = types.StringValue(configScopeID(s, id))
	m.Configured = types.BoolValue(configured)
	m.Settings = settingsMapValue(cfg.Settings)
	m.ResolvedSettings = settingsMapValue(cfg.ResolvedSettings)
	resp.Diagnostics.Append(resp.State.Set(ctx, &m)...)
}
