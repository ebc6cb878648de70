package provider

// Acceptance tests that need itwin-local's run engine (runs that really move to Completed and push changesets).

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-testing/compare"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/seed37c7dd03/terraform-provider-itwin/internal/itwin"
	"github.com/seed37c7dd03/terraform-provider-itwin/internal/itwinlocal"
	"github.com/seed37c7dd03/terraform-provider-itwin/internal/itwinlocal/engine"
	"github.com/seed37c7dd03/terraform-provider-itwin/internal/itwinlocal/itwinlocaltest"
	"github.com/seed37c7dd03/terraform-provider-itwin/internal/wire"
)

// withEngine installs itwin-local's run engine. speed scales its 2 s lifecycle step: 0.001 finishes a run in
// milliseconds, 0.2 takes a few seconds (time to catch it active), 5 outlasts any short timeout.
func withEngine(speed float64) itwinlocaltest.Option {
	return itwinlocaltest.WithExecutor(func(s *itwinlocal.Server) itwinlocal.RunExecutor {
		return engine.MustNew(s, engine.Options{Speed: speed})
	})
}

// waitRunsDone waits, with the client's run waiter, until every run of the connection is Completed.
func (fx *runFixture) waitRunsDone(t *testing.T) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	defer cancel()
	runs, err := fx.client.Connections(wire.KindStorage).ListRuns(ctx, fx.connID, 0)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range runs {
		if _, err := itwin.WaitForRun(ctx, func(ctx context.Context) (*wire.Run, error) {
			return fx.client.Connections(wire.KindStorage).GetRun(ctx, fx.connID, r.ID)
		}, itwin.WaitOptions{MinInterval: 50 * time.Millisecond}); err != nil {
			t.Fatalf("run %s did not complete: %v", r.ID, err)
		}
	}
}

func TestAccSyncStorageConnectionRun_success(t *testing.T) {
	fx := newRunFixture(t, "Service", withEngine(0.001))
	runIDs := statecheck.CompareValue(compare.ValuesDiffer())
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config: fx.config(`  triggers = { v = "1" }`),
				ConfigStateChecks: []statecheck.StateCheck{
					runIDs.AddStateValue(runResource, tfjsonpath.New("id")),
					statecheck.ExpectKnownValue(runResource, tfjsonpath.New("state"), knownvalue.StringExact(wire.StateCompleted)),
					statecheck.ExpectKnownValue(runResource, tfjsonpath.New("result"), knownvalue.StringExact(wire.ResultSuccess)),
					statecheck.ExpectKnownValue(runResource, tfjsonpath.New("ended_at"), knownvalue.NotNull()),
					statecheck.ExpectKnownValue(runResource, tfjsonpath.New("duration_seconds"), knownvalue.NotNull()),
					statecheck.ExpectKnownValue(runResource, tfjsonpath.New("tasks"), knownvalue.ListSizeExact(1)),
					statecheck.ExpectKnownValue(runResource, tfjsonpath.New("tasks").AtSliceIndex(0).AtMapKey("file_name"), knownvalue.StringExact("plant.ifc")),
					statecheck.ExpectKnownValue(runResource, tfjsonpath.New("tasks").AtSliceIndex(0).AtMapKey("connector_type"), knownvalue.StringExact("IFC")),
					statecheck.ExpectKnownValue(runResource, tfjsonpath.New("tasks").AtSliceIndex(0).AtMapKey("error"), knownvalue.Null()),
					statecheck.ExpectKnownValue(runResource, tfjsonpath.New("changesets"), knownvalue.ListSizeExact(1)),
					statecheck.ExpectKnownValue(runResource, tfjsonpath.New("changesets").AtSliceIndex(0).AtMapKey("changed_files"),
						knownvalue.ListExact([]knownvalue.Check{knownvalue.StringExact("plant.ifc")})),
					statecheck.ExpectKnownValue(runResource, tfjsonpath.New("reports"), knownvalue.ListSizeExact(1)),
				},
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
			},
			{
				// A new trigger: a new run. Nothing changed in the files, so it pushes no changeset.
				Config: fx.config(`  triggers = { v = "2" }`),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction(runResource, plancheck.ResourceActionReplace)},
				},
				ConfigStateChecks: []statecheck.StateCheck{
					runIDs.AddStateValue(runResource, tfjsonpath.New("id")),
					statecheck.ExpectKnownValue(runResource, tfjsonpath.New("result"), knownvalue.StringExact(wire.ResultSuccess)),
					statecheck.ExpectKnownValue(runResource, tfjsonpath.New("changesets"), knownvalue.ListSizeExact(0)),
				},
			},
			{
				// A file changed outside Terraform, caught by rerun_on_source_change: one more changeset.
				PreConfig: func() {
					content := testIFC("2O2Fr$t4X7Zf8NOew3FLOH", "1kTvXnbbzCWw8lcMd1dR4o", "3vB2YO$MX4xv5uCqZZG05x")
					if _, err := fx.client.UpdateFileContent(context.Background(), fx.fileID, bytes.NewReader([]byte(content)), int64(len(content))); err != nil {
						t.Fatal(err)
					}
				},
				Config: fx.config(`
  triggers               = { v = "2" }
  rerun_on_source_change = true
`),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction(runResource, plancheck.ResourceActionReplace)},
				},
				ConfigStateChecks: []statecheck.StateCheck{
					runIDs.AddStateValue(runResource, tfjsonpath.New("id")),
					statecheck.ExpectKnownValue(runResource, tfjsonpath.New("changesets"), knownvalue.ListSizeExact(1)),
				},
			},
		},
	})
}

