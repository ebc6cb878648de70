// Package provider implements the itwin Terraform provider.
package provider

import (
	"context"
	"fmt"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/action"
	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/ephemeral"
	"github.com/hashicorp/terraform-plugin-framework/list"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/provider"
	"github.com/hashicorp/terraform-plugin-framework/provider/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/seed37c7dd03/terraform-provider-itwin/internal/itwin"
)

const (
	defaultMaxRetries = 5
)

var (
	_ provider.Provider                       = &itwinProvider{}
	_ provider.ProviderWithEphemeralResources = &itwinProvider{}
	_ provider.ProviderWithActions            = &itwinProvider{}
	_ provider.ProviderWithListResources      = &itwinProvider{}
)

// New returns a constructor of the provider at the given version.
func New(version string) func() provider.Provider {
	return func() provider.Provider { return &itwinProvider{version: version, clock: realClock{}} }
}

type itwinProvider struct {
	version string
	clock   clock // what resources wait with; tests construct the provider with a fake one
}

type providerModel struct {
	APIURL         types.String `tfsdk:"api_url"`
	TokenURL       types.String `tfsdk:"token_url"`
	ClientID       types.String `tfsdk:"client_id"`
	ClientSecret   types.String `tfsdk:"client_secret"`
	Scopes         types.List   `tfsdk:"scopes"`
	AccessToken    types.String `tfsdk:"access_token"`
	MaxRetries     types.Int64  `tfsdk:"max_retries"`
	RequestTimeout types.String `tfsdk:"request_timeout"`
}

func (p *itwinProvider) Metadata(_ context.Context, _ provider.MetadataRequest, resp *provider.MetadataResponse) {
	resp.TypeName = "itwin"
	resp.Version = p.version
}

func (p *itwinProvider) Schema(_ context.Context, _ provider.SchemaRequest, resp *provider.SchemaResponse) {
	resp.Schema = schema.Schema{
		Description: "Manage iTwin Platform synchronization (connections, source files, configurations and runs) " +
			"against api.bentley.com or a local itwin-local server.",
		Attributes: map[string]schema.Attribute{
			"api_url": schema.StringAttribute{
				Optional:    true,
				Description: "Origin of the iTwin Platform APIs, without a path. Defaults to `" + itwin.DefaultAPIURL + "`; use `http://127.0.0.1:8085` for itwin-local. Environment variable: `ITWIN_API_URL`.",
			},
			"token_url": schema.StringAttribute{
				Optional:    true,
				Description: "OAuth2 token endpoint used with client credentials. Defaults to the token endpoint of `api_url`: `" + itwin.DefaultPublicTokenURL + "` for `https://api.bentley.com`, `https://dev-ims.bentley.com/connect/token` for `https://dev-api.bentley.com`, `https://qa-ims.bentley.com/connect/token` for `https://qa-api.bentley.com`, and `{api_url}/connect/token` for any other origin (such as itwin-local). Environment variable: `ITWIN_TOKEN_URL`.",
			},
			"client_id": schema.StringAttribute{
				Optional:    true,
				Description: "Client id of a service application (client credentials). Environment variable: `ITWIN_CLIENT_ID`.",
			},
			"client_secret": schema.StringAttribute{
				Optional:    true,
				Sensitive:   true,
				Description: "Client secret of the service application. Environment variable: `ITWIN_CLIENT_SECRET`.",
			},
			"scopes": schema.ListAttribute{
				Optional:    true,
				ElementType: types.StringType,
				Description: "OAuth2 scopes requested with client credentials. Defaults to `[\"itwin-platform\"]`. Environment variable: `ITWIN_SCOPES` (space- or comma-separated).",
			},
			"access_token": schema.StringAttribute{
				Optional:    true,
				Sensitive:   true,
				Description: "A ready bearer token, as an alternative to client credentials (it is not renewed). Environment variable: `ITWIN_ACCESS_TOKEN`.",
			},
			"max_retries": schema.Int64Attribute{
				Optional:    true,
				Description: "How many times an idempotent request is retried after a 429, 5xx or transport error (a run-start POST only after 429). Defaults to 5. Environment variable: `ITWIN_MAX_RETRIES`.",
			},
			"request_timeout": schema.StringAttribute{
				Optional:    true,
				Description: "Timeout of one HTTP request, as a Go duration such as `60s`. Defaults to `60s`. Run waits are governed by each resource's `timeouts` instead. Environment variable: `ITWIN_REQUEST_TIMEOUT`.",
			},
		},
	}
}

