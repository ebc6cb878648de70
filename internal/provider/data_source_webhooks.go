package provider

import (
	"context"
	"slices"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework-timetypes/timetypes"
	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/seed37c7dd03/terraform-provider-itwin/internal/wire"
)

var (
	_ datasource.DataSource              = &webhooksDataSource{}
	_ datasource.DataSourceWithConfigure = &webhooksDataSource{}
)

// NewWebhooksDataSource is the constructor of itwin_webhooks.
func NewWebhooksDataSource() datasource.DataSource {
	return &webhooksDataSource{dataSourceBase{typeName: "_webhooks"}}
}

type webhooksDataSource struct {
	dataSourceBase
}

type webhooksDataModel struct {
	Webhooks types.List `tfsdk:"webhooks"`
}

var webhookObjectType = types.ObjectType{AttrTypes: map[string]attr.Type{
	"id":           types.StringType,
	"scope":        types.StringType,
	"scope_id":     types.StringType,
	"active":       types.BoolType,
	"callback_url": types.StringType,
	"event_types":  types.SetType{ElemType: types.StringType},
	"created_at":   timetypes.RFC3339Type{},
	"modified_at":  timetypes.RFC3339Type{},
}}

func (d *webhooksDataSource) Schema(_ context.Context, _ datasource.SchemaRequest, resp *datasource.SchemaResponse) {
	resp.Schema = schema.Schema{
		Description: "The webhooks of the calling client (Webhooks API v2), ordered by creation time. The API never " +
			"returns a webhook's secret after it was created, so none is listed.",
		Attributes: map[string]schema.Attribute{
			"webhooks": schema.ListNestedAttribute{
				Computed:    true,
				Description: "The caller's webhooks, oldest first.",
				NestedObject: schema.NestedAttributeObject{
					Attributes: map[string]schema.Attribute{
						"id":           schema.StringAttribute{Computed: true, Description: "Id of the webhook."},
						"scope":        schema.StringAttribute{Computed: true, Description: "`Account` or `iTwin`."},
						"scope_id":     schema.StringAttribute{Computed: true, Description: "The iTwin id for `iTwin` webhooks, the account id for `Account` webhooks."},
						"active":       schema.BoolAttribute{Computed: true, Description: "Whether events are delivered."},
						"callback_url": schema.StringAttribute{Computed: true, Description: "URL the events are POSTed to."},
						"event_types": schema.SetAttribute{
							Computed: true, ElementType: types.StringType,
							Description: "Event types the webhook receives.",
						},
						"created_at":  schema.StringAttribute{Computed: true, CustomType: timetypes.RFC3339Type{}, Description: "When the webhook was created (RFC 3339, UTC)."},
						"modified_at": schema.StringAttribute{Computed: true, CustomType: timetypes.RFC3339Type{}, Description: "When the webhook was last changed (RFC 3339, UTC)."},
					},
				},
			},
		},
	}
}

func (d *webhooksDataSource) Read(ctx context.Context, _ datasource.ReadRequest, resp *datasource.ReadResponse) {
	hooks, err := d.client.ListWebhooks(ctx)
	if err != nil {
		addAPIError(&resp.Diagnostics, "listing webhooks", err, nil)
		return
	}
	// The API does not promise an order; creation time (then id) keeps the list stable between reads.
	slices.SortStableFunc(hooks, func(a, b wire.Webhook) int {
		if c := a.Created.Compare(b.Created.Time); c != 0 {
			return c
		}
		return strings.Compare(a.ID, b.ID)
	})
	items := make([]attr.Value, 0, len(hooks))
	for _, w := range hooks {
		var m webhookModel
		m.fill(&w)
		items = append(items, types.ObjectValueMust(webhookObjectType.AttrTypes, map[string]attr.Value{
			"id":           m.ID,
			"scope":        m.Scope,
			"scope_id":     m.ScopeID,
			"active":       m.Active,
			"callback_url": m.CallbackURL,
			"event_types":  m.EventTypes,
			"created_at":   m.CreatedAt,
			"modified_at":  m.ModifiedAt,
		}))
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, &webhooksDataModel{Webhooks: types.ListValueMust(webhookObjectType, items)})...)
}
