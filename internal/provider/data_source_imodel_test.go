package provider

import (
	"fmt"
	"regexp"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/compare"
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

// TestAccIModelDataSource_byName finds an iModel by its exact name within an iTwin.
func TestAccIModelDataSource_byName(t *testing.T) {
	inst, providerCfg := startLocal(t)
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config: providerCfg + fmt.Sprintf(`
resource "itwin_imodel" "a" {
  itwin_id    = %[1]q
  name        = "Lookup"
  description = "the one"
}

resource "itwin_imodel" "b" {
  itwin_id = %[1]q
  name     = "Lookup 2"
}

data "itwin_imodel" "by_name" {
  itwin_id = %[1]q
  name     = "Lookup"

  depends_on = [itwin_imodel.a, itwin_imodel.b]
}
`, inst.ITwinID),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.CompareValuePairs("data.itwin_imodel.by_name", tfjsonpath.New("id"), "itwin_imodel.a", tfjsonpath.New("id"), compare.ValuesSame()),
					statecheck.ExpectKnownValue("data.itwin_imodel.by_name", tfjsonpath.New("description"), knownvalue.StringExact("the one")),
				},
			},
			{
				Config: providerCfg + fmt.Sprintf(`
data "itwin_imodel" "m" {
  itwin_id = %q
  name     = "Nothing"
}
`, inst.ITwinID),
				ExpectError: regexp.MustCompile(`(?s)iModel\s+not\s+found.*no\s+iModel\s+named\s+"Nothing"`),
			},
			{ // name without itwin_id, and id with name: refused at plan time
				Config: providerCfg + `
data "itwin_imodel" "m" {
  name = "Lookup"
}
`,
				PlanOnly:    true,
				ExpectError: regexp.MustCompile(`(?s)Invalid\s+Attribute\s+Combination.*itwin_id.*must\s+be\s+specified\s+when.*name`),
			},
			{
				Config: providerCfg + fmt.Sprintf(`
data "itwin_imodel" "m" {
  id       = %[2]q
  itwin_id = %[1]q
  name     = "Lookup"
}
`, inst.ITwinID, inst.IModelID),
				PlanOnly:    true,
				ExpectError: regexp.MustCompile(`(?s)Invalid\s+Attribute\s+Combination.*Exactly\s+one\s+of.*\[id,name\]`),
			},
			{ // by id with the wrong iTwin
				Config: providerCfg + fmt.Sprintf(`
data "itwin_imodel" "m" {
  id       = %q
  itwin_id = "00000000-0000-4000-8000-000000000000"
}
`, inst.IModelID),
				ExpectError: regexp.MustCompile(`(?s)iModel\s+belongs\s+to\s+another\s+iTwin`),
			},
			{Config: providerCfg}, // a valid last configuration for the final destroy
		},
	})
}
