package provider

import (
	"encoding/json"
	"fmt"
	"regexp"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/seed37c7dd03/terraform-provider-itwin/internal/itwin"
)

// TestITwinUpdateBody: only what changed is sent; optional fields that became unset are sent as null.
func TestITwinUpdateBody(t *testing.T) {
	s := types.StringValue
	null := types.StringNull()
	base := itwinModel{DisplayName: s("A"), Status: s("Active"), DataCenterLocation: s("East US"), Type: s("Bridge"),
		Number: s("N-1"), IanaTimeZone: null, GeographicLocation: s("Exton"), ParentID: null}
	for _, tc := range []struct {
		name   string
		change func(m *itwinModel)
		want   string
	}{
		{"nothing", func(*itwinModel) {}, ""},
		{"rename", func(m *itwinModel) { m.DisplayName = s("B") }, `{"displayName":"B"}`},
		{"status", func(m *itwinModel) { m.Status = s("Inactive") }, `{"status":"Inactive"}`},
		{"data center", func(m *itwinModel) { m.DataCenterLocation = s("West Europe") }, `{"dataCenterLocation":"West Europe"}`},
		{"data center unknown", func(m *itwinModel) { m.DataCenterLocation = types.StringUnknown() }, ""},
		{"clear type and location", func(m *itwinModel) { m.Type, m.GeographicLocation = null, null }, `{"type":null,"geographicLocation":null}`},
		{"set zone and parent", func(m *itwinModel) { m.IanaTimeZone, m.ParentID = s("Europe/Zurich"), s("p-1") },
			`{"ianaTimeZone":"Europe/Zurich","parentId":"p-1"}`},
		{"new number", func(m *itwinModel) { m.Number = s("N-2") }, `{"number":"N-2"}`},
	} {
		plan := base
		tc.change(&plan)
		body, changed := itwinUpdateBody(plan, base)
		if changed != (tc.want != "") {
			t.Errorf("%s: changed = %v", tc.name, changed)
			continue
		}
		if !changed {
			continue
		}
		if got, _ := json.Marshal(body); string(got) != tc.want {
			t.Errorf("%s: body = %s, want %s", tc.name, got, tc.want)
		}
	}
}

// TestParentIDValue: the account as parent is recorded as null unless the configuration names it.
func TestParentIDValue(t *testing.T) {
	for _, tc := range []struct {
		parent, account string
		ref             types.String
		want            types.String
	}{
		{"", "", types.StringNull(), types.StringNull()},
		{"acc", "acc", types.StringNull(), types.StringNull()},
		{"acc", "acc", types.StringValue("acc"), types.StringValue("acc")},
		{"acc", "acc", types.StringValue("other"), types.StringNull()},
		{"p-1", "acc", types.StringNull(), types.StringValue("p-1")},
		{"p-1", "", types.StringValue("p-1"), types.StringValue("p-1")},
	} {
		if got := parentIDValue(tc.parent, tc.account, tc.ref); !got.Equal(tc.want) {
			t.Errorf("parentIDValue(%q, %q, %s) = %s, want %s", tc.parent, tc.account, tc.ref, got, tc.want)
		}
	}
}

func itwinConfig(providerCfg, body string) string {
	return providerCfg + fmt.Sprintf(`
resource "itwin_itwin" "t" {
%s
}
`, body)
}

