package provider

import (
	"fmt"
	"regexp"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/seed37c7dd03/terraform-provider-itwin/internal/wire"
)

const webhookAddr = "itwin_webhook.hook"

// webhookAccConfig is one iTwin webhook on itwin-local with extra attribute lines.
func webhookAccConfig(providerCfg, itwinID, callbackURL, extra string) string {
	return providerCfg + fmt.Sprintf(`
resource "itwin_webhook" "hook" {
  scope        = "iTwin"
  itwin_id     = %q
  callback_url = %q
  event_types  = ["synchronization.jobCompleted.v1", "iModels.changesReady.v1"]
%s
}
`, itwinID, callbackURL, extra)
}

// TestAccWebhook_importAndDrift: a webhook imported by id reads back everything but its secrets and plans
// nothing; one deleted outside Terraform is dropped with a warning and planned again.
func TestAccWebhook_importAndDrift(t *testing.T) {
	inst, providerCfg := startLocal(t)
	cfg := webhookAccConfig(providerCfg, inst.ITwinID, "https://hooks.example.com/itwin", "")
	var id string
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config: cfg,
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(webhookAddr, tfjsonpath.New("active"), knownvalue.Bool(true)),
					statecheck.ExpectKnownValue(webhookAddr, tfjsonpath.New("scope_id"), knownvalue.StringExact(inst.ITwinID)),
					statecheck.ExpectKnownValue(webhookAddr, tfjsonpath.New("secret"), knownvalue.StringRegexp(hexSecretRE)),
				},
				Check: func(s *terraform.State) error {
					id = s.RootModule().Resources[webhookAddr].Primary.ID
					return nil
				},
				ConfigPlanChecks: resource.ConfigPlanChecks{PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}},
			},
			{
				// terraform import: everything the API returns reads back; the secret cannot.
				ResourceName:            webhookAddr,
				ImportState:             true,
				ImportStateVerify:       true,
				ImportStateVerifyIgnore: []string{"secret"},
				ImportStateCheck: func(states []*terraform.InstanceState) error {
					if len(states) != 1 || states[0].Attributes["secret"] != "" {
						return fmt.Errorf("imported state %v: want one webhook without a secret", states)
					}
					return nil
				},
			},
			{
				// An import block: the imported webhook (secret null) plans nothing, not even for `secret`.
				Config:          cfg,
				ResourceName:    webhookAddr,
				ImportState:     true,
				ImportStateKind: resource.ImportBlockWithID,
				ImportPlanChecks: resource.ImportPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(webhookAddr, plancheck.ResourceActionNoop),
				}},
			},
			{
				// Deleted outside Terraform: the refresh drops it with a warning and the plan creates it again.
				PreConfig: func() {
					if err := testClient(t, inst).DeleteWebhook(t.Context(), id); err != nil {
						t.Fatalf("deleting the webhook outside Terraform: %v", err)
					}
				},
				Config:             cfg,
				PlanOnly:           true,
				ExpectNonEmptyPlan: true,
				ConfigPlanChecks: resource.ConfigPlanChecks{PostApplyPostRefresh: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(webhookAddr, plancheck.ResourceActionCreate),
				}},
			},
		},
	})
}

// TestAccWebhook_importedSecretStaysNull: after an import the secret is unknowable; applying the same
// configuration keeps it null and converges (no perpetual diff), and setting secret_wo sends a known one.
func TestAccWebhook_importedSecretStaysNull(t *testing.T) {
	inst, providerCfg := startLocal(t)
	c := testClient(t, inst)
	hook, err := c.CreateWebhook(t.Context(), webhookCreateBody(inst.ITwinID, "https://hooks.example.com/adopted"))
	if err != nil {
		t.Fatal(err)
	}
	cfg := webhookAccConfig(providerCfg, inst.ITwinID, "https://hooks.example.com/adopted", "")
	importBlock := fmt.Sprintf("\nimport {\n  to = %s\n  id = %q\n}\n", webhookAddr, hook.ID)
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				// Adopted with an import block: the API created it inactive, the configuration wants it active.
				Config: cfg + importBlock,
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply:             []plancheck.PlanCheck{plancheck.ExpectResourceAction(webhookAddr, plancheck.ResourceActionUpdate)},
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(webhookAddr, tfjsonpath.New("id"), knownvalue.StringExact(hook.ID)),
					statecheck.ExpectKnownValue(webhookAddr, tfjsonpath.New("active"), knownvalue.Bool(true)),
					statecheck.ExpectKnownValue(webhookAddr, tfjsonpath.New("secret"), knownvalue.Null()),
				},
			},
			{
				Config: cfg + importBlock + "\n" + `# again` + "\n",
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}},
			},
			{
				// A known secret: the first version sends it in place.
				Config: webhookAccConfig(providerCfg, inst.ITwinID, "https://hooks.example.com/adopted",
					fmt.Sprintf("  secret_wo = %q\n  secret_wo_version = 1\n", testSecretA)),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply:             []plancheck.PlanCheck{plancheck.ExpectResourceAction(webhookAddr, plancheck.ResourceActionUpdate)},
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				Check: expectNoValueInState(testSecretA),
			},
		},
	})
}

// hexSecretRE is a generated secret: 32 random bytes as lower-case hex (spec §12).
var hexSecretRE = regexp.MustCompile(`^[0-9a-f]{64}$`)

func webhookCreateBody(itwinID, callbackURL string) wire.WebhookCreate {
	return wire.WebhookCreate{Scope: wire.WebhookScopeITwin, ScopeID: itwinID, CallbackURL: callbackURL,
		EventTypes: []string{wire.EventJobCompleted, wire.EventChangesReady}}
}

func TestAccWebhook_identity(t *testing.T) {
	inst, providerCfg := startLocal(t)
	testAccIdentity(t, identityAccCase{
		config:     webhookAccConfig(providerCfg, inst.ITwinID, "https://hooks.example.com/identity", ""),
		addr:       webhookAddr,
		identity:   map[string]knownvalue.Check{"id": identityNotNull},
		matchState: []string{"id"},
	})
}
