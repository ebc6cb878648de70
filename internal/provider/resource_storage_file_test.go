package provider

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/compare"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/seed37c7dd03/terraform-provider-itwin/internal/itwin"
)

// storageCaptureID records the id of a resource in state, for PreConfig drift and later checks.
func storageCaptureID(address string, dst *string) resource.TestCheckFunc {
	return func(s *terraform.State) error {
		rs, ok := s.RootModule().Resources[address]
		if !ok {
			return fmt.Errorf("%s is not in the state", address)
		}
		*dst = rs.Primary.ID
		return nil
	}
}

func writeTestFile(t *testing.T, name, content string) {
	t.Helper()
	if err := os.WriteFile(name, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
}

// storageFileConfig places a file in a folder of the iTwin's root and keys a terraform_data on its source_hash,
// the way a run's triggers would.
func storageFileConfig(providerCfg, itwinID, source, extra string) string {
	return providerCfg + fmt.Sprintf(`
resource "itwin_storage_folder" "f" {
  itwin_id     = %q
  display_name = "tf-acc-files"
}

resource "itwin_storage_file" "f" {
  folder_id = itwin_storage_folder.f.id
  source    = %q
  %s
}

resource "terraform_data" "trigger" {
  triggers_replace = { h = itwin_storage_file.f.source_hash }
}
`, itwinID, source, extra)
}

func TestAccStorageFile_lifecycle(t *testing.T) {
	inst, providerCfg := startLocal(t)
	client := testClient(t, inst)
	ctx := t.Context()

	dir := t.TempDir()
	src := filepath.Join(dir, "site.geojson")
	v1 := `{"type":"FeatureCollection","features":[]}`
	v2 := `{"type":"FeatureCollection","features":[{"type":"Feature","id":"a","properties":{},"geometry":null}]}`
	outside := "changed outside terraform"
	writeTestFile(t, src, v1)

	var fileID, firstID string
	remoteSize := func(want int) resource.TestCheckFunc {
		return func(*terraform.State) error {
			f, err := client.GetFile(ctx, fileID)
			if err != nil {
				return err
			}
			if f.Size != int64(want) {
				return fmt.Errorf("remote size is %d, want %d", f.Size, want)
			}
			return nil
		}
	}
	remoteContent := func(want string) resource.TestCheckFunc {
		return func(*terraform.State) error {
			return checkDownload(ctx, client, fileID, want)
		}
	}

	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		CheckDestroy: func(*terraform.State) error {
			if _, err := client.GetFile(ctx, fileID); !itwin.IsNotFound(err) {
				return fmt.Errorf("storage file %s still exists after destroy (err=%v)", fileID, err)
			}
			return nil
		},
		Steps: []resource.TestStep{
			{ // create: hash known at plan, display_name defaults to the file's base name
				Config: storageFileConfig(providerCfg, inst.ITwinID, src, ""),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectKnownValue("itwin_storage_file.f", tfjsonpath.New("source_hash"), knownvalue.StringExact(sha256Hex(v1))),
					plancheck.ExpectKnownValue("itwin_storage_file.f", tfjsonpath.New("display_name"), knownvalue.StringExact("site.geojson")),
				}},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue("itwin_storage_file.f", tfjsonpath.New("size"), knownvalue.Int64Exact(int64(len(v1)))),
					statecheck.ExpectKnownValue("itwin_storage_file.f", tfjsonpath.New("path"), knownvalue.StringRegexp(regexp.MustCompile(`tf-acc-files/site\.geojson$`))),
					statecheck.ExpectKnownValue("itwin_storage_file.f", tfjsonpath.New("last_modified"), knownvalue.StringRegexp(regexp.MustCompile(`^\d{4}-\d\d-\d\dT.*Z$`))),
					statecheck.CompareValuePairs("itwin_storage_file.f", tfjsonpath.New("folder_id"), "itwin_storage_folder.f", tfjsonpath.New("id"), compare.ValuesSame()),
				},
				Check: resource.ComposeTestCheckFunc(storageCaptureID("itwin_storage_file.f", &fileID), remoteContent(v1)),
			},
			{ // edit the local file: the same plan shows the new hash and the trigger that keys on it
				PreConfig: func() { writeTestFile(t, src, v2) },
				Config:    storageFileConfig(providerCfg, inst.ITwinID, src, ""),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction("itwin_storage_file.f", plancheck.ResourceActionUpdate),
					plancheck.ExpectKnownValue("itwin_storage_file.f", tfjsonpath.New("source_hash"), knownvalue.StringExact(sha256Hex(v2))),
					plancheck.ExpectUnknownValue("itwin_storage_file.f", tfjsonpath.New("size")),
					plancheck.ExpectResourceAction("terraform_data.trigger", plancheck.ResourceActionReplace),
				}},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue("itwin_storage_file.f", tfjsonpath.New("id"), knownvalue.NotNull()),
					statecheck.ExpectKnownValue("itwin_storage_file.f", tfjsonpath.New("size"), knownvalue.Int64Exact(int64(len(v2)))),
				},
				Check: resource.ComposeTestCheckFunc(
					resource.TestCheckResourceAttrPtr("itwin_storage_file.f", "id", &fileID), // updated in place
					remoteSize(len(v2)), remoteContent(v2)),
			},
			{ // unchanged: nothing to do
				Config: storageFileConfig(providerCfg, inst.ITwinID, src, ""),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectEmptyPlan(),
				}},
			},
			{ // rename and describe in place; the content is not uploaded again
				Config: storageFileConfig(providerCfg, inst.ITwinID, src, `display_name = "layout.geojson"
  description  = "site layout"`),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction("itwin_storage_file.f", plancheck.ResourceActionUpdate),
					plancheck.ExpectKnownValue("itwin_storage_file.f", tfjsonpath.New("size"), knownvalue.Int64Exact(int64(len(v2)))),
					plancheck.ExpectResourceAction("terraform_data.trigger", plancheck.ResourceActionNoop),
				}},
				Check: resource.ComposeTestCheckFunc(
					resource.TestCheckResourceAttrPtr("itwin_storage_file.f", "id", &fileID),
					resource.TestCheckResourceAttr("itwin_storage_file.f", "display_name", "layout.geojson"),
					resource.TestCheckResourceAttr("itwin_storage_file.f", "description", "site layout"),
					resource.TestMatchResourceAttr("itwin_storage_file.f", "path", regexp.MustCompile(`/layout\.geojson$`)),
					func(*terraform.State) error {
						f, err := client.GetFile(ctx, fileID)
						if err != nil {
							return err
						}
						if f.DisplayName != "layout.geojson" || f.Description != "site layout" {
							return fmt.Errorf("remote file is %q / %q", f.DisplayName, f.Description)
						}
						return nil
					}),
			},
			{ // import by id: everything but the local source and its hash comes back
				ResourceName:            "itwin_storage_file.f",
				ImportState:             true,
				ImportStateVerify:       true,
				ImportStateVerifyIgnore: []string{"source", "source_hash"},
			},
			{ // content changed outside Terraform: refresh forgets the hash and the plan uploads source again
				PreConfig: func() {
					if _, err := client.UpdateFileContent(ctx, fileID, strings.NewReader(outside), int64(len(outside))); err != nil {
						t.Fatalf("changing the file outside Terraform: %v", err)
					}
				},
				Config: storageFileConfig(providerCfg, inst.ITwinID, src, `display_name = "layout.geojson"
  description  = "site layout"`),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction("itwin_storage_file.f", plancheck.ResourceActionUpdate),
					plancheck.ExpectKnownValue("itwin_storage_file.f", tfjsonpath.New("source_hash"), knownvalue.StringExact(sha256Hex(v2))),
				}},
				Check: resource.ComposeTestCheckFunc(remoteSize(len(v2)), remoteContent(v2),
					resource.TestCheckResourceAttr("itwin_storage_file.f", "source_hash", sha256Hex(v2))),
			},
			{ // deleted outside Terraform: removed from state and uploaded again
				PreConfig: func() {
					firstID = fileID
					if err := client.DeleteFile(ctx, fileID); err != nil {
						t.Fatalf("deleting the file outside Terraform: %v", err)
					}
				},
				Config: storageFileConfig(providerCfg, inst.ITwinID, src, `display_name = "layout.geojson"
  description  = "site layout"`),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction("itwin_storage_file.f", plancheck.ResourceActionCreate),
				}},
				Check: resource.ComposeTestCheckFunc(
					storageCaptureID("itwin_storage_file.f", &fileID),
					func(*terraform.State) error {
						if fileID == firstID {
							return fmt.Errorf("expected a new file id after re-creation, still %s", fileID)
						}
						return checkDownload(ctx, client, fileID, v2)
					}),
			},
		},
	})
}

