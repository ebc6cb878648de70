package provider

import (
	"context"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/seed37c7dd03/terraform-provider-itwin/internal/itwin"
)

func TestPlanReconcile(t *testing.T) {
	sf := func(key, ct string) itwin.SourceFile { return itwin.SourceFile{Key: key, ConnectorType: ct} }
	current := []itwin.SourceFile{
		{ID: "m-a", Key: "a", ConnectorType: "MSTN"},
		{ID: "m-b", Key: "b", ConnectorType: "MSTN"},
		{ID: "m-c", Key: "c", ConnectorType: "IFC"},
	}
	desired := []itwin.SourceFile{
		sf("a", "MSTN"),  // kept as is
		sf("b", "CIVIL"), // re-typed: PUT on its mapping
		sf("d", "DWG"),   // new
	}
	p := planReconcile(current, desired)
	if !reflect.DeepEqual(p.Add, []itwin.SourceFile{sf("d", "DWG")}) {
		t.Errorf("Add = %+v", p.Add)
	}
	if !reflect.DeepEqual(p.Update, map[string]itwin.SourceFile{"m-b": sf("b", "CIVIL")}) {
		t.Errorf("Update = %+v", p.Update)
	}
	if len(p.Delete) != 1 || p.Delete[0].ID != "m-c" {
		t.Errorf("Delete = %+v", p.Delete)
	}
	if p := planReconcile(current, []itwin.SourceFile{sf("a", "MSTN"), sf("b", "MSTN"), sf("c", "IFC")}); len(p.Add)+len(p.Update)+len(p.Delete) != 0 {
		t.Errorf("an equal set must need no calls, got %+v", p)
	}
}

// Manifest mappings have no connector type: only adds and deletes.
func TestPlanReconcileManifest(t *testing.T) {
	current := []itwin.SourceFile{{ID: "m1", Key: "dms-1"}, {ID: "m2", Key: "dms-2"}}
	p := planReconcile(current, []itwin.SourceFile{{Key: "dms-1"}, {Key: "dms-3"}})
	if !reflect.DeepEqual(p.Add, []itwin.SourceFile{{Key: "dms-3"}}) || len(p.Update) != 0 || len(p.Delete) != 1 || p.Delete[0].ID != "m2" {
		t.Errorf("plan = %+v", p)
	}
}

func TestStorageSourceFilesOfUnknown(t *testing.T) {
	ctx := context.Background()
	if _, known := storageSourceFilesOf(ctx, types.SetUnknown(storageFileObjectType)); known {
		t.Error("an unknown set must not be known")
	}
	partly := types.SetValueMust(storageFileObjectType, []attr.Value{types.ObjectValueMust(storageFileObjectType.AttrTypes, map[string]attr.Value{
		"storage_file_id": types.StringUnknown(), "connector_type": types.StringValue("MSTN"),
	})})
	if _, known := storageSourceFilesOf(ctx, partly); known {
		t.Error("a set with an unknown member must not be known")
	}
	set, d := storageSourceFilesValue(ctx, []itwin.SourceFile{{ID: "m", Key: "a", ConnectorType: "IFC", FileName: "a.ifc"}})
	files, known := storageSourceFilesOf(ctx, set)
	if d.HasError() || !known || !reflect.DeepEqual(files, []itwin.SourceFile{{Key: "a", ConnectorType: "IFC"}}) {
		t.Errorf("files = %+v, %v, %v", files, known, d)
	}
	mset, d := manifestSourceFilesValue(ctx, []itwin.SourceFile{{ID: "m", Key: "dms|1"}})
	if files, known := manifestSourceFilesOf(ctx, mset); d.HasError() || !known || !reflect.DeepEqual(files, []itwin.SourceFile{{Key: "dms|1"}}) {
		t.Errorf("manifest files = %+v, %v, %v", files, known, d)
	}
	if k := fileKey(itwin.SourceFile{Key: "dms|1"}); fileOfKey(k) != "dms|1" {
		t.Errorf("fileOfKey(%q) = %q: a manifest id may contain the separator", k, fileOfKey(k))
	}
}

func TestPlannedComputedMap(t *testing.T) {
	prior := stringMapValue(map[string]string{"a": "id-a", "b": "id-b"})
	got := plannedComputedMap(prior, []string{"a", "c"}, func(k string) bool { return k != "c" })
	want := types.MapValueMust(types.StringType, map[string]attr.Value{"a": types.StringValue("id-a"), "c": types.StringUnknown()})
	if !got.Equal(want) {
		t.Errorf("got %s, want %s", got, want)
	}
	// keep=false makes a prior value unknown (a re-typed file's name may change).
	got = plannedComputedMap(prior, []string{"a"}, func(string) bool { return false })
	if !got.Elements()["a"].IsUnknown() {
		t.Errorf("want a unknown, got %s", got)
	}
}

