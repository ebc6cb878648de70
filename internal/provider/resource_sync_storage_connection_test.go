package provider

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	fwresource "github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-go/tftypes"
	"github.com/hashicorp/terraform-plugin-testing/compare"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/seed37c7dd03/terraform-provider-itwin/internal/itwin"
	"github.com/seed37c7dd03/terraform-provider-itwin/internal/itwinlocal"
	"github.com/seed37c7dd03/terraform-provider-itwin/internal/itwinlocal/engine"
	"github.com/seed37c7dd03/terraform-provider-itwin/internal/itwinlocal/itwinlocaltest"
	"github.com/seed37c7dd03/terraform-provider-itwin/internal/wire"
)

const storageConnAddr = "itwin_sync_storage_connection.test"

// storageConnConfig renders a storage connection; files maps storage file id → connector type.
func storageConnConfig(providerCfg, imodelID, extra string, files [][2]string) string {
	var b strings.Builder
	for _, f := range files {
		fmt.Fprintf(&b, "    { storage_file_id = %q, connector_type = %q },\n", f[0], f[1])
	}
	return providerCfg + fmt.Sprintf(`
resource "itwin_sync_storage_connection" "test" {
  imodel_id = %q
%s
  source_files = [
%s  ]
}
`, imodelID, extra, b.String())
}

// stateAttr reads one flat attribute of a resource from the test state.
func stateAttr(s *terraform.State, addr, key string) (string, error) {
	rs, ok := s.RootModule().Resources[addr]
	if !ok {
		return "", fmt.Errorf("%s not in state", addr)
	}
	return rs.Primary.Attributes[key], nil
}

// connTestEngine installs itwin-local's run engine at test speed, for tests that start runs.
func connTestEngine() itwinlocaltest.Option {
	return itwinlocaltest.WithExecutor(func(s *itwinlocal.Server) itwinlocal.RunExecutor {
		return engine.MustNew(s, engine.Options{Speed: 0.001})
	})
}

