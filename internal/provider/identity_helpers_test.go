package provider

import (
	"context"
	"maps"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-go/tftypes"

	"github.com/seed37c7dd03/terraform-provider-itwin/internal/itwin"
)

// identityCase describes the identity of one importable resource: the identity an import block would carry, the
// equivalent string import id, and the state attributes either form must produce.
type identityCase struct {
	typeName  string
	newRes    func() resource.Resource
	identity  map[string]string
	stringID  string
	wantState map[string]string
	// badIdentity is an invalid identity and the text its error must contain.
	badIdentity map[string]string
	badWant     string
}

var identityCases = []identityCase{
	{
		typeName: "itwin_imodel", newRes: NewIModelResource,
		identity: map[string]string{"id": "im-1"}, stringID: "im-1",
		wantState:   map[string]string{"id": "im-1"},
		badIdentity: map[string]string{"id": ""}, badWant: `"id" must be a non-empty string`,
	},
	{
		typeName: "itwin_itwin", newRes: NewITwinResource,
		identity: map[string]string{"id": "tw-1"}, stringID: "tw-1",
		wantState:   map[string]string{"id": "tw-1"},
		badIdentity: map[string]string{"id": ""}, badWant: `"id" must be a non-empty string`,
	},
	{
		typeName: "itwin_imodel_named_version", newRes: NewIModelNamedVersionResource,
		identity: map[string]string{"imodel_id": "im-1", "id": "nv-1"}, stringID: "im-1/nv-1",
		wantState:   map[string]string{"imodel_id": "im-1", "id": "nv-1"},
		badIdentity: map[string]string{"imodel_id": "", "id": "nv-1"}, badWant: `"imodel_id" must be a non-empty string`,
	},
	{
		typeName: "itwin_storage_folder", newRes: NewStorageFolderResource,
		identity: map[string]string{"id": "folder-1"}, stringID: "folder-1",
		wantState:   map[string]string{"id": "folder-1"},
		badIdentity: map[string]string{"id": "  "}, badWant: `"id" must be a non-empty string`,
	},
	{
		typeName: "itwin_storage_file", newRes: NewStorageFileResource,
		identity: map[string]string{"id": "file-1"}, stringID: "file-1",
		wantState:   map[string]string{"id": "file-1"},
		badIdentity: map[string]string{"id": ""}, badWant: `"id" must be a non-empty string`,
	},
	{
		typeName: "itwin_sync_storage_connection", newRes: NewSyncStorageConnectionResource,
		identity: map[string]string{"id": "conn-1"}, stringID: "conn-1",
		wantState:   map[string]string{"id": "conn-1"},
		badIdentity: map[string]string{"id": ""}, badWant: `"id" must be a non-empty string`,
	},
	{
		typeName: "itwin_sync_manifest_connection", newRes: NewSyncManifestConnectionResource,
		identity: map[string]string{"id": "conn-2"}, stringID: "conn-2",
		wantState:   map[string]string{"id": "conn-2"},
		badIdentity: map[string]string{"id": ""}, badWant: `"id" must be a non-empty string`,
	},
	{
		typeName: "itwin_sync_storage_connection_source_file", newRes: NewSyncStorageConnectionSourceFileResource,
		identity: map[string]string{"connection_id": "conn-1", "id": "map/1"}, stringID: "conn-1/map%2F1",
		wantState:   map[string]string{"connection_id": "conn-1", "id": "map/1"},
		badIdentity: map[string]string{"connection_id": "", "id": "map-1"}, badWant: `"connection_id" must be a non-empty string`,
	},
	{
		typeName: "itwin_sync_manifest_connection_source_file", newRes: NewSyncManifestConnectionSourceFileResource,
		identity: map[string]string{"connection_id": "conn-2", "id": "map-2"}, stringID: "conn-2/map-2",
		wantState:   map[string]string{"connection_id": "conn-2", "id": "map-2"},
		badIdentity: map[string]string{"connection_id": "conn-2", "id": ""}, badWant: `"id" must be a non-empty string`,
	},
	{
		typeName: "itwin_sync_storage_connection_run", newRes: NewSyncStorageConnectionRunResource,
		identity: map[string]string{"connection_id": "conn-1", "id": "run-1"}, stringID: "conn-1/run-1",
		wantState:   map[string]string{"connection_id": "conn-1", "id": "run-1"},
		badIdentity: map[string]string{"connection_id": "conn-1", "id": ""}, badWant: `"id" must be a non-empty string`,
	},
	{
		typeName: "itwin_sync_manifest_connection_run", newRes: NewSyncManifestConnectionRunResource,
		identity: map[string]string{"connection_id": "conn-2", "id": "run-2"}, stringID: "conn-2/run-2",
		wantState:   map[string]string{"connection_id": "conn-2", "id": "run-2"},
		badIdentity: map[string]string{"connection_id": "", "id": "run-2"}, badWant: `"connection_id" must be a non-empty string`,
	},
	{
		typeName: "itwin_sync_configuration", newRes: NewSyncConfigurationResource,
		identity: map[string]string{"scope": "imodel", "scope_id": "im-1"}, stringID: "imodels/im-1",
		wantState:   map[string]string{"id": "imodels/im-1", "imodel_id": "im-1", "itwin_id": "", "connection_id": ""},
		badIdentity: map[string]string{"scope": "project", "scope_id": "p-1"}, badWant: `"scope" must be one of "itwin", "imodel" or "connection", got "project"`,
	},
}

