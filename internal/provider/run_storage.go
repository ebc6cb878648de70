package provider

// The storage kind's run hooks: the source fingerprint taken before a run starts, and rerun_on_source_change,
// which plans a new run when the connection's Storage files changed outside Terraform.

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"sync"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	rschema "github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/booldefault"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/seed37c7dd03/terraform-provider-itwin/internal/itwin"
	"github.com/seed37c7dd03/terraform-provider-itwin/internal/wire"
)

// storageRunModel adds the source fingerprint and its switch to the run.
type storageRunModel struct {
	runModel
	RerunOnSourceChange types.Bool   `tfsdk:"rerun_on_source_change"`
	SourceFingerprint   types.String `tfsdk:"source_fingerprint"`
}

func storageRunAttributes() map[string]rschema.Attribute {
	attrs := map[string]rschema.Attribute{}
	attrs["rerun_on_source_change"] = rschema.BoolAttribute{
		Optional: true,
		Computed: true,
		Default:  booldefault.StaticBool(false),
		Description: "When `true`, every plan reads the connection's Storage files (size and last modification time) and plans a new run " +
			"when they differ from `source_fingerprint`. This catches changes made outside Terraform; files uploaded by the same apply " +
			"change only after the plan, so key `triggers` on their `source_hash` for those. Each plan costs one request for the file list " +
			"plus one per file (read 4 at a time). Without a recorded `source_fingerprint` (after an import) nothing can be compared and " +
			"the plan warns. Default `false`.",
	}
	attrs["source_fingerprint"] = rschema.StringAttribute{
		Computed: true,
		Description: "SHA-256 over the connection's Storage files (id, size, last modification time) as they were when the run started. " +
			"Null when the files could not be read, and after an import.",
		PlanModifiers: []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
	}
	return attrs
}

// prepare records the fingerprint of the connection's files.
func (plan *storageRunModel) prepare(ctx context.Context, client *itwin.Client, _ *storageRunModel, diags *diag.Diagnostics) (*wire.ManifestRunCreate, namesFunc) {
	connID := plan.ConnectionID.ValueString()
	// The fingerprint is taken before the start: a file changed while the run executes shows up as a change
	// at the next plan, never as a change silently missed.
	plan.SourceFingerprint = types.StringNull()
	if fp, err := storageSourceFingerprint(ctx, client, connID); err != nil {
		tflog.Warn(ctx, "could not fingerprint the connection's source files", map[string]any{"error": err.Error()})
		if plan.RerunOnSourceChange.ValueBool() {
			diags.AddAttributeWarning(path.Root("rerun_on_source_change"), "Source fingerprint not recorded",
				fmt.Sprintf("Reading the Storage files of connection %s failed, so this run has no source_fingerprint and "+
					"rerun_on_source_change cannot detect file changes until a later run records one: %s", connID, err))
		}
	} else {
		plan.SourceFingerprint = types.StringValue(fp)
	}
	return nil, storageKind.names(client, connID)
}

func (m *storageRunModel) taskNames(_ context.Context, client *itwin.Client, _ *diag.Diagnostics) namesFunc {
	return storageKind.names(client, m.ConnectionID.ValueString())
}

// planReplace plans a new run when rerun_on_source_change is on and the files changed since the run started.
func (plan *storageRunModel) planReplace(ctx context.Context, client *itwin.Client, state *storageRunModel, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse) {
	if !plan.RerunOnSourceChange.ValueBool() {
		return
	}
	connID := plan.ConnectionID.ValueString()
	if state.SourceFingerprint.IsNull() {
		// Nothing to compare with: say so rather than let the user believe drift detection is on. A plan that
		// starts a new run anyway (triggers changed) records a fingerprint, so it needs no warning.
		if !triggersStartRun(plan.Triggers, state.Triggers, isImportedRun(ctx, req.Private, &resp.Diagnostics)) {
			resp.Diagnostics.AddAttributeWarning(path.Root("rerun_on_source_change"), "Source file changes cannot be detected for this run",
				fmt.Sprintf("rerun_on_source_change is true, but run %s has no source_fingerprint: it was imported, or the connection's "+
					"Storage files could not be read when it started. Plans cannot tell whether the files changed, so they start no run for "+
					"that. The next run Terraform starts (change triggers, or apply with -replace on this resource) records a fingerprint.",
					state.ID.ValueString()))
		}
		return
	}
	fp, err := storageSourceFingerprint(ctx, client, connID)
	if err != nil {
		resp.Diagnostics.AddAttributeWarning(path.Root("rerun_on_source_change"), "Could not check the source files for changes",
			fmt.Sprintf("Reading the Storage files of connection %s failed, so this plan cannot tell whether they changed: %s", connID, err))
		return
	}
	if fp != state.SourceFingerprint.ValueString() {
		tflog.Info(ctx, "the connection's source files changed since the run; planning a new run", map[string]any{"connection_id": connID})
		resp.Diagnostics.Append(resp.Plan.SetAttribute(ctx, path.Root("source_fingerprint"), types.StringUnknown())...)
		resp.RequiresReplace = append(resp.RequiresReplace, path.Root("source_fingerprint"))
	}
}

