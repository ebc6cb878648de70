package provider

import (
	"context"
	"fmt"
	"reflect"
	"regexp"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/seed37c7dd03/terraform-provider-itwin/internal/itwin"
	"github.com/seed37c7dd03/terraform-provider-itwin/internal/itwinlocal/itwinlocaltest"
	"github.com/seed37c7dd03/terraform-provider-itwin/internal/wire"
)

// expectRemoteSettings checks the flags stored at a scope, compared through their string forms so that JSON
// numbers and int64 match.
func expectRemoteSettings(c *itwin.Client, scope, id string, want map[string]string) resource.TestCheckFunc {
	return func(*terraform.State) error {
		cfg, err := c.GetConfiguration(context.Background(), scope, id)
		if err != nil {
			return fmt.Errorf("reading the %s configuration %s: %w", scope, id, err)
		}
		got := map[string]string{}
		for k, v := range cfg.Settings {
			got[k] = wireString(v)
		}
		if !reflect.DeepEqual(got, want) {
			return fmt.Errorf("settings stored at %s %s = %v, want %v", scope, id, got, want)
		}
		return nil
	}
}

// wrappedRE matches text in Terraform's output, where diagnostics are word-wrapped: every space may be any run of
// white space.
func wrappedRE(text string) *regexp.Regexp {
	return regexp.MustCompile(strings.ReplaceAll(regexp.QuoteMeta(text), " ", `\s+`))
}

func resolvedIs(res, flag, want string) statecheck.StateCheck {
	return statecheck.ExpectKnownValue(res, tfjsonpath.New("resolved_settings").AtMapKey(flag), knownvalue.StringExact(want))
}

func mustPatch(t *testing.T, c *itwin.Client, scope, id string, settings map[string]any) {
	t.Helper()
	if _, err := c.PatchConfiguration(t.Context(), scope, id, settings); err != nil {
		t.Fatalf("changing the %s configuration outside Terraform: %v", scope, err)
	}
}