func TestPreferPlannedMap(t *testing.T) {
	planned := types.MapValueMust(types.StringType, map[string]attr.Value{"a": types.StringValue("planned-a"), "c": types.StringUnknown()})
	got := preferPlannedMap(planned, map[string]string{"a": "server-a", "c": "server-c"})
	want := stringMapValue(map[string]string{"a": "planned-a", "c": "server-c"})
	if !got.Equal(want) {
		t.Errorf("got %s, want %s", got, want)
	}
}

func TestAddConnectorExtensionWarning(t *testing.T) {
	var diags diag.Diagnostics
	p := path.Root("source_files")
	addConnectorExtensionWarning(&diags, p, "plant.DGN", "MSTN")
	addConnectorExtensionWarning(&diags, p, "", "MSTN")
	addConnectorExtensionWarning(&diags, p, "x.rvt", "NOT-A-TYPE")
	if len(diags) != 0 {
		t.Fatalf("accepted, unnamed or unknown-type files must not warn: %v", diags)
	}
	addConnectorExtensionWarning(&diags, p, "site.geojson", "IFC")
	if len(diags.Warnings()) != 1 || diags.HasError() {
		t.Fatalf("want one warning, got %v", diags)
	}
	for _, w := range []string{"site.geojson", "IFC", ".ifc"} {
		if !strings.Contains(diags[0].Detail(), w) {
			t.Errorf("warning %q does not mention %q", diags[0].Detail(), w)
		}
	}
}

func TestDuplicateKeys(t *testing.T) {
	if got := duplicateKeys([]string{"b", "a", "b", "c", "a"}); !reflect.DeepEqual(got, []string{"a", "b"}) {
		t.Errorf("got %q", got)
	}
}

func TestDeleteConnectionRetries(t *testing.T) {
	inUse := &itwin.APIError{Status: 409, Code: codeConnectionAlreadyInUse, Message: "Connection is already being processed."}

	t.Run("run finishes", func(t *testing.T) {
		calls := 0
		var diags diag.Diagnostics
		clk := newFakeClock()
		deleteConnection(t.Context(), clk, defaultConnectionDeleteTimeout, "storage connection", "c1", func(context.Context, string) error {
			calls++
			if calls < 3 {
				return inUse
			}
			return nil
		}, &diags)
		if diags.HasError() || calls != 3 {
			t.Errorf("calls=%d diags=%v", calls, diags)
		}
		if want := []time.Duration{connectionInUseInterval, connectionInUseInterval}; !equalDurations(clk.recorded(), want) {
			t.Errorf("waits = %v, want %v", clk.recorded(), want)
		}
	})
	// timeouts.delete bounds the wait, on the provider's clock: attempts every 5 s, the last one when the
	// timeout runs out (a shorter wait then), and an error naming timeouts.delete.
	for _, c := range []struct {
		timeout time.Duration
		waits   []time.Duration
		text    string
	}{
		{defaultConnectionDeleteTimeout, slices.Repeat([]time.Duration{connectionInUseInterval}, 12), "within 1m0s (timeouts.delete)"},
		{12 * time.Second, []time.Duration{5 * time.Second, 5 * time.Second, 2 * time.Second}, "within 12s (timeouts.delete)"},
		{0, nil, "within 0s"},
	} {
		t.Run("run outlasts timeout "+c.timeout.String(), func(t *testing.T) {
			calls := 0
			var diags diag.Diagnostics
			clk := newFakeClock()
			start := clk.Now()
			deleteConnection(t.Context(), clk, c.timeout, "storage connection", "c1", func(context.Context, string) error { calls++; return inUse }, &diags)
			if !diags.HasError() || !strings.Contains(diags.Errors()[0].Detail(), "synchronization run is active") ||
				!strings.Contains(diags.Errors()[0].Detail(), c.text) {
				t.Errorf("diags=%v", diags)
			}
			if !equalDurations(clk.recorded(), c.waits) || calls != len(c.waits)+1 {
				t.Errorf("waits = %v after %d calls, want %v and %d calls", clk.recorded(), calls, c.waits, len(c.waits)+1)
			}
			if elapsed := clk.Now().Sub(start); elapsed != c.timeout {
				t.Errorf("waited %v on the clock, want exactly the timeout %v", elapsed, c.timeout)
			}
		})
	}
	t.Run("gone is success", func(t *testing.T) {
		var diags diag.Diagnostics
		deleteConnection(t.Context(), newFakeClock(), defaultConnectionDeleteTimeout, "storage connection", "c1", func(context.Context, string) error {
			return &itwin.APIError{Status: 404, Code: "StorageConnectionNotFound"}
		}, &diags)
		if len(diags) != 0 {
			t.Errorf("diags=%v", diags)
		}
	})
	t.Run("other errors are not retried", func(t *testing.T) {
		calls := 0
		var diags diag.Diagnostics
		deleteConnection(t.Context(), newFakeClock(), defaultConnectionDeleteTimeout, "storage connection", "c1", func(context.Context, string) error {
			calls++
			return &itwin.APIError{Status: 403, Code: "InsufficientPermissions", Message: "no"}
		}, &diags)
		if calls != 1 || !diags.HasError() {
			t.Errorf("calls=%d diags=%v", calls, diags)
		}
	})
}