// TestAccStorageFile_importUploadsOnce shows the documented import behaviour: the remote content hash is not
// known after an import, so the first apply uploads the configured source once, and then the plan is empty.
func TestAccStorageFile_importUploadsOnce(t *testing.T) {
	inst, providerCfg := startLocal(t)
	client := testClient(t, inst)
	ctx := t.Context()
	src := filepath.Join(t.TempDir(), "model.ifc")
	content := "ISO-10303-21;\nEND-ISO-10303-21;\n"
	writeTestFile(t, src, content)
	existing := testUploadFile(t, client, inst, "model.ifc", "old content")

	config := providerCfg + fmt.Sprintf(`
resource "itwin_storage_file" "f" {
  folder_id = %q
  source    = %q
}
`, inst.RootFolderID, src)
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config:             config,
				ResourceName:       "itwin_storage_file.f",
				ImportState:        true,
				ImportStateId:      existing,
				ImportStatePersist: true,
				ImportStateCheck: func(states []*terraform.InstanceState) error {
					if len(states) != 1 || states[0].Attributes["folder_id"] != inst.RootFolderID || states[0].Attributes["display_name"] != "model.ifc" {
						return fmt.Errorf("unexpected imported state: %v", states)
					}
					if _, ok := states[0].Attributes["source_hash"]; ok && states[0].Attributes["source_hash"] != "" {
						return fmt.Errorf("source_hash must be unknown (null) after import, got %q", states[0].Attributes["source_hash"])
					}
					return nil
				},
			},
			{
				Config: config,
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction("itwin_storage_file.f", plancheck.ResourceActionUpdate),
					plancheck.ExpectKnownValue("itwin_storage_file.f", tfjsonpath.New("source_hash"), knownvalue.StringExact(sha256Hex(content))),
				}},
				Check: func(*terraform.State) error { return checkDownload(ctx, client, existing, content) },
			},
			{
				Config: config,
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectEmptyPlan(),
				}},
			},
		},
	})
}

