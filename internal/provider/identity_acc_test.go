package provider

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"
	"github.com/hashicorp/terraform-plugin-testing/tfversion"

	"github.com/seed37c7dd03/terraform-provider-itwin/internal/itwin"
	"github.com/seed37c7dd03/terraform-provider-itwin/internal/wire"
)

// Resource identity needs Terraform 1.12 (identity in the state, import blocks with `identity`), so these tests
// skip on older CLIs. Each applies a configuration, checks the identity stored for the resource, then imports
// the resource again through an import block that names it by that identity: the plan must carry the same
// identity and, unless the resource cannot read everything back, change nothing. (The configurations and the
// expected import plans were checked with ImportBlockWithID on Terraform 1.11, which has no identity.)

type identityAccCase struct {
	config string
	addr   string
	// identity is the expected stored identity; matchState lists identity attributes that equal the state
	// attribute of the same name.
	identity   map[string]knownvalue.Check
	matchState []string
	// importPlan, when set, is the action the import plan must show instead of a no-op.
	importPlan plancheck.ResourceActionType
}

func testAccIdentity(t *testing.T, c identityAccCase) {
	t.Helper()
	checks := []statecheck.StateCheck{statecheck.ExpectIdentity(c.addr, c.identity)}
	for _, a := range c.matchState {
		checks = append(checks, statecheck.ExpectIdentityValueMatchesState(c.addr, tfjsonpath.New(a)))
	}
	importStep := resource.TestStep{
		Config:          c.config,
		ResourceName:    c.addr,
		ImportState:     true,
		ImportStateKind: resource.ImportBlockWithResourceIdentity,
	}
	if c.importPlan != "" {
		importStep.ExpectNonEmptyPlan = true
		importStep.ImportPlanChecks.PreApply = []plancheck.PlanCheck{plancheck.ExpectResourceAction(c.addr, c.importPlan)}
	}
	resource.Test(t, resource.TestCase{
		TerraformVersionChecks:   []tfversion.TerraformVersionCheck{tfversion.SkipBelow(tfversion.Version1_12_0)},
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps:                    []resource.TestStep{{Config: c.config, ConfigStateChecks: checks}, importStep},
	})
}

var identityNotNull = knownvalue.NotNull()

func TestAccIModel_identity(t *testing.T) {
	inst, providerCfg := startLocal(t)
	testAccIdentity(t, identityAccCase{
		config: providerCfg + fmt.Sprintf(`
resource "itwin_imodel" "m" {
  itwin_id = %q
  name     = "identity"
}
`, inst.ITwinID),
		addr:       "itwin_imodel.m",
		identity:   map[string]knownvalue.Check{"id": identityNotNull},
		matchState: []string{"id"},
	})
}

func TestAccITwin_identity(t *testing.T) {
	_, providerCfg := startLocal(t)
	testAccIdentity(t, identityAccCase{
		config: providerCfg + `
resource "itwin_itwin" "t" {
  class        = "Endeavor"
  sub_class    = "Project"
  display_name = "identity"
  number       = "ID-1"
}
`,
		addr:       "itwin_itwin.t",
		identity:   map[string]knownvalue.Check{"id": identityNotNull},
		matchState: []string{"id"},
	})
}

func TestAccIModelNamedVersion_identity(t *testing.T) {
	inst, providerCfg := startLocal(t)
	// The seeded iModel has no changeset yet: the version names its baseline (index 0).
	testAccIdentity(t, identityAccCase{
		config: providerCfg + fmt.Sprintf(`
resource "itwin_imodel_named_version" "v" {
  imodel_id   = %q
  name        = "identity"
  description = "baseline"
}
`, inst.IModelID),
		addr: "itwin_imodel_named_version.v",
		identity: map[string]knownvalue.Check{
			"imodel_id": knownvalue.StringExact(inst.IModelID),
			"id":        identityNotNull,
		},
		matchState: []string{"imodel_id", "id"},
	})
}

func TestAccStorageFolder_identity(t *testing.T) {
	inst, providerCfg := startLocal(t)
	testAccIdentity(t, identityAccCase{
		config: providerCfg + fmt.Sprintf(`
resource "itwin_storage_folder" "f" {
  parent_folder_id = %q
  display_name     = "identity"
}
`, inst.RootFolderID),
		addr:       "itwin_storage_folder.f",
		identity:   map[string]knownvalue.Check{"id": identityNotNull},
		matchState: []string{"id"},
	})
}

func TestAccStorageFile_identity(t *testing.T) {
	inst, providerCfg := startLocal(t)
	src := filepath.Join(t.TempDir(), "identity.txt")
	if err := os.WriteFile(src, []byte("identity"), 0o600); err != nil {
		t.Fatal(err)
	}
	testAccIdentity(t, identityAccCase{
		config: providerCfg + fmt.Sprintf(`
resource "itwin_storage_file" "f" {
  folder_id = %q
  source    = %q
}
`, inst.RootFolderID, src),
		addr:       "itwin_storage_file.f",
		identity:   map[string]knownvalue.Check{"id": identityNotNull},
		matchState: []string{"id"},
		// The API cannot tell the hash of stored content, so an imported file is uploaded once more.
		importPlan: plancheck.ResourceActionUpdate,
	})
}