// configFromEnvAndModel merges the provider block with ITWIN_* environment variables (the block wins) and
// checks it, reporting each problem on its attribute.
func configFromEnvAndModel(ctx context.Context, m providerModel, version string, diags *diag.Diagnostics) itwin.Config {
	str := func(v types.String, env string) string {
		if !v.IsNull() && !v.IsUnknown() {
			return v.ValueString()
		}
		return os.Getenv(env)
	}
	cfg := itwin.Config{
		APIURL:       str(m.APIURL, "ITWIN_API_URL"),
		TokenURL:     str(m.TokenURL, "ITWIN_TOKEN_URL"),
		ClientID:     str(m.ClientID, "ITWIN_CLIENT_ID"),
		ClientSecret: str(m.ClientSecret, "ITWIN_CLIENT_SECRET"),
		AccessToken:  str(m.AccessToken, "ITWIN_ACCESS_TOKEN"),
		UserAgent:    fmt.Sprintf("terraform-provider-itwin/%s", version),
	}
	if cfg.APIURL == "" {
		cfg.APIURL = itwin.DefaultAPIURL
	}
	cfg.APIURL = strings.TrimRight(cfg.APIURL, "/")
	if u, err := url.Parse(cfg.APIURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		diags.AddAttributeError(path.Root("api_url"), "Invalid api_url", fmt.Sprintf("api_url (or ITWIN_API_URL) must be an http(s) origin such as https://api.bentley.com, got %q.", cfg.APIURL))
	} else if u.Path != "" || u.RawQuery != "" {
		diags.AddAttributeError(path.Root("api_url"), "Invalid api_url", fmt.Sprintf("api_url (or ITWIN_API_URL) must be an origin without a path or query (the APIs live at fixed paths under it), got %q.", cfg.APIURL))
	}
	if cfg.TokenURL == "" {
		// The client owns this default (Bentley's API hosts have their token endpoint on an IMS host).
		cfg.TokenURL = itwin.DefaultTokenURL(cfg.APIURL)
	} else if u, err := url.Parse(cfg.TokenURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		diags.AddAttributeError(path.Root("token_url"), "Invalid token_url", fmt.Sprintf("token_url (or ITWIN_TOKEN_URL) must be an http(s) URL, got %q.", cfg.TokenURL))
	}

	if !m.Scopes.IsNull() && !m.Scopes.IsUnknown() {
		var scopes []string
		diags.Append(m.Scopes.ElementsAs(ctx, &scopes, false)...)
		cfg.Scopes = scopes
	} else if env := os.Getenv("ITWIN_SCOPES"); env != "" {
		cfg.Scopes = strings.FieldsFunc(env, func(r rune) bool { return r == ' ' || r == ',' })
	}
	if len(cfg.Scopes) == 0 {
		cfg.Scopes = []string{"itwin-platform"}
	}

	cfg.MaxRetries = defaultMaxRetries
	if !m.MaxRetries.IsNull() && !m.MaxRetries.IsUnknown() {
		cfg.MaxRetries = int(m.MaxRetries.ValueInt64())
	} else if env := os.Getenv("ITWIN_MAX_RETRIES"); env != "" {
		n, err := strconv.Atoi(env)
		if err != nil {
			diags.AddAttributeError(path.Root("max_retries"), "Invalid ITWIN_MAX_RETRIES", fmt.Sprintf("ITWIN_MAX_RETRIES must be a whole number, got %q.", env))
		}
		cfg.MaxRetries = n
	}
	if cfg.MaxRetries < 0 || cfg.MaxRetries > 50 {
		diags.AddAttributeError(path.Root("max_retries"), "Invalid max_retries", fmt.Sprintf("max_retries (or ITWIN_MAX_RETRIES) must be between 0 and 50, got %d.", cfg.MaxRetries))
	}

	cfg.RequestTimeout = itwin.DefaultRequestTimeout
	if raw := str(m.RequestTimeout, "ITWIN_REQUEST_TIMEOUT"); raw != "" {
		d, err := time.ParseDuration(raw)
		if err != nil || d <= 0 {
			diags.AddAttributeError(path.Root("request_timeout"), "Invalid request_timeout", fmt.Sprintf("request_timeout (or ITWIN_REQUEST_TIMEOUT) must be a positive Go duration such as 60s or 2m, got %q.", raw))
		} else {
			cfg.RequestTimeout = d
		}
	}

	// Credentials chosen in the block win over the other kind found in the environment, so a configuration that
	// sets access_token still works on a machine that exports ITWIN_CLIENT_ID/SECRET (and vice versa).
	blockSet := func(v types.String) bool { return !v.IsNull() && !v.IsUnknown() && v.ValueString() != "" }
	blockToken, blockCreds := blockSet(m.AccessToken), blockSet(m.ClientID) || blockSet(m.ClientSecret)
	if blockToken && !blockCreds {
		cfg.ClientID, cfg.ClientSecret = "", ""
	} else if blockCreds && !blockToken {
		cfg.AccessToken = ""
	}
	hasCreds := cfg.ClientID != "" || cfg.ClientSecret != ""
	switch {
	case cfg.AccessToken != "" && hasCreds:
		diags.AddAttributeError(path.Root("access_token"), "Conflicting credentials",
			"Set either access_token (ITWIN_ACCESS_TOKEN) or client_id and client_secret (ITWIN_CLIENT_ID, ITWIN_CLIENT_SECRET), not both.")
	case cfg.AccessToken == "" && !hasCreds:
		diags.AddAttributeError(path.Root("client_id"), "Missing credentials",
			"The provider needs credentials: set client_id and client_secret (or ITWIN_CLIENT_ID and ITWIN_CLIENT_SECRET) for a service application, or access_token (ITWIN_ACCESS_TOKEN).")
	case cfg.AccessToken == "" && cfg.ClientID == "":
		diags.AddAttributeError(path.Root("client_id"), "Missing client_id", "client_secret is set but client_id is not: set client_id or ITWIN_CLIENT_ID.")
	case cfg.AccessToken == "" && cfg.ClientSecret == "":
		diags.AddAttributeError(path.Root("client_secret"), "Missing client_secret", "client_id is set but client_secret is not: set client_secret or ITWIN_CLIENT_SECRET.")
	}
	return cfg
}