func TestAccStorageFile_badInput(t *testing.T) {
	inst, providerCfg := startLocal(t)
	missing := filepath.Join(t.TempDir(), "does-not-exist.ifc")
	existing := filepath.Join(t.TempDir(), "exists.ifc")
	writeTestFile(t, existing, "ISO-10303-21;\n")
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config: providerCfg + fmt.Sprintf(`
resource "itwin_storage_file" "f" {
  folder_id = %q
  source    = %q
}
`, inst.RootFolderID, missing),
				ExpectError: regexp.MustCompile(`(?s)source.*does-not-exist\.ifc.*does\s+not\s+exist`),
			},
			{
				Config: providerCfg + fmt.Sprintf(`
resource "itwin_storage_file" "f" {
  folder_id = %q
  source    = %q
}
`, inst.RootFolderID, t.TempDir()),
				ExpectError: regexp.MustCompile(`is\s+a\s+directory`),
			},
			{
				Config: providerCfg + fmt.Sprintf(`
resource "itwin_storage_file" "f" {
  folder_id = "no-such-folder"
  source    = %q
}
`, existing),
				ExpectError: regexp.MustCompile(`(?s)folder_id.*folder\s+does\s+not\s+exist.*FolderNotFound`),
			},
		},
	})
}

// checkDownload fetches the file's content through a fresh pre-signed URL and compares it.
func checkDownload(ctx context.Context, client *itwin.Client, fileID, want string) error {
	u, err := client.GetFileDownloadURL(ctx, fileID)
	if err != nil {
		return err
	}
	got, err := httpGetBytes(ctx, u)
	if err != nil {
		return err
	}
	if !bytes.Equal(got, []byte(want)) {
		return fmt.Errorf("downloaded content is %q, want %q", got, want)
	}
	return nil
}

