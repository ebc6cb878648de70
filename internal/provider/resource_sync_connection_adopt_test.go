package provider

import (
	"context"
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"

	"github.com/seed37c7dd03/terraform-provider-itwin/internal/itwin"
	"github.com/seed37c7dd03/terraform-provider-itwin/internal/wire"
)

// onCreate returns a proxy interception that applies mode to the next create POST on collection (and lets every
// other request through). mode: "drop" loses the request before the server sees it; "lose-answer" lets the server
// create the connection and then drops the answer.
func onCreate(collection string, mode *atomic.Value) func(http.ResponseWriter, *http.Request, http.Handler) bool {
	return func(w http.ResponseWriter, r *http.Request, forward http.Handler) bool {
		if r.Method != http.MethodPost || !strings.EqualFold(strings.TrimRight(r.URL.Path, "/"), collection) {
			return false
		}
		switch mode.Swap("") {
		case "drop":
			dropConnection(w)
			return true
		case "lose-answer":
			forwardThenDrop(w, r, forward)
			return true
		}
		return false
	}
}

// onlyConnection checks that the iModel has exactly one connection and that the state points at it.
func onlyConnection(list func() ([]wire.Connection, error), addr string) resource.TestCheckFunc {
	return func(s *terraform.State) error {
		id, err := stateAttr(s, addr, "id")
		if err != nil {
			return err
		}
		conns, err := list()
		if err != nil {
			return err
		}
		if len(conns) != 1 || conns[0].ID != id {
			return fmt.Errorf("the iModel has connections %+v, state has %s: want exactly the state's one", conns, id)
		}
		return nil
	}
}

// Review #10: a create whose answer is lost used to orphan the connection, and every later apply failed with
// FileAlreadyMapped. Now the provider lists the iModel's connections and adopts the one with the planned name
// and files.
func TestAccSyncStorageConnection_adoptAfterLostAnswer(t *testing.T) {
	inst, _ := startLocal(t)
	c := testClient(t, inst)
	fileA := testUploadFile(t, c, inst, "a.dgn", "dgn A")
	fileB := testUploadFile(t, c, inst, "b.ifc", "ISO-10303-21;")
	proxy := newFaultProxy(t, inst)
	var mode atomic.Value
	mode.Store("")
	proxy.set(onCreate("/synchronization/imodels/storageconnections", &mode))
	list := func() ([]wire.Connection, error) {
		return c.Connections(wire.KindStorage).List(context.Background(), inst.IModelID)
	}
	config := storageConnConfig(proxy.providerBlock(inst), inst.IModelID, `display_name = "adopt me"`,
		[][2]string{{fileA, "MSTN"}, {fileB, "IFC"}})

	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				// Lost before the server saw it: nothing to adopt, the transport error is reported.
				PreConfig:   func() { mode.Store("drop") },
				Config:      config,
				ExpectError: regexp.MustCompile(`(?i)creating storage connection`),
			},
			{
				PreConfig: func() {
					if conns, err := list(); err != nil || len(conns) != 0 {
						t.Fatalf("a dropped create must create nothing: %+v (err %v)", conns, err)
					}
					mode.Store("lose-answer")
				},
				Config: config,
				Check:  onlyConnection(list, storageConnAddr),
			},
			{
				Config:           config,
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}},
			},
		},
	})
}

func TestAccSyncManifestConnection_adoptAfterLostAnswer(t *testing.T) {
	inst, _ := startLocal(t)
	c := testClient(t, inst)
	proxy := newFaultProxy(t, inst)
	var mode atomic.Value
	mode.Store("lose-answer")
	proxy.set(onCreate("/synchronization/imodels/manifestconnections", &mode))
	list := func() ([]wire.Connection, error) {
		return c.Connections(wire.KindManifest).List(context.Background(), inst.IModelID)
	}
	config := manifestConnConfig(proxy.providerBlock(inst), inst.IModelID, "", "dms-1", "dms-2")

	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{Config: config, Check: onlyConnection(list, manifestConnAddr)},
			{Config: config, ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}}},
		},
	})
}

// When the files are already mapped, the error names the connection that maps them and says how to import it:
// it may be this resource's own connection, left by an interrupted apply.
func TestAccSyncStorageConnection_alreadyMappedNamesHolder(t *testing.T) {
	inst, providerCfg := startLocal(t)
	c := testClient(t, inst)
	fileA := testUploadFile(t, c, inst, "a.dgn", "dgn A")
	holder, err := c.Connections(wire.KindStorage).Create(t.Context(), itwin.ConnectionCreate{
		IModelID: inst.IModelID, DisplayName: "left behind",
		SourceFiles: []itwin.SourceFile{{Key: fileA, ConnectorType: "MSTN"}},
	})
	if err != nil {
		t.Fatal(err)
	}
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{{
			Config:      storageConnConfig(providerCfg, inst.IModelID, `display_name = "left behind"`, [][2]string{{fileA, "MSTN"}}),
			ExpectError: regexp.MustCompile(`(?s)already mapped.*` + regexp.QuoteMeta(holder.ID) + `.*"left behind".*terraform\s+import`),
		}},
	})
}