func TestAccSyncStorageConnectionRun_partialSuccess(t *testing.T) {
	fx := newRunFixture(t, "Service", withEngine(0.001))
	broken := testUploadFile(t, fx.client, fx.inst, "broken.ifc", "this is not a STEP file")
	if _, err := fx.client.Connections(wire.KindStorage).AddSourceFile(context.Background(), fx.connID, itwin.SourceFile{Key: broken, ConnectorType: "IFC"}); err != nil {
		t.Fatal(err)
	}
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config:      fx.config(""),
				ExpectError: regexp.MustCompile(`Synchronization of broken.ifc failed: TAE_PARSE_ERROR`),
			},
			{
				// The failed run is in the state, tainted: the next apply re-runs.
				Config:             fx.config(""),
				PlanOnly:           true,
				ExpectNonEmptyPlan: true,
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PostApplyPreRefresh: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction(runResource, plancheck.ResourceActionReplace),
						expectPriorRun{address: runResource, state: wire.StateCompleted},
					},
				},
			},
			{
				Config: fx.config(`  allowed_results = ["Success", "PartialSuccess"]`),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(runResource, tfjsonpath.New("result"), knownvalue.StringExact(wire.ResultPartialSuccess)),
					statecheck.ExpectKnownValue(runResource, tfjsonpath.New("tasks"), knownvalue.ListSizeExact(2)),
				},
			},
		},
	})
}

func TestAccSyncStorageConnectionRun_userWithoutConsent(t *testing.T) {
	fx := newRunFixture(t, "User", withEngine(0.001))
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config:      fx.config(""),
				ExpectError: regexp.MustCompile(`(?s)UserNotAuthenticated.*itwin_sync_authorization.*"Service"`),
			},
		},
	})
}

func TestAccSyncStorageConnectionRun_adoptsActiveRun(t *testing.T) {
	fx := newRunFixture(t, "Service", withEngine(0.2))
	var foreign string
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				PreConfig: func() {
					res, err := fx.client.Connections(wire.KindStorage).StartRun(context.Background(), fx.connID, nil)
					if err != nil {
						t.Fatal(err)
					}
					foreign = res.RunID
				},
				Config: fx.config(""),
				Check: func(s *terraform.State) error {
					ours := s.RootModule().Resources[runResource].Primary.ID
					if ours == foreign {
						return fmt.Errorf("the resource adopted the foreign run %s instead of starting its own after it", foreign)
					}
					other, err := fx.client.Connections(wire.KindStorage).GetRun(context.Background(), fx.connID, foreign)
					if err != nil || other.State != wire.StateCompleted {
						return fmt.Errorf("the foreign run must have finished before ours started: %+v %v", other, err)
					}
					mine, err := fx.client.Connections(wire.KindStorage).GetRun(context.Background(), fx.connID, ours)
					if err != nil || mine.StartDateTime.Before(other.EndDateTime.Time) {
						return fmt.Errorf("our run started at %v, before the foreign run ended at %v (%v)", mine.StartDateTime, other.EndDateTime, err)
					}
					return nil
				},
			},
		},
	})
}

func TestAccSyncStorageConnectionRun_waitFalseThenRefresh(t *testing.T) {
	fx := newRunFixture(t, "Service", withEngine(0.001))
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{Config: fx.config(`  wait = false`)},
			{
				PreConfig: func() { fx.waitRunsDone(t) },
				Config:    fx.config(`  wait = false`),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(runResource, tfjsonpath.New("state"), knownvalue.StringExact(wire.StateCompleted)),
					statecheck.ExpectKnownValue(runResource, tfjsonpath.New("result"), knownvalue.StringExact(wire.ResultSuccess)),
					statecheck.ExpectKnownValue(runResource, tfjsonpath.New("changesets"), knownvalue.ListSizeExact(1)),
				},
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}},
			},
		},
	})
}

