package provider

import (
	"bytes"
	"context"
	"fmt"
	"regexp"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/compare"
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

const runResource = "itwin_sync_storage_connection_run.r"

// testIFC is a small IFC file: one wall per GlobalId in ids.
func testIFC(ids ...string) string {
	var b bytes.Buffer
	b.WriteString("ISO-10303-21;\nHEADER;\nFILE_DESCRIPTION(('ViewDefinition [CoordinationView]'),'2;1');\nFILE_NAME('t.ifc','2026-01-01T00:00:00',(''),(''),'','','');\nFILE_SCHEMA(('IFC4'));\nENDSEC;\nDATA;\n")
	for i, id := range ids {
		fmt.Fprintf(&b, "#%d=IFCWALL('%s',$,'Wall %d',$,$,$,$,$,$);\n", i+1, id, i+1)
	}
	b.WriteString("ENDSEC;\nEND-ISO-10303-21;\n")
	return b.String()
}

// runFixture is an itwin-local with one storage connection of the given authentication type over one IFC file.
type runFixture struct {
	inst        *itwinlocaltest.Instance
	providerCfg string
	client      *itwin.Client
	fileID      string
	connID      string
}

func newRunFixture(t *testing.T, authType string, opts ...itwinlocaltest.Option) *runFixture {
	t.Helper()
	inst, providerCfg := startLocal(t, opts...)
	c := testClient(t, inst)
	fileID := testUploadFile(t, c, inst, "plant.ifc", testIFC("2O2Fr$t4X7Zf8NOew3FLOH", "1kTvXnbbzCWw8lcMd1dR4o"))
	conn, err := c.Connections(wire.KindStorage).Create(context.Background(), itwin.ConnectionCreate{
		IModelID: inst.IModelID, DisplayName: "runs", AuthenticationType: authType,
		SourceFiles: []itwin.SourceFile{{Key: fileID, ConnectorType: "IFC"}},
	})
	if err != nil {
		t.Fatalf("creating the storage connection: %v", err)
	}
	return &runFixture{inst: inst, providerCfg: providerCfg, client: c, fileID: fileID, connID: conn.ID}
}

// noEngine starts itwin-local without a run engine: runs stay NotStarted, which lets tests observe an accepted
// run and a wait that cannot finish.
func noEngine() itwinlocaltest.Option { return itwinlocaltest.WithExecutor(nil) }

// config renders the run resource with extra attribute lines.
func (fx *runFixture) config(body string) string {
	return fx.providerCfg + fmt.Sprintf(`
resource "itwin_sync_storage_connection_run" "r" {
  connection_id = %q
%s
}
`, fx.connID, body)
}

// expectPriorRun checks, on a plan, that the state still holds a run id and the given run state — the partial
// state a failed or interrupted wait leaves behind.
type expectPriorRun struct {
	address, state string
}

func (e expectPriorRun) CheckPlan(_ context.Context, req plancheck.CheckPlanRequest, resp *plancheck.CheckPlanResponse) {
	if req.Plan.PriorState == nil || req.Plan.PriorState.Values == nil {
		resp.Error = fmt.Errorf("the plan has no prior state")
		return
	}
	for _, r := range req.Plan.PriorState.Values.RootModule.Resources {
		if r.Address != e.address {
			continue
		}
		id, _ := r.AttributeValues["id"].(string)
		st, _ := r.AttributeValues["state"].(string)
		if id == "" || st != e.state {
			resp.Error = fmt.Errorf("%s in state: id %q, state %q; want a run id and state %s", e.address, id, st, e.state)
		}
		return
	}
	resp.Error = fmt.Errorf("%s is not in the prior state", e.address)
}

var _ plancheck.PlanCheck = expectPriorRun{}

// TestAccSyncStorageConnectionRun_noWait covers a run recorded without waiting, import, local-only updates and
// the two ways a new run is planned (triggers and changed source files).
func TestAccSyncStorageConnectionRun_noWait(t *testing.T) {
	fx := newRunFixture(t, "Service", noEngine())
	sameID := statecheck.CompareValue(compare.ValuesSame())
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config: fx.config(`
  wait     = false
  triggers = { v = "1" }
`),
				ConfigStateChecks: []statecheck.StateCheck{
					sameID.AddStateValue(runResource, tfjsonpath.New("id")),
					statecheck.ExpectKnownValue(runResource, tfjsonpath.New("id"), knownvalue.StringRegexp(regexp.MustCompile(`^[0-9a-f-]{36}$`))),
					statecheck.ExpectKnownValue(runResource, tfjsonpath.New("state"), knownvalue.StringExact(wire.StateNotStarted)),
					statecheck.ExpectKnownValue(runResource, tfjsonpath.New("result"), knownvalue.StringExact(wire.ResultUndetermined)),
					statecheck.ExpectKnownValue(runResource, tfjsonpath.New("source_fingerprint"), knownvalue.StringRegexp(regexp.MustCompile(`^[0-9a-f]{64}$`))),
					statecheck.ExpectKnownValue(runResource, tfjsonpath.New("ended_at"), knownvalue.Null()),
					statecheck.ExpectKnownValue(runResource, tfjsonpath.New("changesets"), knownvalue.ListSizeExact(0)),
					statecheck.ExpectKnownValue(runResource, tfjsonpath.New("allowed_results"), knownvalue.SetExact([]knownvalue.Check{knownvalue.StringExact("Success")})),
				},
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
			},
			{
				ResourceName: runResource,
				ImportState:  true,
				ImportStateIdFunc: func(s *terraform.State) (string, error) {
					return fx.connID + "/" + s.RootModule().Resources[runResource].Primary.ID, nil
				},
				ImportStateVerify: true,
				// Local settings the API cannot know: triggers and wait come from the configuration (the first apply
				// after an import adopts them without a run, see _importAdoptsTriggers), and the fingerprint belongs
				// to the run Terraform started.
				ImportStateVerifyIgnore: []string{"triggers", "triggers.%", "triggers.v", "wait", "source_fingerprint"},
			},
			{
				// Local settings change in place, without a new run.
				Config: fx.config(`
  wait            = true
  allowed_results = ["Success", "PartialSuccess"]
  triggers        = { v = "1" }
  timeouts        = { create = "5m" }
`),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction(runResource, plancheck.ResourceActionUpdate)},
				},
				ConfigStateChecks: []statecheck.StateCheck{
					sameID.AddStateValue(runResource, tfjsonpath.New("id")),
					statecheck.ExpectKnownValue(runResource, tfjsonpath.New("state"), knownvalue.StringExact(wire.StateNotStarted)),
				},
			},
			{
				// A trigger change plans a new run.
				Config: fx.config(`
  wait            = true
  allowed_results = ["Success", "PartialSuccess"]
  triggers        = { v = "2" }
  timeouts        = { create = "5m" }
`),
				PlanOnly:           true,
				ExpectNonEmptyPlan: true,
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PostApplyPreRefresh: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction(runResource, plancheck.ResourceActionReplace),
						plancheck.ExpectUnknownValue(runResource, tfjsonpath.New("state")),
						plancheck.ExpectUnknownValue(runResource, tfjsonpath.New("changesets")),
					},
				},
			},
			{
				// With rerun_on_source_change, unchanged files plan no run: only the flag changes in place.
				Config: fx.config(`
  wait                   = true
  allowed_results        = ["Success", "PartialSuccess"]
  triggers               = { v = "1" }
  timeouts               = { create = "5m" }
  rerun_on_source_change = true
`),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction(runResource, plancheck.ResourceActionUpdate)},
				},
				ConfigStateChecks: []statecheck.StateCheck{sameID.AddStateValue(runResource, tfjsonpath.New("id"))},
			},
			{
				// A file changed outside Terraform: the next plan replaces the run.
				PreConfig: func() {
					content := testIFC("2O2Fr$t4X7Zf8NOew3FLOH", "1kTvXnbbzCWw8lcMd1dR4o", "3vB2YO$MX4xv5uCqZZG05x")
					if _, err := fx.client.UpdateFileContent(context.Background(), fx.fileID, bytes.NewReader([]byte(content)), int64(len(content))); err != nil {
						t.Fatalf("changing the storage file: %v", err)
					}
				},
				Config: fx.config(`
  wait                   = true
  allowed_results        = ["Success", "PartialSuccess"]
  triggers               = { v = "1" }
  timeouts               = { create = "5m" }
  rerun_on_source_change = true
`),
				PlanOnly:           true,
				ExpectNonEmptyPlan: true,
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PostApplyPreRefresh: []plancheck.PlanCheck{plancheck.ExpectResourceAction(runResource, plancheck.ResourceActionReplace)},
				},
			},
		},
	})
}

