package provider

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/go-hclog"
	"github.com/hashicorp/go-plugin"
	"github.com/hashicorp/go-version"
	"github.com/hashicorp/terraform-exec/tfexec"
	tfjson "github.com/hashicorp/terraform-json"
	"github.com/hashicorp/terraform-plugin-framework/providerserver"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6/tf6server"

	"github.com/seed37c7dd03/terraform-provider-itwin/internal/itwinlocal"
	"github.com/seed37c7dd03/terraform-provider-itwin/internal/itwinlocal/itwinlocaltest"
)

// onboardingDir is examples/onboarding seen from this package's directory.
const onboardingDir = "../../examples/onboarding"

// providerAddress is the provider's registry address, as the examples' required_providers name it.
const providerAddress = "registry.terraform.io/seed37c7dd03/itwin"

// terraformCLI returns the Terraform CLI of the acceptance tests (TF_ACC_TERRAFORM_PATH) for a test that runs
// Terraform commands itself, and skips the test unless it is at least minVersion.
func terraformCLI(t *testing.T, dir, minVersion string) *tfexec.Terraform {
	t.Helper()
	execPath := os.Getenv("TF_ACC_TERRAFORM_PATH")
	if execPath == "" {
		t.Skip("TF_ACC_TERRAFORM_PATH is not set: no Terraform CLI to run")
	}
	tf, err := tfexec.NewTerraform(dir, execPath)
	if err != nil {
		t.Fatal(err)
	}
	have, _, err := tf.Version(t.Context(), true)
	if err != nil {
		t.Fatalf("terraform version: %v", err)
	}
	if have.LessThan(version.Must(version.NewVersion(minVersion))) {
		t.Skipf("needs Terraform >= %s, TF_ACC_TERRAFORM_PATH is %s", minVersion, have)
	}
	return tf
}

// serveProvider serves the provider in this process, as the test framework does for its own steps, and returns
// the reattach information with which Terraform commands use it (TF_REATTACH_PROVIDERS): no binary, no
// installation, and the provider reads this process's environment.
func serveProvider(t *testing.T) tfexec.ReattachInfo {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	reattach := make(chan *plugin.ReattachConfig, 1)
	closed := make(chan struct{})
	served := make(chan error, 1)
	go func() {
		served <- tf6server.Serve(providerAddress, providerserver.NewProtocol6(New("test")()),
			tf6server.WithDebug(ctx, reattach, closed),
			tf6server.WithGoPluginLogger(hclog.NewNullLogger()),
			tf6server.WithoutLogStderrOverride(),
			tf6server.WithLoggingSink(t)) // provider logs as in the framework's steps: only with TF_LOG
	}()
	var cfg *plugin.ReattachConfig
	select {
	case cfg = <-reattach:
	case err := <-served:
		cancel()
		t.Fatalf("serving the provider: %v", err)
	case <-time.After(30 * time.Second):
		cancel()
		t.Fatal("the provider server did not start within 30 s")
	}
	t.Cleanup(func() {
		cancel()
		<-closed
	})
	return tfexec.ReattachInfo{providerAddress: tfexec.ReattachConfig{
		Protocol: string(cfg.Protocol), ProtocolVersion: cfg.ProtocolVersion, Pid: cfg.Pid, Test: cfg.Test,
		Addr: tfexec.ReattachConfigAddr{Network: cfg.Addr.Network(), String: cfg.Addr.String()},
	}}
}

// copyExample copies an example directory into a temp dir, without local Terraform leftovers.
func copyExample(t *testing.T, src string) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), filepath.Base(src))
	if err := os.CopyFS(dir, os.DirFS(src)); err != nil {
		t.Fatalf("copying %s: %v", src, err)
	}
	for _, pattern := range []string{".terraform*", "terraform.tfstate*", "generated.tf"} {
		matches, _ := filepath.Glob(filepath.Join(dir, pattern))
		for _, m := range matches {
			if err := os.RemoveAll(m); err != nil {
				t.Fatal(err)
			}
		}
	}
	return dir
}