// TestIdentityCasesCoverEveryImportableResource keeps the table complete: a new importable resource without
// identity (or without a row here) fails.
func TestIdentityCasesCoverEveryImportableResource(t *testing.T) {
	ctx := context.Background()
	var want, got []string
	for _, f := range New("test")().Resources(ctx) {
		r := f()
		if _, ok := r.(resource.ResourceWithImportState); !ok {
			continue
		}
		var m resource.MetadataResponse
		r.Metadata(ctx, resource.MetadataRequest{ProviderTypeName: "itwin"}, &m)
		want = append(want, m.TypeName)
		if _, ok := r.(resource.ResourceWithIdentity); !ok {
			t.Errorf("%s is importable but has no resource identity", m.TypeName)
		}
	}
	for _, c := range identityCases {
		got = append(got, c.typeName)
	}
	slices.Sort(want)
	slices.Sort(got)
	if !slices.Equal(want, got) {
		t.Fatalf("identity test cases cover %v, importable resources are %v", got, want)
	}
}

func resourceSchemas(t *testing.T, r resource.Resource) (resource.SchemaResponse, resource.IdentitySchemaResponse) {
	t.Helper()
	ctx := context.Background()
	var s resource.SchemaResponse
	r.Schema(ctx, resource.SchemaRequest{}, &s)
	if s.Diagnostics.HasError() {
		t.Fatalf("schema: %v", s.Diagnostics)
	}
	var is resource.IdentitySchemaResponse
	r.(resource.ResourceWithIdentity).IdentitySchema(ctx, resource.IdentitySchemaRequest{}, &is)
	if is.Diagnostics.HasError() {
		t.Fatalf("identity schema: %v", is.Diagnostics)
	}
	return s, is
}

// identityValue builds an identity of the resource's identity schema from string values.
func identityValue(t *testing.T, is resource.IdentitySchemaResponse, values map[string]string) *tfsdk.ResourceIdentity {
	t.Helper()
	ty := is.IdentitySchema.Type().TerraformType(context.Background())
	vals := map[string]tftypes.Value{}
	for name := range is.IdentitySchema.Attributes {
		v, ok := values[name]
		if !ok {
			t.Fatalf("identity value for %q missing from the test case", name)
		}
		vals[name] = tftypes.NewValue(tftypes.String, v)
	}
	return &tfsdk.ResourceIdentity{Schema: is.IdentitySchema, Raw: tftypes.NewValue(ty, vals)}
}

func nullIdentity(is resource.IdentitySchemaResponse) *tfsdk.ResourceIdentity {
	ty := is.IdentitySchema.Type().TerraformType(context.Background())
	return &tfsdk.ResourceIdentity{Schema: is.IdentitySchema, Raw: tftypes.NewValue(ty, nil)}
}

// importState calls ImportState the way the framework does: a null state and an identity that is null unless
// the import uses one.
func importState(t *testing.T, r resource.Resource, id string, identity *tfsdk.ResourceIdentity) resource.ImportStateResponse {
	t.Helper()
	ctx := context.Background()
	s, is := resourceSchemas(t, r)
	if identity == nil {
		identity = nullIdentity(is)
	}
	resp := resource.ImportStateResponse{
		State:    tfsdk.State{Schema: s.Schema, Raw: tftypes.NewValue(s.Schema.Type().TerraformType(ctx), nil)},
		Identity: &tfsdk.ResourceIdentity{Schema: identity.Schema, Raw: identity.Raw.Copy()},
	}
	r.(resource.ResourceWithImportState).ImportState(ctx, resource.ImportStateRequest{ID: id, Identity: identity}, &resp)
	return resp
}

func stateString(t *testing.T, st tfsdk.State, name string) string {
	t.Helper()
	var v types.String
	if d := st.GetAttribute(context.Background(), path.Root(name), &v); d.HasError() {
		t.Fatalf("reading %s: %v", name, d)
	}
	return v.ValueString()
}

func identityStrings(t *testing.T, id *tfsdk.ResourceIdentity) map[string]string {
	t.Helper()
	out := map[string]string{}
	for name := range id.Schema.GetAttributes() {
		var v types.String
		if d := id.GetAttribute(context.Background(), path.Root(name), &v); d.HasError() {
			t.Fatalf("reading identity %s: %v", name, d)
		}
		if v.IsNull() {
			t.Fatalf("identity attribute %s is null", name)
		}
		out[name] = v.ValueString()
	}
	return out
}