func TestAccSyncConfiguration_itwinScope(t *testing.T) {
	inst, providerCfg := startLocal(t)
	c := testClient(t, inst)
	const res = "itwin_sync_configuration.test"
	cfg := func(body string) string {
		return providerCfg + fmt.Sprintf(`
resource "itwin_sync_configuration" "test" {
  itwin_id = %q
%s
}
`, inst.ITwinID, body)
	}

	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config: cfg(`
  squash_intermediate_revisions = true
  upload_dgn_reality_data       = false
`),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(res, tfjsonpath.New("id"), knownvalue.StringExact("itwins/"+inst.ITwinID)),
					statecheck.ExpectKnownValue(res, tfjsonpath.New("squash_intermediate_revisions"), knownvalue.Bool(true)),
					statecheck.ExpectKnownValue(res, tfjsonpath.New("clamp_z_extent"), knownvalue.Null()),
					resolvedIs(res, "squashIntermediateRevisions", "true"),
					resolvedIs(res, "uploadDgnRealityData", "false"),
					resolvedIs(res, "convertDgnHyperModelingSections", "true"), // default
					// An iTwin resolves only the six iTwin flags (spec §11n).
					statecheck.ExpectKnownValue(res, tfjsonpath.New("resolved_settings"), knownvalue.MapSizeExact(6)),
				},
				Check: expectRemoteSettings(c, wire.ScopeITwin, inst.ITwinID, map[string]string{
					"squashIntermediateRevisions": "true", "uploadDgnRealityData": "false",
				}),
			},
			// Update: PATCH of the changed flags; resolved_settings is unknown in the plan.
			{
				Config: cfg(`
  squash_intermediate_revisions = false
  upload_dgn_reality_data       = false
  skip_rvt_reprojection         = true
`),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(res, plancheck.ResourceActionUpdate),
					plancheck.ExpectUnknownValue(res, tfjsonpath.New("resolved_settings")),
				}},
				ConfigStateChecks: []statecheck.StateCheck{
					resolvedIs(res, "squashIntermediateRevisions", "false"),
					resolvedIs(res, "skipRvtReprojection", "true"),
				},
				Check: expectRemoteSettings(c, wire.ScopeITwin, inst.ITwinID, map[string]string{
					"squashIntermediateRevisions": "false", "uploadDgnRealityData": "false", "skipRvtReprojection": "true",
				}),
			},
			// Unset: the flag disappears from the scope and falls back to its default.
			{
				Config: cfg(`
  squash_intermediate_revisions = false
  skip_rvt_reprojection         = true
`),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(res, tfjsonpath.New("upload_dgn_reality_data"), knownvalue.Null()),
					resolvedIs(res, "uploadDgnRealityData", "true"),
				},
				Check: expectRemoteSettings(c, wire.ScopeITwin, inst.ITwinID, map[string]string{
					"squashIntermediateRevisions": "false", "skipRvtReprojection": "true",
				}),
			},
			// Drift: a managed flag changed and an unmanaged one added outside Terraform show up in the plan…
			{
				PreConfig: func() {
					mustPatch(t, c, wire.ScopeITwin, inst.ITwinID, map[string]any{"squashIntermediateRevisions": true, "convertDgnTerrainModels": true})
				},
				Config: cfg(`
  squash_intermediate_revisions = false
  skip_rvt_reprojection         = true
`),
				PlanOnly:           true,
				ExpectNonEmptyPlan: true,
			},
			// …and apply repairs both.
			{
				Config: cfg(`
  squash_intermediate_revisions = false
  skip_rvt_reprojection         = true
`),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(res, plancheck.ResourceActionUpdate),
				}},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(res, tfjsonpath.New("convert_dgn_terrain_models"), knownvalue.Null()),
					resolvedIs(res, "convertDgnTerrainModels", "false"),
					resolvedIs(res, "squashIntermediateRevisions", "false"),
				},
				Check: expectRemoteSettings(c, wire.ScopeITwin, inst.ITwinID, map[string]string{
					"squashIntermediateRevisions": "false", "skipRvtReprojection": "true",
				}),
			},
			// Import by scope id reproduces the state.
			{
				ResourceName:      res,
				ImportState:       true,
				ImportStateId:     "itwins/" + inst.ITwinID,
				ImportStateVerify: true,
			},
			// Deleted outside Terraform: the next apply creates it again.
			{
				PreConfig: func() {
					if err := c.DeleteConfiguration(t.Context(), wire.ScopeITwin, inst.ITwinID); err != nil {
						t.Fatalf("deleting outside Terraform: %v", err)
					}
				},
				Config: cfg(`
  squash_intermediate_revisions = false
  skip_rvt_reprojection         = true
`),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(res, plancheck.ResourceActionCreate),
				}},
				Check: expectRemoteSettings(c, wire.ScopeITwin, inst.ITwinID, map[string]string{
					"squashIntermediateRevisions": "false", "skipRvtReprojection": "true",
				}),
			},
		},
		CheckDestroy: func(*terraform.State) error {
			_, err := c.GetConfiguration(t.Context(), wire.ScopeITwin, inst.ITwinID)
			if itwin.ErrorCode(err) != "ConfigurationNotFound" {
				return fmt.Errorf("after destroy, GET of the iTwin configuration answered %v, want 404 ConfigurationNotFound", err)
			}
			return nil
		},
	})
}

// testStorageConnection creates a Service storage connection on the instance's iModel with one .dgn file, through
// the client, and returns its id.
func testStorageConnection(t *testing.T, c *itwin.Client, inst *itwinlocaltest.Instance, fileName string) string {
	t.Helper()
	fileID := testUploadFile(t, c, inst, fileName, "dgn v1\nelement A\n")
	conn, err := c.Connections(wire.KindStorage).Create(t.Context(), itwin.ConnectionCreate{
		IModelID:           inst.IModelID,
		DisplayName:        "config test " + fileName,
		AuthenticationType: "Service",
		SourceFiles:        []itwin.SourceFile{{Key: fileID, ConnectorType: "MSTN"}},
	})
	if err != nil {
		t.Fatalf("creating a storage connection: %v", err)
	}
	return conn.ID
}

