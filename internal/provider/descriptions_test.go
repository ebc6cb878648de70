package provider

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"slices"
	"strings"
	"testing"

	tfjson "github.com/hashicorp/terraform-json"
	"github.com/hashicorp/terraform-plugin-framework/action"
	actionschema "github.com/hashicorp/terraform-plugin-framework/action/schema"
	"github.com/hashicorp/terraform-plugin-framework/datasource"
	dsschema "github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/ephemeral"
	ephschema "github.com/hashicorp/terraform-plugin-framework/ephemeral/schema"
	"github.com/hashicorp/terraform-plugin-framework/list"
	listschema "github.com/hashicorp/terraform-plugin-framework/list/schema"
	"github.com/hashicorp/terraform-plugin-framework/provider"
	providerschema "github.com/hashicorp/terraform-plugin-framework/provider/schema"
	"github.com/hashicorp/terraform-plugin-framework/providerserver"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/identityschema"
	resschema "github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/zclconf/go-cty/cty"
)

// The schema checks work on what the provider serves over the plugin protocol (GetProviderSchema), so every
// kind of type the provider registers — resources, data sources, ephemeral resources, actions, list resources —
// and every nesting style (nested attributes, blocks) is covered without knowing the framework's schema types.

// protocolSchemas serves p in process and returns its schemas, failing the test on any diagnostic.
func protocolSchemas(t *testing.T, p provider.Provider) (*tfprotov6.GetProviderSchemaResponse, *tfprotov6.GetResourceIdentitySchemasResponse) {
	t.Helper()
	ctx := context.Background()
	server := providerserver.NewProtocol6(p)()
	resp, err := server.GetProviderSchema(ctx, &tfprotov6.GetProviderSchemaRequest{})
	if err != nil {
		t.Fatalf("GetProviderSchema: %v", err)
	}
	failOnDiagnostics(t, "GetProviderSchema", resp.Diagnostics)
	ids, err := server.GetResourceIdentitySchemas(ctx, &tfprotov6.GetResourceIdentitySchemasRequest{})
	if err != nil {
		t.Fatalf("GetResourceIdentitySchemas: %v", err)
	}
	failOnDiagnostics(t, "GetResourceIdentitySchemas", ids.Diagnostics)
	return resp, ids
}

func failOnDiagnostics(t *testing.T, call string, diags []*tfprotov6.Diagnostic) {
	t.Helper()
	for _, d := range diags {
		if d.Severity == tfprotov6.DiagnosticSeverityError {
			t.Fatalf("%s: %s: %s", call, d.Summary, d.Detail)
		}
	}
}

// missingDescriptions returns "<kind> <type>: <attribute path>" for every schema, attribute, nested attribute and
// block without a description, sorted.
func missingDescriptions(resp *tfprotov6.GetProviderSchemaResponse, ids *tfprotov6.GetResourceIdentitySchemasResponse) []string {
	var missing []string
	check := func(kind, typeName string, s *tfprotov6.Schema) {
		if s == nil || s.Block == nil {
			missing = append(missing, fmt.Sprintf("%s %s: (no schema)", kind, typeName))
			return
		}
		report := func(p string) { missing = append(missing, fmt.Sprintf("%s %s: %s", kind, typeName, p)) }
		if blank(s.Block.Description) {
			report("(schema description)")
		}
		walkBlock("", s.Block, report)
	}
	check("provider", "itwin", resp.Provider)
	for name, s := range resp.ResourceSchemas {
		check("resource", name, s)
	}
	for name, s := range resp.DataSourceSchemas {
		check("data source", name, s)
	}
	for name, s := range resp.EphemeralResourceSchemas {
		check("ephemeral resource", name, s)
	}
	for name, s := range resp.ListResourceSchemas {
		check("list resource", name, s)
	}
	for name, a := range resp.ActionSchemas {
		if a == nil {
			missing = append(missing, fmt.Sprintf("action %s: (no schema)", name))
			continue
		}
		check("action", name, a.Schema)
	}
	if ids != nil {
		for name, s := range ids.IdentitySchemas {
			for _, a := range s.IdentityAttributes {
				if blank(a.Description) {
					missing = append(missing, fmt.Sprintf("resource identity %s: %s", name, a.Name))
				}
			}
		}
	}
	slices.Sort(missing)
	return missing
}

