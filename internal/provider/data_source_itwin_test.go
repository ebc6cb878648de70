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

func TestAccITwinDataSource(t *testing.T) {
	inst, providerCfg := startLocal(t)
	tw, err := testClient(t, inst).GetITwin(t.Context(), inst.ITwinID)
	if err != nil {
		t.Fatal(err)
	}
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config: providerCfg + fmt.Sprintf(`
data "itwin_itwin" "t" {
  id = %q
}
`, inst.ITwinID),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue("data.itwin_itwin.t", tfjsonpath.New("display_name"), knownvalue.StringExact(tw.DisplayName)),
					statecheck.ExpectKnownValue("data.itwin_itwin.t", tfjsonpath.New("class"), knownvalue.StringExact(tw.Class)),
					statecheck.ExpectKnownValue("data.itwin_itwin.t", tfjsonpath.New("sub_class"), knownvalue.StringExact(tw.SubClass)),
					statecheck.ExpectKnownValue("data.itwin_itwin.t", tfjsonpath.New("created_at"), knownvalue.StringRegexp(regexp.MustCompile(`^\d{4}-\d\d-\d\dT.*Z$`))),
				},
			},
			{
				Config: providerCfg + `
data "itwin_itwin" "t" {
  id = "00000000-0000-4000-8000-000000000000"
}
`,
				ExpectError: regexp.MustCompile(`iTwin\s+not\s+found`),
			},
		},
	})
}