// httpGetBytes downloads a pre-signed URL without credentials, as a connector or a manifest run would.
func httpGetBytes(ctx context.Context, u string) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, err
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, err
	}
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	if err != nil {
		return nil, err
	}
	if res.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("GET of the pre-signed URL answered %d: %s", res.StatusCode, body)
	}
	return body, nil
}

// TestAccStorageFile_unknownSourceAndMove covers a source path known only at apply time (source_hash and the
// default display_name stay unknown in the plan; an unchanged content is not uploaded again) and a folder change,
// which uploads a new file.
func TestAccStorageFile_unknownSourceAndMove(t *testing.T) {
	inst, providerCfg := startLocal(t)
	client := testClient(t, inst)
	ctx := t.Context()
	content := `{"type":"FeatureCollection","features":[]}`
	first := filepath.Join(t.TempDir(), "site.geojson")
	second := filepath.Join(t.TempDir(), "site.geojson") // same name and content, other directory
	writeTestFile(t, first, content)
	writeTestFile(t, second, content)

	config := func(source, folder string) string {
		return providerCfg + fmt.Sprintf(`
resource "itwin_storage_folder" "a" {
  itwin_id     = %[1]q
  display_name = "a"
}

resource "itwin_storage_folder" "b" {
  itwin_id     = %[1]q
  display_name = "b"
}

# The path is known only after apply, as when it comes from another resource.
resource "terraform_data" "path" {
  input = %[2]q
}

resource "itwin_storage_file" "f" {
  folder_id = itwin_storage_folder.%[3]s.id
  source    = terraform_data.path.output
}
`, inst.ITwinID, source, folder)
	}
	var fileID, modified, movedID string
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config: config(first, "a"),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectUnknownValue("itwin_storage_file.f", tfjsonpath.New("source_hash")),
					plancheck.ExpectUnknownValue("itwin_storage_file.f", tfjsonpath.New("display_name")),
				}},
				Check: resource.ComposeTestCheckFunc(
					storageCaptureID("itwin_storage_file.f", &fileID),
					resource.TestCheckResourceAttr("itwin_storage_file.f", "source_hash", sha256Hex(content)),
					resource.TestCheckResourceAttr("itwin_storage_file.f", "display_name", "site.geojson"),
					func(s *terraform.State) error {
						modified = s.RootModule().Resources["itwin_storage_file.f"].Primary.Attributes["last_modified"]
						return nil
					}),
			},
			{ // new path, same bytes: once the path is known the hash is unchanged and nothing is uploaded
				Config: config(second, "a"),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction("itwin_storage_file.f", plancheck.ResourceActionUpdate),
					plancheck.ExpectUnknownValue("itwin_storage_file.f", tfjsonpath.New("source_hash")),
				}},
				Check: resource.ComposeTestCheckFunc(
					resource.TestCheckResourceAttrPtr("itwin_storage_file.f", "id", &fileID),
					resource.TestCheckResourceAttr("itwin_storage_file.f", "source", second),
					resource.TestCheckResourceAttr("itwin_storage_file.f", "source_hash", sha256Hex(content)),
					resource.TestCheckResourceAttrPtr("itwin_storage_file.f", "last_modified", &modified)),
			},
			{ // another folder: a new file there, the old one deleted
				Config: config(second, "b"),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction("itwin_storage_file.f", plancheck.ResourceActionReplace),
				}},
				Check: resource.ComposeTestCheckFunc(
					storageCaptureID("itwin_storage_file.f", &movedID),
					resource.TestCheckResourceAttrPair("itwin_storage_file.f", "folder_id", "itwin_storage_folder.b", "id"),
					func(*terraform.State) error {
						if movedID == fileID {
							return fmt.Errorf("expected a new file, still %s", movedID)
						}
						if _, err := client.GetFile(ctx, fileID); !itwin.IsNotFound(err) {
							return fmt.Errorf("the file in the old folder still exists (err=%v)", err)
						}
						return checkDownload(ctx, client, movedID, content)
					}),
			},
		},
	})
}