// TestAccOnboarding_roundTrip is the onboarding guide end to end: an iTwin populated by examples/quickstart
// (applied in its own directory, whose state is then out of the picture), then in a fresh copy of
// examples/onboarding `terraform query -generate-config-out=generated.tf` and `terraform plan`, which must import
// every object the quickstart made and add, change and destroy nothing; after applying the imports, a second
// plan has no changes at all. itwin-local serves pages of 2 items, so every list follows next links.
func TestAccOnboarding_roundTrip(t *testing.T) {
	inst, _ := startLocal(t, withEngine(0.001), itwinlocaltest.WithConfig(func(c *itwinlocal.Config) { c.MaxPageSize = 2 }))
	quickstart := copyQuickstart(t)
	onboarding := copyExample(t, onboardingDir)
	tf := terraformCLI(t, quickstart, "1.14.0")

	// Both examples configure the provider from the environment; the in-process provider reads this process's.
	t.Setenv("ITWIN_API_URL", inst.URL)
	t.Setenv("ITWIN_CLIENT_ID", inst.ClientID)
	t.Setenv("ITWIN_CLIENT_SECRET", inst.ClientSecret)
	t.Setenv("ITWIN_ACCESS_TOKEN", "")
	t.Setenv("ITWIN_TOKEN_URL", "")
	reattach := tfexec.Reattach(serveProvider(t))
	ctx := t.Context()
	itwinVar := tfexec.Var("itwin_id=" + inst.ITwinID)

	// 1. The iTwin as someone built it by hand (here: by the quickstart, in another directory).
	if err := tf.Init(ctx, reattach); err != nil {
		t.Fatalf("quickstart: terraform init: %v", err)
	}
	if err := tf.Apply(ctx, reattach, itwinVar, tfexec.Var("files_dir="+filepath.Join(quickstart, "files"))); err != nil {
		t.Fatalf("quickstart: terraform apply: %v", err)
	}

	// 2. Onboarding: query with generated configuration, then plan.
	tf, err := tfexec.NewTerraform(onboarding, tf.ExecPath())
	if err != nil {
		t.Fatal(err)
	}
	if err := tf.Init(ctx, reattach); err != nil {
		t.Fatalf("onboarding: terraform init: %v", err)
	}
	msgs, err := tf.QueryJSON(ctx, reattach, itwinVar, tfexec.GenerateConfigOut("generated.tf"))
	if err != nil {
		t.Fatalf("terraform query: %v", err)
	}
	for m := range msgs {
		if m.Err != nil {
			t.Fatalf("terraform query: %v", m.Err)
		}
		if m.Msg != nil && m.Msg.Level() == tfjson.Error {
			t.Errorf("terraform query: %s", m.Msg.Message())
		}
	}
	if t.Failed() {
		t.FailNow()
	}
	generated, err := os.ReadFile(filepath.Join(onboarding, "generated.tf"))
	if err != nil {
		t.Fatalf("terraform query wrote no generated.tf: %v", err)
	}
	t.Logf("generated.tf:\n%s", generated)
	for _, want := range []string{
		`resource "itwin_storage_file"`, `source       = null`, // the local path of an upload cannot be read back
		`resource "itwin_sync_configuration"`, `enable_sheets_and_drawings          = true`,
		`resource "itwin_sync_storage_connection"`, `authentication_type = "Service"`, `connector_type  = "GEOSPATIAL"`,
		`name        = "Riverside Pavilion"`,
		"import {",
	} {
		if !strings.Contains(string(generated), want) {
			t.Errorf("generated.tf lacks %q", want)
		}
	}

	imports := planImportsOnly(t, tf, reattach, itwinVar)
	want := map[string]int{
		"itwin_imodel":                  2, // the quickstart's and the seeded demo iModel
		"itwin_storage_folder":          1,
		"itwin_storage_file":            2,
		"itwin_sync_configuration":      1,
		"itwin_sync_storage_connection": 1,
	}
	for typ, n := range want {
		if imports[typ] != n {
			t.Errorf("the plan imports %d %s, want %d (all imports: %v)", imports[typ], typ, n, imports)
		}
	}
	for typ := range imports {
		if _, ok := want[typ]; !ok {
			t.Errorf("the plan imports unexpected %s (all imports: %v)", typ, imports)
		}
	}

	// 3. Apply the imports; afterwards nothing is left to do (no value that cannot be read back keeps a diff).
	if err := tf.Apply(ctx, reattach, itwinVar); err != nil {
		t.Fatalf("onboarding: terraform apply of the imports: %v", err)
	}
	changes, err := tf.Plan(ctx, reattach, itwinVar)
	if err != nil {
		t.Fatalf("onboarding: terraform plan after the imports: %v", err)
	}
	if changes {
		t.Error("the plan after applying the imports is not empty")
	}
}

// planImportsOnly makes a plan and fails unless every change is an import that changes nothing. It returns
// the number of imports per resource type.
func planImportsOnly(t *testing.T, tf *tfexec.Terraform, opts ...tfexec.PlanOption) map[string]int {
	t.Helper()
	planFile := filepath.Join(tf.WorkingDir(), "onboarding.tfplan")
	if _, err := tf.Plan(t.Context(), append(opts, tfexec.Out(planFile))...); err != nil {
		t.Fatalf("terraform plan: %v", err)
	}
	var reattach []tfexec.ShowOption
	for _, o := range opts {
		if r, ok := o.(tfexec.ShowOption); ok {
			reattach = append(reattach, r)
		}
	}
	plan, err := tf.ShowPlanFile(t.Context(), planFile, reattach...)
	if err != nil {
		t.Fatalf("terraform show: %v", err)
	}
	imports := map[string]int{}
	for _, rc := range plan.ResourceChanges {
		if rc.Change == nil {
			continue
		}
		if rc.Change.Importing == nil || !slices.Equal(rc.Change.Actions, tfjson.Actions{tfjson.ActionNoop}) {
			t.Errorf("%s: planned %v (importing: %v), want an import that changes nothing", rc.Address, rc.Change.Actions, rc.Change.Importing != nil)
			continue
		}
		imports[rc.Type]++
	}
	if len(imports) == 0 {
		t.Error(errors.New("the plan imports nothing"))
	}
	return imports
}