func TestAccSyncConfiguration_inheritance(t *testing.T) {
	inst, providerCfg := startLocal(t)
	c := testClient(t, inst)
	connID := testStorageConnection(t, c, inst, "plant.dgn")
	const conn, ds = "itwin_sync_configuration.connection", "data.itwin_sync_configuration.connection"

	parents := func(squash bool) string {
		return providerCfg + fmt.Sprintf(`
resource "itwin_sync_configuration" "itwin" {
  itwin_id                      = %q
  squash_intermediate_revisions = %t
}

resource "itwin_sync_configuration" "imodel" {
  imodel_id                          = %q
  clamp_z_extent                     = true
  override_rvt_reprojection_distance = 250
}
`, inst.ITwinID, squash, inst.IModelID)
	}
	withConnection := func(squash bool) string {
		return parents(squash) + fmt.Sprintf(`
resource "itwin_sync_configuration" "connection" {
  connection_id              = %q
  enable_sheets_and_drawings = true
  revit_level_of_detail      = 3
  depends_on                 = [itwin_sync_configuration.itwin, itwin_sync_configuration.imodel]
}

data "itwin_sync_configuration" "connection" {
  connection_id = %q
  depends_on    = [itwin_sync_configuration.connection]
}
`, connID, connID)
	}

	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			// The connection has no configuration yet: the data source resolves it through the iModel and iTwin.
			{
				Config: parents(true) + fmt.Sprintf(`
data "itwin_sync_configuration" "connection" {
  connection_id = %q
  depends_on    = [itwin_sync_configuration.itwin, itwin_sync_configuration.imodel]
}

data "itwin_sync_configuration" "imodel" {
  imodel_id  = %q
  depends_on = [itwin_sync_configuration.itwin, itwin_sync_configuration.imodel]
}
`, connID, inst.IModelID),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(ds, tfjsonpath.New("configured"), knownvalue.Bool(false)),
					statecheck.ExpectKnownValue(ds, tfjsonpath.New("settings"), knownvalue.MapExact(map[string]knownvalue.Check{})),
					statecheck.ExpectKnownValue(ds, tfjsonpath.New("id"), knownvalue.StringExact("connections/"+connID)),
					statecheck.ExpectKnownValue(ds, tfjsonpath.New("resolved_settings"), knownvalue.MapSizeExact(len(wire.ConfigFlags))),
					resolvedIs(ds, "squashIntermediateRevisions", "true"),
					resolvedIs(ds, "clampZExtent", "true"),
					resolvedIs(ds, "overrideRvtReprojectionDistance", "250"),
					resolvedIs(ds, "enableSheetsAndDrawings", "false"),
					resolvedIs(ds, "revitLevelOfDetail", "1"),
					statecheck.ExpectKnownValue("data.itwin_sync_configuration.imodel", tfjsonpath.New("configured"), knownvalue.Bool(true)),
					statecheck.ExpectKnownValue("data.itwin_sync_configuration.imodel", tfjsonpath.New("settings"), knownvalue.MapExact(map[string]knownvalue.Check{
						"clampZExtent":                    knownvalue.StringExact("true"),
						"overrideRvtReprojectionDistance": knownvalue.StringExact("250"),
					})),
					statecheck.ExpectKnownValue("data.itwin_sync_configuration.imodel", tfjsonpath.New("resolved_settings"), knownvalue.MapSizeExact(10)),
				},
			},
			// With its own configuration, the connection resolves all three levels.
			{
				Config: withConnection(true),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(conn, tfjsonpath.New("id"), knownvalue.StringExact("connections/"+connID)),
					resolvedIs(conn, "squashIntermediateRevisions", "true"), // iTwin
					resolvedIs(conn, "uploadDgnRealityData", "true"),        // default
					resolvedIs(conn, "clampZExtent", "true"),                // iModel
					resolvedIs(conn, "overrideRvtReprojectionDistance", "250"),
					resolvedIs(conn, "enableSheetsAndDrawings", "true"), // connection
					resolvedIs(conn, "revitLevelOfDetail", "3"),
					resolvedIs(conn, "ignoreDgnAttachments", "false"),
					statecheck.ExpectKnownValue(ds, tfjsonpath.New("configured"), knownvalue.Bool(true)),
					statecheck.ExpectKnownValue(ds, tfjsonpath.New("settings"), knownvalue.MapExact(map[string]knownvalue.Check{
						"enableSheetsAndDrawings": knownvalue.StringExact("true"),
						"revitLevelOfDetail":      knownvalue.StringExact("3"),
					})),
					resolvedIs(ds, "squashIntermediateRevisions", "true"),
				},
			},
			// A change at the iTwin level reaches the connection's resolved settings on the next refresh, without
			// a diff on the connection resource.
			{
				Config: withConnection(false),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction("itwin_sync_configuration.itwin", plancheck.ResourceActionUpdate),
					plancheck.ExpectResourceAction(conn, plancheck.ResourceActionNoop),
				}},
			},
			{
				Config: withConnection(false),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectEmptyPlan(),
				}},
				ConfigStateChecks: []statecheck.StateCheck{
					resolvedIs(conn, "squashIntermediateRevisions", "false"),
					resolvedIs(ds, "squashIntermediateRevisions", "false"),
				},
			},
			{
				ResourceName:      conn,
				ImportState:       true,
				ImportStateId:     "connections/" + connID,
				ImportStateVerify: true,
			},
			{
				ResourceName:      "itwin_sync_configuration.imodel",
				ImportState:       true,
				ImportStateId:     "IModels/" + inst.IModelID,
				ImportStateVerify: true,
			},
		},
	})
}

