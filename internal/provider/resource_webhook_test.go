package provider

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-go/tftypes"
	acc "github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/seed37c7dd03/terraform-provider-itwin/internal/wire"
)

func TestCallbackURLProblem(t *testing.T) {
	for raw, wantOK := range map[string]bool{
		"https://hooks.example.com/itwin":       true,
		"HTTPS://hooks.example.com":             true,
		"http://127.0.0.1:8085/local/inbox/a":   true,
		"http://127.9.9.9/x":                    true,
		"http://[::1]:9000/x":                   true,
		"http://localhost:9000/x":               true,
		"http://hooks.example.com/itwin":        false,
		"http://10.0.0.1/x":                     false,
		"http://localhost.example.com/x":        false,
		"ftp://hooks.example.com/x":             false,
		"hooks.example.com/x":                   false,
		"/relative":                             false,
		"https://user:pw@hooks.example.com/x":   false,
		"https://":                              false,
		"http://127.0.0.1.nip.io/looks-local":   false,
		"https://hooks.example.com:8443/a?b=c":  true,
		"https://[2001:db8::1]/ipv6-over-https": true,
	} {
		problem := callbackURLProblem(raw)
		if (problem == "") != wantOK {
			t.Errorf("callbackURLProblem(%q) = %q, want ok=%v", raw, problem, wantOK)
		}
		if problem != "" && !strings.Contains(problem, "callback_url") {
			t.Errorf("callbackURLProblem(%q) = %q does not name the attribute", raw, problem)
		}
	}
	if p := callbackURLProblem("http://hooks.example.com/x"); !strings.Contains(p, "https://") || !strings.Contains(p, "loopback") {
		t.Errorf("the http message should say what is accepted: %q", p)
	}
}

// webhookConfigValue builds a configuration object of the resource for calling ValidateConfig directly.
func webhookConfigValue(t *testing.T, scope, itwinID any) tfsdk.Config {
	t.Helper()
	r := &webhookResource{}
	var sresp resource.SchemaResponse
	r.Schema(context.Background(), resource.SchemaRequest{}, &sresp)
	typ := sresp.Schema.Type().TerraformType(context.Background()).(tftypes.Object)
	vals := map[string]tftypes.Value{}
	for name, at := range typ.AttributeTypes {
		vals[name] = tftypes.NewValue(at, nil)
	}
	vals["scope"] = tftypes.NewValue(tftypes.String, scope)
	vals["itwin_id"] = tftypes.NewValue(tftypes.String, itwinID)
	return tfsdk.Config{Schema: sresp.Schema, Raw: tftypes.NewValue(typ, vals)}
}

func TestWebhookValidateConfigScope(t *testing.T) {
	for _, tc := range []struct {
		scope, itwinID any
		wantErr        string
	}{
		{scope: "iTwin", itwinID: "tw", wantErr: ""},
		{scope: "Account", itwinID: nil, wantErr: ""},
		{scope: "iTwin", itwinID: nil, wantErr: `itwin_id is required when scope is "iTwin"`},
		{scope: "Account", itwinID: "tw", wantErr: `itwin_id must not be set when scope is "Account"`},
		{scope: "Account", itwinID: tftypes.UnknownValue, wantErr: `itwin_id must not be set`},
		// Unknown scope: decided at apply by the server; nothing to say at plan time.
		{scope: tftypes.UnknownValue, itwinID: nil, wantErr: ""},
	} {
		var resp resource.ValidateConfigResponse
		(&webhookResource{}).ValidateConfig(context.Background(), resource.ValidateConfigRequest{Config: webhookConfigValue(t, tc.scope, tc.itwinID)}, &resp)
		got := ""
		for _, d := range resp.Diagnostics.Errors() {
			got += d.Detail()
			if ad, ok := d.(interface{ Path() path.Path }); !ok || !ad.Path().Equal(path.Root("itwin_id")) {
				t.Errorf("scope %v: diagnostic not attached to itwin_id: %v", tc.scope, d)
			}
		}
		if (tc.wantErr == "") != (got == "") || !strings.Contains(got, tc.wantErr) {
			t.Errorf("scope %v itwin_id %v: errors %q, want %q", tc.scope, tc.itwinID, got, tc.wantErr)
		}
	}
}

// fakeWebhookAPI is an in-memory Webhooks API (W1–W5) that records every write and can fail the activation
// PATCH, which itwin-local cannot be made to do on demand.
type fakeWebhookAPI struct {
	mu           sync.Mutex
	hooks        map[string]*wire.Webhook
	secrets      map[string]string
	next         int
	failActivate bool
	writes       []string // "METHOD id {body}"
}

