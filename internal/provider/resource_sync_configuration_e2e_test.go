package provider

import (
	"bytes"
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/terraform"

	"github.com/seed37c7dd03/terraform-provider-itwin/internal/itwin"
	"github.com/seed37c7dd03/terraform-provider-itwin/internal/wire"
)

// TestAccSyncConfiguration_squashChangesRunOutput checks that squash_intermediate_revisions set through Terraform
// changes what the next itwin-local run pushes (spec §11m): one changeset per changed file when false, one
// changeset for the whole run, listing every changed file, when true.
func TestAccSyncConfiguration_squashChangesRunOutput(t *testing.T) {
	inst, providerCfg := startLocal(t)
	c := testClient(t, inst)
	ctx := t.Context()

	files := map[string]string{} // name → storage file id
	for _, name := range []string{"north.dgn", "south.dgn"} {
		files[name] = testUploadFile(t, c, inst, name, "version 1 of "+name+"\n")
	}
	conn, err := c.Connections(wire.KindStorage).Create(ctx, itwin.ConnectionCreate{
		IModelID:           inst.IModelID,
		DisplayName:        "squash test",
		AuthenticationType: "Service",
		SourceFiles: []itwin.SourceFile{
			{Key: files["north.dgn"], ConnectorType: "MSTN"},
			{Key: files["south.dgn"], ConnectorType: "MSTN"},
		},
	})
	if err != nil {
		t.Fatalf("creating the storage connection: %v", err)
	}

	// runAndCount starts a run, waits for it and returns the changesets it pushed.
	runAndCount := func() ([]wire.Changeset, error) {
		before, err := c.ListChangesets(ctx, inst.IModelID)
		if err != nil {
			return nil, fmt.Errorf("listing changesets: %w", err)
		}
		started, err := c.Connections(wire.KindStorage).StartRun(ctx, conn.ID, nil)
		if err != nil {
			return nil, fmt.Errorf("starting a run: %w", err)
		}
		wctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
		defer cancel()
		run, err := itwin.WaitForRun(wctx, func(ctx context.Context) (*wire.Run, error) {
			return c.Connections(wire.KindStorage).GetRun(ctx, conn.ID, started.RunID)
		}, itwin.WaitOptions{MinInterval: 100 * time.Millisecond, MaxInterval: time.Second})
		if err != nil {
			return nil, fmt.Errorf("waiting for run %s: %w", started.RunID, err)
		}
		if run.Result != "Success" {
			return nil, fmt.Errorf("run %s ended %s/%s, want Success (error %+v)", run.ID, run.State, run.Result, run.Error)
		}
		after, err := c.ListChangesets(ctx, inst.IModelID)
		if err != nil {
			return nil, fmt.Errorf("listing changesets: %w", err)
		}
		return after[len(before):], nil
	}
	changedFiles := func(cs []wire.Changeset) []string {
		var out []string
		for _, c := range cs {
			if c.SynchronizationInfo != nil {
				out = append(out, c.SynchronizationInfo.ChangedFiles...)
			}
		}
		slices.Sort(out)
		return out
	}
	cfg := func(squash bool) string {
		return providerCfg + fmt.Sprintf(`
resource "itwin_sync_configuration" "itwin" {
  itwin_id                      = %q
  squash_intermediate_revisions = %t
}
`, inst.ITwinID, squash)
	}

	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config: cfg(false),
				Check: func(*terraform.State) error {
					pushed, err := runAndCount()
					if err != nil {
						return err
					}
					if len(pushed) != 2 {
						return fmt.Errorf("without squashing, the first run pushed %d changesets, want 2 (one per file)", len(pushed))
					}
					if got := changedFiles(pushed); !slices.Equal(got, []string{"north.dgn", "south.dgn"}) {
						return fmt.Errorf("changed files %v", got)
					}
					return nil
				},
			},
			{
				PreConfig: func() {
					for name, id := range files {
						content := []byte("version 2 of " + name + "\n")
						if _, err := c.UpdateFileContent(ctx, id, bytes.NewReader(content), int64(len(content))); err != nil {
							t.Fatalf("updating %s: %v", name, err)
						}
					}
				},
				Config: cfg(true),
				Check: func(*terraform.State) error {
					pushed, err := runAndCount()
					if err != nil {
						return err
					}
					if len(pushed) != 1 {
						return fmt.Errorf("with squash_intermediate_revisions = true, the run pushed %d changesets, want 1", len(pushed))
					}
					if got := changedFiles(pushed); !slices.Equal(got, []string{"north.dgn", "south.dgn"}) {
						return fmt.Errorf("the squashed changeset lists %v, want both files", got)
					}
					return nil
				},
			},
		},
	})
}
