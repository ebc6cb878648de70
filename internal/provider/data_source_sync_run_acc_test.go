package provider

import (
	"regexp"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/compare"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"
)

func TestAccSyncRunDataSources(t *testing.T) {
	fx := newRunFixture(t, "Service")
	cfg := fx.config(`  wait = false`) + `
data "itwin_sync_run" "latest" {
  connection_id = itwin_sync_storage_connection_run.r.connection_id
  depends_on    = [itwin_sync_storage_connection_run.r]
}

data "itwin_sync_run" "by_id" {
  connection_id = itwin_sync_storage_connection_run.r.connection_id
  run_id        = itwin_sync_storage_connection_run.r.id
}

data "itwin_sync_runs" "history" {
  connection_id = itwin_sync_storage_connection_run.r.connection_id
  depends_on    = [itwin_sync_storage_connection_run.r]
}
`
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config: cfg,
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.CompareValuePairs(runResource, tfjsonpath.New("id"), "data.itwin_sync_run.latest", tfjsonpath.New("id"), compare.ValuesSame()),
					statecheck.CompareValuePairs(runResource, tfjsonpath.New("id"), "data.itwin_sync_run.by_id", tfjsonpath.New("id"), compare.ValuesSame()),
					statecheck.CompareValuePairs(runResource, tfjsonpath.New("id"), "data.itwin_sync_runs.history", tfjsonpath.New("runs").AtSliceIndex(0).AtMapKey("id"), compare.ValuesSame()),
					statecheck.ExpectKnownValue("data.itwin_sync_run.latest", tfjsonpath.New("connection_kind"), knownvalue.StringExact("storage")),
					statecheck.ExpectKnownValue("data.itwin_sync_run.latest", tfjsonpath.New("state"), knownvalue.NotNull()),
					statecheck.ExpectKnownValue("data.itwin_sync_runs.history", tfjsonpath.New("runs"), knownvalue.ListSizeExact(1)),
				},
			},
		},
	})
}

func TestAccSyncRunDataSource_errors(t *testing.T) {
	fx := newRunFixture(t, "Service")
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config: fx.providerCfg + `
data "itwin_sync_run" "latest" {
  connection_id = "` + fx.connID + `"
}
`,
				ExpectError: regexp.MustCompile(`Connection has no runs`),
			},
			{
				Config: fx.providerCfg + `
data "itwin_sync_run" "x" {
  connection_id = "` + fx.connID + `"
  run_id        = "00000000-0000-4000-8000-000000000000"
}
`,
				ExpectError: regexp.MustCompile(`Run not found`),
			},
			{
				Config: fx.providerCfg + `
data "itwin_sync_runs" "x" {
  connection_id = "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
}
`,
				ExpectError: regexp.MustCompile(`Connection not found`),
			},
			{
				Config: fx.providerCfg + `
data "itwin_sync_runs" "x" {
  connection_id = "` + fx.connID + `"
  limit         = 0
}
`,
				ExpectError: regexp.MustCompile(`(?s)limit.*between 1 and 1000`),
			},
		},
	})
}