func (p *itwinProvider) Configure(ctx context.Context, req provider.ConfigureRequest, resp *provider.ConfigureResponse) {
	var m providerModel
	if !load(ctx, req.Config, &m, &resp.Diagnostics) {
		return
	}
	// In schema order, so the same configuration always reports the same diagnostics in the same order.
	for _, a := range []struct {
		name string
		v    interface{ IsUnknown() bool }
	}{
		{"api_url", m.APIURL}, {"token_url", m.TokenURL}, {"client_id", m.ClientID}, {"client_secret", m.ClientSecret},
		{"scopes", m.Scopes}, {"access_token", m.AccessToken}, {"max_retries", m.MaxRetries}, {"request_timeout", m.RequestTimeout},
	} {
		if a.v.IsUnknown() {
			resp.Diagnostics.AddAttributeError(path.Root(a.name), "Unknown provider configuration value",
				fmt.Sprintf("%s depends on a value known only after apply; the provider needs it to plan. Set it from a variable or an input that is known at plan time.", a.name))
		}
	}
	if resp.Diagnostics.HasError() {
		return
	}
	cfg := configFromEnvAndModel(ctx, m, p.version, &resp.Diagnostics)
	if resp.Diagnostics.HasError() {
		return
	}
	client, err := itwin.NewClient(ctx, cfg)
	if err != nil {
		resp.Diagnostics.AddError("Cannot create the iTwin API client", err.Error())
		return
	}
	tflog.Debug(ctx, "configured iTwin client", map[string]any{"api_url": cfg.APIURL, "auth": cfg.AuthMode()})
	data := &providerData{client: client, clock: p.clock}
	resp.DataSourceData = data
	resp.ResourceData = data
	resp.EphemeralResourceData = data
	resp.ActionData = data
	resp.ListResourceData = data
}

// Resources lists every managed resource type. Each resource adds its constructor here.
func (p *itwinProvider) Resources(_ context.Context) []func() resource.Resource {
	return []func() resource.Resource{
		NewSyncStorageConnectionResource,
		NewSyncStorageConnectionSourceFileResource,
		NewSyncManifestConnectionResource,
		NewSyncManifestConnectionSourceFileResource,
		NewStorageFolderResource,
		NewStorageFileResource,
		NewIModelResource,
		NewIModelNamedVersionResource,
		NewITwinResource,
		NewSyncConfigurationResource,
		NewSyncStorageConnectionRunResource,
		NewSyncManifestConnectionRunResource,
		NewWebhookResource,
	}
}

// DataSources lists every data source type.
func (p *itwinProvider) DataSources(_ context.Context) []func() datasource.DataSource {
	return []func() datasource.DataSource{
		NewSyncConnectionDataSource,
		NewSyncConnectionsDataSource,
		NewSyncConnectorTypesDataSource,
		NewSyncAuthorizationDataSource,
		NewITwinDataSource,
		NewIModelDataSource,
		NewSyncConfigurationDataSource,
		NewSyncRunDataSource,
		NewSyncRunsDataSource,
		NewWebhooksDataSource,
	}
}

// EphemeralResources lists every ephemeral resource type.
func (p *itwinProvider) EphemeralResources(_ context.Context) []func() ephemeral.EphemeralResource {
	return []func() ephemeral.EphemeralResource{
		NewStorageFileURLEphemeralResource,
	}
}

// Actions lists every action type.
func (p *itwinProvider) Actions(_ context.Context) []func() action.Action {
	return []func() action.Action{
		NewSyncRunAction,
	}
}

// ListResources lists every list resource type (Terraform 1.14 `list` blocks and `terraform query`). Each has the
// name of the managed resource type whose objects it finds.
func (p *itwinProvider) ListResources(_ context.Context) []func() list.ListResource {
	return []func() list.ListResource{
		NewStorageFolderListResource,
		NewStorageFileListResource,
		NewIModelListResource,
		NewSyncConfigurationListResource,
		NewSyncStorageConnectionListResource,
		NewSyncManifestConnectionListResource,
		NewSyncStorageConnectionSourceFileListResource,
		NewSyncManifestConnectionSourceFileListResource,
	}
}
