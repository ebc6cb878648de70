package provider

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/compare"
	"github.com/hashicorp/terraform-plugin-testing/config"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/seed37c7dd03/terraform-provider-itwin/internal/itwin"
	"github.com/seed37c7dd03/terraform-provider-itwin/internal/wire"
)

// quickstartDir is examples/quickstart seen from this package's directory (where go test runs).
const quickstartDir = "../../examples/quickstart"

// TestAccQuickstart applies examples/quickstart, unchanged, end to end against itwin-local with its run engine:
// the first run synchronizes both sample files (one changeset each), without the optional webhook; renaming one
// wall in the IFC file, with webhook_callback_url now set, creates the webhook before the run that the edit
// starts, which pushes one changeset that updates one element and whose events reach the receiver signed with
// the webhook_secret output; applying again plans nothing.
func TestAccQuickstart(t *testing.T) {
	inst, _ := startLocal(t, withEngine(0.001))
	dir := copyQuickstart(t)

	// The quickstart's provider block is empty: it reads the ITWIN_* environment variables, as a user's shell
	// would set them. The in-process provider sees this process's environment.
	t.Setenv("ITWIN_API_URL", inst.URL)
	t.Setenv("ITWIN_CLIENT_ID", inst.ClientID)
	t.Setenv("ITWIN_CLIENT_SECRET", inst.ClientSecret)
	t.Setenv("ITWIN_ACCESS_TOKEN", "")
	t.Setenv("ITWIN_TOKEN_URL", "")
	// The quickstart names the provider by its registry source (seed37c7dd03/itwin); the test framework serves
	// the in-process provider under that address instead of hashicorp/itwin.
	t.Setenv("TF_ACC_PROVIDER_NAMESPACE", "seed37c7dd03")

	// The framework copies only the directory's top-level files into its working directory, so the sample files
	// are passed by absolute path (files_dir), which also keeps them independent of the provider's working dir.
	vars := config.Variables{
		"itwin_id":  config.StringVariable(inst.ITwinID),
		"files_dir": config.StringVariable(filepath.Join(dir, "files")),
	}
	const (
		run      = "itwin_sync_storage_connection_run.quickstart"
		building = "itwin_storage_file.building"
		site     = "itwin_storage_file.site"
	)
	bothSucceeded := statecheck.ExpectKnownOutputValue("file_results", knownvalue.MapExact(map[string]knownvalue.Check{
		"building.ifc": knownvalue.StringExact(wire.ResultSuccess),
		"site.geojson": knownvalue.StringExact(wire.ResultSuccess),
	}))
	receiver := newHookReceiver(t)
	withHook := config.Variables{"webhook_callback_url": config.StringVariable(receiver.url("quickstart"))}
	for k, v := range vars {
		withHook[k] = v
	}
	newRun := statecheck.CompareValue(compare.ValuesDiffer())
	sameRun := statecheck.CompareValue(compare.ValuesSame())
	var imodelID string

	// The factories go on each step: the framework counts the configuration directory's provider block as
	// step-level provider configuration and refuses factories on the TestCase with it.
	resource.Test(t, resource.TestCase{
		Steps: []resource.TestStep{
			{
				ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
				ConfigDirectory:          config.StaticDirectory(dir),
				ConfigVariables:          vars,
				ConfigStateChecks: []statecheck.StateCheck{
					newRun.AddStateValue(run, tfjsonpath.New("id")),
					statecheck.ExpectKnownOutputValue("run_result", knownvalue.StringExact(wire.ResultSuccess)),
					bothSucceeded,
					// The whole model the first time: every IFC element (22) and GeoJSON feature (11), one changeset each.
					statecheck.ExpectKnownOutputValue("changesets", changesetsPerFile{
						"building.ifc": "+22 ~0 -0 elements",
						"site.geojson": "+11 ~0 -0 elements",
					}),
					statecheck.ExpectKnownOutputValue("summary", knownvalue.StringRegexp(regexp.MustCompile(
						`(?s)^run [0-9a-f-]+: Success in [0-9.]+ s, 2 changeset\(s\) pushed\n.*building\.ifc +IFC +Success +changeset #\d+: Synchronized building\.ifc: \+22 ~0 -0 elements`))),
				},
				Check: func(s *terraform.State) error {
					imodelID = s.RootModule().Resources["itwin_imodel.quickstart"].Primary.ID
					return expectIModelChangesets(t.Context(), testClient(t, inst), imodelID, 2)
				},
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
			},
			{
				// Rename one wall in the copy: the same apply uploads the file and, through the run's triggers on
				// source_hash, starts a new run, which pushes only that difference.
				PreConfig: func() {
					editFile(t, filepath.Join(dir, "files", "building.ifc"), "'Wall 1',", "'Wall 1 (south)',")
				},
				ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
				ConfigDirectory:          config.StaticDirectory(dir),
				ConfigVariables:          withHook,
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction(building, plancheck.ResourceActionUpdate),
						plancheck.ExpectResourceAction(site, plancheck.ResourceActionNoop),
						plancheck.ExpectResourceAction(run, plancheck.ResourceActionReplace),
						plancheck.ExpectResourceAction("itwin_webhook.quickstart[0]", plancheck.ResourceActionCreate),
					},
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				ConfigStateChecks: []statecheck.StateCheck{
					newRun.AddStateValue(run, tfjsonpath.New("id")),
					sameRun.AddStateValue(run, tfjsonpath.New("id")),
					statecheck.ExpectKnownOutputValue("run_result", knownvalue.StringExact(wire.ResultSuccess)),
					bothSucceeded,
					statecheck.ExpectKnownOutputValue("changesets", changesetsPerFile{"building.ifc": "+0 ~1 -0 elements"}),
					statecheck.ExpectKnownOutputValue("summary", knownvalue.StringRegexp(regexp.MustCompile(
						`(?s)1 changeset\(s\) pushed\n.*site\.geojson +GEOSPATIAL +Success +no changes`))),
				},
				Check: resource.ComposeTestCheckFunc(
					func(*terraform.State) error {
						return expectIModelChangesets(t.Context(), testClient(t, inst), imodelID, 3)
					},
					// The run's completion and its one changeset, signed with the secret the outputs hand out.
					func(s *terraform.State) error {
						secret, _ := s.RootModule().Outputs["webhook_secret"].Value.(string)
						if !hexSecretRE.MatchString(secret) {
							return fmt.Errorf("the webhook_secret output is not a generated secret")
						}
						return runEvents{path: "quickstart", hookAddr: "itwin_webhook.quickstart.0", runAddr: run, result: "success",
							changes: true, secret: secret, imodelID: imodelID}.expect(t, inst, receiver, s, map[string]bool{})
					},
				),
			},
			{
				// Nothing edited: no run is planned.
				ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
				ConfigDirectory:          config.StaticDirectory(dir),
				ConfigVariables:          withHook,
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				ConfigStateChecks: []statecheck.StateCheck{
					sameRun.AddStateValue(run, tfjsonpath.New("id")),
				},
				Check: func(*terraform.State) error {
					return expectIModelChangesets(t.Context(), testClient(t, inst), imodelID, 3)
				},
			},
		},
	})
}