func TestAccSyncStorageConnectionRun_timeoutWhileExecuting(t *testing.T) {
	fx := newRunFixture(t, "Service", withEngine(5))
	cfg := fx.config(`  timeouts = { create = "2s" }`)
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{Config: cfg, ExpectError: regexp.MustCompile(`did not finish in time`)},
			{
				Config:             cfg,
				PlanOnly:           true,
				ExpectNonEmptyPlan: true,
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PostApplyPreRefresh: []plancheck.PlanCheck{plancheck.ExpectResourceAction(runResource, plancheck.ResourceActionReplace)},
				},
			},
		},
	})
}

func TestAccSyncManifestConnectionRun_synchronizesServedFile(t *testing.T) {
	fx := newRunFixture(t, "Service", withEngine(0.001))
	connID := newManifestConnection(t, fx, "dms-1")
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config: manifestEphemeralConfig(fx.providerCfg, connID, fx.fileID, ""),
				Check: func(s *terraform.State) error {
					for name, rs := range s.RootModule().Resources {
						for k, v := range rs.Primary.Attributes {
							if strings.Contains(v, fx.inst.URL) {
								return fmt.Errorf("%s.%s holds a URL of the server: %q", name, k, v)
							}
						}
					}
					return nil
				},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(manifestRunAddr, tfjsonpath.New("result"), knownvalue.StringExact(wire.ResultSuccess)),
					statecheck.ExpectKnownValue(manifestRunAddr, tfjsonpath.New("tasks").AtSliceIndex(0).AtMapKey("source_file_id"), knownvalue.StringExact("dms-1")),
					statecheck.ExpectKnownValue(manifestRunAddr, tfjsonpath.New("tasks").AtSliceIndex(0).AtMapKey("file_name"), knownvalue.StringExact("plant.ifc")),
					statecheck.ExpectKnownValue(manifestRunAddr, tfjsonpath.New("changesets"), knownvalue.ListSizeExact(1)),
				},
				ConfigPlanChecks: resource.ConfigPlanChecks{PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}},
			},
		},
	})
}

// TestAccSyncStorageConnectionRun_declarativeFlow is the whole flow in one configuration: upload a local file,
// map it into a connection, run it. Editing the local file re-uploads it and re-runs in the same apply, because
// triggers are keyed on the plan-time source_hash; an unchanged configuration plans nothing.
func TestAccSyncStorageConnectionRun_declarativeFlow(t *testing.T) {
	inst, providerCfg := startLocal(t, withEngine(0.001))
	local := t.TempDir() + "/plant.ifc"
	write := func(ids ...string) {
		if err := os.WriteFile(local, []byte(testIFC(ids...)), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	write("2O2Fr$t4X7Zf8NOew3FLOH")
	cfg := providerCfg + fmt.Sprintf(`
resource "itwin_storage_file" "plant" {
  folder_id = %[1]q
  source    = %[2]q
}

resource "itwin_sync_storage_connection" "plant" {
  imodel_id           = %[3]q
  display_name        = "Plant"
  authentication_type = "Service"
  source_files        = [{ storage_file_id = itwin_storage_file.plant.id, connector_type = "IFC" }]
}

resource "itwin_sync_storage_connection_run" "r" {
  connection_id = itwin_sync_storage_connection.plant.id
  triggers      = { plant = itwin_storage_file.plant.source_hash }
}
`, inst.RootFolderID, local, inst.IModelID)
	runIDs := statecheck.CompareValue(compare.ValuesDiffer())
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config: cfg,
				ConfigStateChecks: []statecheck.StateCheck{
					runIDs.AddStateValue(runResource, tfjsonpath.New("id")),
					statecheck.ExpectKnownValue(runResource, tfjsonpath.New("result"), knownvalue.StringExact(wire.ResultSuccess)),
					statecheck.ExpectKnownValue(runResource, tfjsonpath.New("changesets"), knownvalue.ListSizeExact(1)),
				},
				ConfigPlanChecks: resource.ConfigPlanChecks{PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}},
			},
			{
				PreConfig: func() { write("2O2Fr$t4X7Zf8NOew3FLOH", "1kTvXnbbzCWw8lcMd1dR4o") },
				Config:    cfg,
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction("itwin_storage_file.plant", plancheck.ResourceActionUpdate),
						plancheck.ExpectResourceAction(runResource, plancheck.ResourceActionReplace),
					},
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				ConfigStateChecks: []statecheck.StateCheck{
					runIDs.AddStateValue(runResource, tfjsonpath.New("id")),
					statecheck.ExpectKnownValue(runResource, tfjsonpath.New("result"), knownvalue.StringExact(wire.ResultSuccess)),
					// The run saw the new content: it pushed the added wall.
					statecheck.ExpectKnownValue(runResource, tfjsonpath.New("changesets"), knownvalue.ListSizeExact(1)),
				},
			},
		},
	})
}
