package provider

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/provider"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-go/tftypes"

	"github.com/seed37c7dd03/terraform-provider-itwin/internal/itwin"
)

var providerEnvVars = []string{
	"ITWIN_API_URL", "ITWIN_TOKEN_URL", "ITWIN_CLIENT_ID", "ITWIN_CLIENT_SECRET", "ITWIN_SCOPES",
	"ITWIN_ACCESS_TOKEN", "ITWIN_MAX_RETRIES", "ITWIN_REQUEST_TIMEOUT",
}

// clearProviderEnv makes a test independent of the ITWIN_* variables of the machine that runs it.
func clearProviderEnv(t *testing.T) {
	t.Helper()
	for _, k := range providerEnvVars {
		t.Setenv(k, "")
	}
}

func nullProviderModel() providerModel {
	return providerModel{
		APIURL: types.StringNull(), TokenURL: types.StringNull(), ClientID: types.StringNull(), ClientSecret: types.StringNull(),
		Scopes: types.ListNull(types.StringType), AccessToken: types.StringNull(), MaxRetries: types.Int64Null(),
		RequestTimeout: types.StringNull(),
	}
}

func runConfig(t *testing.T, m providerModel) (itwin.Config, diag.Diagnostics) {
	t.Helper()
	var diags diag.Diagnostics
	cfg := configFromEnvAndModel(t.Context(), m, "1.2.3", &diags)
	return cfg, diags
}

// requireOneError asserts exactly one error, on the given attribute, whose detail mentions every word.
func requireOneError(t *testing.T, diags diag.Diagnostics, attrName string, words ...string) {
	t.Helper()
	errs := diags.Errors()
	if len(errs) != 1 {
		t.Fatalf("want exactly one error on %s, got %d: %v", attrName, len(errs), diags)
	}
	withPath, ok := errs[0].(diag.DiagnosticWithPath)
	if !ok || !withPath.Path().Equal(path.Root(attrName)) {
		t.Fatalf("want the error on attribute %s, got %#v", attrName, errs[0])
	}
	for _, w := range words {
		if !strings.Contains(errs[0].Detail(), w) {
			t.Errorf("error detail %q does not mention %q", errs[0].Detail(), w)
		}
	}
}

func TestProviderConfig_EnvOnly(t *testing.T) {
	clearProviderEnv(t)
	t.Setenv("ITWIN_API_URL", "http://127.0.0.1:8085/")
	t.Setenv("ITWIN_CLIENT_ID", "env-id")
	t.Setenv("ITWIN_CLIENT_SECRET", "env-secret")
	t.Setenv("ITWIN_SCOPES", "itwin-platform, extra other")
	t.Setenv("ITWIN_MAX_RETRIES", "7")
	t.Setenv("ITWIN_REQUEST_TIMEOUT", "90s")

	cfg, diags := runConfig(t, nullProviderModel())
	if diags.HasError() {
		t.Fatalf("unexpected diagnostics: %v", diags)
	}
	if cfg.APIURL != "http://127.0.0.1:8085" {
		t.Errorf("APIURL = %q, want the env value without the trailing slash", cfg.APIURL)
	}
	if cfg.TokenURL != "http://127.0.0.1:8085/connect/token" {
		t.Errorf("TokenURL = %q, want it derived from a non-public api_url", cfg.TokenURL)
	}
	if cfg.ClientID != "env-id" || cfg.ClientSecret != "env-secret" || cfg.AccessToken != "" {
		t.Errorf("credentials = %q/%q/%q", cfg.ClientID, cfg.ClientSecret, cfg.AccessToken)
	}
	if !slices.Equal(cfg.Scopes, []string{"itwin-platform", "extra", "other"}) {
		t.Errorf("Scopes = %q", cfg.Scopes)
	}
	if cfg.MaxRetries != 7 || cfg.RequestTimeout != 90*time.Second {
		t.Errorf("MaxRetries/RequestTimeout = %d/%s", cfg.MaxRetries, cfg.RequestTimeout)
	}
	if !strings.Contains(cfg.UserAgent, "terraform-provider-itwin/1.2.3") {
		t.Errorf("UserAgent %q does not name the provider version", cfg.UserAgent)
	}
	if cfg.AuthMode() != "client_credentials" {
		t.Errorf("AuthMode = %q", cfg.AuthMode())
	}
}

