package provider

import (
	"bytes"
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/querycheck"
	"github.com/hashicorp/terraform-plugin-testing/querycheck/queryfilter"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"
	"github.com/hashicorp/terraform-plugin-testing/tfversion"

	"github.com/seed37c7dd03/terraform-provider-itwin/internal/itwin"
	"github.com/seed37c7dd03/terraform-provider-itwin/internal/itwinlocal"
	"github.com/seed37c7dd03/terraform-provider-itwin/internal/itwinlocal/itwinlocaltest"
	"github.com/seed37c7dd03/terraform-provider-itwin/internal/wire"
)

// listTestPageSize is the page size itwin-local serves in the list tests: small enough that the lists below span
// several pages, so following _links.next is really exercised (the client asks for 1000 per page).
const listTestPageSize = 100

// startListLocal starts itwin-local for a list test, serving pages of listTestPageSize items.
func startListLocal(t *testing.T, opts ...itwinlocaltest.Option) (*itwinlocaltest.Instance, string) {
	t.Helper()
	return startPagedLocal(t, listTestPageSize, opts...)
}

// startPagedLocal starts itwin-local serving pages of at most pageSize items.
func startPagedLocal(t *testing.T, pageSize int, opts ...itwinlocaltest.Option) (*itwinlocaltest.Instance, string) {
	t.Helper()
	opts = append([]itwinlocaltest.Option{itwinlocaltest.WithConfig(func(c *itwinlocal.Config) { c.MaxPageSize = pageSize })}, opts...)
	return startLocal(t, opts...)
}

// listTestCase runs query steps against the provider on Terraform >= 1.14.
func listTestCase(steps ...resource.TestStep) resource.TestCase {
	return resource.TestCase{
		TerraformVersionChecks:   []tfversion.TerraformVersionCheck{tfversion.SkipBelow(tfversion.Version1_14_0)},
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps:                    steps,
	}
}

// requestCounter reads itwin-local's request counts, so a test can assert how many pages a list really read.
type requestCounter struct {
	inst *itwinlocaltest.Instance
	base map[string]int64
}

func countRequests(inst *itwinlocaltest.Instance) *requestCounter {
	return &requestCounter{inst: inst, base: inst.Server.Stats()}
}

// since returns how many requests of route ("GET /storage/folders/{id}/list") arrived since the last call.
func (c *requestCounter) since(route string) int64 {
	now := c.inst.Server.Stats()[route]
	n := now - c.base[route]
	c.base[route] = now
	return n
}

func testCreateFolder(t *testing.T, c *itwin.Client, parent, name string) string {
	t.Helper()
	f, err := c.CreateFolder(t.Context(), parent, wire.StorageItemCreate{DisplayName: name})
	if err != nil {
		t.Fatalf("creating folder %s: %v", name, err)
	}
	return f.ID
}

func testUploadInto(t *testing.T, c *itwin.Client, folder, name, content string) string {
	t.Helper()
	f, err := c.UploadFile(t.Context(), folder, wire.StorageItemCreate{DisplayName: name, Description: "file " + name},
		bytes.NewReader([]byte(content)), int64(len(content)))
	if err != nil {
		t.Fatalf("uploading %s: %v", name, err)
	}
	return f.ID
}