func TestAccSyncConfiguration_planTimeErrors(t *testing.T) {
	inst, providerCfg := startLocal(t)
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config: providerCfg + fmt.Sprintf(`
resource "itwin_sync_configuration" "test" {
  imodel_id                     = %q
  squash_intermediate_revisions = true
}
`, inst.IModelID),
				ExpectError: wrappedRE("squash_intermediate_revisions (flag squashIntermediateRevisions) can only be set at the iTwin scope"),
			},
			{
				Config: providerCfg + fmt.Sprintf(`
resource "itwin_sync_configuration" "test" {
  imodel_id           = %q
  clamp_z_extent      = true
  additional_settings = jsonencode({ clampZExtent = false })
}
`, inst.IModelID),
				ExpectError: wrappedRE(`The key "clampZExtent" of additional_settings is the flag clampZExtent, which has its own attribute clamp_z_extent`),
			},
			{
				Config: providerCfg + fmt.Sprintf(`
resource "itwin_sync_configuration" "test" {
  itwin_id                      = %q
  imodel_id                     = %q
  squash_intermediate_revisions = true
}
`, inst.ITwinID, inst.IModelID),
				ExpectError: wrappedRE("Exactly one of these attributes must be configured"),
			},
			{
				Config: providerCfg + `
resource "itwin_sync_configuration" "test" {
  connection_id         = "CDGyTAuzEViJKcyqyWp6bJW6ecC69Od8tgzKjbyILG8"
  revit_level_of_detail = 4
}
`,
				ExpectError: regexp.MustCompile(`(?s)revit_level_of_detail.*between\s+1\s+and\s+3`),
			},
			{
				Config: providerCfg + fmt.Sprintf(`
resource "itwin_sync_configuration" "test" {
  imodel_id = %q
}
`, inst.IModelID),
				ExpectError: wrappedRE("sets no flag"),
			},
			// The itwin-local-only flags are refused when the provider targets the public service. Nothing is
			// sent: planning a create makes no API call.
			{
				Config: `
provider "itwin" {
  api_url      = "https://api.bentley.com"
  access_token = "unused-at-plan-time"
}

resource "itwin_sync_configuration" "test" {
  connection_id         = "CDGyTAuzEViJKcyqyWp6bJW6ecC69Od8tgzKjbyILG8"
  enable_sheet_index    = true
  revit_level_of_detail = 2
}
`,
				PlanOnly:    true,
				ExpectError: wrappedRE("revit_level_of_detail (flag revitLevelOfDetail) is an itwin-local name"),
			},
		},
	})
}