func TestAccSyncStorageConnection_identity(t *testing.T) {
	inst, providerCfg := startLocal(t)
	fileID := testUploadFile(t, testClient(t, inst), inst, "identity.dgn", "dgn")
	testAccIdentity(t, identityAccCase{
		config:     storageConnConfig(providerCfg, inst.IModelID, "", [][2]string{{fileID, "MSTN"}}),
		addr:       storageConnAddr,
		identity:   map[string]knownvalue.Check{"id": identityNotNull},
		matchState: []string{"id"},
	})
}

func TestAccSyncManifestConnection_identity(t *testing.T) {
	inst, providerCfg := startLocal(t)
	testAccIdentity(t, identityAccCase{
		config:     manifestConnConfig(providerCfg, inst.IModelID, "", "doc-1"),
		addr:       "itwin_sync_manifest_connection.test",
		identity:   map[string]knownvalue.Check{"id": identityNotNull},
		matchState: []string{"id"},
	})
}

func TestAccSyncStorageConnectionSourceFile_identity(t *testing.T) {
	inst, providerCfg := startLocal(t)
	c := testClient(t, inst)
	base := testUploadFile(t, c, inst, "base.dgn", "dgn")
	extra := testUploadFile(t, c, inst, "extra.dgn", "dgn")
	conn, err := c.Connections(wire.KindStorage).Create(t.Context(), itwin.ConnectionCreate{
		IModelID: inst.IModelID, DisplayName: "identity", SourceFiles: []itwin.SourceFile{{Key: base, ConnectorType: "MSTN"}},
	})
	if err != nil {
		t.Fatalf("creating the connection: %v", err)
	}
	testAccIdentity(t, identityAccCase{
		config: storageSourceFileConfig(providerCfg, conn.ID, extra, "MSTN"),
		addr:   "itwin_sync_storage_connection_source_file.test",
		identity: map[string]knownvalue.Check{
			"connection_id": knownvalue.StringExact(conn.ID),
			"id":            identityNotNull,
		},
		matchState: []string{"connection_id", "id"},
	})
}

func TestAccSyncManifestConnectionSourceFile_identity(t *testing.T) {
	inst, providerCfg := startLocal(t)
	conn, err := testClient(t, inst).Connections(wire.KindManifest).Create(t.Context(), itwin.ConnectionCreate{
		IModelID: inst.IModelID, DisplayName: "identity", SourceFiles: []itwin.SourceFile{{Key: "base"}},
	})
	if err != nil {
		t.Fatalf("creating the connection: %v", err)
	}
	testAccIdentity(t, identityAccCase{
		config: manifestSourceFileConfig(providerCfg, conn.ID, "extra"),
		addr:   manifestSourceFileAddr,
		identity: map[string]knownvalue.Check{
			"connection_id": knownvalue.StringExact(conn.ID),
			"id":            identityNotNull,
		},
		matchState: []string{"connection_id", "id"},
	})
}

func TestAccSyncStorageConnectionRun_identity(t *testing.T) {
	fx := newRunFixture(t, "Service", withEngine(0.001))
	testAccIdentity(t, identityAccCase{
		config: fx.config(""),
		addr:   runResource,
		identity: map[string]knownvalue.Check{
			"connection_id": knownvalue.StringExact(fx.connID),
			"id":            identityNotNull,
		},
		matchState: []string{"connection_id", "id"},
	})
}

func TestAccSyncManifestConnectionRun_identity(t *testing.T) {
	fx := newRunFixture(t, "Service", noEngine())
	connID := newManifestConnection(t, fx, "dms-1")
	testAccIdentity(t, identityAccCase{
		// No triggers: an import cannot read them back, and a change of triggers means a new run.
		config: fx.providerCfg + fmt.Sprintf(`
resource "itwin_sync_manifest_connection_run" "r" {
  connection_id = %q
  wait          = false
  source_files = [
    {
      source_file_id = "dms-1"
      name           = "master.dgn"
      url            = "https://files.example.test/master.dgn?%s"
      connector_type = "MSTN"
    },
  ]
}
`, connID, manifestSecret),
		addr: manifestRunAddr,
		identity: map[string]knownvalue.Check{
			"connection_id": knownvalue.StringExact(connID),
			"id":            identityNotNull,
		},
		matchState: []string{"connection_id", "id"},
		// wait and the file list are local settings an import cannot read back; they are recorded in place,
		// without a new run.
		importPlan: plancheck.ResourceActionUpdate,
	})
}

func TestAccSyncConfiguration_identity(t *testing.T) {
	inst, providerCfg := startLocal(t)
	var flag string
	for _, fa := range flagAttrs {
		if fa.Flag.Scope == wire.ScopeIModel && fa.Flag.Type != wire.FlagInt {
			flag = fa.Attr
			break
		}
	}
	if flag == "" {
		t.Fatal("the catalog has no boolean iModel flag")
	}
	testAccIdentity(t, identityAccCase{
		config: providerCfg + fmt.Sprintf(`
resource "itwin_sync_configuration" "c" {
  imodel_id = %q
  %s = true
}
`, inst.IModelID, flag),
		addr: "itwin_sync_configuration.c",
		identity: map[string]knownvalue.Check{
			"scope":    knownvalue.StringExact("imodel"),
			"scope_id": knownvalue.StringExact(inst.IModelID),
		},
	})
}