func walkBlock(prefix string, b *tfprotov6.SchemaBlock, report func(string)) {
	for _, a := range b.Attributes {
		walkAttribute(join(prefix, a.Name), a, report)
	}
	for _, nb := range b.BlockTypes {
		p := join(prefix, nb.TypeName)
		// The timeouts block of terraform-plugin-framework-timeouts has no description of its own and no way to
		// set one; its create/read/update/delete attributes do, and are still checked below.
		if blank(nb.Block.Description) && !(prefix == "" && nb.TypeName == "timeouts") {
			report(p)
		}
		walkBlock(p, nb.Block, report)
	}
}

func walkAttribute(p string, a *tfprotov6.SchemaAttribute, report func(string)) {
	if blank(a.Description) && !(p == "timeouts" && a.NestedType != nil) {
		report(p)
	}
	if a.NestedType != nil {
		for _, na := range a.NestedType.Attributes {
			walkAttribute(join(p, na.Name), na, report)
		}
	}
}

func join(prefix, name string) string {
	if prefix == "" {
		return name
	}
	return prefix + "." + name
}

func blank(s string) bool { return strings.TrimSpace(s) == "" }

// TestSchemaDescriptions fails, naming the type and attribute path, when anything the provider serves lacks a
// Description or MarkdownDescription: the registry docs are generated from them.
func TestSchemaDescriptions(t *testing.T) {
	resp, ids := protocolSchemas(t, New("test")())
	for _, m := range missingDescriptions(resp, ids) {
		t.Errorf("missing description: %s", m)
	}
}

// TestSchemaDescriptionsDetectsMissing proves the check finds every kind of gap, on a fake provider.
func TestSchemaDescriptionsDetectsMissing(t *testing.T) {
	resp, ids := protocolSchemas(t, &fakeProvider{})
	got := missingDescriptions(resp, ids)
	want := []string{
		"action fake_act: target",
		"data source fake_ds: (schema description)",
		"data source fake_ds: filter",
		"data source fake_ds: filter.value",
		"ephemeral resource fake_eph: token",
		"list resource fake_res: filter",
		"provider itwin: endpoint",
		"resource fake_res: name",
		"resource fake_res: settings.flag",
		"resource fake_res: settings.nested.deep",
		"resource identity fake_res: name",
	}
	if !slices.Equal(got, want) {
		t.Fatalf("missing descriptions:\n got  %q\n want %q", got, want)
	}
}

// fakeProvider serves one type of each kind, each with described and undescribed attributes.
type fakeProvider struct{}

var (
	_ provider.ProviderWithEphemeralResources = &fakeProvider{}
	_ provider.ProviderWithActions            = &fakeProvider{}
	_ provider.ProviderWithListResources      = &fakeProvider{}
)

func (p *fakeProvider) Metadata(_ context.Context, _ provider.MetadataRequest, resp *provider.MetadataResponse) {
	resp.TypeName = "fake"
}

func (p *fakeProvider) Schema(_ context.Context, _ provider.SchemaRequest, resp *provider.SchemaResponse) {
	resp.Schema = providerschema.Schema{
		Description: "Fake provider.",
		Attributes: map[string]providerschema.Attribute{
			"endpoint": providerschema.StringAttribute{Optional: true},
			"token":    providerschema.StringAttribute{Optional: true, MarkdownDescription: "A `token`."},
		},
	}
}

func (p *fakeProvider) Configure(context.Context, provider.ConfigureRequest, *provider.ConfigureResponse) {
}

func (p *fakeProvider) Resources(context.Context) []func() resource.Resource {
	return []func() resource.Resource{func() resource.Resource { return fakeResource{} }}
}