func TestProviderConfig_Defaults(t *testing.T) {
	clearProviderEnv(t)
	m := nullProviderModel()
	m.AccessToken = types.StringValue("tok")
	cfg, diags := runConfig(t, m)
	if diags.HasError() {
		t.Fatalf("unexpected diagnostics: %v", diags)
	}
	if cfg.APIURL != itwin.DefaultAPIURL || cfg.TokenURL != "https://ims.bentley.com/connect/token" {
		t.Errorf("URLs = %q, %q; want the public defaults", cfg.APIURL, cfg.TokenURL)
	}
	if !slices.Equal(cfg.Scopes, []string{"itwin-platform"}) || cfg.MaxRetries != defaultMaxRetries || cfg.RequestTimeout != itwin.DefaultRequestTimeout {
		t.Errorf("defaults: scopes %q, retries %d, timeout %s", cfg.Scopes, cfg.MaxRetries, cfg.RequestTimeout)
	}
	if cfg.AuthMode() != "access_token" {
		t.Errorf("AuthMode = %q", cfg.AuthMode())
	}
}

// Without token_url the token endpoint follows api_url: Bentley's environments use their IMS host, any other
// origin (itwin-local) its own /connect/token; an explicit token_url (block or env) always wins.
func TestProviderConfig_TokenURLDefault(t *testing.T) {
	for _, tc := range []struct{ apiURL, envTokenURL, want string }{
		{"", "", "https://ims.bentley.com/connect/token"},
		{"https://api.bentley.com", "", "https://ims.bentley.com/connect/token"},
		{"https://dev-api.bentley.com/", "", "https://dev-ims.bentley.com/connect/token"},
		{"https://qa-api.bentley.com", "", "https://qa-ims.bentley.com/connect/token"},
		{"http://127.0.0.1:8085", "", "http://127.0.0.1:8085/connect/token"},
		{"http://localhost:9000/", "", "http://localhost:9000/connect/token"},
		{"https://itwin-local.example.org", "", "https://itwin-local.example.org/connect/token"},
		{"https://dev-api.bentley.com", "https://idp.example/token", "https://idp.example/token"},
	} {
		t.Run(tc.apiURL+"|"+tc.envTokenURL, func(t *testing.T) {
			clearProviderEnv(t)
			t.Setenv("ITWIN_TOKEN_URL", tc.envTokenURL)
			m := nullProviderModel()
			m.ClientID, m.ClientSecret = types.StringValue("id"), types.StringValue("secret")
			if tc.apiURL != "" {
				m.APIURL = types.StringValue(tc.apiURL)
			}
			cfg, diags := runConfig(t, m)
			if diags.HasError() {
				t.Fatalf("unexpected diagnostics: %v", diags)
			}
			if cfg.TokenURL != tc.want {
				t.Errorf("TokenURL = %q, want %q", cfg.TokenURL, tc.want)
			}
		})
	}
}

