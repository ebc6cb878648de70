package provider

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/providerserver"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-go/tftypes"

	"github.com/seed37c7dd03/terraform-provider-itwin/internal/itwinlocal"
	"github.com/seed37c7dd03/terraform-provider-itwin/internal/itwinlocal/itwinlocaltest"
)

// The list resources at the plugin-protocol level, without a Terraform CLI: the acceptance tests need
// Terraform 1.14, so these keep the streaming, limit, resource object and error paths covered on every CLI.

// listServer is the provider served in process and configured against an itwin-local instance.
type listServer struct {
	t       *testing.T
	srv     tfprotov6.ProviderServer
	schemas *tfprotov6.GetProviderSchemaResponse
}

func newListServer(t *testing.T, inst *itwinlocaltest.Instance) *listServer {
	t.Helper()
	srv, err := providerserver.NewProtocol6WithError(New("test")())()
	if err != nil {
		t.Fatal(err)
	}
	schemas, err := srv.GetProviderSchema(t.Context(), &tfprotov6.GetProviderSchemaRequest{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := srv.GetResourceIdentitySchemas(t.Context(), &tfprotov6.GetResourceIdentitySchemasRequest{}); err != nil {
		t.Fatal(err)
	}
	cfg := dynamicValue(t, schemas.Provider, map[string]tftypes.Value{
		"api_url":       tftypes.NewValue(tftypes.String, inst.URL),
		"client_id":     tftypes.NewValue(tftypes.String, inst.ClientID),
		"client_secret": tftypes.NewValue(tftypes.String, inst.ClientSecret),
	})
	resp, err := srv.ConfigureProvider(t.Context(), &tfprotov6.ConfigureProviderRequest{TerraformVersion: "1.14.3", Config: cfg})
	if err != nil {
		t.Fatal(err)
	}
	failOnDiagnostics(t, "ConfigureProvider", resp.Diagnostics)
	return &listServer{t: t, srv: srv, schemas: schemas}
}

// dynamicValue encodes an object of schema s with the given attributes set and every other one null.
func dynamicValue(t *testing.T, s *tfprotov6.Schema, set map[string]tftypes.Value) *tfprotov6.DynamicValue {
	t.Helper()
	typ := s.ValueType().(tftypes.Object)
	vals := map[string]tftypes.Value{}
	for name, at := range typ.AttributeTypes {
		if v, ok := set[name]; ok {
			vals[name] = v
			continue
		}
		vals[name] = tftypes.NewValue(at, nil)
	}
	for name := range set {
		if _, ok := typ.AttributeTypes[name]; !ok {
			t.Fatalf("the schema has no attribute %q", name)
		}
	}
	dv, err := tfprotov6.NewDynamicValue(typ, tftypes.NewValue(typ, vals))
	if err != nil {
		t.Fatal(err)
	}
	return &dv
}

// list runs one list request and collects its results.
func (s *listServer) list(typeName string, config map[string]tftypes.Value, includeResource bool, limit int64) []tfprotov6.ListResourceResult {
	s.t.Helper()
	ls, ok := s.schemas.ListResourceSchemas[typeName]
	if !ok {
		s.t.Fatalf("no list resource %s", typeName)
	}
	// The ListResource method is not yet part of tfprotov6.ProviderServer.
	lister, ok := s.srv.(interface {
		ListResource(context.Context, *tfprotov6.ListResourceRequest) (*tfprotov6.ListResourceServerStream, error)
	})
	if !ok {
		s.t.Fatal("the provider server does not serve list resources")
	}
	stream, err := lister.ListResource(context.Background(), &tfprotov6.ListResourceRequest{
		TypeName: typeName, Config: dynamicValue(s.t, ls, config), IncludeResource: includeResource, Limit: limit,
	})
	if err != nil {
		s.t.Fatal(err)
	}
	var out []tfprotov6.ListResourceResult
	for r := range stream.Results {
		out = append(out, r)
	}
	return out
}

// attr decodes one attribute of a result's resource object.
func (s *listServer) attr(typeName string, r tfprotov6.ListResourceResult, name string) tftypes.Value {
	s.t.Helper()
	if r.Resource == nil {
		s.t.Fatal("the result has no resource object")
	}
	v, err := r.Resource.Unmarshal(s.schemas.ResourceSchemas[typeName].ValueType())
	if err != nil {
		s.t.Fatal(err)
	}
	var m map[string]tftypes.Value
	if err := v.As(&m); err != nil {
		s.t.Fatal(err)
	}
	return m[name]
}

func diagnosticsText(ds []*tfprotov6.Diagnostic) string {
	var b strings.Builder
	for _, d := range ds {
		fmt.Fprintf(&b, "[%v %s: %s @%v] ", d.Severity, d.Summary, d.Detail, d.Attribute)
	}
	return b.String()
}

func TestListProtocol_storageFiles(t *testing.T) {
	inst := itwinlocaltest.Start(t, itwinlocaltest.WithConfig(func(c *itwinlocal.Config) { c.MaxPageSize = 3 }))
	c := testClient(t, inst)
	folder := testCreateFolder(t, c, inst.RootFolderID, "Plant C")
	for i := range 7 {
		testUploadInto(t, c, folder, fmt.Sprintf("c%d.dgn", i), strings.Repeat("c", 1500))
	}
	s := newListServer(t, inst)
	reqs := countRequests(inst)
	folderCfg := map[string]tftypes.Value{"folder_id": tftypes.NewValue(tftypes.String, folder)}

	all := s.list("itwin_storage_file", folderCfg, true, 100)
	if len(all) != 7 {
		t.Fatalf("%d results, want 7: %s", len(all), diagnosticsText(all[0].Diagnostics))
	}
	if n := reqs.since("GET /storage/folders/{id}/list"); n != 3 {
		t.Errorf("7 files in pages of 3: %d list requests, want 3", n)
	}
	first := all[0]
	if len(first.Diagnostics) != 0 || first.DisplayName != "/Plant C/c0.dgn (storage file, 1.5 kB)" || first.Identity == nil {
		t.Fatalf("first result: %q, %s", first.DisplayName, diagnosticsText(first.Diagnostics))
	}
	if got := s.attr("itwin_storage_file", first, "folder_id"); !got.Equal(tftypes.NewValue(tftypes.String, folder)) {
		t.Errorf("folder_id = %v", got)
	}
	if got := s.attr("itwin_storage_file", first, "source"); !got.IsNull() {
		t.Errorf("source = %v, want null", got)
	}

	// The limit ends the list, and no page beyond the one that reached it is read.
	if got := s.list("itwin_storage_file", folderCfg, false, 2); len(got) != 2 || got[0].Resource != nil {
		t.Fatalf("limit 2: %d results (resource object %v)", len(got), got[0].Resource != nil)
	}
	if n := reqs.since("GET /storage/folders/{id}/list"); n != 1 {
		t.Errorf("limit 2: %d list requests, want 1", n)
	}

	// An unknown folder: one error, on config.folder_id.
	bad := s.list("itwin_storage_file", map[string]tftypes.Value{"folder_id": tftypes.NewValue(tftypes.String, "nope")}, false, 100)
	if len(bad) != 1 || len(bad[0].Diagnostics) != 1 {
		t.Fatalf("unknown folder: %d results", len(bad))
	}
	d := bad[0].Diagnostics[0]
	want := tftypes.NewAttributePath().WithAttributeName("config").WithAttributeName("folder_id")
	if d.Severity != tfprotov6.DiagnosticSeverityError || d.Summary != "Storage folder not found" || !d.Attribute.Equal(want) ||
		!strings.Contains(d.Detail, `config.folder_id = "nope"`) {
		t.Fatalf("unknown folder: %s", diagnosticsText(bad[0].Diagnostics))
	}
}
