package provider

import (
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/tfversion"
	"github.com/seed37c7dd03/terraform-provider-itwin/internal/wire"
)

// TestAccSyncRunAction invokes the action after a resource change. Actions need Terraform 1.14, so the test
// skips on older CLIs (the Invoke logic is unit-tested in action_sync_run_test.go).
func TestAccSyncRunAction(t *testing.T) {
	fx := newRunFixture(t, "Service")
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		TerraformVersionChecks:   []tfversion.TerraformVersionCheck{tfversion.SkipBelow(tfversion.Version1_14_0)},
		Steps: []resource.TestStep{
			{
				Config: fx.providerCfg + `
action "itwin_sync_run" "now" {
  config {
    connection_id   = "` + fx.connID + `"
    wait            = false
  }
}

resource "terraform_data" "trigger" {
  input = "v1"
  lifecycle {
    action_trigger {
      events  = [after_create]
      actions = [action.itwin_sync_run.now]
    }
  }
}
`,
				PostApplyFunc: func() {
					runs, err := fx.client.Connections(wire.KindStorage).ListRuns(t.Context(), fx.connID, 0)
					if err != nil || len(runs) != 1 {
						t.Errorf("runs = %d (%v), want the one the action started", len(runs), err)
					}
				},
			},
		},
	})
}