func TestProviderConfig_BlockBeatsEnv(t *testing.T) {
	clearProviderEnv(t)
	t.Setenv("ITWIN_API_URL", "http://env.example:1")
	t.Setenv("ITWIN_TOKEN_URL", "http://env.example:1/token")
	t.Setenv("ITWIN_CLIENT_ID", "env-id")
	t.Setenv("ITWIN_CLIENT_SECRET", "env-secret")
	t.Setenv("ITWIN_SCOPES", "env-scope")
	t.Setenv("ITWIN_MAX_RETRIES", "9")
	t.Setenv("ITWIN_REQUEST_TIMEOUT", "9s")
	m := providerModel{
		APIURL:         types.StringValue("https://qa-api.bentley.com"),
		TokenURL:       types.StringValue("https://qa-ims.bentley.com/connect/token"),
		ClientID:       types.StringValue("block-id"),
		ClientSecret:   types.StringValue("block-secret"),
		Scopes:         types.ListValueMust(types.StringType, []attr.Value{types.StringValue("block-scope")}),
		AccessToken:    types.StringNull(),
		MaxRetries:     types.Int64Value(0),
		RequestTimeout: types.StringValue("2m"),
	}
	cfg, diags := runConfig(t, m)
	if diags.HasError() {
		t.Fatalf("unexpected diagnostics: %v", diags)
	}
	if cfg.APIURL != "https://qa-api.bentley.com" || cfg.TokenURL != "https://qa-ims.bentley.com/connect/token" ||
		cfg.ClientID != "block-id" || cfg.ClientSecret != "block-secret" || !slices.Equal(cfg.Scopes, []string{"block-scope"}) ||
		cfg.MaxRetries != 0 || cfg.RequestTimeout != 2*time.Minute {
		t.Errorf("the provider block must win over the environment, got %+v", cfg)
	}
}

// Credentials set in the block override the other kind of credentials exported in the environment.
func TestProviderConfig_BlockCredentialsBeatOtherKindInEnv(t *testing.T) {
	clearProviderEnv(t)
	t.Setenv("ITWIN_CLIENT_ID", "env-id")
	t.Setenv("ITWIN_CLIENT_SECRET", "env-secret")
	m := nullProviderModel()
	m.AccessToken = types.StringValue("block-token")
	cfg, diags := runConfig(t, m)
	if diags.HasError() || cfg.AccessToken != "block-token" || cfg.ClientID != "" || cfg.ClientSecret != "" {
		t.Errorf("block access_token with env client credentials: cfg=%+v diags=%v", cfg, diags)
	}

	clearProviderEnv(t)
	t.Setenv("ITWIN_ACCESS_TOKEN", "env-token")
	m = nullProviderModel()
	m.ClientID, m.ClientSecret = types.StringValue("block-id"), types.StringValue("block-secret")
	cfg, diags = runConfig(t, m)
	if diags.HasError() || cfg.AccessToken != "" || cfg.ClientID != "block-id" {
		t.Errorf("block client credentials with env access token: cfg=%+v diags=%v", cfg, diags)
	}
}

func TestProviderConfig_CredentialErrors(t *testing.T) {
	cases := []struct {
		name  string
		env   map[string]string
		model func(*providerModel)
		attr  string
		words []string
	}{
		{name: "missing", attr: "client_id", words: []string{"client_id", "ITWIN_CLIENT_ID", "client_secret", "ITWIN_CLIENT_SECRET", "access_token", "ITWIN_ACCESS_TOKEN"}},
		{name: "token and client credentials in the environment", env: map[string]string{"ITWIN_ACCESS_TOKEN": "tok-value", "ITWIN_CLIENT_ID": "id", "ITWIN_CLIENT_SECRET": "sekrit-value"},
			attr: "access_token", words: []string{"access_token", "ITWIN_ACCESS_TOKEN", "ITWIN_CLIENT_ID", "not both"}},
		{name: "token and client credentials in the block", model: func(m *providerModel) {
			m.AccessToken, m.ClientID, m.ClientSecret = types.StringValue("tok-value"), types.StringValue("id"), types.StringValue("sekrit-value")
		}, attr: "access_token", words: []string{"access_token", "client_id", "not both"}},
		{name: "id without secret", model: func(m *providerModel) { m.ClientID = types.StringValue("id") },
			attr: "client_secret", words: []string{"client_secret", "ITWIN_CLIENT_SECRET"}},
		{name: "secret without id", env: map[string]string{"ITWIN_CLIENT_SECRET": "s"},
			attr: "client_id", words: []string{"client_id", "ITWIN_CLIENT_ID"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			clearProviderEnv(t)
			for k, v := range tc.env {
				t.Setenv(k, v)
			}
			m := nullProviderModel()
			if tc.model != nil {
				tc.model(&m)
			}
			_, diags := runConfig(t, m)
			requireOneError(t, diags, tc.attr, tc.words...)
			for _, d := range diags {
				if strings.Contains(d.Detail(), "sekrit-value") || strings.Contains(d.Detail(), "tok-value") {
					t.Errorf("a diagnostic must never echo a secret: %q", d.Detail())
				}
			}
		})
	}
}

