package provider

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/seed37c7dd03/terraform-provider-itwin/internal/wire"
)

// fakeConfigAPI is a minimal Configurations API (K1–K12) whose POST can be made to fail, for the one path
// itwin-local cannot produce on demand: the DELETE of a replace succeeds and the POST after it does not.
type fakeConfigAPI struct {
	mu       sync.Mutex
	settings map[string]map[string]any // "imodels/<id>" → stored flags
	failPost bool
	calls    []string // "METHOD path [body]"
}

func (f *fakeConfigAPI) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	key, ok := strings.CutPrefix(r.URL.Path, "/synchronization/configurations/")
	if !ok {
		http.NotFound(w, r)
		return
	}
	f.calls = append(f.calls, r.Method+" "+key)
	fail := func(status int, code string) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		_ = json.NewEncoder(w).Encode(map[string]any{"error": map[string]any{"code": code, "message": code}})
	}
	answer := func(status int) {
		resolved := map[string]any{}
		for _, fl := range wire.ConfigFlags {
			if fl.Scope == wire.ScopeIModel {
				resolved[fl.Name] = fl.Default
			}
		}
		for k, v := range f.settings[key] {
			resolved[k] = v
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		_ = json.NewEncoder(w).Encode(wire.ConfigurationEnvelope{Configuration: wire.Configuration{ScopeID: key, Settings: f.settings[key], ResolvedSettings: resolved}})
	}
	var body map[string]any
	if r.Method == http.MethodPost || r.Method == http.MethodPatch {
		raw, _ := io.ReadAll(r.Body)
		if json.Unmarshal(raw, &body) != nil {
			fail(422, "MissingRequestBody")
			return
		}
		canon, _ := json.Marshal(body) // sorted keys
		f.calls[len(f.calls)-1] += " " + string(canon)
	}
	cur, exists := f.settings[key]
	switch r.Method {
	case http.MethodGet:
		if !exists {
			fail(404, "ConfigurationNotFound")
			return
		}
		answer(200)
	case http.MethodPost:
		if f.failPost {
			fail(503, "ServiceUnavailable")
			return
		}
		if exists {
			fail(409, "ConfigurationAlreadyExists")
			return
		}
		f.settings[key] = body
		answer(201)
	case http.MethodPatch:
		if !exists {
			fail(404, "ConfigurationNotFound")
			return
		}
		for k, v := range body {
			cur[k] = v
		}
		answer(200)
	case http.MethodDelete:
		if !exists {
			fail(404, "ConfigurationNotFound")
			return
		}
		delete(f.settings, key)
		w.WriteHeader(204)
	}
}

// writesOf drops the GETs: refreshes may read any number of times.
func writesOf(calls []string) []string {
	var out []string
	for _, c := range calls {
		if !strings.HasPrefix(c, "GET ") {
			out = append(out, c)
		}
	}
	return out
}

func (f *fakeConfigAPI) set(fn func()) {
	f.mu.Lock()
	defer f.mu.Unlock()
	fn()
}

