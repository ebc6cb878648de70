package provider

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"sync"

	"github.com/hashicorp/terraform-plugin-framework-timeouts/resource/timeouts"
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

var (
	_ resource.ResourceWithConfigure   = &storageRunResource{}
	_ resource.ResourceWithModifyPlan  = &storageRunResource{}
	_ resource.ResourceWithIdentity    = &storageRunResource{}
	_ resource.ResourceWithImportState = &storageRunResource{}
)

// NewSyncStorageConnectionRunResource is itwin_sync_storage_connection_run: one synchronization run of a
// storage connection, started on create and waited for (DESIGN §4).
func NewSyncStorageConnectionRunResource() resource.Resource { return &storageRunResource{} }

type storageRunResource struct {
	client *itwin.Client
	clock  clock
}

type storageRunModel struct {
	ID                  types.String   `tfsdk:"id"`
	ConnectionID        types.String   `tfsdk:"connection_id"`
	Triggers            types.Map      `tfsdk:"triggers"`
	RerunOnSourceChange types.Bool     `tfsdk:"rerun_on_source_change"`
	Wait                types.Bool     `tfsdk:"wait"`
	AllowedResults      types.Set      `tfsdk:"allowed_results"`
	Timeouts            timeouts.Value `tfsdk:"timeouts"`
	SourceFingerprint   types.String   `tfsdk:"source_fingerprint"`
	runOutputsModel
}

func (r *storageRunResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_sync_storage_connection_run"
}

func (r *storageRunResource) Schema(ctx context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	attrs := runResourceAttributes(ctx)
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
	resp.Schema = rschema.Schema{
		Description: "Runs a storage connection once: starts a synchronization run when created and waits for it to complete. " +
			"A new run starts only when `connection_id` or `triggers` change, or (with `rerun_on_source_change`) when the " +
			"connection's files changed. Runs cannot be cancelled or deleted: destroying this resource only forgets the run.",
		Attributes: attrs,
	}
}

func (r *storageRunResource) IdentitySchema(_ context.Context, _ resource.IdentitySchemaRequest, resp *resource.IdentitySchemaResponse) {
	resp.IdentitySchema = connectionChildIdentitySchema("storage connection", "run")
}

func (r *storageRunResource) Configure(_ context.Context, req resource.ConfigureRequest, resp *resource.ConfigureResponse) {
	r.client, r.clock = configured(req.ProviderData, &resp.Diagnostics)
}

// ModifyPlan plans a replacement when rerun_on_source_change is on and the files changed, and warns at plan time
// about runs that will fail for lack of user consent. No-op plans make no change here, so they stay empty.
func (r *storageRunResource) ModifyPlan(ctx context.Context, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse) {
	if req.Plan.Raw.IsNull() || r.client == nil {
		return
	}
	var plan storageRunModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	if resp.Diagnostics.HasError() || plan.ConnectionID.IsUnknown() {
		return
	}
	connID := plan.ConnectionID.ValueString()

	if req.State.Raw.IsNull() {
		// A run will start: warn now if it cannot succeed.
		conn, err := r.client.GetStorageConnection(ctx, connID)
		if err != nil {
			tflog.Debug(ctx, "could not read the connection at plan time", map[string]any{"error": err.Error()})
			return
		}
		warnUserConnection(ctx, r.client, conn, &resp.Diagnostics)
		return
	}

	var state storageRunModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() || !plan.RerunOnSourceChange.ValueBool() || state.ConnectionID.ValueString() != connID {
		return
	}
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
	fp, err := storageSourceFingerprint(ctx, r.client, connID)
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

// triggersStartRun reports whether the triggers planned start a new run: any change, except the adoption of
// configured triggers by an imported run (see triggersReplaceUnlessImported).
func triggersStartRun(planned, prior types.Map, imported bool) bool {
	switch {
	case planned.IsUnknown():
		return true
	case planned.Equal(prior):
		return false
	default:
		return !(prior.IsNull() && imported)
	}
}

func (r *storageRunResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	var plan storageRunModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	if resp.Diagnostics.HasError() {
		return
	}
	timeout, d := plan.Timeouts.Create(ctx, defaultRunTimeout)
	resp.Diagnostics.Append(d...)
	if resp.Diagnostics.HasError() {
		return
	}
	ctx, cancel := r.clock.WithTimeout(ctx, timeout)
	defer cancel()

	connID := plan.ConnectionID.ValueString()
	// The fingerprint is taken before the start: a file changed while the run executes shows up as a change
	// at the next plan, never as a change silently missed.
	plan.SourceFingerprint = types.StringNull()
	if fp, err := storageSourceFingerprint(ctx, r.client, connID); err != nil {
		tflog.Warn(ctx, "could not fingerprint the connection's source files", map[string]any{"error": err.Error()})
		if plan.RerunOnSourceChange.ValueBool() {
			resp.Diagnostics.AddAttributeWarning(path.Root("rerun_on_source_change"), "Source fingerprint not recorded",
				fmt.Sprintf("Reading the Storage files of connection %s failed, so this run has no source_fingerprint and "+
					"rerun_on_source_change cannot detect file changes until a later run records one: %s", connID, err))
		}
	} else {
		plan.SourceFingerprint = types.StringValue(fp)
	}

	t := runTarget{client: r.client, kind: wire.KindStorage, connectionID: connID}
	allowed := allowedResults(ctx, plan.AllowedResults, &resp.Diagnostics)
	names := func(ctx context.Context) map[string]string { return storageFileNames(ctx, r.client, connID) }
	_, diags := executeRun(ctx, t, callerResource, plan.Wait.ValueBool(), allowed, names, runOps{clock: r.clock}, func(runID string, outs runOutputsModel) diag.Diagnostics {
		plan.ID = types.StringValue(runID)
		plan.runOutputsModel = outs
		diags := resp.State.Set(ctx, &plan)
		setIdentity(ctx, resp.Identity, connectionChildIdentity{ConnectionID: plan.ConnectionID, ID: plan.ID}, &diags)
		return diags
	})
	resp.Diagnostics.Append(diags...)
}

func (r *storageRunResource) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	var state storageRunModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	setIdentity(ctx, resp.Identity, connectionChildIdentity{ConnectionID: state.ConnectionID, ID: state.ID}, &resp.Diagnostics)
	connID, runID := state.ConnectionID.ValueString(), state.ID.ValueString()
	t := runTarget{client: r.client, kind: wire.KindStorage, connectionID: connID}
	names := func(ctx context.Context) map[string]string { return storageFileNames(ctx, r.client, connID) }
	if !refreshRunState(ctx, t, runID, &state.runOutputsModel, names, resp) {
		return
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, &state)...)
}

