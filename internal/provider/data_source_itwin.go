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
)

var _ datasource.DataSourceWithConfigure = &itwinDataSource{}

// NewITwinDataSource returns the itwin_itwin data source.
func NewITwinDataSource() datasource.DataSource { return &itwinDataSource{} }

type itwinDataSource struct {
	client *itwin.Client
}

type itwinDataSourceModel struct {
	ID                 types.String `tfsdk:"id"`
	DisplayName        types.String `tfsdk:"display_name"`
	Class              types.String `tfsdk:"class"`
	SubClass           types.String `tfsdk:"sub_class"`
	Type               types.String `tfsdk:"type"`
	Number             types.String `tfsdk:"number"`
	Status             types.String `tfsdk:"status"`
	DataCenterLocation types.String `tfsdk:"data_center_location"`
	IanaTimeZone       types.String `tfsdk:"iana_time_zone"`
	CreatedAt          types.String `tfsdk:"created_at"`
}

func (d *itwinDataSource) Metadata(_ context.Context, req datasource.MetadataRequest, resp *datasource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_itwin"
}

func (d *itwinDataSource) Schema(_ context.Context, _ datasource.SchemaRequest, resp *datasource.SchemaResponse) {
	computed := func(desc string) schema.StringAttribute {
		return schema.StringAttribute{Computed: true, Description: desc}
	}
	resp.Schema = schema.Schema{
		Description: "Reads an iTwin (the project or asset that owns iModels and Storage) by id.",
		Attributes: map[string]schema.Attribute{
			"id": schema.StringAttribute{
				Required:    true,
				Description: "Id of the iTwin.",
				Validators:  []validator.String{stringvalidator.LengthAtLeast(1)},
			},
			"display_name":         computed("Display name of the iTwin."),
			"class":                computed("Class of the iTwin: `Thing`, `Account` or `Endeavor`."),
			"sub_class":            computed("Sub-class of the iTwin, for example `Asset` or `Project`."),
			"type":                 computed("Free-form type of the iTwin, when set."),
			"number":               computed("Number (code) of the iTwin, when set."),
			"status":               computed("Status of the iTwin, for example `Active`."),
			"data_center_location": computed("Data center that stores the iTwin's data."),
			"iana_time_zone":       computed("IANA time zone of the iTwin, when set."),
			"created_at":           computed("When the iTwin was created (RFC 3339, UTC)."),
		},
	}
}

func (d *itwinDataSource) Configure(_ context.Context, req datasource.ConfigureRequest, resp *datasource.ConfigureResponse) {
	d.client = clientFrom(req.ProviderData, &resp.Diagnostics)
}

func (d *itwinDataSource) Read(ctx context.Context, req datasource.ReadRequest, resp *datasource.ReadResponse) {
	var m itwinDataSourceModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &m)...)
	if resp.Diagnostics.HasError() {
		return
	}
	tw, err := d.client.GetITwin(ctx, m.ID.ValueString())
	if err != nil {
		if itwin.IsNotFound(err) {
			resp.Diagnostics.AddAttributeError(path.Root("id"), "iTwin not found",
				"reading iTwin: no iTwin "+m.ID.ValueString()+" is visible to this client: "+err.Error())
			return
		}
		addAPIError(&resp.Diagnostics, "reading iTwin", err, nil)
		return
	}
	m.DisplayName = types.StringValue(tw.DisplayName)
	m.Class = stringOrNullValue(tw.Class)
	m.SubClass = stringOrNullValue(tw.SubClass)
	m.Type = stringOrNullValue(tw.Type)
	m.Number = stringOrNullValue(tw.Number)
	m.Status = stringOrNullValue(tw.Status)
	m.DataCenterLocation = stringOrNullValue(tw.DataCenterLocation)
	m.IanaTimeZone = stringOrNullValue(tw.IanaTimeZone)
	m.CreatedAt = timestampValue(tw.CreatedDateTime)
	resp.Diagnostics.Append(resp.State.Set(ctx, &m)...)
}
