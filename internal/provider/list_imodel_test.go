package provider

import (
	"fmt"
	"regexp"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/querycheck"
	"github.com/hashicorp/terraform-plugin-testing/querycheck/queryfilter"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/seed37c7dd03/terraform-provider-itwin/internal/itwin"
	"github.com/seed37c7dd03/terraform-provider-itwin/internal/wire"
)

func testCreateIModel(t *testing.T, c *itwin.Client, itwinID, name, description string) *wire.IModel {
	t.Helper()
	im, err := c.CreateIModel(t.Context(), wire.IModelCreate{ITwinID: itwinID, Name: name, Description: description})
	if err != nil {
		t.Fatalf("creating iModel %s: %v", name, err)
	}
	return im
}

// TestAccIModelList_query lists an iTwin's iModels over several pages (pages of 2) with identity, display name
// and the resource object, and refuses an unknown iTwin on itwin_id.
func TestAccIModelList_query(t *testing.T) {
	inst, providerCfg := startPagedLocal(t, 2)
	c := testClient(t, inst)
	var ids []string
	for i := range 4 {
		ids = append(ids, testCreateIModel(t, c, inst.ITwinID, fmt.Sprintf("Plant %c", 'A'+i), "").ID)
	}
	withDesc := testCreateIModel(t, c, inst.ITwinID, "Bridge", "the bridge")
	reqs := countRequests(inst)
	byID := queryfilter.ByResourceIdentity(map[string]knownvalue.Check{"id": knownvalue.StringExact(withDesc.ID)})
	resource.ParallelTest(t, listTestCase(
		resource.TestStep{
			Query: true,
			Config: providerCfg + fmt.Sprintf(`
list "itwin_imodel" "all" {
  provider         = itwin
  include_resource = true
  config {
    itwin_id = %q
  }
}
`, inst.ITwinID),
			QueryResultChecks: []querycheck.QueryResultCheck{
				querycheck.ExpectLength("itwin_imodel.all", 6), // the 5 above and the seeded demo iModel
				querycheck.ExpectIdentity("itwin_imodel.all", map[string]knownvalue.Check{"id": knownvalue.StringExact(ids[0])}),
				querycheck.ExpectIdentity("itwin_imodel.all", map[string]knownvalue.Check{"id": knownvalue.StringExact(inst.IModelID)}),
				querycheck.ExpectResourceDisplayName("itwin_imodel.all", byID, knownvalue.StringRegexp(
					regexp.MustCompile(`^Bridge \(iModel, created \d{4}-\d\d-\d\d\)$`))),
				querycheck.ExpectResourceKnownValues("itwin_imodel.all", byID, []querycheck.KnownValueCheck{
					{Path: tfjsonpath.New("itwin_id"), KnownValue: knownvalue.StringExact(inst.ITwinID)},
					{Path: tfjsonpath.New("name"), KnownValue: knownvalue.StringExact("Bridge")},
					{Path: tfjsonpath.New("description"), KnownValue: knownvalue.StringExact("the bridge")},
					{Path: tfjsonpath.New("extent"), KnownValue: knownvalue.Null()},
					{Path: tfjsonpath.New("state"), KnownValue: knownvalue.StringExact(wire.IModelStateInitialized)},
					{Path: tfjsonpath.New("timeouts"), KnownValue: knownvalue.Null()},
				}),
			},
		},
		resource.TestStep{
			PreConfig: func() {
				if n := reqs.since("GET /imodels"); n != 3 {
					t.Errorf("listing 6 iModels in pages of 2 made %d requests, want 3", n)
				}
			},
			Query: true,
			Config: providerCfg + `
list "itwin_imodel" "none" {
  provider = itwin
  config {
    itwin_id = "00000000-0000-4000-8000-000000000000"
  }
}
`,
			ExpectError: regexp.MustCompile(`(?s)iTwin not found.*config\.itwin_id = "00000000-0000-4000-8000-000000000000"`),
		},
	))
}