// Update only records local settings (wait, allowed_results, rerun_on_source_change, timeouts, and the triggers
// adopted after an import): no API call.
func (r *storageRunResource) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	var plan storageRunModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	if resp.Diagnostics.HasError() {
		return
	}
	clearImportedRun(ctx, resp)
	resp.Diagnostics.Append(resp.State.Set(ctx, &plan)...)
	setIdentity(ctx, resp.Identity, connectionChildIdentity{ConnectionID: plan.ConnectionID, ID: plan.ID}, &resp.Diagnostics)
}

// Delete forgets the run: the API cannot delete or cancel runs, and their history stays with the connection.
func (r *storageRunResource) Delete(ctx context.Context, req resource.DeleteRequest, _ *resource.DeleteResponse) {
	forgetRun(ctx, req)
}

func (r *storageRunResource) ImportState(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	if importRunState(ctx, req, resp) {
		resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("rerun_on_source_change"), false)...)
	}
}

// importRunState reads "<connection_id>/<run_id>" (or the identity's connection_id and id) and sets the local
// settings to their defaults, so a plan right after the import is empty. It reports whether the id was valid.
func importRunState(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) bool {
	if !importConnectionChildState(ctx, req, resp, "<connection_id>/<run_id>") {
		return false
	}
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("wait"), true)...)
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("allowed_results"), []string{wire.ResultSuccess})...)
	if resp.Private != nil { // nil only when called outside the framework (unit tests)
		resp.Diagnostics.Append(resp.Private.SetKey(ctx, importedRunKey, []byte("true"))...)
	}
	return !resp.Diagnostics.HasError()
}

// clearImportedRun ends the grace of an import: once an apply recorded the configuration, a later triggers
// change starts a run as usual.
func clearImportedRun(ctx context.Context, resp *resource.UpdateResponse) {
	if resp.Private != nil {
		resp.Diagnostics.Append(resp.Private.SetKey(ctx, importedRunKey, nil)...)
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
	files, err := client.ListStorageSourceFiles(ctx, connID)
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
			sf, err := client.GetFile(ctx, f.StorageFileID)
			switch {
			case itwin.IsNotFound(err):
				entries[i] = fingerprintEntry{StorageFileID: f.StorageFileID, LastModified: "missing"}
			case err != nil:
				errs[i] = fmt.Errorf("reading Storage file %s: %w", f.StorageFileID, err)
				cancel() // the fingerprint fails anyway: stop the other reads
			default:
				entries[i] = fingerprintEntry{StorageFileID: f.StorageFileID, Size: sf.Size,
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