func newFakeWebhookAPI(t *testing.T) (*fakeWebhookAPI, string) {
	f := &fakeWebhookAPI{hooks: map[string]*wire.Webhook{}, secrets: map[string]string{}}
	srv := httptest.NewServer(f)
	t.Cleanup(srv.Close)
	return f, fmt.Sprintf(`
provider "itwin" {
  api_url      = %q
  access_token = "test-token"
  max_retries  = 0
}
`, srv.URL)
}

func (f *fakeWebhookAPI) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	id := strings.Trim(strings.TrimPrefix(r.URL.Path, "/webhooks"), "/")
	answer := func(status int, v any) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		_ = json.NewEncoder(w).Encode(v)
	}
	fail := func(status int, code string) {
		answer(status, map[string]any{"error": map[string]any{"code": code, "message": code}})
	}
	raw, _ := io.ReadAll(r.Body)
	if r.Method != http.MethodGet {
		f.writes = append(f.writes, strings.TrimSpace(r.Method+" "+id+" "+string(raw)))
	}
	now := wire.NewTimestamp(time.Now())
	switch {
	case r.Method == http.MethodPost && id == "":
		var c wire.WebhookCreate
		if json.Unmarshal(raw, &c) != nil {
			fail(422, "InvalidCreateWebhookRequest")
			return
		}
		f.next++
		h := &wire.Webhook{ID: fmt.Sprintf("hook-%d", f.next), Scope: c.Scope, ScopeID: c.ScopeID, CallbackURL: c.CallbackURL,
			EventTypes: c.EventTypes, Created: now, Modified: now}
		if h.Scope == wire.WebhookScopeAccount {
			h.ScopeID = "account-1"
		}
		secret := c.Secret
		if secret == "" {
			secret = fmt.Sprintf("generated-secret-%d-%s", f.next, strings.Repeat("0", 40))
		}
		f.hooks[h.ID], f.secrets[h.ID] = h, secret
		out := *h
		out.Secret = secret
		answer(201, out)
	case r.Method == http.MethodGet && id == "":
		list := wire.WebhookList{Webhooks: []wire.Webhook{}}
		for _, h := range f.hooks {
			list.Webhooks = append(list.Webhooks, *h)
		}
		answer(200, list)
	default:
		h, ok := f.hooks[id]
		if !ok {
			fail(404, "WebhookNotFound")
			return
		}
		switch r.Method {
		case http.MethodGet:
			answer(200, h)
		case http.MethodPatch:
			var u wire.WebhookUpdate
			if json.Unmarshal(raw, &u) != nil {
				fail(422, "InvalidUpdateWebhookRequest")
				return
			}
			if u.Active != nil && *u.Active && f.failActivate {
				fail(500, "InternalServerError")
				return
			}
			if u.Active != nil {
				h.Active = *u.Active
			}
			if u.CallbackURL != nil {
				h.CallbackURL = *u.CallbackURL
			}
			if u.EventTypes != nil {
				h.EventTypes = u.EventTypes
			}
			if u.Secret != nil {
				f.secrets[id] = *u.Secret
			}
			h.Modified = now
			answer(200, h)
		case http.MethodDelete:
			delete(f.hooks, id)
			w.WriteHeader(204)
		}
	}
}

// takeWrites returns the writes since the last call and forgets them.
func (f *fakeWebhookAPI) takeWrites() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	w := f.writes
	f.writes = nil
	return w
}

func (f *fakeWebhookAPI) with(fn func()) {
	f.mu.Lock()
	defer f.mu.Unlock()
	fn()
}

// expectWrites checks the writes sent during a step.
func expectWrites(f *fakeWebhookAPI, want ...string) func(*terraform.State) error {
	return func(*terraform.State) error {
		got := f.takeWrites()
		if strings.Join(got, "\n") != strings.Join(want, "\n") {
			return fmt.Errorf("writes:\n  %s\nwant:\n  %s", strings.Join(got, "\n  "), strings.Join(want, "\n  "))
		}
		return nil
	}
}

// expectNoValueInState fails when any state attribute contains s (a write-only secret).
func expectNoValueInState(s string) func(*terraform.State) error {
	return func(st *terraform.State) error {
		for name, rs := range st.RootModule().Resources {
			for k, v := range rs.Primary.Attributes {
				if strings.Contains(v, s) {
					return fmt.Errorf("%s.%s holds the write-only secret", name, k)
				}
			}
		}
		return nil
	}
}

const (
	fakeHookAddr = "itwin_webhook.test"
	testSecretA  = "rotation-secret-A-0123456789abcdef0123"
	testSecretB  = "rotation-secret-B-0123456789abcdef0123"
)