func TestResourceIdentitySchemas(t *testing.T) {
	for _, c := range identityCases {
		t.Run(c.typeName, func(t *testing.T) {
			_, is := resourceSchemas(t, c.newRes())
			if d := is.IdentitySchema.ValidateImplementation(context.Background()); d.HasError() {
				t.Fatalf("invalid identity schema: %v", d)
			}
			var names []string
			for name, a := range is.IdentitySchema.Attributes {
				names = append(names, name)
				if !a.IsRequiredForImport() {
					t.Errorf("identity attribute %s is not RequiredForImport", name)
				}
				if strings.TrimSpace(a.GetDescription()) == "" {
					t.Errorf("identity attribute %s has no description", name)
				}
			}
			var want []string
			for name := range c.identity {
				want = append(want, name)
			}
			slices.Sort(names)
			slices.Sort(want)
			if !slices.Equal(names, want) {
				t.Errorf("identity attributes = %v, want %v", names, want)
			}
		})
	}
}

// TestResourceImportByIdentity checks that an import block's identity and the string import id lead to the same
// state, and that an invalid identity is refused with an error naming the attribute.
func TestResourceImportByIdentity(t *testing.T) {
	for _, c := range identityCases {
		t.Run(c.typeName, func(t *testing.T) {
			r := c.newRes()
			_, is := resourceSchemas(t, r)

			byIdentity := importState(t, r, "", identityValue(t, is, c.identity))
			if byIdentity.Diagnostics.HasError() {
				t.Fatalf("import by identity: %v", byIdentity.Diagnostics)
			}
			byString := importState(t, r, c.stringID, nil)
			if byString.Diagnostics.HasError() {
				t.Fatalf("import by string id %q: %v", c.stringID, byString.Diagnostics)
			}
			for name, want := range c.wantState {
				if got := stateString(t, byIdentity.State, name); got != want {
					t.Errorf("by identity: state %s = %q, want %q", name, got, want)
				}
				if got := stateString(t, byString.State, name); got != want {
					t.Errorf("by string id: state %s = %q, want %q", name, got, want)
				}
			}
			if !byIdentity.State.Raw.Equal(byString.State.Raw) {
				t.Errorf("import by identity and by string id differ:\n identity %s\n string   %s", byIdentity.State.Raw, byString.State.Raw)
			}

			bad := importState(t, r, "", identityValue(t, is, c.badIdentity))
			if !bad.Diagnostics.HasError() {
				t.Fatalf("import with identity %v succeeded", c.badIdentity)
			}
			if detail := bad.Diagnostics.Errors()[0].Detail(); !strings.Contains(detail, c.badWant) {
				t.Errorf("error %q does not contain %q", detail, c.badWant)
			}
		})
	}
}

// TestResourceReadGoneKeepsIdentity reads each resource, right after a string-id import (so without a stored
// identity, like state written before identity support), against an API where nothing exists. The resource must
// be removed with a warning and still answer with its identity: a missing one makes the framework fail with
// "Missing Resource Identity After Read".
func TestResourceReadGoneKeepsIdentity(t *testing.T) {
	api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusNotFound)
		_, _ = w.Write([]byte(`{"error":{"code":"NotFound","message":"not found"}}`))
	}))
	defer api.Close()
	client, err := itwin.NewClient(context.Background(), itwin.Config{APIURL: api.URL, AccessToken: "token", MaxRetries: 0})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	for _, c := range identityCases {
		t.Run(c.typeName, func(t *testing.T) {
			r := c.newRes()
			var cfg resource.ConfigureResponse
			r.(resource.ResourceWithConfigure).Configure(ctx, resource.ConfigureRequest{ProviderData: newFakeClock().data(client)}, &cfg)
			if cfg.Diagnostics.HasError() {
				t.Fatalf("configure: %v", cfg.Diagnostics)
			}
			_, is := resourceSchemas(t, r)
			// A fresh, unconfigured resource imports without the connection kind check, which needs the object.
			imported := importState(t, c.newRes(), c.stringID, nil)
			if imported.Diagnostics.HasError() {
				t.Fatalf("import: %v", imported.Diagnostics)
			}
			resp := resource.ReadResponse{
				State:    tfsdk.State{Schema: imported.State.Schema, Raw: imported.State.Raw.Copy()},
				Identity: nullIdentity(is),
			}
			r.Read(ctx, resource.ReadRequest{State: imported.State, Identity: nullIdentity(is)}, &resp)
			if resp.Diagnostics.HasError() {
				t.Fatalf("read: %v", resp.Diagnostics)
			}
			if resp.Diagnostics.WarningsCount() == 0 {
				t.Errorf("no warning explains the removal")
			}
			if !resp.State.Raw.IsNull() {
				t.Errorf("resource not removed from state: %s", resp.State.Raw)
			}
			if got := identityStrings(t, resp.Identity); !maps.Equal(got, c.identity) {
				t.Errorf("identity after read = %v, want %v", got, c.identity)
			}
		})
	}
}