// TestAccSyncStorageConnectionRun_timeoutTaints: a wait that times out fails the apply, keeps the run id and last
// state in the state, and taints the resource so the next apply plans a new run.
func TestAccSyncStorageConnectionRun_timeoutTaints(t *testing.T) {
	fx := newRunFixture(t, "Service", noEngine())
	cfg := fx.config(`
  timeouts = { create = "2s" }
`)
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config:      cfg,
				ExpectError: regexp.MustCompile(`(?s)did not finish in time.*continues on the\s+server`),
			},
			{
				Config:             cfg,
				PlanOnly:           true,
				ExpectNonEmptyPlan: true,
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PostApplyPreRefresh: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction(runResource, plancheck.ResourceActionReplace),
						expectPriorRun{address: runResource, state: wire.StateNotStarted},
					},
				},
			},
		},
	})
}

func TestAccSyncStorageConnectionRun_badInput(t *testing.T) {
	fx := newRunFixture(t, "Service")
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config:      fx.config(`  allowed_results = ["Sucess"]`),
				ExpectError: regexp.MustCompile(`(?s)allowed_results.*must be one of.*"PartialSuccess"`),
			},
			{
				Config:      fx.config(`  timeouts = { create = "soon" }`),
				ExpectError: regexp.MustCompile(`Invalid Attribute Value Time Duration`),
			},
			{
				Config: fx.providerCfg + `
resource "itwin_sync_storage_connection_run" "r" {
  connection_id = "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
}
`,
				ExpectError: regexp.MustCompile(`Connection not found`),
			},
		},
	})
}