// A file without source (what terraform query -generate-config-out writes for an existing file): Terraform
// manages its name and description but not its content. Removing source uploads nothing and leaves no diff;
// setting it again uploads once; a new file without source is refused at plan time.
func TestAccStorageFile_withoutSource(t *testing.T) {
	inst, providerCfg := startLocal(t)
	client := testClient(t, inst)
	dir := t.TempDir()
	src := filepath.Join(dir, "notes.txt")
	writeTestFile(t, src, "first")
	var fileID string
	cfg := func(source, description string) string {
		line := ""
		if source != "" {
			line = fmt.Sprintf("source = %q", source)
		}
		return providerCfg + fmt.Sprintf(`
resource "itwin_storage_file" "f" {
  folder_id    = %q
  display_name = "notes.txt"
  description  = %q
  %s
}
`, inst.RootFolderID, description, line)
	}
	const addr = "itwin_storage_file.f"
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config:      providerCfg + fmt.Sprintf("resource \"itwin_storage_file\" \"new\" {\n  folder_id    = %q\n  display_name = \"x.txt\"\n}\n", inst.RootFolderID),
				ExpectError: regexp.MustCompile(`(?s)Missing source.*needs content`),
			},
			{
				Config: cfg(src, "v1"),
				Check:  resource.ComposeTestCheckFunc(storageCaptureID(addr, &fileID), resource.TestCheckResourceAttr(addr, "source_hash", sha256Hex("first"))),
			},
			{ // source removed (and the local file changed): no upload, only the description changes
				PreConfig: func() { writeTestFile(t, src, "second, never uploaded") },
				Config:    cfg("", "v2"),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction(addr, plancheck.ResourceActionUpdate),
						plancheck.ExpectKnownValue(addr, tfjsonpath.New("source_hash"), knownvalue.Null()),
						plancheck.ExpectKnownValue(addr, tfjsonpath.New("size"), knownvalue.Int64Exact(int64(len("first")))),
					},
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				Check: resource.ComposeTestCheckFunc(
					resource.TestCheckResourceAttrPtr(addr, "id", &fileID),
					resource.TestCheckResourceAttr(addr, "description", "v2"),
					func(*terraform.State) error { return checkDownload(t.Context(), client, fileID, "first") },
				),
			},
			{ // source set again: uploaded once, same file
				Config: cfg(src, "v2"),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply:             []plancheck.PlanCheck{plancheck.ExpectResourceAction(addr, plancheck.ResourceActionUpdate)},
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				Check: resource.ComposeTestCheckFunc(
					resource.TestCheckResourceAttrPtr(addr, "id", &fileID),
					resource.TestCheckResourceAttr(addr, "source_hash", sha256Hex("second, never uploaded")),
					func(*terraform.State) error {
						return checkDownload(t.Context(), client, fileID, "second, never uploaded")
					},
				),
			},
		},
	})
}
