package provider

import (
	"fmt"
	"sync"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
)

// One configured client looks an iTwin's root folder up once, however many callers ask at the same time; a new
// walk (a new client) asks again, and a failure is not remembered.
func TestAccRootFolderID_oncePerWalk(t *testing.T) {
	inst, _ := startLocal(t)
	t.Parallel()
	count := countRequests(inst)
	walk := testClient(t, inst)
	var wg sync.WaitGroup
	ids := make([]string, 10)
	errs := make([]error, 10)
	for i := range ids {
		wg.Go(func() { ids[i], errs[i] = rootFolderID(t.Context(), walk, inst.ITwinID) })
	}
	wg.Wait()
	for i := range ids {
		if errs[i] != nil || ids[i] != inst.RootFolderID {
			t.Fatalf("caller %d: %q, %v; want %q", i, ids[i], errs[i], inst.RootFolderID)
		}
	}
	if n := count.since("GET /storage"); n != 1 {
		t.Errorf("10 callers in one walk: %d root lookups, want 1", n)
	}
	if id, err := rootFolderID(t.Context(), testClient(t, inst), inst.ITwinID); err != nil || id != inst.RootFolderID {
		t.Fatalf("new walk: %q, %v", id, err)
	}
	if n := count.since("GET /storage"); n != 1 {
		t.Errorf("a new walk: %d root lookups, want 1", n)
	}
	for range 2 {
		if _, err := rootFolderID(t.Context(), walk, "00000000-0000-0000-0000-000000000000"); err == nil {
			t.Fatal("an unknown iTwin must fail")
		}
	}
	if n := count.since("GET /storage"); n != 2 {
		t.Errorf("two failed lookups: %d requests, want 2 (failures are not cached)", n)
	}
}

// Creating folders in an iTwin's root costs one POST each and one root lookup for the whole apply.
func TestAccStorageFolder_createsShareRootLookup(t *testing.T) {
	inst, providerCfg := startLocal(t)
	count := countRequests(inst)
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{{
			Config: providerCfg + fmt.Sprintf(`
resource "itwin_storage_folder" "f" {
  count        = 5
  itwin_id     = %q
  display_name = "root lookup ${count.index}"
}
`, inst.ITwinID),
			Check: func(*terraform.State) error {
				// The step's plan reads nothing from Storage for creates; its apply creates the 5 folders.
				if posts, roots := count.since("POST /storage/folders/{id}/folders"), count.since("GET /storage"); posts != 5 || roots != 1 {
					return fmt.Errorf("creating 5 root folders: %d POSTs and %d root lookups, want 5 and 1", posts, roots)
				}
				return nil
			},
		}},
	})
}