func TestAccSyncConfiguration_conflictAndImport(t *testing.T) {
	inst, providerCfg := startLocal(t)
	c := testClient(t, inst)
	const res = "itwin_sync_configuration.test"
	cfg := providerCfg + fmt.Sprintf(`
resource "itwin_sync_configuration" "test" {
  imodel_id               = %q
  clamp_z_extent          = true
  enable_file_name_policy = true
}
`, inst.IModelID)

	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			// A configuration that exists already: the error names the import command.
			{
				PreConfig: func() {
					if _, err := c.CreateConfiguration(t.Context(), wire.ScopeIModel, inst.IModelID, map[string]any{"clampZExtent": true}); err != nil {
						t.Fatalf("creating outside Terraform: %v", err)
					}
				},
				Config:      cfg,
				ExpectError: wrappedRE("terraform import itwin_sync_configuration.<name> imodels/" + inst.IModelID),
			},
			// Import it as suggested…
			{
				Config:             cfg,
				ResourceName:       res,
				ImportState:        true,
				ImportStateId:      "imodels/" + inst.IModelID,
				ImportStatePersist: true,
				ImportStateCheck: func(states []*terraform.InstanceState) error {
					if len(states) != 1 {
						return fmt.Errorf("imported %d objects, want 1", len(states))
					}
					a := states[0].Attributes
					for k, want := range map[string]string{"id": "imodels/" + inst.IModelID, "imodel_id": inst.IModelID, "clamp_z_extent": "true", "resolved_settings.clampZExtent": "true"} {
						if a[k] != want {
							return fmt.Errorf("imported %s = %q, want %q", k, a[k], want)
						}
					}
					if _, set := a["enable_file_name_policy"]; set && a["enable_file_name_policy"] != "" {
						return fmt.Errorf("enable_file_name_policy = %q after import, want null", a["enable_file_name_policy"])
					}
					return nil
				},
			},
			// …then apply adds the missing flag with a PATCH.
			{
				Config: cfg,
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(res, plancheck.ResourceActionUpdate),
				}},
				Check: expectRemoteSettings(c, wire.ScopeIModel, inst.IModelID, map[string]string{"clampZExtent": "true", "enableFileNamePolicy": "true"}),
			},
			// A scope id known only after apply (a new iModel) plans and applies in one go.
			{
				Config: cfg + fmt.Sprintf(`
resource "itwin_imodel" "fresh" {
  itwin_id = %q
  name     = "configured at birth"
}

resource "itwin_sync_configuration" "fresh" {
  imodel_id             = itwin_imodel.fresh.id
  ignore_ifc_global_ids = true
}
`, inst.ITwinID),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectUnknownValue("itwin_sync_configuration.fresh", tfjsonpath.New("id")),
				}},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue("itwin_sync_configuration.fresh", tfjsonpath.New("resolved_settings").AtMapKey("ignoreIfcGlobalIds"), knownvalue.StringExact("true")),
				},
			},
			// A scope that does not exist: the error is on the scope attribute.
			{
				Config: cfg + `
resource "itwin_sync_configuration" "missing" {
  imodel_id      = "00000000-0000-4000-8000-000000000000"
  clamp_z_extent = true
}
`,
				ExpectError: wrappedRE("the iModel 00000000-0000-4000-8000-000000000000 does not exist or this client has no access to it (404 iModelNotFound"),
			},
			// A flag itwin-local does not know is passed through additional_settings and rejected by the server,
			// with the error on that attribute.
			{
				Config: providerCfg + fmt.Sprintf(`
resource "itwin_sync_configuration" "test" {
  imodel_id               = %q
  clamp_z_extent          = true
  enable_file_name_policy = true
  additional_settings     = jsonencode({ someFutureFlag = true })
}
`, inst.IModelID),
				ExpectError: regexp.MustCompile(`(?s)additional_settings.*someFutureFlag`),
			},
		},
	})
}