// TestAccSyncStorageConnectionRun_startNotBlindlyRetried: every run start answers 503. The provider checks the
// connection's lastRun, retries the POST once (no run was created), then fails — never a retry storm that
// could start duplicate runs.
func TestAccSyncStorageConnectionRun_startNotBlindlyRetried(t *testing.T) {
	fx := newRunFixture(t, "Service", itwinlocaltest.WithConfig(func(c *itwinlocal.Config) {
		c.Faults = itwinlocal.FaultConfig{Rate5xx: 1, Methods: []string{"POST"}, RoutePattern: `/run$`}
	}))
	runPosts := func() int64 {
		var n int64
		for k, v := range fx.inst.Server.Stats() {
			if strings.HasPrefix(k, "POST ") && strings.HasSuffix(strings.ToLower(k), "/run") {
				n += v
			}
		}
		return n
	}
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config:      fx.config(""),
				ExpectError: regexp.MustCompile(`(?s)Error starting a run on storage connection.*outcome is unknown`),
			},
			{
				PreConfig: func() {
					if n := runPosts(); n != 2 {
						t.Errorf("run-start POSTs = %d, want 2 (the first, then one retry after checking lastRun)", n)
					}
					runs, err := fx.client.Connections(wire.KindStorage).ListRuns(context.Background(), fx.connID, 0)
					if err != nil || len(runs) != 0 {
						t.Errorf("runs = %v (%v), want none", runs, err)
					}
				},
				Config:             fx.config(""),
				PlanOnly:           true,
				ExpectNonEmptyPlan: true, // nothing was created, so the run is still to be created
			},
		},
	})
}

// TestAccSyncStorageConnectionRun_importAdoptsTriggers: importing a run, by an import block or by `terraform
// import`, and then applying a configuration with triggers records the triggers in place and starts no run
// (DESIGN §4.1). Once recorded, a triggers change replaces the run as usual.
func TestAccSyncStorageConnectionRun_importAdoptsTriggers(t *testing.T) {
	fx := newRunFixture(t, "Service", noEngine())
	started, err := fx.client.Connections(wire.KindStorage).StartRun(context.Background(), fx.connID, nil)
	if err != nil || started.RunID == "" {
		t.Fatalf("starting the run to import: %+v, %v", started, err)
	}
	runID := started.RunID
	importID := fx.connID + "/" + runID
	cfg := fx.config(`
  triggers = { v = "1" }
  timeouts = { create = "10s" }
`)
	runCount := func(want int) resource.TestCheckFunc {
		return func(*terraform.State) error {
			runs, err := fx.client.Connections(wire.KindStorage).ListRuns(context.Background(), fx.connID, 0)
			if err != nil {
				return err
			}
			if len(runs) != want {
				return fmt.Errorf("the connection has %d runs, want %d: importing must not start one", len(runs), want)
			}
			return nil
		}
	}
	adopted := []statecheck.StateCheck{
		statecheck.ExpectKnownValue(runResource, tfjsonpath.New("id"), knownvalue.StringExact(runID)),
		statecheck.ExpectKnownValue(runResource, tfjsonpath.New("triggers"), knownvalue.MapExact(map[string]knownvalue.Check{"v": knownvalue.StringExact("1")})),
	}
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				// Import block: the plan imports and updates in place.
				Config: cfg + fmt.Sprintf(`
import {
  to = %s
  id = %q
}
`, runResource, importID),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply:             []plancheck.PlanCheck{plancheck.ExpectResourceAction(runResource, plancheck.ResourceActionUpdate)},
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				ConfigStateChecks: adopted,
				Check:             runCount(1),
			},
			{
				// Forget the run (destroying a run resource makes no API call) ...
				Config: fx.providerCfg,
				Check:  runCount(1),
			},
			{
				// ... and import it again with `terraform import`.
				Config:             cfg,
				ResourceName:       runResource,
				ImportState:        true,
				ImportStateId:      importID,
				ImportStatePersist: true,
			},
			{
				Config: cfg,
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply:             []plancheck.PlanCheck{plancheck.ExpectResourceAction(runResource, plancheck.ResourceActionUpdate)},
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				ConfigStateChecks: adopted,
				Check:             runCount(1),
			},
			{
				// The triggers are recorded now: changing them plans a new run.
				Config: fx.config(`
  triggers = { v = "2" }
  timeouts = { create = "10s" }
`),
				PlanOnly:           true,
				ExpectNonEmptyPlan: true,
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PostApplyPreRefresh: []plancheck.PlanCheck{plancheck.ExpectResourceAction(runResource, plancheck.ResourceActionReplace)},
				},
			},
		},
	})
}
