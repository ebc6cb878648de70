package provider

import (
	"context"
	"fmt"
	"net/url"

	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
)

var (
	_ datasource.DataSource              = &authorizationDataSource{}
	_ datasource.DataSourceWithConfigure = &authorizationDataSource{}
)

// NewSyncAuthorizationDataSource is the constructor of itwin_sync_authorization.
func NewSyncAuthorizationDataSource() datasource.DataSource {
	return &authorizationDataSource{dataSourceBase{typeName: "_sync_authorization"}}
}

type authorizationDataSource struct {
	dataSourceBase
}

type authorizationModel struct {
	RedirectURL      types.String `tfsdk:"redirect_url"`
	IsUserAuthorized types.Bool   `tfsdk:"is_user_authorized"`
	AuthorizationURL types.String `tfsdk:"authorization_url"`
}

func (d *authorizationDataSource) Schema(_ context.Context, _ datasource.SchemaRequest, resp *datasource.SchemaResponse) {
	resp.Schema = schema.Schema{
		Description: "Whether the provider's identity has consented to `User` connections running on its behalf, and the page " +
			"that records the consent. Use it (for example in a precondition) to stop before starting runs that would fail " +
			"with UserNotAuthenticated. `Service` connections need no consent.",
		Attributes: map[string]schema.Attribute{
			"redirect_url": schema.StringAttribute{
				Required:    true,
				Description: "Absolute http(s) URL the consent page redirects to once consent is given.",
				Validators:  []validator.String{httpURLValidator{"must be an absolute http or https URL"}},
			},
			"is_user_authorized": schema.BoolAttribute{
				Computed:    true,
				Description: "Whether consent has been given; runs of `User` connections fail until it has.",
			},
			"authorization_url": schema.StringAttribute{
				Computed:    true,
				Description: "Consent page to open in a browser when `is_user_authorized` is false.",
			},
		},
	}
}

func (d *authorizationDataSource) Read(ctx context.Context, req datasource.ReadRequest, resp *datasource.ReadResponse) {
	var m authorizationModel
	if !load(ctx, req.Config, &m, &resp.Diagnostics) {
		return
	}
	info, err := d.client.GetAuthorizationInformation(ctx, m.RedirectURL.ValueString())
	if err != nil {
		addAPIError(&resp.Diagnostics, "reading authorization information", err, map[string]path.Path{"redirectUrl": path.Root("redirect_url")})
		return
	}
	m.IsUserAuthorized = types.BoolValue(info.IsUserAuthorized)
	m.AuthorizationURL = types.StringNull()
	if info.Links.AuthorizationURL != nil {
		m.AuthorizationURL = stringOrNullValue(info.Links.AuthorizationURL.Href)
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, &m)...)
}

// httpURLValidator accepts absolute http(s) URLs.
type httpURLValidator struct{ describedAs }

var _ validator.String = httpURLValidator{}

func (httpURLValidator) ValidateString(_ context.Context, req validator.StringRequest, resp *validator.StringResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	u, err := url.Parse(req.ConfigValue.ValueString())
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		resp.Diagnostics.AddAttributeError(req.Path, "Invalid URL",
			fmt.Sprintf("The value must be an absolute http or https URL such as https://example.com/consent-done, got %q.", req.ConfigValue.ValueString()))
	}
}