func (p *fakeProvider) DataSources(context.Context) []func() datasource.DataSource {
	return []func() datasource.DataSource{func() datasource.DataSource { return fakeDataSource{} }}
}

func (p *fakeProvider) EphemeralResources(context.Context) []func() ephemeral.EphemeralResource {
	return []func() ephemeral.EphemeralResource{func() ephemeral.EphemeralResource { return fakeEphemeral{} }}
}

func (p *fakeProvider) Actions(context.Context) []func() action.Action {
	return []func() action.Action{func() action.Action { return fakeAction{} }}
}

func (p *fakeProvider) ListResources(context.Context) []func() list.ListResource {
	return []func() list.ListResource{func() list.ListResource { return fakeList{} }}
}

type fakeResource struct{}

func (fakeResource) Metadata(_ context.Context, _ resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = "fake_res"
}

func (fakeResource) Schema(_ context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	resp.Schema = resschema.Schema{
		Description: "Fake resource.",
		Attributes: map[string]resschema.Attribute{
			"id":   resschema.StringAttribute{Computed: true, Description: "Identifier."},
			"name": resschema.StringAttribute{Required: true},
			"settings": resschema.SingleNestedAttribute{
				Optional:    true,
				Description: "Settings.",
				Attributes: map[string]resschema.Attribute{
					"flag": resschema.BoolAttribute{Optional: true},
					"nested": resschema.ListNestedAttribute{
						Optional:    true,
						Description: "Nested list.",
						NestedObject: resschema.NestedAttributeObject{Attributes: map[string]resschema.Attribute{
							"deep": resschema.StringAttribute{Optional: true},
						}},
					},
				},
			},
		},
		Blocks: map[string]resschema.Block{
			// Exempt itself (framework-timeouts cannot describe it), but its attributes are checked.
			"timeouts": resschema.SingleNestedBlock{Attributes: map[string]resschema.Attribute{
				"create": resschema.StringAttribute{Optional: true, Description: "Create timeout."},
			}},
		},
	}
}

// IdentitySchema has one described and one undescribed attribute.
func (fakeResource) IdentitySchema(_ context.Context, _ resource.IdentitySchemaRequest, resp *resource.IdentitySchemaResponse) {
	resp.IdentitySchema = identityschema.Schema{Attributes: map[string]identityschema.Attribute{
		"id":   identityschema.StringAttribute{RequiredForImport: true, Description: "Identifier."},
		"name": identityschema.StringAttribute{OptionalForImport: true},
	}}
}

func (fakeResource) Create(context.Context, resource.CreateRequest, *resource.CreateResponse) {}
func (fakeResource) Read(context.Context, resource.ReadRequest, *resource.ReadResponse)       {}
func (fakeResource) Update(context.Context, resource.UpdateRequest, *resource.UpdateResponse) {}
func (fakeResource) Delete(context.Context, resource.DeleteRequest, *resource.DeleteResponse) {}

type fakeDataSource struct{}

func (fakeDataSource) Metadata(_ context.Context, _ datasource.MetadataRequest, resp *datasource.MetadataResponse) {
	resp.TypeName = "fake_ds"
}

func (fakeDataSource) Schema(_ context.Context, _ datasource.SchemaRequest, resp *datasource.SchemaResponse) {
	resp.Schema = dsschema.Schema{
		Attributes: map[string]dsschema.Attribute{
			"id": dsschema.StringAttribute{Computed: true, Description: "Identifier."},
		},
		Blocks: map[string]dsschema.Block{
			"filter": dsschema.ListNestedBlock{NestedObject: dsschema.NestedBlockObject{
				Attributes: map[string]dsschema.Attribute{
					"name":  dsschema.StringAttribute{Optional: true, Description: "Name."},
					"value": dsschema.StringAttribute{Optional: true},
				},
			}},
		},
	}
}

func (fakeDataSource) Read(context.Context, datasource.ReadRequest, *datasource.ReadResponse) {}

type fakeEphemeral struct{}