func fakeHookConfig(providerCfg, extra string) string {
	return providerCfg + fmt.Sprintf(`
resource "itwin_webhook" "test" {
  scope        = "Account"
  callback_url = "https://hooks.example.com/itwin"
  event_types  = ["synchronization.jobCompleted.v1"]
%s
}
`, extra)
}

// TestAccWebhook_fakeSecretModes walks both secret modes against the fake API and checks the exact writes: a
// generated secret captured once, switching to secret_wo (one PATCH of the secret), rotation by version, a
// changed value without a new version (nothing), and back to a generated secret (a new webhook).
func TestAccWebhook_fakeSecretModes(t *testing.T) {
	api, providerCfg := newFakeWebhookAPI(t)
	wo := func(secret string, version int) string {
		return fmt.Sprintf("  secret_wo         = %q\n  secret_wo_version = %d\n", secret, version)
	}
	acc.ParallelTest(t, acc.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []acc.TestStep{
			{
				// Created inactive, then activated; the generated secret is captured.
				Config: fakeHookConfig(providerCfg, ""),
				Check: acc.ComposeAggregateTestCheckFunc(
					expectWrites(api,
						`POST  {"callbackUrl":"https://hooks.example.com/itwin","scope":"Account","eventTypes":["synchronization.jobCompleted.v1"]}`,
						`PATCH hook-1 {"active":true}`),
				),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(fakeHookAddr, tfjsonpath.New("id"), knownvalue.StringExact("hook-1")),
					statecheck.ExpectKnownValue(fakeHookAddr, tfjsonpath.New("secret"), knownvalue.StringRegexp(regexp.MustCompile(`^generated-secret-1-`))),
					statecheck.ExpectKnownValue(fakeHookAddr, tfjsonpath.New("active"), knownvalue.Bool(true)),
					statecheck.ExpectKnownValue(fakeHookAddr, tfjsonpath.New("scope_id"), knownvalue.StringExact("account-1")),
					statecheck.ExpectKnownValue(fakeHookAddr, tfjsonpath.New("itwin_id"), knownvalue.Null()),
					statecheck.ExpectKnownValue(fakeHookAddr, tfjsonpath.New("created_at"), knownvalue.NotNull()),
				},
			},
			{
				// Switching to a write-only secret sends it once; the generated one leaves the state.
				Config: fakeHookConfig(providerCfg, wo(testSecretA, 1)),
				ConfigPlanChecks: acc.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(fakeHookAddr, plancheck.ResourceActionUpdate),
				}},
				Check: acc.ComposeAggregateTestCheckFunc(
					expectWrites(api, `PATCH hook-1 {"secret":"`+testSecretA+`"}`),
					expectNoValueInState(testSecretA),
				),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(fakeHookAddr, tfjsonpath.New("secret"), knownvalue.Null()),
					statecheck.ExpectKnownValue(fakeHookAddr, tfjsonpath.New("secret_wo"), knownvalue.Null()),
					statecheck.ExpectKnownValue(fakeHookAddr, tfjsonpath.New("secret_wo_version"), knownvalue.Int64Exact(1)),
				},
			},
			{
				// A new value without a new version is invisible (write-only): nothing planned, nothing sent.
				Config:           fakeHookConfig(providerCfg, wo(testSecretB, 1)),
				ConfigPlanChecks: acc.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}},
				Check:            expectWrites(api),
			},
			{
				// Rotation: bump the version.
				Config: fakeHookConfig(providerCfg, wo(testSecretB, 2)),
				Check: acc.ComposeAggregateTestCheckFunc(
					expectWrites(api, `PATCH hook-1 {"secret":"`+testSecretB+`"}`),
					expectNoValueInState(testSecretB),
					func(*terraform.State) error {
						var got string
						api.with(func() { got = api.secrets["hook-1"] })
						if got != testSecretB {
							return fmt.Errorf("server secret = %q, want the rotated one", got)
						}
						return nil
					},
				),
			},
			{
				// Other changes and the secret in one PATCH; deactivation.
				Config: strings.Replace(fakeHookConfig(providerCfg, wo(testSecretA, 3)+"  active = false\n"),
					`["synchronization.jobCompleted.v1"]`, `["iModels.changesReady.v1", "synchronization.jobCompleted.v1"]`, 1),
				Check: expectWrites(api,
					`PATCH hook-1 {"active":false,"eventTypes":["iModels.changesReady.v1","synchronization.jobCompleted.v1"],"secret":"`+testSecretA+`"}`),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(fakeHookAddr, tfjsonpath.New("active"), knownvalue.Bool(false)),
					statecheck.ExpectKnownValue(fakeHookAddr, tfjsonpath.New("event_types"), knownvalue.SetSizeExact(2)),
				},
			},
			{
				// Back to a generated secret: only a new webhook can hand one out.
				Config: fakeHookConfig(providerCfg, ""),
				ConfigPlanChecks: acc.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(fakeHookAddr, plancheck.ResourceActionDestroyBeforeCreate),
				}},
				Check: expectWrites(api,
					`DELETE hook-1`,
					`POST  {"callbackUrl":"https://hooks.example.com/itwin","scope":"Account","eventTypes":["synchronization.jobCompleted.v1"]}`,
					`PATCH hook-2 {"active":true}`),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(fakeHookAddr, tfjsonpath.New("secret"), knownvalue.StringRegexp(regexp.MustCompile(`^generated-secret-2-`))),
				},
			},
		},
	})
}