func TestAccSyncStorageConnection_lifecycle(t *testing.T) {
	inst, providerCfg := startLocal(t, connTestEngine())
	c := testClient(t, inst)
	fileA := testUploadFile(t, c, inst, "a.dgn", "dgn A")
	fileB := testUploadFile(t, c, inst, "b.dgn", "dgn B")
	fileC := testUploadFile(t, c, inst, "c.ifc", "ISO-10303-21;")
	fileD := testUploadFile(t, c, inst, "d.dwg", "dwg D")
	ctx := t.Context()

	// The mapping id of a kept file must survive every in-place update.
	sameMappingA := statecheck.CompareValue(compare.ValuesSame())
	var firstID, runID string

	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config: storageConnConfig(providerCfg, inst.IModelID, `display_name = "one"
  authentication_type = "Service"`, [][2]string{{fileA, "MSTN"}, {fileB, "MSTN"}}),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(storageConnAddr, tfjsonpath.New("itwin_id"), knownvalue.StringExact(inst.ITwinID)),
					statecheck.ExpectKnownValue(storageConnAddr, tfjsonpath.New("display_name"), knownvalue.StringExact("one")),
					statecheck.ExpectKnownValue(storageConnAddr, tfjsonpath.New("authentication_type"), knownvalue.StringExact("Service")),
					statecheck.ExpectKnownValue(storageConnAddr, tfjsonpath.New("last_run_id"), knownvalue.Null()),
					statecheck.ExpectKnownValue(storageConnAddr, tfjsonpath.New("source_file_names"),
						knownvalue.MapExact(map[string]knownvalue.Check{fileA: knownvalue.StringExact("a.dgn"), fileB: knownvalue.StringExact("b.dgn")})),
					statecheck.ExpectKnownValue(storageConnAddr, tfjsonpath.New("source_file_ids"), knownvalue.MapSizeExact(2)),
					sameMappingA.AddStateValue(storageConnAddr, tfjsonpath.New("source_file_ids").AtMapKey(fileA)),
				},
				Check: func(s *terraform.State) error {
					id, err := stateAttr(s, storageConnAddr, "id")
					firstID = id
					return err
				},
			},
			{
				// Rename, switch authentication, re-type a (PUT), drop b (DELETE), add c (POST): all in place.
				Config: storageConnConfig(providerCfg, inst.IModelID, `display_name = "two"
  authentication_type = "User"`, [][2]string{{fileA, "CIVIL"}, {fileC, "IFC"}}),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(storageConnAddr, plancheck.ResourceActionUpdate),
					// Only the new file's values are unknown; a's stay known in the plan.
					plancheck.ExpectKnownValue(storageConnAddr, tfjsonpath.New("source_file_ids").AtMapKey(fileA), knownvalue.NotNull()),
					plancheck.ExpectUnknownValue(storageConnAddr, tfjsonpath.New("source_file_ids").AtMapKey(fileC)),
				}},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(storageConnAddr, tfjsonpath.New("display_name"), knownvalue.StringExact("two")),
					statecheck.ExpectKnownValue(storageConnAddr, tfjsonpath.New("authentication_type"), knownvalue.StringExact("User")),
					statecheck.ExpectKnownValue(storageConnAddr, tfjsonpath.New("source_files"), knownvalue.SetExact([]knownvalue.Check{
						knownvalue.ObjectExact(map[string]knownvalue.Check{"storage_file_id": knownvalue.StringExact(fileA), "connector_type": knownvalue.StringExact("CIVIL")}),
						knownvalue.ObjectExact(map[string]knownvalue.Check{"storage_file_id": knownvalue.StringExact(fileC), "connector_type": knownvalue.StringExact("IFC")}),
					})),
					statecheck.ExpectKnownValue(storageConnAddr, tfjsonpath.New("source_file_names"),
						knownvalue.MapExact(map[string]knownvalue.Check{fileA: knownvalue.StringExact("a.dgn"), fileC: knownvalue.StringExact("c.ifc")})),
					sameMappingA.AddStateValue(storageConnAddr, tfjsonpath.New("source_file_ids").AtMapKey(fileA)),
				},
				Check: func(s *terraform.State) error {
					id, _ := stateAttr(s, storageConnAddr, "id")
					files, err := c.Connections(wire.KindStorage).ListSourceFiles(ctx, id)
					if err != nil {
						return err
					}
					if len(files) != 2 {
						return fmt.Errorf("server has %d mappings, want 2: %+v", len(files), files)
					}
					return nil
				},
			},
			{
				ResourceName:      storageConnAddr,
				ImportState:       true,
				ImportStateVerify: true,
			},
			{
				// An import block with the configuration plans a no-op: nothing differs after an import.
				Config: storageConnConfig(providerCfg, inst.IModelID, `display_name = "two"
  authentication_type = "User"`, [][2]string{{fileA, "CIVIL"}, {fileC, "IFC"}}),
				ResourceName:    storageConnAddr,
				ImportState:     true,
				ImportStateKind: resource.ImportBlockWithID,
			},
			{
				// A run started elsewhere moves last_run_id on refresh without any diff in the plan.
				PreConfig: func() {
					started, err := c.Connections(wire.KindStorage).StartRun(ctx, firstID, nil)
					if err != nil {
						t.Fatalf("starting a run outside Terraform: %v", err)
					}
					runID = started.RunID
					// Let it finish: the drift steps below delete things, which an active run would block.
					if _, err := itwin.WaitForRun(ctx, func(ctx context.Context) (*wire.Run, error) {
						return c.Connections(wire.KindStorage).GetRun(ctx, firstID, runID)
					}, itwin.WaitOptions{MinInterval: 50 * time.Millisecond, MaxInterval: 200 * time.Millisecond}); err != nil {
						t.Fatalf("waiting for the run: %v", err)
					}
				},
				Config: storageConnConfig(providerCfg, inst.IModelID, `display_name = "two"
  authentication_type = "User"`, [][2]string{{fileA, "CIVIL"}, {fileC, "IFC"}}),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}},
				Check: func(s *terraform.State) error {
					got, err := stateAttr(s, storageConnAddr, "last_run_id")
					if err == nil && (runID == "" || got != runID) {
						return fmt.Errorf("last_run_id = %q, want the run started outside Terraform (%q)", got, runID)
					}
					return err
				},
			},
			{
				// Drift: renamed and a file added outside Terraform. The plan must show it and the apply put it back.
				PreConfig: func() {
					id := firstID
					if _, err := c.Connections(wire.KindStorage).Update(ctx, id, wire.ConnectionUpdate{DisplayName: wire.Ptr("renamed outside")}); err != nil {
						t.Fatalf("renaming outside Terraform: %v", err)
					}
					if _, err := c.Connections(wire.KindStorage).AddSourceFile(ctx, id, itwin.SourceFile{Key: fileD, ConnectorType: "DWG"}); err != nil {
						t.Fatalf("adding a file outside Terraform: %v", err)
					}
				},
				Config: storageConnConfig(providerCfg, inst.IModelID, `display_name = "two"
  authentication_type = "User"`, [][2]string{{fileA, "CIVIL"}, {fileC, "IFC"}}),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(storageConnAddr, plancheck.ResourceActionUpdate),
				}},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(storageConnAddr, tfjsonpath.New("display_name"), knownvalue.StringExact("two")),
					statecheck.ExpectKnownValue(storageConnAddr, tfjsonpath.New("source_file_ids"), knownvalue.MapSizeExact(2)),
					sameMappingA.AddStateValue(storageConnAddr, tfjsonpath.New("source_file_ids").AtMapKey(fileA)),
				},
				Check: func(s *terraform.State) error {
					files, err := c.Connections(wire.KindStorage).ListSourceFiles(ctx, firstID)
					if err != nil {
						return err
					}
					for _, f := range files {
						if f.Key == fileD {
							return fmt.Errorf("the file added outside Terraform is still mapped")
						}
					}
					return nil
				},
			},
			{
				// The connection is deleted outside Terraform: it drops out of state and is created again.
				PreConfig: func() {
					if err := c.Connections(wire.KindStorage).Delete(ctx, firstID); err != nil {
						t.Fatalf("deleting outside Terraform: %v", err)
					}
				},
				Config: storageConnConfig(providerCfg, inst.IModelID, `display_name = "two"
  authentication_type = "User"`, [][2]string{{fileA, "CIVIL"}, {fileC, "IFC"}}),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(storageConnAddr, plancheck.ResourceActionCreate),
				}},
				Check: func(s *terraform.State) error {
					id, err := stateAttr(s, storageConnAddr, "id")
					if err == nil && (id == "" || id == firstID) {
						return fmt.Errorf("want a new connection id, got %q (old %q)", id, firstID)
					}
					return err
				},
			},
		},
	})
}