func TestAccITwin_lifecycle(t *testing.T) {
	inst, providerCfg := startLocal(t)
	client := testClient(t, inst)
	ctx := t.Context()
	var id, firstID string
	const addr = "itwin_itwin.t"
	remote := func(check func(string) error) resource.TestCheckFunc {
		return func(s *terraform.State) error {
			got, _ := stateAttr(s, addr, "id")
			if id != "" && got != id {
				return fmt.Errorf("iTwin id changed from %s to %s", id, got)
			}
			id = got
			return check(got)
		}
	}
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		CheckDestroy: func(*terraform.State) error {
			if _, err := client.GetITwin(ctx, id); !itwin.IsNotFound(err) {
				return fmt.Errorf("iTwin %s still exists after destroy (err=%v)", id, err)
			}
			return nil
		},
		Steps: []resource.TestStep{
			{
				Config: itwinConfig(providerCfg, `
  class               = "Endeavor"
  sub_class           = "Project"
  display_name        = "Plant A"
  number              = "P-0001"
  type                = "Refinery"
  geographic_location = "Exton, PA"
  iana_time_zone      = "America/New_York"
`),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("status"), knownvalue.StringExact("Active")),
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("data_center_location"), knownvalue.StringExact("East US")),
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("parent_id"), knownvalue.Null()),
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("created_at"), knownvalue.StringRegexp(regexp.MustCompile(`^\d{4}-\d\d-\d\dT.*Z$`))),
				},
				Check: remote(func(id string) error {
					tw, err := client.GetITwin(ctx, id)
					if err != nil {
						return err
					}
					if tw.DisplayName != "Plant A" || tw.Number != "P-0001" || tw.Type != "Refinery" || tw.IanaTimeZone != "America/New_York" || tw.Class != "Endeavor" {
						return fmt.Errorf("remote iTwin: %+v", tw)
					}
					return nil
				}),
			},
			{ResourceName: addr, ImportState: true, ImportStateVerify: true},
			{ // everything but class/sub_class in place; removed optional fields are cleared
				Config: itwinConfig(providerCfg, fmt.Sprintf(`
  class                = "Endeavor"
  sub_class            = "Project"
  display_name         = "Plant A (archived)"
  number               = "P-0002"
  status               = "Inactive"
  iana_time_zone       = "Europe/Zurich"
  data_center_location = "West Europe"
  parent_id            = %q
`, inst.ITwinID)),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(addr, plancheck.ResourceActionUpdate),
				}},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("type"), knownvalue.Null()),
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("geographic_location"), knownvalue.Null()),
				},
				Check: remote(func(id string) error {
					tw, err := client.GetITwin(ctx, id)
					if err != nil {
						return err
					}
					if tw.DisplayName != "Plant A (archived)" || tw.Number != "P-0002" || tw.Status != "Inactive" || tw.Type != "" ||
						tw.GeographicLocation != "" || tw.IanaTimeZone != "Europe/Zurich" || tw.DataCenterLocation != "West Europe" || tw.ParentID != inst.ITwinID {
						return fmt.Errorf("remote iTwin after the update: %+v", tw)
					}
					return nil
				}),
			},
			{ // removing status goes back to the default; removing parent_id clears it
				Config: itwinConfig(providerCfg, `
  class        = "Endeavor"
  sub_class    = "Project"
  display_name = "Plant A"
`),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(addr, plancheck.ResourceActionUpdate),
				}},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("status"), knownvalue.StringExact("Active")),
					// Optional and computed: unset keeps what the iTwin has.
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("data_center_location"), knownvalue.StringExact("West Europe")),
				},
				Check: remote(func(id string) error {
					tw, err := client.GetITwin(ctx, id)
					if err != nil {
						return err
					}
					if tw.Status != "Active" || tw.ParentID != "" || tw.Number != "" || tw.IanaTimeZone != "" {
						return fmt.Errorf("remote iTwin after clearing: %+v", tw)
					}
					return nil
				}),
			},
			{ // sub_class cannot change: the iTwin is replaced
				Config: itwinConfig(providerCfg, `
  class        = "Endeavor"
  sub_class    = "Program"
  display_name = "Plant A"
`),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(addr, plancheck.ResourceActionReplace),
				}},
				Check: func(s *terraform.State) error {
					firstID = id
					if _, err := client.GetITwin(ctx, firstID); !itwin.IsNotFound(err) {
						return fmt.Errorf("the replaced iTwin %s still exists (err=%v)", firstID, err)
					}
					id, _ = stateAttr(s, addr, "id")
					if id == firstID {
						return fmt.Errorf("expected a new iTwin")
					}
					return nil
				},
			},
			{ // deleted outside Terraform: removed from state with a warning, then created again
				PreConfig: func() {
					if err := client.DeleteITwin(ctx, id); err != nil {
						t.Fatalf("deleting the iTwin outside Terraform: %v", err)
					}
					id = ""
				},
				Config: itwinConfig(providerCfg, `
  class        = "Endeavor"
  sub_class    = "Program"
  display_name = "Plant A"
`),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(addr, plancheck.ResourceActionCreate),
				}},
				Check: remote(func(string) error { return nil }),
			},
		},
	})
}

func TestAccITwin_badInput(t *testing.T) {
	_, providerCfg := startLocal(t)
	var steps []resource.TestStep
	for _, tc := range []struct{ body, want string }{
		{`
  class        = "Endeavor"
  sub_class    = "Project"
  display_name = "x"
  status       = "Archived"
`, `(?s)status.*value\s+must\s+be\s+one\s+of.*"Active".*"Inactive".*"Trial"`},
		{`
  class        = "Project"
  sub_class    = "Project"
  display_name = "x"
`, `(?s)class.*value\s+must\s+be\s+one\s+of.*"Thing"`},
		{`
  class        = "Endeavor"
  sub_class    = "Project"
  display_name = "x"
  number       = ""
`, `(?s)number.*string\s+length\s+must\s+be\s+at\s+least\s+1`},
	} {
		steps = append(steps, resource.TestStep{Config: itwinConfig(providerCfg, tc.body), PlanOnly: true, ExpectError: regexp.MustCompile(tc.want)})
	}
	resource.ParallelTest(t, resource.TestCase{ProtoV6ProviderFactories: testAccProtoV6ProviderFactories, Steps: steps})
}
