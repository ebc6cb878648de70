package provider

import (
	"context"
	"fmt"
	"net/http"
	"path/filepath"
	"regexp"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
)

// timeouts.create and timeouts.update bound an upload on the provider's clock. Every content PUT takes 6 minutes
// of the provider's (fake) time: the proxy moves the clock on instead of waiting, then forwards the PUT. A 5m
// timeout ends the upload and the error names the setting; a 10m one lets it through. A create that times out
// leaves the created file in the state (tainted) and the next apply replaces it.
func TestAccStorageFile_uploadTimeoutIsHonoured(t *testing.T) {
	inst, _ := startLocal(t)
	client := testClient(t, inst)
	proxy := newFaultProxy(t, inst)
	clk := newFakeClock()
	src := filepath.Join(t.TempDir(), "model.ifc")
	writeTestFile(t, src, "ISO-10303-21;\nEND-ISO-10303-21;\n")

	proxy.set(func(_ http.ResponseWriter, r *http.Request, _ http.Handler) bool {
		if r.Method == http.MethodPut {
			_ = clk.Sleep(context.Background(), 6*time.Minute)
		}
		return false
	})
	config := func(create, update string) string {
		return proxy.providerBlock(inst) + fmt.Sprintf(`
resource "itwin_storage_file" "f" {
  folder_id = %q
  source    = %q
  timeouts = {
    create = %q
    update = %q
  }
}
`, inst.RootFolderID, src, create, update)
	}
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: providerFactoriesWithClock(clk),
		Steps: []resource.TestStep{
			{
				Config:      config("5m", "10m"),
				ExpectError: regexp.MustCompile(`(?s)Storage file upload did not complete.*timeouts\.create of 5m0s expired`),
			},
			{
				Config: config("10m", "10m"),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction("itwin_storage_file.f", plancheck.ResourceActionDestroyBeforeCreate),
				}},
				Check: resource.ComposeTestCheckFunc(
					resource.TestCheckResourceAttr("itwin_storage_file.f", "timeouts.create", "10m"),
					resource.TestCheckResourceAttr("itwin_storage_file.f", "size", "32"),
				),
			},
			{
				// New content, and timeouts.update lowered in the same apply: the new value bounds this update.
				PreConfig:   func() { writeTestFile(t, src, "ISO-10303-21;\nDATA;\nENDSEC;\nEND-ISO-10303-21;\n") },
				Config:      config("10m", "5m"),
				ExpectError: regexp.MustCompile(`(?s)updating storage file content.*timeouts\.update of 5m0s expired`),
			},
			{
				Config: config("10m", "10m"),
				Check: func(s *terraform.State) error {
					id, err := stateAttr(s, "itwin_storage_file.f", "id")
					if err != nil {
						return err
					}
					return checkDownload(context.Background(), client, id, "ISO-10303-21;\nDATA;\nENDSEC;\nEND-ISO-10303-21;\n")
				},
			},
		},
	})
}