// TestAccStorageList_query lists Storage folders and files made outside Terraform: 250 files in one folder
// (three pages of 100), a nested sub-folder tree, the limit, identities, display names and resource objects.
func TestAccStorageList_query(t *testing.T) {
	inst, providerCfg := startListLocal(t)
	c := testClient(t, inst)
	big := testCreateFolder(t, c, inst.RootFolderID, "Plant A")
	var fileIDs []string
	for i := range 250 {
		fileIDs = append(fileIDs, testUploadInto(t, c, big, fmt.Sprintf("f%03d.ifc", i), strings.Repeat("x", i+1)))
	}
	sub := testCreateFolder(t, c, big, "archive")
	inner := testUploadInto(t, c, sub, "old.dgn", strings.Repeat("y", 2500))
	deep := testCreateFolder(t, c, sub, "2019")

	const listRoute = "GET /storage/folders/{id}/list"
	reqs := countRequests(inst)
	byID := func(id string) queryfilter.QueryFilter {
		return queryfilter.ByResourceIdentity(map[string]knownvalue.Check{"id": knownvalue.StringExact(id)})
	}
	resource.ParallelTest(t, listTestCase(
		resource.TestStep{ // one folder, all 250 files: three pages
			Query: true,
			Config: providerCfg + fmt.Sprintf(`
list "itwin_storage_file" "plant" {
  provider         = itwin
  include_resource = true
  limit            = 1000
  config {
    folder_id = %q
  }
}
`, big),
			QueryResultChecks: []querycheck.QueryResultCheck{
				querycheck.ExpectLength("itwin_storage_file.plant", 250),
				querycheck.ExpectIdentity("itwin_storage_file.plant", map[string]knownvalue.Check{"id": knownvalue.StringExact(fileIDs[0])}),
				querycheck.ExpectIdentity("itwin_storage_file.plant", map[string]knownvalue.Check{"id": knownvalue.StringExact(fileIDs[249])}),
				querycheck.ExpectResourceDisplayName("itwin_storage_file.plant", byID(fileIDs[249]),
					knownvalue.StringExact("/Plant A/f249.ifc (storage file, 250 B)")),
				querycheck.ExpectResourceKnownValues("itwin_storage_file.plant", byID(fileIDs[249]), []querycheck.KnownValueCheck{
					{Path: tfjsonpath.New("id"), KnownValue: knownvalue.StringExact(fileIDs[249])},
					{Path: tfjsonpath.New("folder_id"), KnownValue: knownvalue.StringExact(big)},
					{Path: tfjsonpath.New("display_name"), KnownValue: knownvalue.StringExact("f249.ifc")},
					{Path: tfjsonpath.New("description"), KnownValue: knownvalue.StringExact("file f249.ifc")},
					{Path: tfjsonpath.New("size"), KnownValue: knownvalue.Int64Exact(250)},
					{Path: tfjsonpath.New("path"), KnownValue: knownvalue.StringExact("Plant A/f249.ifc")},
					{Path: tfjsonpath.New("source"), KnownValue: knownvalue.Null()},
					{Path: tfjsonpath.New("source_hash"), KnownValue: knownvalue.Null()},
				}),
			},
		},
		resource.TestStep{ // the whole tree from the iTwin's root; the limit stops reading pages
			PreConfig: func() {
				if n := reqs.since(listRoute); n != 3 {
					t.Errorf("listing 250 files in pages of %d made %d list requests, want 3", listTestPageSize, n)
				}
			},
			Query: true,
			Config: providerCfg + fmt.Sprintf(`
list "itwin_storage_file" "all" {
  provider = itwin
  limit    = 1000
  config {
    itwin_id  = %[1]q
    recursive = true
  }
}

list "itwin_storage_folder" "tree" {
  provider         = itwin
  include_resource = true
  config {
    itwin_id  = %[1]q
    recursive = true
  }
}

list "itwin_storage_folder" "top" {
  provider = itwin
  config {
    itwin_id = %[1]q
  }
}

list "itwin_storage_file" "first" {
  provider = itwin
  limit    = 5
  config {
    folder_id = %[2]q
  }
}
`, inst.ITwinID, big),
			QueryResultChecks: []querycheck.QueryResultCheck{
				querycheck.ExpectLength("itwin_storage_file.all", 251),
				querycheck.ExpectIdentity("itwin_storage_file.all", map[string]knownvalue.Check{"id": knownvalue.StringExact(inner)}),
				querycheck.ExpectResourceDisplayName("itwin_storage_file.all", byID(inner),
					knownvalue.StringExact("/Plant A/archive/old.dgn (storage file, 2.5 kB)")),
				querycheck.ExpectLength("itwin_storage_folder.tree", 3),
				querycheck.ExpectResourceDisplayName("itwin_storage_folder.tree", byID(deep),
					knownvalue.StringExact("/Plant A/archive/2019 (storage folder)")),
				querycheck.ExpectResourceKnownValues("itwin_storage_folder.tree", byID(big), []querycheck.KnownValueCheck{
					{Path: tfjsonpath.New("display_name"), KnownValue: knownvalue.StringExact("Plant A")},
					{Path: tfjsonpath.New("parent_folder_id"), KnownValue: knownvalue.StringExact(inst.RootFolderID)},
					{Path: tfjsonpath.New("itwin_id"), KnownValue: knownvalue.Null()},
					{Path: tfjsonpath.New("description"), KnownValue: knownvalue.Null()},
				}),
				querycheck.ExpectResourceKnownValues("itwin_storage_folder.tree", byID(sub), []querycheck.KnownValueCheck{
					{Path: tfjsonpath.New("parent_folder_id"), KnownValue: knownvalue.StringExact(big)},
					{Path: tfjsonpath.New("path"), KnownValue: knownvalue.StringExact("Plant A/archive")},
				}),
				querycheck.ExpectLength("itwin_storage_folder.top", 1),
				querycheck.ExpectIdentity("itwin_storage_folder.top", map[string]knownvalue.Check{"id": knownvalue.StringExact(big)}),
				querycheck.ExpectLength("itwin_storage_file.first", 5),
			},
		},
	))
	// The tree walks list root (1 page), Plant A (251 items: 3 pages), archive and 2019 (1 each) for "all" and
	// for "tree", the root once more for "top", and one page of Plant A for "first": its limit of 5 is reached
	// on the first page, so no second page is read.
	if n := reqs.since(listRoute); n != 6+6+1+1 {
		t.Errorf("the second query made %d list requests, want 14", n)
	}
}