func TestAccSyncStorageConnection_badInput(t *testing.T) {
	inst, providerCfg := startLocal(t)
	c := testClient(t, inst)
	ctx := t.Context()
	fileA := testUploadFile(t, c, inst, "a.dgn", "dgn A")
	fileTaken := testUploadFile(t, c, inst, "taken.dgn", "dgn T")
	// Another connection on the same iModel already maps fileTaken.
	if _, err := c.Connections(wire.KindStorage).Create(ctx, itwin.ConnectionCreate{
		IModelID: inst.IModelID, DisplayName: "other",
		SourceFiles: []itwin.SourceFile{{Key: fileTaken, ConnectorType: "MSTN"}},
	}); err != nil {
		t.Fatalf("creating the other connection: %v", err)
	}
	const missing = "Zm9vYmFyYmF6cXV4cXV1eGNvcmdlZ3JhdWx0Z2FycGx5"

	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config:      storageConnConfig(providerCfg, inst.IModelID, "", [][2]string{{fileA, "AUTOCAD"}}),
				PlanOnly:    true,
				ExpectError: regexp.MustCompile(`(?s)connector_type.*value must be one of.*"MSTN"`),
			},
			{
				Config:      storageConnConfig(providerCfg, inst.IModelID, "", nil),
				PlanOnly:    true,
				ExpectError: regexp.MustCompile(`(?s)source_files.*at least 1`),
			},
			{
				Config:      storageConnConfig(providerCfg, inst.IModelID, `authentication_type = "Robot"`, [][2]string{{fileA, "MSTN"}}),
				PlanOnly:    true,
				ExpectError: regexp.MustCompile(`(?s)authentication_type.*"User".*"Service"`),
			},
			{
				Config:      storageConnConfig(providerCfg, inst.IModelID, "", [][2]string{{fileA, "MSTN"}, {fileA, "DWG"}}),
				PlanOnly:    true,
				ExpectError: regexp.MustCompile(`(?s)Duplicate storage file.*` + regexp.QuoteMeta(fileA)),
			},
			{
				Config:      storageConnConfig(providerCfg, inst.IModelID, "", [][2]string{{fileA, "MSTN"}, {fileTaken, "MSTN"}}),
				ExpectError: regexp.MustCompile(`(?s)Source file already mapped.*FileAlreadyMapped`),
			},
			{
				Config:      storageConnConfig(providerCfg, inst.IModelID, "", [][2]string{{missing, "MSTN"}}),
				ExpectError: regexp.MustCompile(`(?s)Source file not found.*` + regexp.QuoteMeta(missing)),
			},
			{
				// The server's 422 names iModelId; the diagnostic points at the imodel_id line.
				Config:      storageConnConfig(providerCfg, "not-a-guid", "", [][2]string{{fileA, "MSTN"}}),
				ExpectError: regexp.MustCompile(`(?s)Error creating storage connection.*imodel_id\s+=\s+"not-a-guid"`),
			},
			{
				Config:      storageConnConfig(providerCfg, "0f0f0f0f-1111-4222-8333-444455556666", "", [][2]string{{fileA, "MSTN"}}),
				ExpectError: regexp.MustCompile(`(?s)iModel not found.*imodel_id\s+=\s+"0f0f0f0f-1111-4222-8333-444455556666"`),
			},
			{
				// A valid connection, then an update that adds the taken file: the error names the file.
				Config: storageConnConfig(providerCfg, inst.IModelID, "", [][2]string{{fileA, "MSTN"}}),
			},
			{
				Config:      storageConnConfig(providerCfg, inst.IModelID, "", [][2]string{{fileA, "MSTN"}, {fileTaken, "MSTN"}}),
				ExpectError: regexp.MustCompile(`(?s)Source file already mapped.*` + regexp.QuoteMeta(fileTaken)),
			},
			{
				// After the failed update the state still matches the server, so going back is a no-op.
				Config: storageConnConfig(providerCfg, inst.IModelID, "", [][2]string{{fileA, "MSTN"}}),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectEmptyPlan(),
				}},
			},
		},
	})
}

