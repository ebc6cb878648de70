package provider

import (
	"fmt"
	"regexp"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"
)

func TestAccIModelDataSource(t *testing.T) {
	inst, providerCfg := startLocal(t)
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config: providerCfg + fmt.Sprintf(`
resource "itwin_imodel" "m" {
  itwin_id    = %[1]q
  name        = "Data source test"
  description = "read back"
}

data "itwin_imodel" "by_id" {
  id = itwin_imodel.m.id
}

data "itwin_imodel" "seeded" {
  id                 = %[2]q
  include_changesets = true
}
`, inst.ITwinID, inst.IModelID),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue("data.itwin_imodel.by_id", tfjsonpath.New("name"), knownvalue.StringExact("Data source test")),
					statecheck.ExpectKnownValue("data.itwin_imodel.by_id", tfjsonpath.New("description"), knownvalue.StringExact("read back")),
					statecheck.ExpectKnownValue("data.itwin_imodel.by_id", tfjsonpath.New("itwin_id"), knownvalue.StringExact(inst.ITwinID)),
					statecheck.ExpectKnownValue("data.itwin_imodel.by_id", tfjsonpath.New("state"), knownvalue.StringExact("initialized")),
					// Changesets are read only on request.
					statecheck.ExpectKnownValue("data.itwin_imodel.by_id", tfjsonpath.New("changesets"), knownvalue.Null()),
					// The seeded iModel is empty: a known, empty list.
					statecheck.ExpectKnownValue("data.itwin_imodel.seeded", tfjsonpath.New("changesets"), knownvalue.ListSizeExact(0)),
					statecheck.ExpectKnownValue("data.itwin_imodel.seeded", tfjsonpath.New("itwin_id"), knownvalue.StringExact(inst.ITwinID)),
				},
			},
			{
				Config: providerCfg + `
data "itwin_imodel" "m" {
  id = "00000000-0000-4000-8000-000000000000"
}
`,
				ExpectError: regexp.MustCompile(`iModel\s+not\s+found`),
			},
		},
	})
}