func TestAccSyncConfiguration_patchOnlyChangedAndHalfwayClear(t *testing.T) {
	api := &fakeConfigAPI{settings: map[string]map[string]any{}}
	srv := httptest.NewServer(api)
	t.Cleanup(srv.Close)
	const imodelID = "eb6ccda2-15aa-4aff-99b5-9c71aea04ceb"
	cfg := func(body string) string {
		return fmt.Sprintf(`
provider "itwin" {
  api_url      = %q
  access_token = "test-token"
  max_retries  = 0
}

resource "itwin_sync_configuration" "test" {
  imodel_id = %q
%s
}
`, srv.URL, imodelID, body)
	}
	both := cfg("  clamp_z_extent = true\n  enable_file_name_policy = true\n")
	one := cfg("  clamp_z_extent = true\n")

	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{Config: both},
			// Changing one flag sends a PATCH of that flag only.
			{
				PreConfig: func() { api.set(func() { api.calls = nil }) },
				Config:    cfg("  clamp_z_extent = true\n  enable_file_name_policy = false\n"),
				Check: func(*terraform.State) error {
					api.mu.Lock()
					defer api.mu.Unlock()
					if w, want := writesOf(api.calls), `PATCH imodels/`+imodelID+` {"enableFileNamePolicy":false}`; strings.Join(w, ",") != want {
						return fmt.Errorf("writes = %v, want [%s]", w, want)
					}
					return nil
				},
			},
			{
				PreConfig: func() { api.set(func() { api.calls = nil }) },
				Config:    both,
			},
			// Clearing a flag deletes and re-creates the configuration; the re-create fails.
			{
				PreConfig:   func() { api.set(func() { api.failPost = true; api.calls = nil }) },
				Config:      one,
				ExpectError: wrappedRE("the deletion succeeded but the creation failed, so the iModel currently has no configuration"),
			},
			// The resource left the state, so the next apply creates the configuration with the remaining flag.
			{
				PreConfig: func() {
					api.set(func() {
						writes := writesOf(api.calls)
						if want := []string{"DELETE imodels/" + imodelID, `POST imodels/` + imodelID + ` {"clampZExtent":true}`}; strings.Join(writes, ",") != strings.Join(want, ",") {
							t.Errorf("writes of the failed update = %v, want %v", writes, want)
						}
						if _, exists := api.settings["imodels/"+imodelID]; exists {
							t.Errorf("the configuration still exists after the failed re-create")
						}
						api.failPost = false
					})
				},
				Config: one,
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction("itwin_sync_configuration.test", plancheck.ResourceActionCreate),
				}},
				Check: func(*terraform.State) error {
					api.mu.Lock()
					defer api.mu.Unlock()
					got := api.settings["imodels/"+imodelID]
					if len(got) != 1 || got["clampZExtent"] != true {
						return fmt.Errorf("stored settings = %v, want only clampZExtent = true", got)
					}
					return nil
				},
			},
		},
	})
}

