package provider

import (
	"context"
	"strconv"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-go/tftypes"

	"github.com/seed37c7dd03/terraform-provider-itwin/internal/wire"
)

func TestFlattenRun_EmptyAndErrors(t *testing.T) {
	outs, diags := flattenRun(context.Background(), runDetails{})
	if diags.HasError() || !outs.State.IsNull() || outs.Tasks.IsNull() || len(outs.Tasks.Elements()) != 0 {
		t.Fatalf("empty outputs must be known (null scalars, empty lists): %+v %v", outs, diags)
	}
	r := run(wire.StateExecuting, wire.ResultUndetermined)
	r.Error = &wire.RunError{ErrorKey: "K", Description: "D"}
	outs, _ = flattenRun(context.Background(), runDetails{run: &r})
	if !outs.EndedAt.IsNull() || !outs.DurationSeconds.IsNull() || outs.Error.IsNull() {
		t.Errorf("active run: ended_at/duration must be null and error set: %+v", outs)
	}
}

func TestFileNamesFromTasks(t *testing.T) {
	r := run(wire.StateCompleted, wire.ResultSuccess, twoTaskJob(wire.Task{ID: "b", SourceFileID: "dms-1", State: wire.StateCompleted}))
	outs, _ := flattenRun(context.Background(), runDetails{run: &r, fileNames: map[string]string{"file-a": "a.ifc", "dms-1": "m.dgn"}})
	got := fileNamesFromTasks(context.Background(), outs.Tasks)
	if got["file-a"] != "a.ifc" || got["dms-1"] != "m.dgn" {
		t.Errorf("names = %v", got)
	}
}

// readMissingRun on a manifest connection: same rules as for storage runs, and an error reading the connection
// is reported rather than guessed at.
func TestReadMissingRun_Manifest(t *testing.T) {
	ctx := context.Background()
	var sch resource.SchemaResponse
	NewSyncManifestConnectionRunResource().Schema(ctx, resource.SchemaRequest{}, &sch)
	for name, c := range map[string]struct {
		connGone, connDenied bool
		wantRemoved, wantErr bool
	}{
		"connection exists":     {},
		"connection deleted":    {connGone: true, wantRemoved: true},
		"connection unreadable": {connDenied: true, wantErr: true},
	} {
		t.Run(name, func(t *testing.T) {
			f := newFakeSync(t, wire.KindManifest)
			f.connGone, f.connDenied = c.connGone, c.connDenied
			st := tfsdk.State{Schema: sch.Schema, Raw: tftypes.NewValue(sch.Schema.Type().TerraformType(ctx), nil)}
			if d := st.SetAttribute(ctx, path.Root("id"), "run-x"); d.HasError() {
				t.Fatal(d)
			}
			resp := &resource.ReadResponse{State: st}
			readMissingRun(ctx, f.target(), "run-x", resp)
			if got := resp.State.Raw.IsNull(); got != c.wantRemoved {
				t.Errorf("removed = %v, want %v (%v)", got, c.wantRemoved, resp.Diagnostics)
			}
			if got := resp.Diagnostics.HasError(); got != c.wantErr {
				t.Errorf("error = %v, want %v (%v)", got, c.wantErr, resp.Diagnostics)
			}
			if !c.wantErr && resp.Diagnostics.WarningsCount() != 1 {
				t.Errorf("diags = %v, want one warning", resp.Diagnostics)
			}
		})
	}
}

// 3554 ms through Duration.Seconds() is 3.5540000000000003; state, data sources and run history (all built by
// flattenRun) show 3.554, and sub-millisecond precision is rounded away.
func TestFlattenRun_DurationRoundedToMilliseconds(t *testing.T) {
	if noisy := (3554 * time.Millisecond).Seconds(); noisy == 3.554 {
		t.Fatalf("precondition: Duration.Seconds() no longer shows float noise (%v); this test proves nothing", noisy)
	}
	for _, c := range []struct {
		d    time.Duration
		want string
	}{
		{3554 * time.Millisecond, "3.554"},
		{3554*time.Millisecond + 499*time.Microsecond, "3.554"},
		{3554*time.Millisecond + 500*time.Microsecond, "3.555"},
		{2*time.Hour + 7*time.Millisecond, "7200.007"},
	} {
		r := run(wire.StateCompleted, wire.ResultSuccess)
		r.EndDateTime = wire.NewTimestamp(r.StartDateTime.Add(c.d))
		outs, diags := flattenRun(context.Background(), runDetails{run: &r})
		if diags.HasError() {
			t.Fatal(diags)
		}
		// Shortest round-trip form, as in state JSON.
		if got := strconv.FormatFloat(outs.DurationSeconds.ValueFloat64(), 'f', -1, 64); got != c.want {
			t.Errorf("duration of %v = %s, want %s", c.d, got, c.want)
		}
	}
}