func (fakeEphemeral) Metadata(_ context.Context, _ ephemeral.MetadataRequest, resp *ephemeral.MetadataResponse) {
	resp.TypeName = "fake_eph"
}

func (fakeEphemeral) Schema(_ context.Context, _ ephemeral.SchemaRequest, resp *ephemeral.SchemaResponse) {
	resp.Schema = ephschema.Schema{
		Description: "Fake ephemeral resource.",
		Attributes: map[string]ephschema.Attribute{
			"token": ephschema.StringAttribute{Computed: true, Sensitive: true},
		},
	}
}

func (fakeEphemeral) Open(context.Context, ephemeral.OpenRequest, *ephemeral.OpenResponse) {}

type fakeAction struct{}

func (fakeAction) Metadata(_ context.Context, _ action.MetadataRequest, resp *action.MetadataResponse) {
	resp.TypeName = "fake_act"
}

func (fakeAction) Schema(_ context.Context, _ action.SchemaRequest, resp *action.SchemaResponse) {
	resp.Schema = actionschema.Schema{
		Description: "Fake action.",
		Attributes: map[string]actionschema.Attribute{
			"target": actionschema.StringAttribute{Required: true},
		},
	}
}

func (fakeAction) Invoke(context.Context, action.InvokeRequest, *action.InvokeResponse) {}

// fakeList lists fake_res; one config attribute is described, one is not.
type fakeList struct{}

func (fakeList) Metadata(_ context.Context, _ resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = "fake_res"
}

func (fakeList) ListResourceConfigSchema(_ context.Context, _ list.ListResourceSchemaRequest, resp *list.ListResourceSchemaResponse) {
	resp.Schema = listschema.Schema{
		Description: "Fake list resource.",
		Attributes: map[string]listschema.Attribute{
			"scope":  listschema.StringAttribute{Required: true, Description: "Scope."},
			"filter": listschema.StringAttribute{Optional: true},
		},
	}
}

func (fakeList) List(context.Context, list.ListRequest, *list.ListResultsStream) {}

// schemaJSONOut is set by `make generate`: TestProviderSchemaJSON then writes the schema there for tfplugindocs.
var schemaJSONOut = flag.String("itwin.schema-json", "", "write the provider schema in `terraform providers schema -json` format to this file")

// schemaJSONKey is the provider address tfplugindocs looks up (it accepts the short name).
const schemaJSONKey = "itwin"

