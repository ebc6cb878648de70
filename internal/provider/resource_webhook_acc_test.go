package provider

import (
	"bytes"
	"fmt"
	"regexp"
	"strconv"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/seed37c7dd03/terraform-provider-itwin/internal/itwin"
	"github.com/seed37c7dd03/terraform-provider-itwin/internal/itwinlocal"
	"github.com/seed37c7dd03/terraform-provider-itwin/internal/itwinlocal/itwinlocaltest"
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
				Config:           cfg + importBlock + "\n" + `# again` + "\n",
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

// deliveryStats reads itwin-local's delivery counters of one webhook (GET /local/stats).
func deliveryStats(t *testing.T, inst *itwinlocaltest.Instance, webhookID string) itwinlocal.WebhookDeliveryStats {
	t.Helper()
	r := inst.Do(t, "GET", "/local/stats", nil)
	if r.Status != 200 {
		t.Fatalf("GET /local/stats: %d %s", r.Status, r.Body)
	}
	var s itwinlocal.StatsResponse
	r.JSON(t, &s)
	return s.Webhooks[webhookID]
}

// deliveriesConfig: the webhook under test ("main", iTwin scope, write-only secret), a control webhook
// ("control", Account scope, generated secret, completions only), and the runs that produce the events. The
// runs depend on the webhooks so that they start only once both are active.
type deliveriesConfig struct {
	providerCfg, itwinID, okConn, badConn string
	receiver                              *hookReceiver
	secret                                string
	version                               int
	active                                bool
	okTrigger                             string
	withBadRun                            bool
}

func (c deliveriesConfig) String() string {
	bad := ""
	if c.withBadRun {
		bad = fmt.Sprintf(`
resource "itwin_sync_storage_connection_run" "bad" {
  connection_id   = %q
  allowed_results = ["Error"]
  depends_on      = [itwin_webhook.hook, itwin_webhook.control]
}
`, c.badConn)
	}
	return c.providerCfg + fmt.Sprintf(`
resource "itwin_webhook" "hook" {
  scope             = "iTwin"
  itwin_id          = %[1]q
  callback_url      = %[2]q
  event_types       = ["synchronization.jobCompleted.v1", "iModels.changesReady.v1"]
  active            = %[3]t
  secret_wo         = %[4]q
  secret_wo_version = %[5]d
}

resource "itwin_webhook" "control" {
  scope        = "Account"
  callback_url = %[6]q
  event_types  = ["synchronization.jobCompleted.v1"]
}

resource "itwin_sync_storage_connection_run" "ok" {
  connection_id = %[7]q
  triggers      = { n = %[8]q }
  depends_on    = [itwin_webhook.hook, itwin_webhook.control]
}
%[9]s`, c.itwinID, c.receiver.url("main"), c.active, c.secret, c.version, c.receiver.url("control"), c.okConn, c.okTrigger, bad)
}

// runOf reads a run resource's id and its pushed changesets (index → id) from the state.
func runOf(s *terraform.State, addr string) (id string, changesets map[int]string, err error) {
	rs, ok := s.RootModule().Resources[addr]
	if !ok {
		return "", nil, fmt.Errorf("%s is not in the state", addr)
	}
	a := rs.Primary.Attributes
	n, _ := strconv.Atoi(a["changesets.#"])
	changesets = map[int]string{}
	for i := range n {
		idx, _ := strconv.Atoi(a[fmt.Sprintf("changesets.%d.index", i)])
		changesets[idx] = a[fmt.Sprintf("changesets.%d.id", i)]
	}
	return rs.Primary.ID, changesets, nil
}

// runEvents is what one webhook should have received for one run.
type runEvents struct {
	path, hookAddr, runAddr string
	result                  string // lower-case, as in the event
	changes                 bool   // subscribed to iModels.changesReady.v1
	secret                  string // the signing key
	imodelID                string // the run's iModel; default: the seeded one
}

// expect checks that the webhook got exactly the events of the run and nothing else new: one jobCompleted with
// the lower-case result, and (when subscribed) one changesReady per changeset the run pushed, with the same ids
// and indexes, each delivered once and signed with the secret. Events seen before are left out and the new ones
// are added to seen. It waits for the events, then for the server's outbox of the webhook to be empty, so that
// nothing else can still arrive.
func (w runEvents) expect(t *testing.T, inst *itwinlocaltest.Instance, r *hookReceiver, s *terraform.State, seen map[string]bool) error {
	runID, changesets, err := runOf(s, w.runAddr)
	if err != nil {
		return err
	}
	if !w.changes {
		changesets = map[int]string{}
	}
	hookID := s.RootModule().Resources[w.hookAddr].Primary.ID
	imodelID := w.imodelID
	if imodelID == "" {
		imodelID = inst.IModelID
	}
	fresh := func(evs []hookEvent) []hookEvent {
		var out []hookEvent
		for _, e := range evs {
			if !seen[e.MessageID] {
				out = append(out, e)
			}
		}
		return out
	}
	err = r.waitFor(w.path, fmt.Sprintf("jobCompleted of run %s and %d changesReady", runID, len(changesets)), func(evs []hookEvent) bool {
		evs = fresh(evs)
		return len(jobCompletedFor(evs, runID)) > 0 && len(changesReady(evs)) >= len(changesets)
	})
	if err != nil {
		return err
	}
	if err := waitOutboxEmpty(t, inst, hookID); err != nil {
		return err
	}
	evs := fresh(r.snapshot(w.path))
	jobs := jobCompletedFor(evs, runID)
	if len(jobs) != 1 || jobs[0].Result != w.result || jobs[0].IModelID != imodelID || jobs[0].ConnectionID == "" {
		return fmt.Errorf("jobCompleted events of run %s on /%s: %+v, want one with result %q", runID, w.path, jobs, w.result)
	}
	got := changesReady(evs)
	if len(got) != len(changesets) {
		return fmt.Errorf("changesReady events on /%s: %d, want %d (the run pushed %v): %s", w.path, len(got), len(changesets), changesets, describeEvents(evs))
	}
	for idx, id := range changesets {
		if c, ok := got[idx]; !ok || c.ChangesetID != id || c.IModelID != imodelID {
			return fmt.Errorf("changesReady for changeset #%d: %+v, want id %s in iModel %s", idx, c, id, imodelID)
		}
	}
	if n := len(evs); n != 1+len(changesets) {
		return fmt.Errorf("/%s received %d new events, want exactly %d: %s", w.path, n, 1+len(changesets), describeEvents(evs))
	}
	for _, e := range evs {
		if e.Accepted != 1 || e.Refused != 0 || e.WebhookID != hookID || e.ITwinID != inst.ITwinID {
			return fmt.Errorf("event %s %s: accepted %d, refused %d, webhookId %s, iTwinId %s", e.EventType, e.MessageID, e.Accepted, e.Refused, e.WebhookID, e.ITwinID)
		}
		if err := r.verifyEvent(e, w.secret); err != nil {
			return err
		}
		seen[e.MessageID] = true
	}
	return nil
}

// waitOutboxEmpty waits until itwin-local has no delivery pending for the webhook. Events are written to the
// outbox when they happen (a run's completion before the run reads Completed), so once it is empty after a run,
// every event of that run has reached the receiver, and nothing more will.
func waitOutboxEmpty(t *testing.T, inst *itwinlocaltest.Instance, hookID string) error {
	deadline := time.Now().Add(time.Minute)
	for {
		st := deliveryStats(t, inst, hookID)
		switch {
		case st.Dropped != 0:
			return fmt.Errorf("itwin-local dropped %d deliveries to %s", st.Dropped, hookID)
		case st.Pending == 0:
			return nil
		case time.Now().After(deadline):
			return fmt.Errorf("deliveries to %s still pending after a minute: %+v", hookID, st)
		}
		// The receiver has the events already; only the server's bookkeeping of the last 2xx can lag.
		time.Sleep(5 * time.Millisecond)
	}
}

// TestAccWebhook_deliveries drives real runs on itwin-local and checks, with a receiver that verifies every
// signature, exactly which events arrive: a successful run's completion ("success") and one changesReady per
// changeset it pushed, a failing run's completion ("error"), the rotated key after secret_wo_version is bumped,
// nothing after deactivation while the control webhook still hears the run, and a delivery refused with 503
// that arrives again, once deduplicated on its messageId.
func TestAccWebhook_deliveries(t *testing.T) {
	fx := newRunFixture(t, "Service")
	broken := testUploadFile(t, fx.client, fx.inst, "broken.ifc", "this is not a STEP file")
	badConn, err := fx.client.Connections(wire.KindStorage).Create(t.Context(), itwin.ConnectionCreate{
		IModelID: fx.inst.IModelID, DisplayName: "broken", AuthenticationType: "Service",
		SourceFiles: []itwin.SourceFile{{Key: broken, ConnectorType: "IFC"}},
	})
	if err != nil {
		t.Fatal(err)
	}
	r := newHookReceiver(t)
	cfg := deliveriesConfig{providerCfg: fx.providerCfg, itwinID: fx.inst.ITwinID, okConn: fx.connID, badConn: badConn.ID,
		receiver: r, secret: testSecretA, version: 1, active: true, okTrigger: "1"}
	seen := map[string]bool{}
	ok := func(path, result string, changes bool, secret func(*terraform.State) string) func(*terraform.State) error {
		return func(s *terraform.State) error {
			hook := map[string]string{"main": "itwin_webhook.hook", "control": "itwin_webhook.control"}[path]
			return runEvents{path: path, hookAddr: hook, runAddr: "itwin_sync_storage_connection_run.ok", result: result,
				changes: changes, secret: secret(s)}.expect(t, fx.inst, r, s, seen)
		}
	}
	fixed := func(secret string) func(*terraform.State) string {
		return func(*terraform.State) string { return secret }
	}
	// The control webhook's key is the secret the service generated, as captured into the state.
	generated := func(s *terraform.State) string {
		return s.RootModule().Resources["itwin_webhook.control"].Primary.Attributes["secret"]
	}
	step := func(c deliveriesConfig, checks ...resource.TestCheckFunc) resource.TestStep {
		return resource.TestStep{Config: c.String(), Check: resource.ComposeTestCheckFunc(checks...)}
	}

	first := cfg
	failing := cfg
	failing.withBadRun = true
	rotated := failing
	rotated.secret, rotated.version, rotated.okTrigger = testSecretB, 2, "2"
	inactive := rotated
	inactive.active, inactive.okTrigger = false, "3"
	reactivated := rotated
	reactivated.okTrigger = "4"
	var mainSent int64

	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			step(first,
				func(s *terraform.State) error {
					if _, cs, _ := runOf(s, "itwin_sync_storage_connection_run.ok"); len(cs) == 0 {
						return fmt.Errorf("the first run pushed no changeset; the test needs one")
					}
					return nil
				},
				ok("main", "success", true, fixed(testSecretA)),
				ok("control", "success", false, generated),
			),
			step(failing,
				func(s *terraform.State) error {
					for _, w := range []runEvents{
						{path: "main", hookAddr: "itwin_webhook.hook", changes: true, secret: testSecretA},
						{path: "control", hookAddr: "itwin_webhook.control", secret: generated(s)},
					} {
						w.runAddr, w.result = "itwin_sync_storage_connection_run.bad", "error"
						if err := w.expect(t, fx.inst, r, s, seen); err != nil {
							return err
						}
					}
					return nil
				},
			),
			{
				// Rotation in the same apply as a run that pushes a changeset: the run depends on the webhook, so it
				// starts after the new secret is in force, and every event of it is signed with the new key.
				PreConfig: func() {
					content := testIFC("2O2Fr$t4X7Zf8NOew3FLOH", "1kTvXnbbzCWw8lcMd1dR4o", "3vB2YO$MX4xv5uCqZZG05x")
					if _, err := fx.client.UpdateFileContent(t.Context(), fx.fileID, bytes.NewReader([]byte(content)), int64(len(content))); err != nil {
						t.Fatal(err)
					}
				},
				Config: rotated.String(),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction("itwin_webhook.hook", plancheck.ResourceActionUpdate),
				}},
				Check: resource.ComposeTestCheckFunc(
					func(s *terraform.State) error {
						if _, cs, _ := runOf(s, "itwin_sync_storage_connection_run.ok"); len(cs) != 1 {
							return fmt.Errorf("the run after the edit pushed %d changesets, want 1", len(cs))
						}
						return nil
					},
					ok("main", "success", true, fixed(testSecretB)),
					ok("control", "success", false, generated),
					expectNoValueInState(testSecretB),
					func(s *terraform.State) error {
						// Every delivery so far is in; the next step must not add one.
						mainSent = deliveryStats(t, fx.inst, s.RootModule().Resources["itwin_webhook.hook"].Primary.ID).Sent
						return nil
					},
				),
			},
			{
				// Deactivated: the control webhook hears the run, this one gets nothing and has nothing pending.
				Config: inactive.String(),
				Check: resource.ComposeTestCheckFunc(
					ok("control", "success", false, generated),
					func(s *terraform.State) error {
						hookID := s.RootModule().Resources["itwin_webhook.hook"].Primary.ID
						if err := waitOutboxEmpty(t, fx.inst, hookID); err != nil {
							return err
						}
						if st := deliveryStats(t, fx.inst, hookID); st.Sent != mainSent {
							return fmt.Errorf("the inactive webhook was sent %d deliveries during the run", st.Sent-mainSent)
						}
						runID, _, _ := runOf(s, "itwin_sync_storage_connection_run.ok")
						for _, e := range r.snapshot("main") {
							if !seen[e.MessageID] {
								return fmt.Errorf("the inactive webhook received %s %s (run %s)", e.EventType, e.Content, runID)
							}
						}
						return nil
					},
				),
			},
			{
				// Active again, and the receiver is down for the first attempt: the completion comes again and is
				// kept once.
				PreConfig: func() { r.refuseNext("main", wire.EventJobCompleted, 1) },
				Config:    reactivated.String(),
				Check: resource.ComposeTestCheckFunc(
					ok("control", "success", false, generated),
					func(s *terraform.State) error {
						runID, _, _ := runOf(s, "itwin_sync_storage_connection_run.ok")
						if err := r.waitFor("main", "the redelivered completion of run "+runID, func(evs []hookEvent) bool {
							for _, e := range evs {
								if len(jobCompletedFor([]hookEvent{e}, runID)) == 1 && e.Accepted == 1 {
									return true
								}
							}
							return false
						}); err != nil {
							return err
						}
						hookID := s.RootModule().Resources["itwin_webhook.hook"].Primary.ID
						if err := waitOutboxEmpty(t, fx.inst, hookID); err != nil {
							return err
						}
						var fresh []hookEvent
						for _, e := range r.snapshot("main") {
							if !seen[e.MessageID] {
								fresh = append(fresh, e)
							}
						}
						// The file did not change since the last run: no changeset, so one event.
						if len(fresh) != 1 || fresh[0].Refused != 1 || fresh[0].Accepted != 1 || len(fresh[0].Bodies) != 2 ||
							string(fresh[0].Bodies[0]) != string(fresh[0].Bodies[1]) {
							return fmt.Errorf("want one completion refused once, then accepted with the same body: %s", describeEvents(fresh))
						}
						if st := deliveryStats(t, fx.inst, hookID); st.Failed < 1 {
							return fmt.Errorf("itwin-local counted no failed attempt: %+v", st)
						}
						return r.verifyEvent(fresh[0], testSecretB)
					},
				),
			},
		},
	})
}
