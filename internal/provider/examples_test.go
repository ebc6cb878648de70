package provider

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/action"
	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/ephemeral"
	"github.com/hashicorp/terraform-plugin-framework/provider"
	"github.com/hashicorp/terraform-plugin-framework/resource"
)

// examplesDir is the repository's examples/ seen from this package's directory (where go test runs).
const examplesDir = "../../examples"

// exampleGaps lists what the registry docs would lack for the provider p: an example per type in tfplugindocs'
// layout, and import docs for every importable resource. The files' validity is checked by `make check`
// (terraform validate); this only makes sure they exist.
func exampleGaps(ctx context.Context, p provider.Provider, dir string) []string {
	var gaps []string
	var meta provider.MetadataResponse
	p.Metadata(ctx, provider.MetadataRequest{}, &meta)
	exists := func(rel string) bool {
		_, err := os.Stat(filepath.Join(dir, rel))
		return err == nil
	}
	need := func(what, rel string) {
		if !exists(rel) {
			gaps = append(gaps, what+": missing examples/"+filepath.ToSlash(rel))
		}
	}

	if !exists(filepath.Join("provider", "provider.tf")) {
		gaps = append(gaps, "provider: missing examples/provider/provider.tf")
	}
	for _, f := range p.Resources(ctx) {
		r := f()
		var m resource.MetadataResponse
		r.Metadata(ctx, resource.MetadataRequest{ProviderTypeName: meta.TypeName}, &m)
		need("resource "+m.TypeName, filepath.Join("resources", m.TypeName, "resource.tf"))
		if _, importable := r.(resource.ResourceWithImportState); importable {
			d := filepath.Join("resources", m.TypeName)
			if !exists(filepath.Join(d, "import.sh")) && !exists(filepath.Join(d, "import-by-string-id.tf")) {
				gaps = append(gaps, "resource "+m.TypeName+": importable but no examples/"+filepath.ToSlash(d)+"/import.sh or import-by-string-id.tf")
			}
			// Without it the page leaves out how to import by identity (Terraform 1.12+).
			if _, identity := r.(resource.ResourceWithIdentity); identity {
				need("resource "+m.TypeName+" (identity)", filepath.Join(d, "import-by-identity.tf"))
			}
		}
	}
	for _, f := range p.DataSources(ctx) {
		var m datasource.MetadataResponse
		f().Metadata(ctx, datasource.MetadataRequest{ProviderTypeName: meta.TypeName}, &m)
		need("data source "+m.TypeName, filepath.Join("data-sources", m.TypeName, "data-source.tf"))
	}
	if pe, ok := p.(provider.ProviderWithEphemeralResources); ok {
		for _, f := range pe.EphemeralResources(ctx) {
			var m ephemeral.MetadataResponse
			f().Metadata(ctx, ephemeral.MetadataRequest{ProviderTypeName: meta.TypeName}, &m)
			need("ephemeral resource "+m.TypeName, filepath.Join("ephemeral-resources", m.TypeName, "ephemeral-resource.tf"))
		}
	}
	if pa, ok := p.(provider.ProviderWithActions); ok {
		for _, f := range pa.Actions(ctx) {
			var m action.MetadataResponse
			f().Metadata(ctx, action.MetadataRequest{ProviderTypeName: meta.TypeName}, &m)
			need("action "+m.TypeName, filepath.Join("actions", m.TypeName, "action.tf"))
		}
	}
	if pl, ok := p.(provider.ProviderWithListResources); ok {
		for _, f := range pl.ListResources(ctx) {
			var m resource.MetadataResponse
			f().Metadata(ctx, resource.MetadataRequest{ProviderTypeName: meta.TypeName}, &m)
			need("list resource "+m.TypeName, filepath.Join("list-resources", m.TypeName, "list-resource.tfquery.hcl"))
		}
	}
	return gaps
}

// TestExamplesExist fails for every type the provider registers without the example files its registry page is
// rendered from.
func TestExamplesExist(t *testing.T) {
	for _, gap := range exampleGaps(context.Background(), New("test")(), examplesDir) {
		t.Error(gap)
	}
}

// TestExamplesExistDetectsGaps runs the check on the fake provider against a scratch examples tree.
func TestExamplesExistDetectsGaps(t *testing.T) {
	dir := t.TempDir()
	write := func(rel string) {
		t.Helper()
		p := filepath.Join(dir, rel)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte("# example\n"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	got := exampleGaps(context.Background(), &fakeProvider{}, dir)
	want := []string{
		"provider: missing examples/provider/provider.tf",
		"resource fake_res: missing examples/resources/fake_res/resource.tf",
		"data source fake_ds: missing examples/data-sources/fake_ds/data-source.tf",
		"ephemeral resource fake_eph: missing examples/ephemeral-resources/fake_eph/ephemeral-resource.tf",
		"action fake_act: missing examples/actions/fake_act/action.tf",
		"list resource fake_res: missing examples/list-resources/fake_res/list-resource.tfquery.hcl",
	}
	if len(got) != len(want) {
		t.Fatalf("gaps:\n got  %q\n want %q", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("gaps:\n got  %q\n want %q", got, want)
		}
	}

	write("provider/provider.tf")
	write("resources/fake_res/resource.tf")
	write("data-sources/fake_ds/data-source.tf")
	write("ephemeral-resources/fake_eph/ephemeral-resource.tf")
	write("actions/fake_act/action.tf")
	write("list-resources/fake_res/list-resource.tfquery.hcl")
	if got := exampleGaps(context.Background(), &fakeProvider{}, dir); len(got) != 0 {
		t.Fatalf("complete examples tree still has gaps: %q", got)
	}

	// An importable resource also needs import docs.
	got = exampleGaps(context.Background(), &fakeImportProvider{}, dir)
	want = []string{
		"resource fake_res: importable but no examples/resources/fake_res/import.sh or import-by-string-id.tf",
		"resource fake_res (identity): missing examples/resources/fake_res/import-by-identity.tf",
	}
	if !slices.Equal(got, want) {
		t.Fatalf("gaps:\n got  %q\n want %q", got, want)
	}
	write("resources/fake_res/import.sh")
	// The fake resource has an identity, so it also needs an identity import example.
	got = exampleGaps(context.Background(), &fakeImportProvider{}, dir)
	want = []string{"resource fake_res (identity): missing examples/resources/fake_res/import-by-identity.tf"}
	if len(got) != 1 || got[0] != want[0] {
		t.Fatalf("gaps:\n got  %q\n want %q", got, want)
	}
	write("resources/fake_res/import-by-identity.tf")
	if got := exampleGaps(context.Background(), &fakeImportProvider{}, dir); len(got) != 0 {
		t.Fatalf("import.sh and import-by-identity.tf not accepted: %q", got)
	}
}

// fakeImportProvider is fakeProvider whose resource supports import.
type fakeImportProvider struct{ fakeProvider }

func (p *fakeImportProvider) Resources(context.Context) []func() resource.Resource {
	return []func() resource.Resource{func() resource.Resource { return fakeImportableResource{} }}
}

type fakeImportableResource struct{ fakeResource }

func (fakeImportableResource) ImportState(context.Context, resource.ImportStateRequest, *resource.ImportStateResponse) {
}