// Forward compatibility: flags the provider does not know travel through additional_settings (itwin-local rejects
// unknown flags, so this runs against the fake, which stores any key).
func TestAccSyncConfiguration_additionalSettings(t *testing.T) {
	api := &fakeConfigAPI{settings: map[string]map[string]any{}}
	srv := httptest.NewServer(api)
	t.Cleanup(srv.Close)
	const imodelID = "eb6ccda2-15aa-4aff-99b5-9c71aea04ceb"
	const key = "imodels/" + imodelID
	const res = "itwin_sync_configuration.test"
	cfg := func(additional string) string {
		line := ""
		if additional != "" {
			line = "  additional_settings = " + additional + "\n"
		}
		return fmt.Sprintf(`
provider "itwin" {
  api_url      = %q
  access_token = "test-token"
  max_retries  = 0
}

resource "itwin_sync_configuration" "test" {
  imodel_id      = %q
  clamp_z_extent = true
%s}
`, srv.URL, imodelID, line)
	}
	stored := func(want string) resource.TestCheckFunc {
		return func(*terraform.State) error {
			api.mu.Lock()
			defer api.mu.Unlock()
			got, _ := json.Marshal(api.settings[key])
			if string(got) != want {
				return fmt.Errorf("stored settings = %s, want %s", got, want)
			}
			return nil
		}
	}

	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config: cfg(`"{\"someFutureFlag\": true,   \"level\": 2}"`),
				Check:  stored(`{"clampZExtent":true,"level":2,"someFutureFlag":true}`),
			},
			// The server answering with its own key order and spacing is no diff: the refresh keeps the configured text.
			{
				PreConfig: func() {
					api.set(func() {
						api.settings[key] = map[string]any{"someFutureFlag": true, "level": float64(2), "clampZExtent": true}
					})
				},
				Config: cfg(`"{\"someFutureFlag\": true,   \"level\": 2}"`),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectEmptyPlan(),
				}},
			},
			// Reformatting the value in the configuration is an in-place update of the string (Terraform requires the
			// plan to carry the configured text) that sends nothing to the API; the refresh after it keeps the new
			// text although the server orders keys its own way.
			{
				PreConfig: func() { api.set(func() { api.calls = nil }) },
				Config:    cfg(`jsonencode({ level = 2, someFutureFlag = true })`),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(res, plancheck.ResourceActionUpdate),
				}},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(res, tfjsonpath.New("additional_settings"), knownvalue.StringExact(`{"level":2,"someFutureFlag":true}`)),
				},
				Check: func(*terraform.State) error {
					api.mu.Lock()
					defer api.mu.Unlock()
					if w := writesOf(api.calls); len(w) != 0 {
						return fmt.Errorf("a reformatted additional_settings sent %v, want nothing", w)
					}
					return nil
				},
			},
			// An unknown flag changed outside Terraform is drift while additional_settings is managed…
			{
				PreConfig:          func() { api.set(func() { api.settings[key]["level"] = float64(3) }) },
				Config:             cfg(`jsonencode({ level = 2, someFutureFlag = true })`),
				PlanOnly:           true,
				ExpectNonEmptyPlan: true,
			},
			{
				PreConfig: func() { api.set(func() { api.calls = nil }) },
				Config:    cfg(`jsonencode({ level = 2, someFutureFlag = true })`),
				Check: resource.ComposeTestCheckFunc(stored(`{"clampZExtent":true,"level":2,"someFutureFlag":true}`), func(*terraform.State) error {
					api.mu.Lock()
					defer api.mu.Unlock()
					if w, want := writesOf(api.calls), `PATCH `+key+` {"level":2}`; strings.Join(w, ",") != want {
						return fmt.Errorf("writes = %v, want [%s]", w, want)
					}
					return nil
				}),
			},
			// …and removing additional_settings removes its flags from the scope.
			{
				Config: cfg(""),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(res, tfjsonpath.New("additional_settings"), knownvalue.Null()),
				},
				Check: stored(`{"clampZExtent":true}`),
			},
			// Without additional_settings, unknown flags stored remotely are left alone: no perpetual diff.
			{
				PreConfig: func() { api.set(func() { api.settings[key]["managedElsewhere"] = true }) },
				Config:    cfg(""),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectEmptyPlan(),
				}},
			},
		},
	})
}

// An import records the flags this provider does not know in additional_settings (as the list resource's object
// does), so configuration written by `terraform query -generate-config-out` for a scope that stores only such
// flags is valid and imports with no change, and nothing is written.
func TestAccSyncConfiguration_importRecordsUnknownFlags(t *testing.T) {
	const imodelID = "eb6ccda2-15aa-4aff-99b5-9c71aea04ceb"
	const key = "imodels/" + imodelID
	api := &fakeConfigAPI{settings: map[string]map[string]any{key: {"someFutureFlag": true}}}
	srv := httptest.NewServer(api)
	t.Cleanup(srv.Close)
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{{
			Config: fmt.Sprintf(`
provider "itwin" {
  api_url      = %q
  access_token = "test-token"
  max_retries  = 0
}

import {
  to = itwin_sync_configuration.test
  id = %q
}

resource "itwin_sync_configuration" "test" {
  imodel_id           = %q
  additional_settings = jsonencode({ someFutureFlag = true })
}
`, srv.URL, key, imodelID),
			ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
				plancheck.ExpectResourceAction("itwin_sync_configuration.test", plancheck.ResourceActionNoop),
			}},
			ConfigStateChecks: []statecheck.StateCheck{
				statecheck.ExpectKnownValue("itwin_sync_configuration.test", tfjsonpath.New("additional_settings"), knownvalue.StringExact(`{"someFutureFlag":true}`)),
			},
			Check: func(*terraform.State) error {
				api.mu.Lock()
				defer api.mu.Unlock()
				if w := writesOf(api.calls); len(w) != 0 {
					return fmt.Errorf("importing sent %v, want nothing", w)
				}
				return nil
			},
		}},
	})
}