// TestAccStorageList_errors: an unknown folder or iTwin is one error naming the config attribute; a client
// without access to the iTwin is told which access it lacks.
func TestAccStorageList_errors(t *testing.T) {
	inst, providerCfg := startListLocal(t, itwinlocaltest.WithClients(
		itwinlocal.ClientConfig{ID: "owner", Secret: "owner-secret", ITwins: []string{"*"}},
		itwinlocal.ClientConfig{ID: "stranger", Secret: "stranger-secret", ITwins: []string{}},
	))
	strangerCfg := strings.NewReplacer(`"owner"`, `"stranger"`, `"owner-secret"`, `"stranger-secret"`).Replace(providerCfg)
	listBlock := func(typ, attr, value string) string {
		return fmt.Sprintf(`
list %q "x" {
  provider = itwin
  config {
    %s = %q
  }
}
`, typ, attr, value)
	}
	resource.ParallelTest(t, listTestCase(
		resource.TestStep{
			Query:       true,
			Config:      providerCfg + listBlock("itwin_storage_file", "folder_id", "no-such-folder"),
			ExpectError: regexp.MustCompile(`(?s)Storage folder not found.*config\.folder_id = "no-such-folder"`),
		},
		resource.TestStep{
			Query:       true,
			Config:      providerCfg + listBlock("itwin_storage_folder", "itwin_id", "00000000-0000-4000-8000-000000000000"),
			ExpectError: regexp.MustCompile(`(?s)iTwin not found.*config\.itwin_id`),
		},
		resource.TestStep{
			Query:       true,
			Config:      strangerCfg + listBlock("itwin_storage_file", "itwin_id", inst.ITwinID),
			ExpectError: regexp.MustCompile(`(?s)Access denied.*read access to the iTwin's Storage`),
		},
		resource.TestStep{
			Query: true,
			Config: providerCfg + `
list "itwin_storage_file" "x" {
  provider = itwin
  config {
    folder_id = "a"
    itwin_id  = "b"
  }
}
`,
			ExpectError: regexp.MustCompile(`(?s)Invalid Attribute Combination.*folder_id,itwin_id`),
		},
	))
}

// TestAccStorageList_failureMidway: when a later page fails, the query fails with the error and says how many
// results came before it; it never ends as a shorter list that looks complete.
func TestAccStorageList_failureMidway(t *testing.T) {
	inst, _ := startListLocal(t)
	c := testClient(t, inst)
	folder := testCreateFolder(t, c, inst.RootFolderID, "Plant B")
	for i := range listTestPageSize + 20 {
		testUploadInto(t, c, folder, fmt.Sprintf("g%03d.dgn", i), "z")
	}
	proxy := newFaultProxy(t, inst)
	proxy.set(func(w http.ResponseWriter, r *http.Request, _ http.Handler) bool {
		if r.Method != http.MethodGet || !strings.HasSuffix(r.URL.Path, "/list") || r.URL.Query().Get("$skip") == "" {
			return false
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusForbidden)
		fmt.Fprint(w, `{"error":{"code":"InsufficientPermissions","message":"The user has insufficient permissions for the requested operation."}}`)
		return true
	})
	resource.ParallelTest(t, listTestCase(resource.TestStep{
		Query: true,
		Config: proxy.providerBlock(inst) + fmt.Sprintf(`
list "itwin_storage_file" "x" {
  provider = itwin
  limit    = 1000
  config {
    folder_id = %q
  }
}
`, folder),
		ExpectError: regexp.MustCompile(`(?s)Access denied.*read access to the iTwin's Storage.*stopped after 100 result\(s\) and is\s+incomplete`),
	}))
}