// TestProviderSchemaJSON renders the provider's schema in the JSON format of `terraform providers schema -json`
// straight from the provider, so docs generation needs no Terraform CLI and does not depend on its version (an
// older CLI leaves out actions and list resources). It checks the result parses as Terraform's format and
// contains every type the provider serves; with -itwin.schema-json it also writes it out.
func TestProviderSchemaJSON(t *testing.T) {
	resp, ids := protocolSchemas(t, New("test")())
	data, err := providerSchemaJSON(resp, ids)
	if err != nil {
		t.Fatal(err)
	}
	var parsed tfjson.ProviderSchemas
	if err := json.Unmarshal(data, &parsed); err != nil {
		t.Fatalf("schema JSON does not parse as terraform-json ProviderSchemas: %v", err)
	}
	ps := parsed.Schemas[schemaJSONKey]
	if ps == nil || ps.ConfigSchema == nil || ps.ConfigSchema.Block == nil {
		t.Fatalf("schema JSON has no provider schema under %q", schemaJSONKey)
	}
	for _, name := range []string{"api_url", "token_url", "client_id", "client_secret", "access_token", "scopes"} {
		if ps.ConfigSchema.Block.Attributes[name] == nil {
			t.Errorf("provider attribute %q missing from schema JSON", name)
		}
	}
	if a := ps.ConfigSchema.Block.Attributes["scopes"]; a != nil && !a.AttributeType.Equals(cty.List(cty.String)) {
		t.Errorf("scopes type = %#v, want list(string)", a.AttributeType)
	}
	if a := ps.ConfigSchema.Block.Attributes["client_secret"]; a != nil && !a.Sensitive {
		t.Errorf("client_secret is not sensitive in schema JSON")
	}
	for name := range resp.ResourceSchemas {
		if ps.ResourceSchemas[name] == nil {
			t.Errorf("resource %s missing from schema JSON", name)
		}
	}
	for name := range resp.DataSourceSchemas {
		if ps.DataSourceSchemas[name] == nil {
			t.Errorf("data source %s missing from schema JSON", name)
		}
	}
	for name := range resp.EphemeralResourceSchemas {
		if ps.EphemeralResourceSchemas[name] == nil {
			t.Errorf("ephemeral resource %s missing from schema JSON", name)
		}
	}
	for name := range resp.ActionSchemas {
		if ps.ActionSchemas[name] == nil {
			t.Errorf("action %s missing from schema JSON", name)
		}
	}
	for name := range resp.ListResourceSchemas {
		if ps.ListResourceSchemas[name] == nil {
			t.Errorf("list resource %s missing from schema JSON", name)
		}
	}
	for name := range ids.IdentitySchemas {
		if ps.ResourceIdentitySchemas[name] == nil {
			t.Errorf("resource identity %s missing from schema JSON", name)
		}
	}
	if *schemaJSONOut != "" {
		if err := os.WriteFile(*schemaJSONOut, data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// TestProviderSchemaJSONNesting checks the conversion of nested attributes, blocks and types on the fake provider.
func TestProviderSchemaJSONNesting(t *testing.T) {
	resp, ids := protocolSchemas(t, &fakeProvider{})
	data, err := providerSchemaJSON(resp, ids)
	if err != nil {
		t.Fatal(err)
	}
	var parsed tfjson.ProviderSchemas
	if err := json.Unmarshal(data, &parsed); err != nil {
		t.Fatal(err)
	}
	ps := parsed.Schemas[schemaJSONKey]
	res := ps.ResourceSchemas["fake_res"]
	if res == nil {
		t.Fatalf("fake_res missing: %s", data)
	}
	settings := res.Block.Attributes["settings"]
	if settings == nil || settings.AttributeNestedType == nil || settings.AttributeNestedType.NestingMode != tfjson.SchemaNestingModeSingle {
		t.Fatalf("settings is not a single nested attribute: %+v", settings)
	}
	nested := settings.AttributeNestedType.Attributes["nested"]
	if nested == nil || nested.AttributeNestedType == nil || nested.AttributeNestedType.NestingMode != tfjson.SchemaNestingModeList ||
		nested.AttributeNestedType.Attributes["deep"] == nil || !nested.AttributeNestedType.Attributes["deep"].AttributeType.Equals(cty.String) {
		t.Fatalf("settings.nested is not a list of objects with deep (string): %+v", nested)
	}
	if !res.Block.Attributes["name"].Required || res.Block.Attributes["id"].Computed != true {
		t.Errorf("required/computed flags lost")
	}
	if tb := res.Block.NestedBlocks["timeouts"]; tb == nil || tb.NestingMode != tfjson.SchemaNestingModeSingle || tb.Block.Attributes["create"] == nil {
		t.Errorf("timeouts block lost: %+v", tb)
	}
	if fb := ps.DataSourceSchemas["fake_ds"].Block.NestedBlocks["filter"]; fb == nil || fb.NestingMode != tfjson.SchemaNestingModeList {
		t.Errorf("filter block is not a list block: %+v", fb)
	}
	if tok := ps.ConfigSchema.Block.Attributes["token"]; tok == nil || tok.DescriptionKind != tfjson.SchemaDescriptionKindMarkdown {
		t.Errorf("markdown description kind lost: %+v", tok)
	}
	if ps.ActionSchemas["fake_act"] == nil || ps.ActionSchemas["fake_act"].Block.Attributes["target"] == nil {
		t.Errorf("action schema lost")
	}
	if id := ps.ResourceIdentitySchemas["fake_res"]; id == nil || id.Attributes["id"] == nil || !id.Attributes["id"].RequiredForImport ||
		id.Attributes["id"].Description != "Identifier." || !id.Attributes["id"].IdentityType.Equals(cty.String) ||
		id.Attributes["name"] == nil || !id.Attributes["name"].OptionalForImport {
		t.Errorf("identity schema lost: %+v", id)
	}
	if ps.EphemeralResourceSchemas["fake_eph"] == nil || !ps.EphemeralResourceSchemas["fake_eph"].Block.Attributes["token"].Sensitive {
		t.Errorf("ephemeral schema lost")
	}
}

// providerSchemaJSON converts protocol schemas to the `terraform providers schema -json` document.
func providerSchemaJSON(resp *tfprotov6.GetProviderSchemaResponse, ids *tfprotov6.GetResourceIdentitySchemasResponse) ([]byte, error) {
	ps := &tfjson.ProviderSchema{
		ResourceSchemas:          map[string]*tfjson.Schema{},
		DataSourceSchemas:        map[string]*tfjson.Schema{},
		EphemeralResourceSchemas: map[string]*tfjson.Schema{},
		ListResourceSchemas:      map[string]*tfjson.Schema{},
		ActionSchemas:            map[string]*tfjson.ActionSchema{},
		ResourceIdentitySchemas:  map[string]*tfjson.IdentitySchema{},
	}
	var err error
	convert := func(s *tfprotov6.Schema) *tfjson.Schema {
		if s == nil || err != nil {
			return nil
		}
		var b *tfjson.SchemaBlock
		b, err = jsonBlock(s.Block)
		return &tfjson.Schema{Version: uint64(s.Version), Block: b}
	}
	ps.ConfigSchema = convert(resp.Provider)
	for name, s := range resp.ResourceSchemas {
		ps.ResourceSchemas[name] = convert(s)
	}
	for name, s := range resp.DataSourceSchemas {
		ps.DataSourceSchemas[name] = convert(s)
	}
	for name, s := range resp.EphemeralResourceSchemas {
		ps.EphemeralResourceSchemas[name] = convert(s)
	}
	for name, s := range resp.ListResourceSchemas {
		ps.ListResourceSchemas[name] = convert(s)
	}
	for name, a := range resp.ActionSchemas {
		if a != nil && a.Schema != nil {
			ps.ActionSchemas[name] = &tfjson.ActionSchema{Block: convert(a.Schema).Block}
		}
	}
	if ids != nil {
		for name, s := range ids.IdentitySchemas {
			is := &tfjson.IdentitySchema{Version: uint64(s.Version), Attributes: map[string]*tfjson.IdentityAttribute{}}
			for _, a := range s.IdentityAttributes {
				ty, cerr := ctyType(a.Type)
				if cerr != nil {
					return nil, fmt.Errorf("identity %s.%s: %w", name, a.Name, cerr)
				}
				is.Attributes[a.Name] = &tfjson.IdentityAttribute{
					IdentityType: ty, Description: a.Description,
					RequiredForImport: a.RequiredForImport, OptionalForImport: a.OptionalForImport,
				}
			}
			ps.ResourceIdentitySchemas[name] = is
		}
	}
	if err != nil {
		return nil, err
	}
	doc := tfjson.ProviderSchemas{FormatVersion: "1.0", Schemas: map[string]*tfjson.ProviderSchema{schemaJSONKey: ps}}
	// encoding/json sorts map keys, so the output is deterministic.
	return json.MarshalIndent(doc, "", "  ")
}

func jsonBlock(b *tfprotov6.SchemaBlock) (*tfjson.SchemaBlock, error) {
	out := &tfjson.SchemaBlock{
		Description:     b.Description,
		DescriptionKind: descriptionKind(b.DescriptionKind),
		Deprecated:      b.Deprecated,
		Attributes:      map[string]*tfjson.SchemaAttribute{},
		NestedBlocks:    map[string]*tfjson.SchemaBlockType{},
	}
	for _, a := range b.Attributes {
		ja, err := jsonAttribute(a)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", a.Name, err)
		}
		out.Attributes[a.Name] = ja
	}
	for _, nb := range b.BlockTypes {
		inner, err := jsonBlock(nb.Block)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", nb.TypeName, err)
		}
		mode, ok := map[tfprotov6.SchemaNestedBlockNestingMode]tfjson.SchemaNestingMode{
			tfprotov6.SchemaNestedBlockNestingModeSingle: tfjson.SchemaNestingModeSingle,
			tfprotov6.SchemaNestedBlockNestingModeGroup:  tfjson.SchemaNestingModeGroup,
			tfprotov6.SchemaNestedBlockNestingModeList:   tfjson.SchemaNestingModeList,
			tfprotov6.SchemaNestedBlockNestingModeSet:    tfjson.SchemaNestingModeSet,
			tfprotov6.SchemaNestedBlockNestingModeMap:    tfjson.SchemaNestingModeMap,
		}[nb.Nesting]
		if !ok {
			return nil, fmt.Errorf("%s: unknown block nesting mode %v", nb.TypeName, nb.Nesting)
		}
		out.NestedBlocks[nb.TypeName] = &tfjson.SchemaBlockType{
			NestingMode: mode, Block: inner, MinItems: uint64(nb.MinItems), MaxItems: uint64(nb.MaxItems),
		}
	}
	return out, nil
}

func jsonAttribute(a *tfprotov6.SchemaAttribute) (*tfjson.SchemaAttribute, error) {
	out := &tfjson.SchemaAttribute{
		Description:     a.Description,
		DescriptionKind: descriptionKind(a.DescriptionKind),
		Deprecated:      a.Deprecated,
		Required:        a.Required,
		Optional:        a.Optional,
		Computed:        a.Computed,
		Sensitive:       a.Sensitive,
		WriteOnly:       a.WriteOnly,
	}
	if a.NestedType != nil {
		mode, ok := map[tfprotov6.SchemaObjectNestingMode]tfjson.SchemaNestingMode{
			tfprotov6.SchemaObjectNestingModeSingle: tfjson.SchemaNestingModeSingle,
			tfprotov6.SchemaObjectNestingModeList:   tfjson.SchemaNestingModeList,
			tfprotov6.SchemaObjectNestingModeSet:    tfjson.SchemaNestingModeSet,
			tfprotov6.SchemaObjectNestingModeMap:    tfjson.SchemaNestingModeMap,
		}[a.NestedType.Nesting]
		if !ok {
			return nil, fmt.Errorf("unknown object nesting mode %v", a.NestedType.Nesting)
		}
		nt := &tfjson.SchemaNestedAttributeType{NestingMode: mode, Attributes: map[string]*tfjson.SchemaAttribute{}}
		for _, na := range a.NestedType.Attributes {
			jna, err := jsonAttribute(na)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", na.Name, err)
			}
			nt.Attributes[na.Name] = jna
		}
		out.AttributeNestedType = nt
		return out, nil
	}
	ty, err := ctyType(a.Type)
	if err != nil {
		return nil, err
	}
	out.AttributeType = ty
	return out, nil
}

// ctyType converts a protocol type to cty through their shared JSON type encoding.
func ctyType(t interface{ MarshalJSON() ([]byte, error) }) (cty.Type, error) {
	if t == nil {
		return cty.NilType, fmt.Errorf("attribute has neither a type nor a nested type")
	}
	raw, err := t.MarshalJSON()
	if err != nil {
		return cty.NilType, err
	}
	var ty cty.Type
	if err := ty.UnmarshalJSON(raw); err != nil {
		return cty.NilType, fmt.Errorf("type %s: %w", raw, err)
	}
	return ty, nil
}

func descriptionKind(k tfprotov6.StringKind) tfjson.SchemaDescriptionKind {
	if k == tfprotov6.StringKindMarkdown {
		return tfjson.SchemaDescriptionKindMarkdown
	}
	return tfjson.SchemaDescriptionKindPlain
}