// fingerprintEntry is what the fingerprint covers of one source file.
type fingerprintEntry struct {
	StorageFileID string
	Size          int64
	LastModified  string // RFC 3339; "missing" when the Storage file is gone
}

// sourceFingerprint is sha256 over the entries sorted by storage file id, so the order the API lists them in
// does not matter and any added, removed, resized or re-uploaded file changes it.
func sourceFingerprint(entries []fingerprintEntry) string {
	sorted := append([]fingerprintEntry(nil), entries...)
	sort.Slice(sorted, func(i, j int) bool { return sorted[i].StorageFileID < sorted[j].StorageFileID })
	h := sha256.New()
	for _, e := range sorted {
		fmt.Fprintf(h, "%s\x00%s\x00%s\n", e.StorageFileID, strconv.FormatInt(e.Size, 10), e.LastModified)
	}
	return hex.EncodeToString(h.Sum(nil))
}

// fingerprintConcurrency bounds the parallel Storage reads of one fingerprint: enough to make a 250-file
// connection plan in seconds, few enough not to burst through a rate-limited subscription's quota.
const fingerprintConcurrency = 4

// storageSourceFingerprint reads the connection's source files and their Storage metadata, a few files at a
// time. The result does not depend on the order the reads finish in: sourceFingerprint sorts the entries.
func storageSourceFingerprint(ctx context.Context, client *itwin.Client, connID string) (string, error) {
	files, err := client.Connections(wire.KindStorage).ListSourceFiles(ctx, connID)
	if err != nil {
		return "", fmt.Errorf("listing the connection's source files: %w", err)
	}
	entries := make([]fingerprintEntry, len(files))
	errs := make([]error, len(files))
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	sem := make(chan struct{}, fingerprintConcurrency)
	var wg sync.WaitGroup
	for i, f := range files {
		wg.Add(1)
		go func() {
			defer wg.Done()
			select {
			case sem <- struct{}{}:
			case <-ctx.Done():
				errs[i] = ctx.Err()
				return
			}
			defer func() { <-sem }()
			sf, err := client.GetFile(ctx, f.Key)
			switch {
			case itwin.IsNotFound(err):
				entries[i] = fingerprintEntry{StorageFileID: f.Key, LastModified: "missing"}
			case err != nil:
				errs[i] = fmt.Errorf("reading Storage file %s: %w", f.Key, err)
				cancel() // the fingerprint fails anyway: stop the other reads
			default:
				entries[i] = fingerprintEntry{StorageFileID: f.Key, Size: sf.Size,
					LastModified: sf.LastModifiedDateTime.UTC().Format("2006-01-02T15:04:05.0000000Z")}
			}
		}()
	}
	wg.Wait()
	// Report the first real failure in listing order, not a cancellation it caused.
	var first error
	for _, e := range errs {
		if e != nil && !errors.Is(e, context.Canceled) {
			return "", e
		}
		if first == nil {
			first = e
		}
	}
	if first != nil {
		return "", first
	}
	return sourceFingerprint(entries), nil
}

// storageFileNames maps a storage connection's storageFileId → last known file name, for task diagnostics and the
// tasks output. A failure only costs the names, so it is logged, not reported.
func storageFileNames(ctx context.Context, client *itwin.Client, connectionID string) map[string]string {
	names := map[string]string{}
	files, err := client.Connections(wire.KindStorage).ListSourceFiles(ctx, connectionID)
	if err != nil {
		tflog.Warn(ctx, "could not list the connection's source files for task file names", map[string]any{"error": err.Error()})
		return names
	}
	for _, f := range files {
		if f.FileName != "" {
			names[f.Key] = f.FileName
		}
	}
	return names
}
