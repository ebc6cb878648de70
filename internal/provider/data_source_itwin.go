package provider

import (
	"context"
	"fmt"

	"github.com/hashicorp/terraform-plugin-framework-timetypes/timetypes"
	"github.com/hashicorp/terraform-plugin-framework-validators/datasourcevalidator"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"

	"github.com/seed37c7dd03/terraform-provider-itwin/internal/itwin"
	"github.com/seed37c7dd03/terraform-provider-itwin/internal/wire"
)

var (
	_ datasource.DataSourceWithConfigure        = &itwinDataSource{}
	_ datasource.DataSourceWithConfigValidators = &itwinDataSource{}
)

// NewITwinDataSource returns the itwin_itwin data source.
func NewITwinDataSource() datasource.DataSource {
	return &itwinDataSource{dataSourceBase{typeName: "_itwin"}}
}

type itwinDataSource struct {
	dataSourceBase
}

func (d *itwinDataSource) Schema(_ context.Context, _ datasource.SchemaRequest, resp *datasource.SchemaResponse) {
	computed := func(desc string) schema.StringAttribute {
		return schema.StringAttribute{Computed: true, Description: desc}
	}
	key := func(desc string) schema.StringAttribute {
		return schema.StringAttribute{
			Optional:    true,
			Computed:    true,
			Description: desc + " Set exactly one of `id`, `display_name` and `number`.",
			Validators:  []validator.String{stringvalidator.LengthAtLeast(1)},
		}
	}
	resp.Schema = schema.Schema{
		Description: "Reads an iTwin (the project or asset that owns iModels and Storage) by id, or finds it by its exact " +
			"display name or number among the iTwins this client can access (inactive ones included). Finding none, or " +
			"more than one, is an error.",
		Attributes: map[string]schema.Attribute{
			"id":                   key("Id of the iTwin."),
			"display_name":         key("Display name of the iTwin; to find the iTwin, its exact display name."),
			"number":               key("Number (code) of the iTwin, when set; to find the iTwin, its exact number."),
			"class":                computed("Class of the iTwin: `Thing`, `Account` or `Endeavor`."),
			"sub_class":            computed("Sub-class of the iTwin, for example `Asset` or `Project`."),
			"type":                 computed("Free-form type of the iTwin, when set."),
			"status":               computed("Status of the iTwin: `Active`, `Inactive` or `Trial`."),
			"geographic_location":  computed("Geographic location of the iTwin, when set."),
			"data_center_location": computed("Data center that stores the iTwin's data."),
			"iana_time_zone":       computed("IANA time zone of the iTwin, when set."),
			"parent_id":            computed("Id of the parent iTwin, when set."),
			"itwin_account_id":     computed("Id of the account iTwin the iTwin belongs to, when the server reports one."),
			"created_at":           schema.StringAttribute{Computed: true, CustomType: timetypes.RFC3339Type{}, Description: "When the iTwin was created (RFC 3339, UTC)."},
		},
	}
}

func (d *itwinDataSource) ConfigValidators(context.Context) []datasource.ConfigValidator {
	return []datasource.ConfigValidator{
		datasourcevalidator.ExactlyOneOf(path.MatchRoot("id"), path.MatchRoot("display_name"), path.MatchRoot("number")),
	}
}

func (d *itwinDataSource) Read(ctx context.Context, req datasource.ReadRequest, resp *datasource.ReadResponse) {
	var m itwinModel
	if !load(ctx, req.Config, &m, &resp.Diagnostics) {
		return
	}
	var tw *wire.ITwin
	switch {
	case !m.DisplayName.IsNull():
		tw = d.find(ctx, "display_name", m.DisplayName.ValueString(), itwin.ITwinListOptions{DisplayName: m.DisplayName.ValueString()},
			func(t wire.ITwin) string { return t.DisplayName }, &resp.Diagnostics)
	case !m.Number.IsNull():
		tw = d.find(ctx, "number", m.Number.ValueString(), itwin.ITwinListOptions{Number: m.Number.ValueString()},
			func(t wire.ITwin) string { return t.Number }, &resp.Diagnostics)
	default:
		var err error
		tw, err = d.client.GetITwin(ctx, m.ID.ValueString())
		if err != nil {
			if itwin.IsNotFound(err) {
				resp.Diagnostics.AddAttributeError(path.Root("id"), "iTwin not found",
					"reading iTwin: no iTwin "+m.ID.ValueString()+" is visible to this client: "+err.Error())
				return
			}
			addAPIError(&resp.Diagnostics, "reading iTwin", err, nil)
		}
	}
	if tw == nil {
		return
	}
	// The resource's model, but the data source reports what the server says: an account parent too, and a missing
	// class as null.
	m.fill(tw)
	m.Class, m.SubClass, m.ParentID = stringOrNullValue(tw.Class), stringOrNullValue(tw.SubClass), stringOrNullValue(tw.ParentID)
	resp.Diagnostics.Append(resp.State.Set(ctx, &m)...)
}

// find lists the iTwins that match one attribute and returns the single exact match; none or several is an
// error on that attribute.
func (d *itwinDataSource) find(ctx context.Context, attr, want string, opts itwin.ITwinListOptions, key func(wire.ITwin) string,
	diags *diag.Diagnostics) *wire.ITwin {
	opts.IncludeInactive = true // by id, an inactive iTwin is found too; by name it should be no different
	list, err := d.client.ListITwins(ctx, opts)
	if err != nil {
		addAPIError(diags, fmt.Sprintf("listing the iTwins with %s %q", attr, want), err, nil)
		return nil
	}
	matches := exactMatches(list, key, want)
	switch len(matches) {
	case 1:
		return &matches[0]
	case 0:
		diags.AddAttributeError(path.Root(attr), "iTwin not found",
			fmt.Sprintf("No iTwin with %s %q is visible to this client. Check the spelling, and that the client was given access to the iTwin.", attr, want))
	default:
		diags.AddAttributeError(path.Root(attr), "Several iTwins match",
			fmt.Sprintf("%d iTwins have %s %q: %s. Use `id` to choose one.", len(matches), attr, want,
				describeMatches(matches, func(t wire.ITwin) string { return t.ID }, func(t wire.ITwin) string { return t.DisplayName })))
	}
	return nil
}
