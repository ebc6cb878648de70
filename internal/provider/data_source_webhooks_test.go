package provider

import (
	"fmt"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/compare"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"
)

// TestAccWebhooksDataSource lists the caller's webhooks, oldest first, with every field but the secret.
func TestAccWebhooksDataSource(t *testing.T) {
	inst, providerCfg := startLocal(t)
	cfg := providerCfg + fmt.Sprintf(`
resource "itwin_webhook" "first" {
  scope        = "iTwin"
  itwin_id     = %q
  callback_url = "https://hooks.example.com/first"
  event_types  = ["synchronization.jobCompleted.v1", "iModels.changesReady.v1"]
}

resource "itwin_webhook" "second" {
  scope        = "Account"
  callback_url = "https://hooks.example.com/second"
  event_types  = ["iModels.iModelDeleted.v1"]
  active       = false
  depends_on   = [itwin_webhook.first]
}

data "itwin_webhooks" "all" {
  depends_on = [itwin_webhook.first, itwin_webhook.second]
}
`, inst.ITwinID)
	hooks := tfjsonpath.New("webhooks")
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{{
			Config: cfg,
			ConfigStateChecks: []statecheck.StateCheck{
				statecheck.ExpectKnownValue("data.itwin_webhooks.all", hooks, knownvalue.ListExact([]knownvalue.Check{
					knownvalue.ObjectExact(map[string]knownvalue.Check{
						"id":           knownvalue.NotNull(),
						"scope":        knownvalue.StringExact("iTwin"),
						"scope_id":     knownvalue.StringExact(inst.ITwinID),
						"active":       knownvalue.Bool(true),
						"callback_url": knownvalue.StringExact("https://hooks.example.com/first"),
						"event_types": knownvalue.SetExact([]knownvalue.Check{
							knownvalue.StringExact("synchronization.jobCompleted.v1"), knownvalue.StringExact("iModels.changesReady.v1"),
						}),
						"created_at":  knownvalue.NotNull(),
						"modified_at": knownvalue.NotNull(),
					}),
					knownvalue.ObjectExact(map[string]knownvalue.Check{
						"id":           knownvalue.NotNull(),
						"scope":        knownvalue.StringExact("Account"),
						"scope_id":     knownvalue.NotNull(),
						"active":       knownvalue.Bool(false),
						"callback_url": knownvalue.StringExact("https://hooks.example.com/second"),
						"event_types":  knownvalue.SetExact([]knownvalue.Check{knownvalue.StringExact("iModels.iModelDeleted.v1")}),
						"created_at":   knownvalue.NotNull(),
						"modified_at":  knownvalue.NotNull(),
					}),
				})),
				statecheck.CompareValuePairs("data.itwin_webhooks.all", hooks.AtSliceIndex(0).AtMapKey("id"),
					"itwin_webhook.first", tfjsonpath.New("id"), compare.ValuesSame()),
				statecheck.CompareValuePairs("data.itwin_webhooks.all", hooks.AtSliceIndex(1).AtMapKey("id"),
					"itwin_webhook.second", tfjsonpath.New("id"), compare.ValuesSame()),
			},
		}},
	})
}