// TestAccWebhook_fakeActivationFails: when the PATCH that activates a new webhook fails, the webhook is in the
// state (tainted), not orphaned, and the next apply replaces it.
func TestAccWebhook_fakeActivationFails(t *testing.T) {
	api, providerCfg := newFakeWebhookAPI(t)
	api.with(func() { api.failActivate = true })
	acc.ParallelTest(t, acc.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []acc.TestStep{
			{
				Config:      fakeHookConfig(providerCfg, ""),
				ExpectError: regexp.MustCompile(`(?s)Error activating webhook.*hook-1 was created.*tainted`),
			},
			{
				PreConfig: func() {
					api.with(func() { api.failActivate = false })
					if w := api.takeWrites(); len(w) != 2 || !strings.HasPrefix(w[0], "POST") || w[1] != `PATCH hook-1 {"active":true}` {
						t.Errorf("writes of the failed create = %v", w)
					}
				},
				Config: fakeHookConfig(providerCfg, ""),
				ConfigPlanChecks: acc.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(fakeHookAddr, plancheck.ResourceActionDestroyBeforeCreate),
				}},
				Check: expectWrites(api, `DELETE hook-1`,
					`POST  {"callbackUrl":"https://hooks.example.com/itwin","scope":"Account","eventTypes":["synchronization.jobCompleted.v1"]}`,
					`PATCH hook-2 {"active":true}`),
			},
		},
	})
}

// TestAccWebhook_badInput: every invalid argument is refused at plan time with a message naming it, and nothing
// reaches the API.
func TestAccWebhook_badInput(t *testing.T) {
	api, providerCfg := newFakeWebhookAPI(t)
	hook := func(body string) string {
		return providerCfg + "\nresource \"itwin_webhook\" \"test\" {\n" + body + "\n}\n"
	}
	const okHook = `  scope        = "Account"
  callback_url = "https://hooks.example.com/itwin"
  event_types  = ["synchronization.jobCompleted.v1"]`
	step := func(config, want string) acc.TestStep {
		// Terraform wraps long messages: a space in want matches any whitespace.
		return acc.TestStep{Config: config, PlanOnly: true, ExpectError: regexp.MustCompile(strings.ReplaceAll(want, " ", `\s+`))}
	}
	acc.ParallelTest(t, acc.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []acc.TestStep{
			step(strings.Replace(hook(okHook), "https://hooks.example.com", "http://hooks.example.com", 1),
				`(?s)callback_url.*must use https://; http:// is accepted only on a loopback`),
			step(strings.Replace(hook(okHook), "synchronization.jobCompleted.v1", "synchronization.jobcompleted.v1", 1),
				`(?s)event_types.*must be one of:.*"synchronization.jobCompleted.v1".*"iModels.changesReady.v1"`),
			step(strings.Replace(hook(okHook), `["synchronization.jobCompleted.v1"]`, `[]`, 1),
				`(?s)event_types.*at least 1`),
			step(hook(okHook+"\n  secret_wo = \"too-short\"\n  secret_wo_version = 1"),
				`(?s)secret_wo.*at least 32`),
			step(hook(okHook+"\n  secret_wo = \""+testSecretA+"\""),
				`(?s)These attributes must be configured together: \[secret_wo,secret_wo_version\]`),
			step(hook(okHook+"\n  secret_wo_version = 1"),
				`(?s)These attributes must be configured together: \[secret_wo,secret_wo_version\]`),
			step(strings.Replace(hook(okHook), `"Account"`, `"iTwin"`, 1),
				`(?s)itwin_id.*required when scope is "iTwin"`),
			step(hook(okHook+"\n  itwin_id = \"67453631-e02f-4e5f-aeb6-4ac1c299a4d2\""),
				`(?s)itwin_id.*must not be set when scope is "Account"`),
			step(strings.Replace(hook(okHook), `"Account"`, `"Itwin"`, 1),
				`(?s)scope.*must be one of:.*"Account".*"iTwin"`),
		},
	})
	if w := api.takeWrites(); len(w) != 0 {
		t.Errorf("bad input reached the API: %v", w)
	}
}
