package provider

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"sync"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"

	"github.com/seed37c7dd03/terraform-provider-itwin/internal/wire"
)

// fakeIModels is a minimal iModels API whose new iModels stay notInitialized for a number of GETs, which
// itwin-local never does (its iModels are initialized at once).
type fakeIModels struct {
	mu        sync.Mutex
	pending   int // GETs answered notInitialized before an iModel becomes initialized; <0 = never
	models    map[string]*wire.IModel
	gets      map[string]int
	deleted   []string
	createdNo int
}

func (f *fakeIModels) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	write := func(status int, body any) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		_ = json.NewEncoder(w).Encode(body)
	}
	id := strings.TrimPrefix(strings.TrimSuffix(r.URL.Path, "/"), "/imodels/")
	switch {
	case r.Method == http.MethodPost && strings.TrimSuffix(r.URL.Path, "/") == "/imodels":
		var in wire.IModelCreate
		_ = json.NewDecoder(r.Body).Decode(&in)
		f.createdNo++
		m := &wire.IModel{ID: fmt.Sprintf("00000000-0000-4000-8000-%012d", f.createdNo), Name: in.Name, DisplayName: in.Name,
			ITwinID: in.ITwinID, State: wire.IModelStateNotInitialized}
		f.models[m.ID] = m
		write(201, wire.IModelEnvelope{IModel: *m})
	case r.Method == http.MethodGet && f.models[id] != nil:
		m := f.models[id]
		f.gets[id]++
		if f.pending >= 0 && f.gets[id] > f.pending {
			m.State = wire.IModelStateInitialized
		}
		write(200, wire.IModelEnvelope{IModel: *m})
	case r.Method == http.MethodDelete && f.models[id] != nil:
		delete(f.models, id)
		f.deleted = append(f.deleted, id)
		w.WriteHeader(204)
	default:
		write(404, wire.ErrorEnvelope{Error: wire.ErrorBody{Code: "iModelNotFound", Message: "Requested iModel is not available."}})
	}
}

func fakeIModelsConfig(url, create string) string {
	return fmt.Sprintf(`
provider "itwin" {
  api_url      = %q
  access_token = "test-token"
  max_retries  = 0
}

resource "itwin_imodel" "m" {
  itwin_id = "11111111-1111-4111-8111-111111111111"
  name     = "slow"
  timeouts = { create = %q }
}
`, url, create)
}

// TestIModel_waitsUntilInitialized runs without TF_ACC: create polls until the iModel is initialized; when it
// never is, the create timeout fails the apply and the iModel stays in the state (tainted), so the next apply
// replaces it instead of orphaning it. The provider runs on a fake clock: the polls' backoff and the 2s timeout
// pass without waiting.
func TestIModel_waitsUntilInitialized(t *testing.T) {
	fake := &fakeIModels{pending: 2, models: map[string]*wire.IModel{}, gets: map[string]int{}}
	srv := httptest.NewServer(fake)
	defer srv.Close()
	first := "00000000-0000-4000-8000-000000000001"
	const firstITwin, movedITwin = "11111111-1111-4111-8111-111111111111", "22222222-2222-4222-8222-222222222222"

	clk := newFakeClock()
	resource.UnitTest(t, resource.TestCase{
		ProtoV6ProviderFactories: providerFactoriesWithClock(clk),
		Steps: []resource.TestStep{
			{
				Config: fakeIModelsConfig(srv.URL, "1m"),
				Check: resource.ComposeTestCheckFunc(
					resource.TestCheckResourceAttr("itwin_imodel.m", "id", first),
					resource.TestCheckResourceAttr("itwin_imodel.m", "state", "initialized"),
					func(_ *terraform.State) error {
						fake.mu.Lock()
						defer fake.mu.Unlock()
						// Two notInitialized answers, one initialized; plus Terraform's refreshes afterwards.
						if fake.gets[first] < 3 {
							return fmt.Errorf("create polled %d times, want at least 3", fake.gets[first])
						}
						if w := clk.recorded(); len(w) != 2 || w[0] != imodelPollMin || w[1] != 2*imodelPollMin {
							return fmt.Errorf("waits between polls = %v, want %v then %v", w, imodelPollMin, 2*imodelPollMin)
						}
						return nil
					}),
			},
			{ // another iTwin replaces it; this time the iModel never initializes within timeouts.create
				PreConfig: func() { fake.mu.Lock(); fake.pending = -1; fake.mu.Unlock() },
				Config:    strings.Replace(fakeIModelsConfig(srv.URL, "2s"), firstITwin, movedITwin, 1),
				ExpectError: regexp.MustCompile(
					`(?s)Timed\s+out\s+waiting\s+for\s+the\s+iModel.*00000000-0000-4000-8000-000000000002`),
			},
			{ // the stuck iModel was kept in the state, tainted: the next apply replaces (deletes) it
				PreConfig: func() { fake.mu.Lock(); fake.pending = 0; fake.mu.Unlock() },
				Config:    strings.Replace(fakeIModelsConfig(srv.URL, "1m"), firstITwin, movedITwin, 1),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction("itwin_imodel.m", plancheck.ResourceActionReplace),
				}},
				Check: func(_ *terraform.State) error {
					fake.mu.Lock()
					defer fake.mu.Unlock()
					if !strings.Contains(strings.Join(fake.deleted, ","), "00000000-0000-4000-8000-000000000002") {
						return fmt.Errorf("the tainted iModel was not deleted; deleted: %v", fake.deleted)
					}
					return nil
				},
			},
		},
	})
}
