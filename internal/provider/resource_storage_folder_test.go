package provider

import (
	"fmt"
	"regexp"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/compare"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/seed37c7dd03/terraform-provider-itwin/internal/itwin"
	"github.com/seed37c7dd03/terraform-provider-itwin/internal/wire"
)

func storageFolderConfig(providerCfg, itwinID, name, childName string) string {
	return providerCfg + fmt.Sprintf(`
resource "itwin_storage_folder" "top" {
  itwin_id     = %q
  display_name = %q
  description  = "managed by terraform"
}

resource "itwin_storage_folder" "child" {
  parent_folder_id = itwin_storage_folder.top.id
  display_name     = %q
}
`, itwinID, name, childName)
}

func TestAccStorageFolder_lifecycle(t *testing.T) {
	inst, providerCfg := startLocal(t)
	client := testClient(t, inst)
	ctx := t.Context()
	var topID, childID, firstChildID string

	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		CheckDestroy: func(*terraform.State) error {
			if _, err := client.GetFolder(ctx, topID); !itwin.IsNotFound(err) {
				return fmt.Errorf("folder %s still exists after destroy (err=%v)", topID, err)
			}
			return nil
		},
		Steps: []resource.TestStep{
			{
				Config: storageFolderConfig(providerCfg, inst.ITwinID, "Plant A", "Structural"),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue("itwin_storage_folder.top", tfjsonpath.New("parent_folder_id"), knownvalue.StringExact(inst.RootFolderID)),
					statecheck.ExpectKnownValue("itwin_storage_folder.top", tfjsonpath.New("description"), knownvalue.StringExact("managed by terraform")),
					statecheck.ExpectKnownValue("itwin_storage_folder.child", tfjsonpath.New("path"), knownvalue.StringRegexp(regexp.MustCompile(`Plant A/Structural$`))),
					statecheck.CompareValuePairs("itwin_storage_folder.child", tfjsonpath.New("parent_folder_id"), "itwin_storage_folder.top", tfjsonpath.New("id"), compare.ValuesSame()),
				},
				Check: resource.ComposeTestCheckFunc(
					storageCaptureID("itwin_storage_folder.top", &topID),
					storageCaptureID("itwin_storage_folder.child", &childID),
					func(*terraform.State) error {
						f, err := client.GetFolder(ctx, childID)
						if err != nil {
							return err
						}
						if f.ParentFolderID != topID || f.DisplayName != "Structural" {
							return fmt.Errorf("remote child folder: %+v", f)
						}
						return nil
					}),
			},
			{ // rename in place: same ids, new names remotely
				Config: storageFolderConfig(providerCfg, inst.ITwinID, "Plant B", "Structure"),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction("itwin_storage_folder.top", plancheck.ResourceActionUpdate),
					plancheck.ExpectResourceAction("itwin_storage_folder.child", plancheck.ResourceActionUpdate),
				}},
				Check: resource.ComposeTestCheckFunc(
					resource.TestCheckResourceAttrPtr("itwin_storage_folder.top", "id", &topID),
					resource.TestCheckResourceAttrPtr("itwin_storage_folder.child", "id", &childID),
					resource.TestMatchResourceAttr("itwin_storage_folder.child", "path", regexp.MustCompile(`Plant B/Structure$`)),
					func(*terraform.State) error {
						f, err := client.GetFolder(ctx, topID)
						if err != nil {
							return err
						}
						if f.DisplayName != "Plant B" {
							return fmt.Errorf("remote folder name is %q", f.DisplayName)
						}
						return nil
					}),
			},
			{
				ResourceName:      "itwin_storage_folder.child",
				ImportState:       true,
				ImportStateVerify: true,
			},
			{ // itwin_id cannot be read back from a folder
				ResourceName:            "itwin_storage_folder.top",
				ImportState:             true,
				ImportStateVerify:       true,
				ImportStateVerifyIgnore: []string{"itwin_id"},
			},
			{ // deleted outside Terraform: removed from state with a warning and created again
				PreConfig: func() {
					firstChildID = childID
					if err := client.DeleteFolder(ctx, childID); err != nil {
						t.Fatalf("deleting the folder outside Terraform: %v", err)
					}
				},
				Config: storageFolderConfig(providerCfg, inst.ITwinID, "Plant B", "Structure"),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction("itwin_storage_folder.child", plancheck.ResourceActionCreate),
					plancheck.ExpectResourceAction("itwin_storage_folder.top", plancheck.ResourceActionNoop),
				}},
				Check: resource.ComposeTestCheckFunc(
					storageCaptureID("itwin_storage_folder.child", &childID),
					func(*terraform.State) error {
						if childID == firstChildID {
							return fmt.Errorf("expected a new folder id, still %s", childID)
						}
						return nil
					}),
			},
		},
	})
}

// An imported root-level folder has no itwin_id in state; configuring it must not replace the folder.
func TestAccStorageFolder_importInITwinRoot(t *testing.T) {
	inst, providerCfg := startLocal(t)
	client := testClient(t, inst)
	existing, err := client.CreateFolder(t.Context(), inst.RootFolderID, wire.StorageItemCreate{DisplayName: "Existing"})
	if err != nil {
		t.Fatal(err)
	}
	config := providerCfg + fmt.Sprintf(`
resource "itwin_storage_folder" "f" {
  itwin_id     = %q
  display_name = "Existing"
}
`, inst.ITwinID)
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{Config: config, ResourceName: "itwin_storage_folder.f", ImportState: true, ImportStateId: existing.ID, ImportStatePersist: true},
			{
				Config: config,
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction("itwin_storage_folder.f", plancheck.ResourceActionUpdate),
				}},
				Check: resource.ComposeTestCheckFunc(
					resource.TestCheckResourceAttr("itwin_storage_folder.f", "id", existing.ID),
					resource.TestCheckResourceAttr("itwin_storage_folder.f", "itwin_id", inst.ITwinID)),
			},
			{Config: config, ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}}},
		},
	})
}

func TestAccStorageFolder_badInput(t *testing.T) {
	inst, providerCfg := startLocal(t)
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config: providerCfg + fmt.Sprintf(`
resource "itwin_storage_folder" "f" {
  itwin_id         = %q
  parent_folder_id = %q
  display_name     = "x"
}
`, inst.ITwinID, inst.RootFolderID),
				ExpectError: regexp.MustCompile(`(?s)itwin_id.*parent_folder_id`),
			},
			{
				Config: providerCfg + `
resource "itwin_storage_folder" "f" {
  parent_folder_id = "no-such-folder"
  display_name     = "x"
}
`,
				ExpectError: regexp.MustCompile(`parent\s+folder\s+does\s+not\s+exist`),
			},
		},
	})
}