func TestAccSyncStorageConnection_importWrongKind(t *testing.T) {
	inst, providerCfg := startLocal(t)
	c := testClient(t, inst)
	fileA := testUploadFile(t, c, inst, "a.dgn", "dgn A")
	m, err := c.Connections(wire.KindManifest).Create(t.Context(), itwin.ConnectionCreate{
		IModelID: inst.IModelID, SourceFiles: []itwin.SourceFile{{Key: "dms-1"}},
	})
	if err != nil {
		t.Fatalf("creating manifest connection: %v", err)
	}
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config:        storageConnConfig(providerCfg, inst.IModelID, "", [][2]string{{fileA, "MSTN"}}),
				ResourceName:  storageConnAddr,
				ImportState:   true,
				ImportStateId: m.ID,
				ExpectError:   regexp.MustCompile(`manifest\s+connection;\s+import\s+it\s+as\s+itwin_sync_manifest_connection`),
			},
		},
	})
}

// The extension warning cannot be observed through resource.Test (it has no warning assertions), so this test
// drives ModifyPlan directly against itwin-local: a real plan-time GET of the Storage file decides it.
func TestAccSyncStorageConnection_extensionWarning(t *testing.T) {
	inst, _ := startLocal(t)
	t.Parallel()
	c := testClient(t, inst)
	rvt := testUploadFile(t, c, inst, "Tower.RVT", "revit bytes")
	dgn := testUploadFile(t, c, inst, "ok.dgn", "dgn bytes")
	ctx := t.Context()
	r := &storageConnectionResource{resourceBase{client: c}, storageKind}
	var sr fwresource.SchemaResponse
	r.Schema(ctx, fwresource.SchemaRequest{}, &sr)
	s := sr.Schema
	null := tftypes.NewValue(s.Type().TerraformType(ctx), nil)

	files, d := storageSourceFilesValue(ctx, []itwin.SourceFile{{Key: rvt, ConnectorType: "IFC"}, {Key: dgn, ConnectorType: "MSTN"}})
	if d.HasError() {
		t.Fatal(d)
	}
	model := storageConnectionModel{connectionModel: connectionModel{
		ID: types.StringUnknown(), IModelID: types.StringValue(inst.IModelID), ITwinID: types.StringUnknown(),
		DisplayName: types.StringUnknown(), AuthenticationType: types.StringUnknown(), SourceFiles: files,
		SourceFileIDs: types.MapUnknown(types.StringType), LastRunID: types.StringUnknown(), Timeouts: nullTimeouts("delete"),
	}, SourceFileNames: types.MapUnknown(types.StringType)}
	plan := tfsdk.Plan{Schema: s, Raw: null}
	if d := plan.Set(ctx, &model); d.HasError() {
		t.Fatalf("building the plan: %v", d)
	}
	modify := func(state tfsdk.State) diag.Diagnostics {
		resp := fwresource.ModifyPlanResponse{Plan: plan}
		r.ModifyPlan(ctx, fwresource.ModifyPlanRequest{Plan: plan, State: state, Config: tfsdk.Config{Schema: s, Raw: plan.Raw}}, &resp)
		return resp.Diagnostics
	}

	diags := modify(tfsdk.State{Schema: s, Raw: null})
	if diags.HasError() {
		t.Fatalf("unexpected errors: %v", diags)
	}
	warns := diags.Warnings()
	if len(warns) != 1 {
		t.Fatalf("want one warning (for Tower.RVT only), got %v", diags)
	}
	for _, w := range []string{"Tower.RVT", "IFC", ".ifc"} {
		if !strings.Contains(warns[0].Detail(), w) {
			t.Errorf("warning %q does not mention %q", warns[0].Detail(), w)
		}
	}

	// A file already in state with the same connector type was warned about when it was introduced; plans of an
	// unchanged connection stay quiet.
	model.ID, model.ITwinID, model.DisplayName, model.AuthenticationType, model.LastRunID =
		types.StringValue("x"), types.StringValue("y"), types.StringValue("n"), types.StringValue("User"), types.StringNull()
	model.SourceFileIDs = stringMapValue(map[string]string{rvt: "m1", dgn: "m2"})
	model.SourceFileNames = stringMapValue(map[string]string{rvt: "Tower.RVT", dgn: "ok.dgn"})
	state := tfsdk.State{Schema: s, Raw: null}
	if d := state.Set(ctx, &model); d.HasError() {
		t.Fatalf("building the state: %v", d)
	}
	if diags := modify(state); len(diags) != 0 {
		t.Errorf("an unchanged connection must plan without diagnostics, got %v", diags)
	}
}