func TestProviderConfig_InvalidValues(t *testing.T) {
	cases := []struct {
		name  string
		env   map[string]string
		model func(*providerModel)
		attr  string
		words []string
	}{
		{name: "api_url scheme", model: func(m *providerModel) { m.APIURL = types.StringValue("ftp://example.com") },
			attr: "api_url", words: []string{"ITWIN_API_URL", "ftp://example.com"}},
		{name: "api_url not a url", env: map[string]string{"ITWIN_API_URL": "localhost:8085"},
			attr: "api_url", words: []string{"api_url", "localhost:8085"}},
		{name: "api_url with path", model: func(m *providerModel) { m.APIURL = types.StringValue("http://h:1/api") },
			attr: "api_url", words: []string{"without a path", "http://h:1/api"}},
		{name: "token_url", model: func(m *providerModel) { m.TokenURL = types.StringValue("nope") },
			attr: "token_url", words: []string{"ITWIN_TOKEN_URL", "nope"}},
		{name: "request_timeout garbage", model: func(m *providerModel) { m.RequestTimeout = types.StringValue("soon") },
			attr: "request_timeout", words: []string{"ITWIN_REQUEST_TIMEOUT", "soon"}},
		{name: "request_timeout negative from env", env: map[string]string{"ITWIN_REQUEST_TIMEOUT": "-5s"},
			attr: "request_timeout", words: []string{"positive", "-5s"}},
		{name: "max_retries env not a number", env: map[string]string{"ITWIN_MAX_RETRIES": "many"},
			attr: "max_retries", words: []string{"ITWIN_MAX_RETRIES", "many"}},
		{name: "max_retries out of range", model: func(m *providerModel) { m.MaxRetries = types.Int64Value(99) },
			attr: "max_retries", words: []string{"between 0 and 50", "99"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			clearProviderEnv(t)
			t.Setenv("ITWIN_ACCESS_TOKEN", "tok")
			for k, v := range tc.env {
				t.Setenv(k, v)
			}
			m := nullProviderModel()
			if tc.model != nil {
				tc.model(&m)
			}
			_, diags := runConfig(t, m)
			requireOneError(t, diags, tc.attr, tc.words...)
		})
	}
}

// Unknown provider values are reported in schema order, every time (they were reported in map order, which Go
// randomises, so identical configurations gave differently ordered diagnostics).
func TestProviderConfigure_UnknownValuesInSchemaOrder(t *testing.T) {
	ctx := context.Background()
	p := New("test")()
	var sr provider.SchemaResponse
	p.Schema(ctx, provider.SchemaRequest{}, &sr)
	typ := sr.Schema.Type().TerraformType(ctx).(tftypes.Object)
	vals := map[string]tftypes.Value{}
	for name, at := range typ.AttributeTypes {
		vals[name] = tftypes.NewValue(at, tftypes.UnknownValue)
	}
	raw := tftypes.NewValue(typ, vals)
	want := []string{"api_url", "token_url", "client_id", "client_secret", "scopes", "access_token", "max_retries", "request_timeout"}
	for range 20 {
		var resp provider.ConfigureResponse
		p.Configure(ctx, provider.ConfigureRequest{Config: tfsdk.Config{Schema: sr.Schema, Raw: raw}}, &resp)
		var got []string
		for _, d := range resp.Diagnostics.Errors() {
			got = append(got, d.(diag.DiagnosticWithPath).Path().String())
		}
		if !slices.Equal(got, want) {
			t.Fatalf("diagnostics on %v, want %v", got, want)
		}
	}
}