// copyQuickstart copies examples/quickstart (with its files/) to a temp dir, so the test can edit the sample
// files, and leaves out anything a local terraform run may have written there.
func copyQuickstart(t *testing.T) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "quickstart")
	if err := os.CopyFS(dir, os.DirFS(quickstartDir)); err != nil {
		t.Fatalf("copying %s: %v", quickstartDir, err)
	}
	for _, pattern := range []string{".terraform*", "terraform.tfstate*"} {
		matches, _ := filepath.Glob(filepath.Join(dir, pattern))
		for _, m := range matches {
			if err := os.RemoveAll(m); err != nil {
				t.Fatal(err)
			}
		}
	}
	return dir
}

// editFile replaces from, which must occur exactly once, by to in the file at path.
func editFile(t *testing.T, path, from, to string) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(string(b), from); n != 1 {
		t.Fatalf("%s: %q occurs %d times, want exactly once", path, from, n)
	}
	if err := os.WriteFile(path, []byte(strings.Replace(string(b), from, to, 1)), 0o644); err != nil {
		t.Fatal(err)
	}
}

// expectIModelChangesets checks the iModel's changeset count through the iModels API, independently of what the
// run resource reports.
func expectIModelChangesets(ctx context.Context, c *itwin.Client, imodelID string, want int) error {
	css, err := c.ListChangesets(ctx, imodelID)
	if err != nil {
		return fmt.Errorf("listing the iModel's changesets: %w", err)
	}
	if len(css) != want {
		descs := make([]string, len(css))
		for i, cs := range css {
			descs[i] = cs.Description
		}
		return fmt.Errorf("the iModel has %d changesets %q, want %d", len(css), descs, want)
	}
	return nil
}

// changesetsPerFile checks the quickstart's "changesets" output (changeset descriptions): exactly one changeset
// per listed file, "Synchronized <file>: <counts>" as itwin-local describes them, and no other changeset.
type changesetsPerFile map[string]string

func (want changesetsPerFile) CheckValue(v any) error {
	list, ok := v.([]any)
	if !ok {
		return fmt.Errorf("expected a list of changeset descriptions, got %T", v)
	}
	seen := map[string]int{}
	for _, item := range list {
		desc, ok := item.(string)
		if !ok {
			return fmt.Errorf("expected string descriptions, got %T", item)
		}
		matched := false
		for file, counts := range want {
			if desc == "Synchronized "+file+": "+counts {
				seen[file]++
				matched = true
			}
		}
		if !matched {
			return fmt.Errorf("unexpected changeset %q (want %s)", desc, want)
		}
	}
	for file := range want {
		if seen[file] != 1 {
			return fmt.Errorf("%d changesets for %s in %q, want exactly one (%s)", seen[file], file, list, want)
		}
	}
	return nil
}

func (want changesetsPerFile) String() string {
	parts := make([]string, 0, len(want))
	for file, counts := range want {
		parts = append(parts, file+": "+counts)
	}
	slices.Sort(parts)
	return "one changeset each: " + strings.Join(parts, "; ")
}
