package provider

import (
	"fmt"
	"regexp"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/seed37c7dd03/terraform-provider-itwin/internal/wire"
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

// TestAccITwinDataSource_lookup finds iTwins by exact display name or number; none or several is an error naming
// the attribute (and, for several, the ids); setting two keys is refused at plan time.
func TestAccITwinDataSource_lookup(t *testing.T) {
	inst, providerCfg := startLocal(t)
	c := testClient(t, inst)
	ctx := t.Context()
	var ids []string
	for _, body := range []wire.ITwinCreate{
		{Class: "Endeavor", SubClass: "Project", DisplayName: "Lookup Plant", Number: "LK-1", Status: "Inactive"},
		{Class: "Endeavor", SubClass: "Project", DisplayName: "Lookup Plant 2", Number: "LK-2"},
		{Class: "Endeavor", SubClass: "Project", DisplayName: "Twin", Number: "LK-3"},
		{Class: "Endeavor", SubClass: "Project", DisplayName: "Twin", Number: "LK-4"},
	} {
		tw, err := c.CreateITwin(ctx, body)
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, tw.ID)
	}
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config: providerCfg + `
data "itwin_itwin" "by_name" {
  display_name = "Lookup Plant"
}

data "itwin_itwin" "by_number" {
  number = "LK-2"
}
`,
				ConfigStateChecks: []statecheck.StateCheck{
					// Exact match only ("Lookup Plant 2" is not taken), and an inactive iTwin is found.
					statecheck.ExpectKnownValue("data.itwin_itwin.by_name", tfjsonpath.New("id"), knownvalue.StringExact(ids[0])),
					statecheck.ExpectKnownValue("data.itwin_itwin.by_name", tfjsonpath.New("status"), knownvalue.StringExact("Inactive")),
					statecheck.ExpectKnownValue("data.itwin_itwin.by_name", tfjsonpath.New("number"), knownvalue.StringExact("LK-1")),
					statecheck.ExpectKnownValue("data.itwin_itwin.by_number", tfjsonpath.New("id"), knownvalue.StringExact(ids[1])),
					statecheck.ExpectKnownValue("data.itwin_itwin.by_number", tfjsonpath.New("display_name"), knownvalue.StringExact("Lookup Plant 2")),
				},
			},
			{
				Config: providerCfg + `
data "itwin_itwin" "t" {
  display_name = "No such iTwin"
}
`,
				ExpectError: regexp.MustCompile(`(?s)iTwin\s+not\s+found.*display_name\s+"No\s+such\s+iTwin"`),
			},
			{
				Config: providerCfg + `
data "itwin_itwin" "t" {
  display_name = "Twin"
}
`,
				ExpectError: regexp.MustCompile(`(?s)2\s+iTwins\s+have\s+display_name\s+"Twin".*` + ids[2][:8] + `.*` + ids[3][:8] + `.*Use\s+.id.`),
			},
			{
				Config: providerCfg + fmt.Sprintf(`
data "itwin_itwin" "t" {
  id           = %q
  display_name = "Twin"
}
`, ids[2]),
				PlanOnly:    true,
				ExpectError: regexp.MustCompile(`(?s)Invalid\s+Attribute\s+Combination.*Exactly\s+one\s+of.*\[id,display_name,number\]`),
			},
			{Config: providerCfg}, // a valid last configuration for the final destroy
		},
	})
}