// The usual flow: files uploaded by itwin_storage_file in the same apply, so source_files is unknown at plan time.
func TestAccSyncStorageConnection_withUploadedFiles(t *testing.T) {
	inst, providerCfg := startLocal(t)
	dir := t.TempDir()
	dgn := filepath.Join(dir, "site.dgn")
	if err := os.WriteFile(dgn, []byte("site v1"), 0o600); err != nil {
		t.Fatal(err)
	}
	config := providerCfg + fmt.Sprintf(`
resource "itwin_storage_file" "site" {
  folder_id = %q
  source    = %q
}

resource "itwin_sync_storage_connection" "test" {
  imodel_id = %q
  source_files = [
    { storage_file_id = itwin_storage_file.site.id, connector_type = "MSTN" },
  ]
}
`, inst.RootFolderID, dgn, inst.IModelID)
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config: config,
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					// The file's id is known only after the upload; the maps follow it.
					plancheck.ExpectUnknownValue(storageConnAddr, tfjsonpath.New("source_files").AtSliceIndex(0).AtMapKey("storage_file_id")),
					plancheck.ExpectUnknownValue(storageConnAddr, tfjsonpath.New("source_file_ids")),
				}},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(storageConnAddr, tfjsonpath.New("source_file_names"), knownvalue.MapSizeExact(1)),
					statecheck.CompareValuePairs(storageConnAddr, tfjsonpath.New("source_files").AtSliceIndex(0).AtMapKey("storage_file_id"),
						"itwin_storage_file.site", tfjsonpath.New("id"), compare.ValuesSame()),
				},
				Check: func(s *terraform.State) error {
					id, _ := stateAttr(s, "itwin_storage_file.site", "id")
					if name, _ := stateAttr(s, storageConnAddr, "source_file_names."+id); name != "site.dgn" {
						return fmt.Errorf("source_file_names[%s] = %q, want site.dgn", id, name)
					}
					return nil
				},
			},
			{
				// New content, same Storage file: the connection does not change.
				PreConfig: func() {
					if err := os.WriteFile(dgn, []byte("site v2"), 0o600); err != nil {
						t.Fatal(err)
					}
				},
				Config: config,
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(storageConnAddr, plancheck.ResourceActionNoop),
				}},
			},
		},
	})
}
