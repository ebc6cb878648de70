package provider

import (
	"context"
	"fmt"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/seed37c7dd03/terraform-provider-itwin/internal/itwin"
)

// remoteConnName checks the connection's display name on the server (not only in the state).
func remoteConnName(c *itwin.Client, addr, want string) resource.TestCheckFunc {
	return func(s *terraform.State) error {
		id, err := stateAttr(s, addr, "id")
		if err != nil {
			return err
		}
		conn, _, err := c.GetConnection(context.Background(), id)
		if err != nil {
			return err
		}
		if conn.DisplayName != want {
			return fmt.Errorf("remote displayName = %q, want %q", conn.DisplayName, want)
		}
		return nil
	}
}

// display_name = "" must be created and set as "" (the PUT omitted "", so the old name stayed and
// Terraform reported an inconsistent result), and unsetting it must keep the server's value without a diff.
func TestAccSyncStorageConnection_emptyDisplayName(t *testing.T) {
	inst, providerCfg := startLocal(t)
	c := testClient(t, inst)
	fileA := testUploadFile(t, c, inst, "a.dgn", "dgn A")
	files := [][2]string{{fileA, "MSTN"}}
	name := func(v string) statecheck.StateCheck {
		return statecheck.ExpectKnownValue(storageConnAddr, tfjsonpath.New("display_name"), knownvalue.StringExact(v))
	}

	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config:            storageConnConfig(providerCfg, inst.IModelID, `display_name = ""`, files),
				ConfigStateChecks: []statecheck.StateCheck{name("")},
				Check:             remoteConnName(c, storageConnAddr, ""),
			},
			{
				Config:            storageConnConfig(providerCfg, inst.IModelID, `display_name = "conn-x"`, files),
				ConfigStateChecks: []statecheck.StateCheck{name("conn-x")},
				Check:             remoteConnName(c, storageConnAddr, "conn-x"),
			},
			{
				// The failing case of the review: a module passing var.name with a default of "".
				Config: storageConnConfig(providerCfg, inst.IModelID, `display_name = ""`, files),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(storageConnAddr, plancheck.ResourceActionUpdate),
				}},
				ConfigStateChecks: []statecheck.StateCheck{name("")},
				Check:             remoteConnName(c, storageConnAddr, ""),
			},
			{
				// Unset: the server's value is kept and recorded, no diff.
				Config: storageConnConfig(providerCfg, inst.IModelID, "", files),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectEmptyPlan(),
				}},
				ConfigStateChecks: []statecheck.StateCheck{name("")},
			},
		},
	})
}

// An unset display_name at create records the server's value ("") and plans nothing afterwards.
func TestAccSyncStorageConnection_unsetDisplayName(t *testing.T) {
	inst, providerCfg := startLocal(t)
	c := testClient(t, inst)
	fileA := testUploadFile(t, c, inst, "a.dgn", "dgn A")
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{{
			Config: storageConnConfig(providerCfg, inst.IModelID, "", [][2]string{{fileA, "MSTN"}}),
			ConfigStateChecks: []statecheck.StateCheck{
				statecheck.ExpectKnownValue(storageConnAddr, tfjsonpath.New("display_name"), knownvalue.StringExact("")),
			},
			ConfigPlanChecks: resource.ConfigPlanChecks{PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}},
		}},
	})
}

func TestAccSyncManifestConnection_emptyDisplayName(t *testing.T) {
	inst, providerCfg := startLocal(t)
	c := testClient(t, inst)
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config: manifestConnConfig(providerCfg, inst.IModelID, `display_name = "docs"`, "dms-1"),
				Check:  remoteConnName(c, manifestConnAddr, "docs"),
			},
			{
				Config: manifestConnConfig(providerCfg, inst.IModelID, `display_name = ""`, "dms-1"),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(manifestConnAddr, tfjsonpath.New("display_name"), knownvalue.StringExact("")),
				},
				Check: remoteConnName(c, manifestConnAddr, ""),
			},
		},
	})
}
