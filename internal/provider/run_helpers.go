package provider

// Shared run machinery for itwin_sync_storage_connection_run, itwin_sync_manifest_connection_run, the
// itwin_sync_run action and the run data sources: starting a run without ever creating a duplicate, waiting for
// it, enforcing its result, and flattening it into Terraform values. DESIGN.md §4 explains each behaviour.

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/hashicorp/terraform-plugin-framework-timeouts/resource/timeouts"
	"github.com/hashicorp/terraform-plugin-framework-validators/setvalidator"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/attr"
	dschema "github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	rschema "github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/booldefault"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/float64planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/int64planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/listplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/mapplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/objectplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/setdefault"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/seed37c7dd03/terraform-provider-itwin/internal/itwin"
	"github.com/seed37c7dd03/terraform-provider-itwin/internal/wire"
)

const (
	// defaultRunTimeout is the create/invoke timeout: public runs can take about an hour (spec §4.3).
	defaultRunTimeout = 60 * time.Minute

	// maxActiveRunAdoptions bounds how many foreign active runs we wait out before giving up; each one is a
	// full wait, so in practice the timeout ends the loop long before.
	maxActiveRunAdoptions = 10
)

// runRaceBackoff is the pause before each retry after a 409 RunAlreadyRequested (DESIGN §4.5).
var runRaceBackoff = []time.Duration{time.Second, 2 * time.Second, 4 * time.Second}

// runTarget is the connection a run is started on, with the manifest body for manifest connections.
type runTarget struct {
	client       *itwin.Client
	kind         wire.Kind
	connectionID string
	manifest     wire.ManifestRunCreate
}

func (t runTarget) noun() string { return t.kind.Noun() }

func (t runTarget) getConnection(ctx context.Context) (*wire.Connection, error) {
	if t.kind == wire.KindManifest {
		return t.client.GetManifestConnection(ctx, t.connectionID)
	}
	return t.client.GetStorageConnection(ctx, t.connectionID)
}

func (t runTarget) start(ctx context.Context) (*itwin.StartRunResult, error) {
	if t.kind == wire.KindManifest {
		return t.client.StartManifestRun(ctx, t.connectionID, t.manifest)
	}
	return t.client.StartStorageRun(ctx, t.connectionID)
}

func (t runTarget) getRun(ctx context.Context, runID string) (*wire.Run, error) {
	if t.kind == wire.KindManifest {
		return t.client.GetManifestRun(ctx, t.connectionID, runID)
	}
	return t.client.GetStorageRun(ctx, t.connectionID, runID)
}

func (t runTarget) listRuns(ctx context.Context, limit int) ([]wire.Run, error) {
	if t.kind == wire.KindManifest {
		return t.client.ListManifestRuns(ctx, t.connectionID, limit)
	}
	return t.client.ListStorageRuns(ctx, t.connectionID, limit)
}

// runOps carries what tests replace: the clock, the sleeper, the progress sink and the waiter's options.
type runOps struct {
	now      func() time.Time
	sleep    func(ctx context.Context, d time.Duration) error
	progress func(ctx context.Context, msg string)
	wait     itwin.WaitOptions
}

func (o runOps) withDefaults() runOps {
	if o.now == nil {
		o.now = time.Now
	}
	if o.sleep == nil {
		o.sleep = sleepCtx
	}
	if o.progress == nil {
		o.progress = func(ctx context.Context, msg string) { tflog.Info(ctx, msg) }
	}
	return o
}

// startRun starts one run on the target and returns its id (DESIGN §4.5, §4.6):
//   - 202: the new run;
//   - 303: another run is active; wait for it to finish, then start ours (the configuration the user applied is
//     what must get synchronized);
//   - 409 RunAlreadyRequested: lost a start race; back off briefly and retry;
//   - uncertain outcome (transport error, 5xx, interrupted): look at the connection's lastRun; a run newer than
//     the one seen before the POST is adopted, otherwise the POST is retried once.
//
// before is the connection as read just before starting (its lastRun tells old runs from new ones). When the
// context ends after a run was created, the id is returned together with the error so the caller records it.
func startRun(ctx context.Context, t runTarget, before *wire.Connection, ops runOps) (string, error) {
	ops = ops.withDefaults()
	previous := before.LastRunID()
	races, adoptions, uncertainRetried := 0, 0, false
	for {
		res, err := t.start(ctx)
		switch {
		case err == nil && res.Active:
			if adoptions >= maxActiveRunAdoptions {
				return "", fmt.Errorf("the %s %s kept having other active runs (%d waited for); try again later", t.noun(), t.connectionID, adoptions)
			}
			adoptions++
			ops.progress(ctx, fmt.Sprintf("%s %s already has an active run %s; waiting for it to finish before starting a new run", t.noun(), t.connectionID, res.RunID))
			if _, werr := waitRun(ctx, t, res.RunID, ops); werr != nil {
				return "", fmt.Errorf("waiting for the run %s that was already active on %s %s: %w", res.RunID, t.noun(), t.connectionID, werr)
			}
			previous = res.RunID
			continue
		case err == nil:
			if res.RunID != "" {
				return res.RunID, nil
			}
			// No usable Location: the spec puts the new run in lastRun in the same transaction (§11g).
			conn, cerr := t.getConnection(ctx)
			if cerr != nil {
				return "", fmt.Errorf("the run was started but its id could not be read from the %s: %w", t.noun(), cerr)
			}
			if id := conn.LastRunID(); id != "" && id != previous {
				return id, nil
			}
			return "", fmt.Errorf("the run was started but the server named neither its Location nor a new lastRun on %s %s", t.noun(), t.connectionID)
		case isRunRace(err):
			if races >= len(runRaceBackoff) {
				return "", fmt.Errorf("starting a run on %s %s: %w (still racing with another start after %d retries)", t.noun(), t.connectionID, err, races)
			}
			tflog.Debug(ctx, "run start raced with another start; retrying", map[string]any{"connection_id": t.connectionID, "attempt": races + 1})
			if serr := ops.sleep(ctx, runRaceBackoff[races]); serr != nil {
				return "", serr
			}
			races++
			continue
		case isUncertainStart(err):
			id, found, cerr := adoptStartedRun(ctx, t, previous)
			if found {
				tflog.Info(ctx, "the start request's answer was lost but the run exists; adopting it", map[string]any{"run_id": id})
				if ctx.Err() != nil {
					return id, ctx.Err()
				}
				return id, nil
			}
			if ctx.Err() != nil {
				return "", err
			}
			if uncertainRetried || cerr != nil {
				if cerr != nil {
					return "", fmt.Errorf("%w; checking the connection's last run also failed: %v", err, cerr)
				}
				return "", err
			}
			uncertainRetried = true
			tflog.Warn(ctx, "run start failed before the server confirmed it and no new run exists; retrying once", map[string]any{"error": err.Error()})
			continue
		default:
			return "", err
		}
	}
}

// isRunRace reports the 409 of two racing run starts (current and legacy code).
func isRunRace(err error) bool {
	if !itwin.IsConflict(err) {
		return false
	}
	code := itwin.ErrorCode(err)
	return code == "RunAlreadyRequested" || code == "IModelAlreadyProcessingRequest"
}

// isUncertainStart reports a start that may have created a run although we got no confirmation.
func isUncertainStart(err error) bool {
	var u *itwin.StartUncertainError
	if errors.As(err, &u) {
		return true
	}
	if e, ok := itwin.AsAPIError(err); ok {
		return e.Status >= 500
	}
	var te *itwin.TransportError
	return errors.As(err, &te)
}

// adoptStartedRun looks for a run created by a start whose answer we never saw: the connection's lastRun, when it
// differs from the one seen before the POST. It uses a detached context so an interrupted apply still records
// the run it started instead of orphaning it.
func adoptStartedRun(ctx context.Context, t runTarget, previous string) (string, bool, error) {
	rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
	defer cancel()
	conn, err := t.getConnection(rctx)
	if err != nil {
		return "", false, err
	}
	id := conn.LastRunID()
	if id == "" || id == previous {
		return "", false, nil
	}
	return id, true, nil
}

// waitRun polls the run until it is Completed, reporting each state change. On error (timeout, cancellation,
// too many transient errors) it returns the last run it saw, so the caller can save it with the error.
func waitRun(ctx context.Context, t runTarget, runID string, ops runOps) (*wire.Run, error) {
	ops = ops.withDefaults()
	var last *wire.Run
	opts := ops.wait
	opts.OnChange = func(prev, cur *wire.Run) {
		ops.progress(ctx, describeRunChange(prev, cur))
	}
	run, err := itwin.WaitForRun(ctx, func(ctx context.Context) (*wire.Run, error) {
		r, err := t.getRun(ctx, runID)
		if err == nil && r != nil {
			last = r
		}
		return r, err
	}, opts)
	if run == nil {
		run = last
	}
	return run, err
}

// describeRunChange is the progress line for a state change, e.g.
// "run 5f…: Executing (phase MasterFile), 1/3 tasks completed".
func describeRunChange(prev, cur *wire.Run) string {
	var b strings.Builder
	fmt.Fprintf(&b, "synchronization run %s: ", cur.ID)
	if prev != nil && prev.State != cur.State {
		fmt.Fprintf(&b, "%s -> %s", prev.State, cur.State)
	} else {
		b.WriteString(cur.State)
	}
	if cur.Phase != "" && cur.State != wire.StateCompleted {
		fmt.Fprintf(&b, " (phase %s)", cur.Phase)
	}
	total, done := 0, 0
	for _, j := range cur.Jobs {
		for _, tk := range j.Tasks {
			total++
			if tk.State == wire.StateCompleted {
				done++
			}
		}
	}
	if total > 0 {
		fmt.Fprintf(&b, ", %d/%d tasks completed", done, total)
	}
	if cur.State == wire.StateCompleted {
		fmt.Fprintf(&b, ", result %s", cur.Result)
	}
	return b.String()
}

// runCaller says who started a run. What happens after a failure differs: a resource saves the run in its state
// and Terraform taints it, so the next apply starts a new run; an action saves nothing and taints nothing, so only
// invoking it again starts another run. Diagnostics must tell each caller what is true for it.
type runCaller int

const (
	callerResource runCaller = iota
	callerAction
)

// timeoutError explains an interrupted wait: the run goes on server-side and this is how to see it.
func timeoutError(t runTarget, caller runCaller, runID string, run *wire.Run, err error) (string, string) {
	state := "unknown"
	if run != nil {
		state = run.State
	}
	why := "the wait was interrupted"
	if errors.Is(err, context.DeadlineExceeded) {
		why = "the timeout expired"
	}
	summary := "Synchronization run did not finish in time"
	if errors.Is(err, context.Canceled) {
		summary = "Waiting for the synchronization run was cancelled"
	}
	if !errors.Is(err, context.DeadlineExceeded) && !errors.Is(err, context.Canceled) {
		summary = "Waiting for the synchronization run failed"
		why = "polling failed: " + err.Error()
	}
	detail := fmt.Sprintf("Run %s on %s %s was last seen in state %s when %s. Runs cannot be cancelled: it continues on the server. ",
		runID, t.noun(), t.connectionID, state, why)
	follow := fmt.Sprintf("follow this one with the itwin_sync_run data source (connection_id = %q, run_id = %q)", t.connectionID, runID)
	timedOut := errors.Is(err, context.DeadlineExceeded)
	switch caller {
	case callerAction:
		detail += "The action saves nothing and nothing is tainted, so no later apply starts another run by itself; " + follow +
			". Invoke the action again to start another run"
		if timedOut {
			detail += ", or raise timeouts.invoke to wait longer"
		}
	default:
		detail += "The run id is saved in the state and the resource is marked tainted, so the next apply starts a new run; " + follow
		if timedOut {
			detail += ", or raise timeouts.create"
		}
	}
	return summary, detail + "."
}

// storageFileNames maps a storage connection's storageFileId → last known file name, for task diagnostics and the
// tasks output. A failure only costs the names, so it is logged, not reported.
func storageFileNames(ctx context.Context, client *itwin.Client, connectionID string) map[string]string {
	names := map[string]string{}
	files, err := client.ListStorageSourceFiles(ctx, connectionID)
	if err != nil {
		tflog.Warn(ctx, "could not list the connection's source files for task file names", map[string]any{"error": err.Error()})
		return names
	}
	for _, f := range files {
		if f.LastKnownFileName != "" {
			names[f.StorageFileID] = f.LastKnownFileName
		}
	}
	return names
}

// runDetails is a run with everything its outputs show.
type runDetails struct {
	run        *wire.Run
	fileNames  map[string]string // task source id (storageFileId or sourceFileId) → file name
	changesets []wire.Changeset
	reports    []wire.DiagnosticReport
}

// runTaskIDs returns the ids of all tasks of the run.
func runTaskIDs(run *wire.Run) map[string]bool {
	ids := map[string]bool{}
	for _, j := range run.Jobs {
		for _, t := range j.Tasks {
			ids[t.ID] = true
		}
	}
	return ids
}

// collectRunDetails adds the changesets a completed run pushed (matched on synchronizationInfo.taskId) and its
// diagnostic reports. Both are extras: a failure to read them becomes a warning, never a failed apply.
func collectRunDetails(ctx context.Context, client *itwin.Client, imodelID string, run *wire.Run, names map[string]string, diags *diag.Diagnostics) runDetails {
	d := runDetails{run: run, fileNames: names}
	if run == nil || run.State != wire.StateCompleted || imodelID == "" {
		return d
	}
	ids := runTaskIDs(run)
	if len(ids) > 0 {
		all, err := client.ListChangesets(ctx, imodelID)
		if err != nil {
			diags.AddWarning("Could not read the run's changesets",
				fmt.Sprintf("Listing the changesets of iModel %s failed, so the changesets output of run %s is empty until the next refresh: %s", imodelID, run.ID, err))
		}
		for _, cs := range all {
			if cs.SynchronizationInfo != nil && ids[cs.SynchronizationInfo.TaskID] {
				d.changesets = append(d.changesets, cs)
			}
		}
		sort.Slice(d.changesets, func(i, j int) bool { return d.changesets[i].Index < d.changesets[j].Index })
	}
	reports, err := client.GetReports(ctx, imodelID, run.ID, "")
	if err != nil {
		diags.AddWarning("Could not read the run's diagnostic reports",
			fmt.Sprintf("Listing the diagnostic reports of run %s failed, so the reports output is empty until the next refresh: %s", run.ID, err))
	}
	d.reports = reports
	return d
}

// failedTasks lists the tasks that did not succeed, in job order.
func failedTasks(run *wire.Run) []taskWithConnector {
	var out []taskWithConnector
	for _, j := range run.Jobs {
		for _, t := range j.Tasks {
			ok := t.Result == wire.ResultSuccess || t.Result == wire.ResultSkipped || (t.Result == wire.ResultUndetermined && t.Error == nil)
			if !ok {
				out = append(out, taskWithConnector{Task: t, connectorType: j.ConnectorType})
			}
		}
	}
	return out
}

type taskWithConnector struct {
	wire.Task
	connectorType string
}

func taskSourceID(t wire.Task) string {
	if t.StorageFileID != "" {
		return t.StorageFileID
	}
	return t.SourceFileID
}

// runResultDiagnostics enforces allowed_results (DESIGN §4.3): nothing when the run's result is allowed,
// otherwise one error per failed task (file, code, message, description, KB link) plus the run-level error.
func runResultDiagnostics(t runTarget, caller runCaller, run *wire.Run, allowed []string, names map[string]string) diag.Diagnostics {
	var diags diag.Diagnostics
	if run == nil || slices.Contains(allowed, run.Result) {
		return diags
	}
	allowedText := "[" + strings.Join(allowed, ", ") + "]"
	footer := fmt.Sprintf("\n\nRun %s on %s %s ended with result %s, which is not in allowed_results %s. ",
		run.ID, t.noun(), t.connectionID, run.Result, allowedText)
	if caller == callerAction {
		footer += "The action saves nothing and nothing is tainted: fix the cause, then invoke the action again to start a new run."
	} else {
		footer += "The run is saved in the state and the resource is marked tainted, so the next apply starts a new run."
	}

	for _, ft := range failedTasks(run) {
		src := taskSourceID(ft.Task)
		file := names[src]
		if file == "" {
			file = src
		}
		var b strings.Builder
		fmt.Fprintf(&b, "Task %s (connector %s, source %s) ended with result %s", ft.ID, ft.connectorType, src, ft.Result)
		if ft.RetryAttempts > 0 {
			fmt.Fprintf(&b, " after %d retries", ft.RetryAttempts)
		}
		b.WriteString(".")
		if e := ft.Error; e != nil {
			// Server free text may quote pre-signed URLs: scrub it like every API error (DESIGN §5).
			fmt.Fprintf(&b, "\n\n%s: %s", e.ErrorCode, itwin.RedactText(e.Message))
			if e.Details != "" {
				fmt.Fprintf(&b, "\nDetails: %s", itwin.RedactText(e.Details))
			}
			if e.Description != "" {
				fmt.Fprintf(&b, "\n%s", itwin.RedactText(e.Description))
			}
			// canUserFix only says the fix is on the user's side: for TAE_UNSUPPORTED_FORMAT it is the connector
			// type, not the file, so name no place and point at what the service said.
			if e.CanUserFix && e.Description != "" {
				b.WriteString("\nThe service marks this error as one you can fix (see above).")
			} else if e.CanUserFix {
				b.WriteString("\nThe service marks this error as one you can fix, in the file or in how it is mapped (its connector type).")
			}
			if e.KbArticleLink != "" {
				fmt.Fprintf(&b, "\nKnowledge base: %s", itwin.RedactText(e.KbArticleLink))
			}
		}
		b.WriteString(footer)
		code := ""
		if ft.Error != nil && ft.Error.ErrorCode != "" {
			code = ": " + ft.Error.ErrorCode
		}
		diags.AddError(fmt.Sprintf("Synchronization of %s failed%s", file, code), b.String())
	}

	if run.Error != nil {
		detail := fmt.Sprintf("%s: %s", run.Error.ErrorKey, itwin.RedactText(run.Error.Description))
		if run.Error.ErrorKey == "UserNotAuthenticated" {
			detail += "\n\nThe connection uses authentication_type = \"User\": it runs on behalf of the user who owns it, and that user " +
				"has not given consent. Either open the consent page once (the itwin_sync_authorization data source returns its " +
				"authorization URL and whether consent was given) and apply again, or switch the connection to " +
				"authentication_type = \"Service\" so it runs as the service application."
		}
		diags.AddError(fmt.Sprintf("Synchronization run failed: %s", run.Error.ErrorKey), detail+footer)
	} else if len(diags) == 0 {
		diags.AddError(fmt.Sprintf("Synchronization run ended with result %s", run.Result), strings.TrimSpace(footer)+
			" Add the result to allowed_results to accept it ("+wire.ResultSkipped+" means there was nothing to synchronize).")
	}
	return diags
}

// --- Terraform shape of a run --------------------------------------------------------------------------------
//
// The outputs are described once (runOutputFields) and rendered into resource and data source schemas and
// attribute types, so the run resources, the data sources and the flattening can never disagree.

type fieldKind int

const (
	fString fieldKind = iota
	fInt
	fFloat
	fBool
	fStringList
	fObject
	fObjectList
)

type outField struct {
	name, desc string
	kind       fieldKind
	fields     []outField // fObject, fObjectList
}

var runErrorFields = []outField{
	{name: "key", desc: "Error key of the run-level failure, e.g. `UserNotAuthenticated`.", kind: fString},
	{name: "description", desc: "Description of the run-level failure.", kind: fString},
}

var taskErrorFields = []outField{
	{name: "code", desc: "Error code, e.g. `TAE_PARSE_ERROR`.", kind: fString},
	{name: "message", desc: "Short error message.", kind: fString},
	{name: "details", desc: "Technical details.", kind: fString},
	{name: "description", desc: "What the user can do about the error.", kind: fString},
	{name: "kb_article_link", desc: "Knowledge base article about the error; null when the server gives none.", kind: fString},
	{name: "can_user_fix", desc: "Whether the service says the user can fix the error, in the source file or in how it is mapped (its connector type).", kind: fBool},
}

var taskFields = []outField{
	{name: "id", desc: "Task id. Changesets the task pushed carry it as `synchronizationInfo.taskId`.", kind: fString},
	{name: "storage_file_id", desc: "Storage file the task processed (storage connections); null otherwise.", kind: fString},
	{name: "source_file_id", desc: "External document id the task processed (manifest connections); null otherwise.", kind: fString},
	{name: "file_name", desc: "Name of the processed file, when known.", kind: fString},
	{name: "connector_type", desc: "Connector type of the task's job.", kind: fString},
	{name: "state", desc: "Task state (`NotStarted` … `Completed`).", kind: fString},
	{name: "result", desc: "Task result (`Undetermined` until completed, then `Success`, `Error`, …).", kind: fString},
	{name: "retry_attempts", desc: "How many times the task was retried after a transient failure (0 to 2).", kind: fInt},
	{name: "started_at", desc: "When the task started (RFC 3339), if it did.", kind: fString},
	{name: "ended_at", desc: "When the task ended (RFC 3339), if it did.", kind: fString},
	{name: "error", desc: "Why the task failed or is retrying; null when it did not fail.", kind: fObject, fields: taskErrorFields},
}

var changesetFields = []outField{
	{name: "id", desc: "Changeset id (40 hex digits).", kind: fString},
	{name: "index", desc: "Changeset index in the iModel.", kind: fInt},
	{name: "description", desc: "Changeset description.", kind: fString},
	{name: "pushed_at", desc: "When the changeset was pushed (RFC 3339).", kind: fString},
	{name: "task_id", desc: "Id of the task that pushed the changeset.", kind: fString},
	{name: "changed_files", desc: "Names of the files whose changes the changeset carries.", kind: fStringList},
}

var reportFields = []outField{
	{name: "id", desc: "Report id.", kind: fString},
	{name: "task_id", desc: "Task the report is about.", kind: fString},
	{name: "created_at", desc: "When the report was written (RFC 3339).", kind: fString},
}

// runOutputFields are the computed attributes every run-shaped object has (id excluded: resources and data
// sources describe it differently).
var runOutputFields = []outField{
	{name: "state", desc: "Run state: `NotStarted`, `Queued`, `WaitingToExecute`, `Executing`, `WaitingToRetry`, `Finalizing` or `Completed` (the only terminal state).", kind: fString},
	{name: "result", desc: "Run result: `Undetermined` until the run is completed, then `Success`, `PartialSuccess`, `Error`, `Skipped`, `Cancelled` or `TimedOut`.", kind: fString},
	{name: "phase", desc: "Last phase the run reached (`Preprocessor`, `MasterFile`, `ReferenceFile`); null before it executes.", kind: fString},
	{name: "started_at", desc: "When the run was accepted (RFC 3339).", kind: fString},
	{name: "ended_at", desc: "When the run completed (RFC 3339); null while it is active.", kind: fString},
	{name: "duration_seconds", desc: "Seconds from start to end; null while the run is active.", kind: fFloat},
	{name: "error", desc: "Run-level failure (for example `UserNotAuthenticated`); null when the run did not fail as a whole.", kind: fObject, fields: runErrorFields},
	{name: "tasks", desc: "One entry per processed source file: file, connector, state, result, retries and error.", kind: fObjectList, fields: taskFields},
	{name: "changesets", desc: "Changesets the run pushed to the iModel (matched on the task ids), in index order. Empty when nothing changed.", kind: fObjectList, fields: changesetFields},
	{name: "reports", desc: "Diagnostic reports of the run. Only ids are kept: the report download URLs are pre-signed and never stored in state; list them with `GET /synchronization/reports?imodelId=…&runId=…` when needed.", kind: fObjectList, fields: reportFields},
}

func (f outField) attrType() attr.Type {
	switch f.kind {
	case fInt:
		return types.Int64Type
	case fFloat:
		return types.Float64Type
	case fBool:
		return types.BoolType
	case fStringList:
		return types.ListType{ElemType: types.StringType}
	case fObject:
		return types.ObjectType{AttrTypes: fieldAttrTypes(f.fields)}
	case fObjectList:
		return types.ListType{ElemType: types.ObjectType{AttrTypes: fieldAttrTypes(f.fields)}}
	default:
		return types.StringType
	}
}

func fieldAttrTypes(fields []outField) map[string]attr.Type {
	m := make(map[string]attr.Type, len(fields))
	for _, f := range fields {
		m[f.name] = f.attrType()
	}
	return m
}

// resourceOutputAttributes renders the run outputs as computed resource attributes. Top-level outputs keep
// their state when no run starts (UseStateForUnknown on the whole value, never on nested children); when a
// run starts Terraform plans a create, where everything is unknown.
func resourceOutputAttributes() map[string]rschema.Attribute {
	out := map[string]rschema.Attribute{}
	for _, f := range runOutputFields {
		out[f.name] = resourceOutAttr(f, true)
	}
	return out
}

func resourceOutAttr(f outField, top bool) rschema.Attribute {
	switch f.kind {
	case fInt:
		a := rschema.Int64Attribute{Computed: true, Description: f.desc}
		if top {
			a.PlanModifiers = []planmodifier.Int64{int64planmodifier.UseStateForUnknown()}
		}
		return a
	case fFloat:
		a := rschema.Float64Attribute{Computed: true, Description: f.desc}
		if top {
			a.PlanModifiers = []planmodifier.Float64{float64planmodifier.UseStateForUnknown()}
		}
		return a
	case fBool:
		return rschema.BoolAttribute{Computed: true, Description: f.desc}
	case fStringList:
		return rschema.ListAttribute{Computed: true, Description: f.desc, ElementType: types.StringType}
	case fObject:
		attrs := map[string]rschema.Attribute{}
		for _, c := range f.fields {
			attrs[c.name] = resourceOutAttr(c, false)
		}
		a := rschema.SingleNestedAttribute{Computed: true, Description: f.desc, Attributes: attrs}
		if top {
			a.PlanModifiers = []planmodifier.Object{objectplanmodifier.UseStateForUnknown()}
		}
		return a
	case fObjectList:
		attrs := map[string]rschema.Attribute{}
		for _, c := range f.fields {
			attrs[c.name] = resourceOutAttr(c, false)
		}
		a := rschema.ListNestedAttribute{Computed: true, Description: f.desc, NestedObject: rschema.NestedAttributeObject{Attributes: attrs}}
		if top {
			a.PlanModifiers = []planmodifier.List{listplanmodifier.UseStateForUnknown()}
		}
		return a
	default:
		a := rschema.StringAttribute{Computed: true, Description: f.desc}
		if top {
			a.PlanModifiers = []planmodifier.String{stringplanmodifier.UseStateForUnknown()}
		}
		return a
	}
}

// dataSourceOutputAttributes renders the run outputs as computed data source attributes.
func dataSourceOutputAttributes(fields []outField) map[string]dschema.Attribute {
	out := map[string]dschema.Attribute{}
	for _, f := range fields {
		out[f.name] = dataSourceOutAttr(f)
	}
	return out
}

func dataSourceOutAttr(f outField) dschema.Attribute {
	switch f.kind {
	case fInt:
		return dschema.Int64Attribute{Computed: true, Description: f.desc}
	case fFloat:
		return dschema.Float64Attribute{Computed: true, Description: f.desc}
	case fBool:
		return dschema.BoolAttribute{Computed: true, Description: f.desc}
	case fStringList:
		return dschema.ListAttribute{Computed: true, Description: f.desc, ElementType: types.StringType}
	case fObject:
		return dschema.SingleNestedAttribute{Computed: true, Description: f.desc, Attributes: dataSourceOutputAttributes(f.fields)}
	case fObjectList:
		return dschema.ListNestedAttribute{Computed: true, Description: f.desc,
			NestedObject: dschema.NestedAttributeObject{Attributes: dataSourceOutputAttributes(f.fields)}}
	default:
		return dschema.StringAttribute{Computed: true, Description: f.desc}
	}
}

// runOutputsModel holds the computed run outputs; resource and data source models embed it.
type runOutputsModel struct {
	State           types.String  `tfsdk:"state"`
	Result          types.String  `tfsdk:"result"`
	Phase           types.String  `tfsdk:"phase"`
	StartedAt       types.String  `tfsdk:"started_at"`
	EndedAt         types.String  `tfsdk:"ended_at"`
	DurationSeconds types.Float64 `tfsdk:"duration_seconds"`
	Error           types.Object  `tfsdk:"error"`
	Tasks           types.List    `tfsdk:"tasks"`
	Changesets      types.List    `tfsdk:"changesets"`
	Reports         types.List    `tfsdk:"reports"`
}

func fieldByName(name string) outField {
	for _, f := range runOutputFields {
		if f.name == name {
			return f
		}
	}
	panic("unknown run output " + name)
}

// emptyRunOutputs is the known, empty value of every output, used in partial state (unknown values must never
// reach state).
func emptyRunOutputs() runOutputsModel {
	return runOutputsModel{
		State:           types.StringNull(),
		Result:          types.StringNull(),
		Phase:           types.StringNull(),
		StartedAt:       types.StringNull(),
		EndedAt:         types.StringNull(),
		DurationSeconds: types.Float64Null(),
		Error:           types.ObjectNull(fieldAttrTypes(runErrorFields)),
		Tasks:           types.ListValueMust(fieldByName("tasks").attrType().(types.ListType).ElemType, nil),
		Changesets:      types.ListValueMust(fieldByName("changesets").attrType().(types.ListType).ElemType, nil),
		Reports:         types.ListValueMust(fieldByName("reports").attrType().(types.ListType).ElemType, nil),
	}
}

func timeValue(t wire.Timestamp) types.String {
	if t.IsZero() {
		return types.StringNull()
	}
	return types.StringValue(t.UTC().Format(time.RFC3339Nano))
}

func optString(s string) types.String {
	if s == "" {
		return types.StringNull()
	}
	return types.StringValue(s)
}

// optRedacted is optString over server-written free text, scrubbed of secrets first: connector errors may quote
// the pre-signed URL of a manifest file, and state must never hold one (DESIGN §5).
func optRedacted(s string) types.String { return optString(itwin.RedactText(s)) }

// flattenRun turns a run and its details into the output values.
func flattenRun(d runDetails) (runOutputsModel, diag.Diagnostics) {
	var diags diag.Diagnostics
	out := emptyRunOutputs()
	r := d.run
	if r == nil {
		return out, diags
	}
	out.State = optString(r.State)
	out.Result = optString(r.Result)
	out.Phase = optString(r.Phase)
	out.StartedAt = timeValue(r.StartDateTime)
	out.EndedAt = timeValue(r.EndDateTime)
	if !r.StartDateTime.IsZero() && !r.EndDateTime.IsZero() {
		out.DurationSeconds = types.Float64Value(r.EndDateTime.Sub(r.StartDateTime.Time).Round(time.Millisecond).Seconds())
	}
	if r.Error != nil {
		v, dd := types.ObjectValue(fieldAttrTypes(runErrorFields), map[string]attr.Value{
			"key": types.StringValue(r.Error.ErrorKey), "description": types.StringValue(itwin.RedactText(r.Error.Description)),
		})
		diags.Append(dd...)
		out.Error = v
	}

	taskType := types.ObjectType{AttrTypes: fieldAttrTypes(taskFields)}
	errType := types.ObjectType{AttrTypes: fieldAttrTypes(taskErrorFields)}
	var tasks []attr.Value
	for _, j := range r.Jobs {
		for _, t := range j.Tasks {
			errVal := types.ObjectNull(errType.AttrTypes)
			if e := t.Error; e != nil {
				v, dd := types.ObjectValue(errType.AttrTypes, map[string]attr.Value{
					"code": optString(e.ErrorCode), "message": optRedacted(e.Message), "details": optRedacted(e.Details),
					"description": optRedacted(e.Description), "kb_article_link": optRedacted(e.KbArticleLink),
					"can_user_fix": types.BoolValue(e.CanUserFix),
				})
				diags.Append(dd...)
				errVal = v
			}
			v, dd := types.ObjectValue(taskType.AttrTypes, map[string]attr.Value{
				"id": types.StringValue(t.ID), "storage_file_id": optString(t.StorageFileID), "source_file_id": optString(t.SourceFileID),
				"file_name": optString(d.fileNames[taskSourceID(t)]), "connector_type": optString(j.ConnectorType),
				"state": optString(t.State), "result": optString(t.Result), "retry_attempts": types.Int64Value(int64(t.RetryAttempts)),
				"started_at": timeValue(t.StartDateTime), "ended_at": timeValue(t.EndDateTime), "error": errVal,
			})
			diags.Append(dd...)
			tasks = append(tasks, v)
		}
	}
	out.Tasks = listOf(taskType, tasks, &diags)

	csType := types.ObjectType{AttrTypes: fieldAttrTypes(changesetFields)}
	var css []attr.Value
	for _, c := range d.changesets {
		files := []attr.Value{}
		taskID := ""
		if c.SynchronizationInfo != nil {
			taskID = c.SynchronizationInfo.TaskID
			for _, f := range c.SynchronizationInfo.ChangedFiles {
				files = append(files, types.StringValue(f))
			}
		}
		v, dd := types.ObjectValue(csType.AttrTypes, map[string]attr.Value{
			"id": types.StringValue(c.ID), "index": types.Int64Value(int64(c.Index)), "description": types.StringValue(c.Description),
			"pushed_at": timeValue(c.PushDateTime), "task_id": optString(taskID), "changed_files": listOf(types.StringType, files, &diags),
		})
		diags.Append(dd...)
		css = append(css, v)
	}
	out.Changesets = listOf(csType, css, &diags)

	repType := types.ObjectType{AttrTypes: fieldAttrTypes(reportFields)}
	var reps []attr.Value
	for _, rp := range d.reports {
		v, dd := types.ObjectValue(repType.AttrTypes, map[string]attr.Value{
			"id": types.StringValue(rp.ID), "task_id": optString(rp.TaskID), "created_at": timeValue(rp.CreatedTimeStamp),
		})
		diags.Append(dd...)
		reps = append(reps, v)
	}
	out.Reports = listOf(repType, reps, &diags)
	return out, diags
}

func listOf(elem attr.Type, vals []attr.Value, diags *diag.Diagnostics) types.List {
	if vals == nil {
		vals = []attr.Value{}
	}
	v, dd := types.ListValue(elem, vals)
	diags.Append(dd...)
	return v
}

// allowedResultValues are the results allowed_results may list.
var allowedResultValues = []string{wire.ResultSuccess, wire.ResultPartialSuccess, wire.ResultError, wire.ResultSkipped, wire.ResultCancelled, wire.ResultTimedOut}

// runRecorder saves a run's id and outputs as soon as they are known (resources write state; the action has
// nothing to save). It is called right after the start and again when the wait ends, successfully or not.
type runRecorder func(runID string, outs runOutputsModel) diag.Diagnostics

// executeRun is the whole life of one run started by Terraform: read the connection, start the run without
// duplicates, record its id at once, wait (unless wait is false), record the final outputs, and enforce
// allowed_results. caller words the diagnostics for a resource or an action. names returns the task file names
// once the run is done. The returned run id is "" when no run was started.
func executeRun(ctx context.Context, t runTarget, caller runCaller, wait bool, allowed []string, names func(context.Context) map[string]string, ops runOps, record runRecorder) (string, diag.Diagnostics) {
	var diags diag.Diagnostics
	ops = ops.withDefaults()
	if record == nil {
		record = func(string, runOutputsModel) diag.Diagnostics { return nil }
	}

	conn, err := t.getConnection(ctx)
	if err != nil {
		if itwin.IsNotFound(err) {
			diags.AddAttributeError(pathConnectionID, "Connection not found",
				fmt.Sprintf("The %s %q does not exist (or the provider's credentials cannot see it): %s. Check connection_id, and that the connection is a %s connection.", t.noun(), t.connectionID, err, t.kind))
			return "", diags
		}
		addAPIError(&diags, "reading "+t.noun()+" "+t.connectionID, err, nil)
		return "", diags
	}

	runID, err := startRun(ctx, t, conn, ops)
	if runID != "" {
		diags.Append(record(runID, emptyRunOutputs())...)
	}
	if err != nil {
		if runID != "" {
			s, d := timeoutError(t, caller, runID, nil, err)
			diags.AddError(s, d)
			return runID, diags
		}
		addAPIError(&diags, "starting a run on "+t.noun()+" "+t.connectionID, err, manifestErrorTargets)
		return "", diags
	}
	ops.progress(ctx, fmt.Sprintf("started synchronization run %s on %s %s", runID, t.noun(), t.connectionID))

	if !wait {
		run, err := t.getRun(ctx, runID)
		if err != nil {
			// The run exists and its id is saved; the outputs fill in at the next refresh.
			diags.AddWarning("Could not read the new run", fmt.Sprintf("Run %s was started, but reading it failed: %s. Its state is refreshed at the next plan.", runID, err))
			return runID, diags
		}
		outs, dd := flattenRun(runDetails{run: run})
		diags.Append(dd...)
		diags.Append(record(runID, outs)...)
		return runID, diags
	}

	run, err := waitRun(ctx, t, runID, ops)
	if err != nil {
		outs, dd := flattenRun(runDetails{run: run})
		diags.Append(dd...)
		diags.Append(record(runID, outs)...)
		s, d := timeoutError(t, caller, runID, run, err)
		diags.AddError(s, d)
		return runID, diags
	}
	fileNames := names(ctx)
	details := collectRunDetails(ctx, t.client, conn.IModelID, run, fileNames, &diags)
	outs, dd := flattenRun(details)
	diags.Append(dd...)
	diags.Append(record(runID, outs)...)
	diags.Append(runResultDiagnostics(t, caller, run, allowed, fileNames)...)
	return runID, diags
}

var pathConnectionID = path.Root("connection_id")

// manifestErrorTargets points 422 answers about the manifest body at the attribute (spec §5.3).
var manifestErrorTargets = map[string]path.Path{
	"sourceFiles":                path.Root("source_files"),
	"documentAttributeSchemaUrl": path.Root("document_attribute_schema_url"),
	"connectionId":               path.Root("connection_id"),
}

// refreshRun re-reads a run for Read and the data sources. A run that was already Completed in prior keeps its
// changesets and reports (they cannot change any more), so a refresh of a finished run costs one GET.
func refreshRun(ctx context.Context, t runTarget, runID string, prior *runOutputsModel, names func(context.Context) map[string]string, diags *diag.Diagnostics) (runOutputsModel, error) {
	run, err := t.getRun(ctx, runID)
	if err != nil {
		return runOutputsModel{}, err
	}
	if prior != nil && prior.State.ValueString() == wire.StateCompleted && run.State == wire.StateCompleted {
		outs, dd := flattenRun(runDetails{run: run, fileNames: fileNamesFromTasks(prior.Tasks)})
		diags.Append(dd...)
		outs.Changesets, outs.Reports = prior.Changesets, prior.Reports
		return outs, nil
	}
	imodelID := ""
	if run.State == wire.StateCompleted {
		conn, err := t.getConnection(ctx)
		if err != nil {
			return runOutputsModel{}, err
		}
		imodelID = conn.IModelID
	}
	fileNames := names(ctx)
	outs, dd := flattenRun(collectRunDetails(ctx, t.client, imodelID, run, fileNames, diags))
	diags.Append(dd...)
	return outs, nil
}

// readMissingRun handles a 404 on a run resource's Read. Runs live as long as their connection, but the service
// may purge a connection's run history (PATTERNS §7): removing the resource then would make the next apply start
// a run nobody asked for. So the connection decides: gone → the run is gone with it; still there → keep the state
// with the run's last known outputs and warn.
func readMissingRun(ctx context.Context, t runTarget, runID string, resp *resource.ReadResponse) {
	_, err := t.getConnection(ctx)
	switch {
	case err == nil:
		tflog.Warn(ctx, "run not found but its connection exists; keeping it in state", map[string]any{"run_id": runID, "connection_id": t.connectionID})
		resp.Diagnostics.AddWarning("Synchronization run no longer found",
			fmt.Sprintf("Run %s was not found on %s %s, although the connection still exists: the service has probably purged the "+
				"connection's run history. The resource keeps the run's last known outputs and nothing new is started; this warning "+
				"repeats at every refresh. To synchronize again, change triggers (or apply with -replace on this resource); to stop "+
				"tracking the run, remove the resource from the configuration (destroying it only forgets the run).",
				runID, t.noun(), t.connectionID))
	case itwin.IsNotFound(err):
		removeGone(ctx, resp, "synchronization run (its "+t.noun()+" "+t.connectionID+" was deleted)", runID)
	default:
		addAPIError(&resp.Diagnostics, "reading "+t.noun()+" "+t.connectionID+" (its run "+runID+" was not found)", err, nil)
	}
}

// fileNamesFromTasks recovers source id → file name from a tasks output value.
func fileNamesFromTasks(tasks types.List) map[string]string {
	names := map[string]string{}
	if tasks.IsNull() || tasks.IsUnknown() {
		return names
	}
	for _, el := range tasks.Elements() {
		obj, ok := el.(types.Object)
		if !ok {
			continue
		}
		a := obj.Attributes()
		name, _ := a["file_name"].(types.String)
		for _, k := range []string{"storage_file_id", "source_file_id"} {
			if id, ok := a[k].(types.String); ok && !id.IsNull() && !name.IsNull() {
				names[id.ValueString()] = name.ValueString()
			}
		}
	}
	return names
}

// runResourceAttributes are the attributes both run resources share: id, the re-run triggers and the local wait
// settings. Only connection_id and triggers start a new run; wait, allowed_results and timeouts change locally.
func runResourceAttributes(ctx context.Context) map[string]rschema.Attribute {
	attrs := resourceOutputAttributes()
	attrs["id"] = rschema.StringAttribute{
		Computed:      true,
		Description:   "Id of the run this resource started.",
		PlanModifiers: []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
	}
	attrs["connection_id"] = rschema.StringAttribute{
		Required:      true,
		Description:   "Id of the connection to run. Changing it starts a new run.",
		Validators:    []validator.String{stringvalidator.LengthAtLeast(1)},
		PlanModifiers: []planmodifier.String{stringplanmodifier.RequiresReplace()},
	}
	attrs["triggers"] = rschema.MapAttribute{
		Optional:    true,
		ElementType: types.StringType,
		Description: "Arbitrary values; changing any of them starts a new run. Key it on what should re-synchronize, e.g. the `source_hash` of uploaded files. " +
			"After an import the API cannot tell the triggers, so the first apply records the configured ones without starting a run.",
		PlanModifiers: []planmodifier.Map{mapplanmodifier.RequiresReplaceIf(triggersReplaceUnlessImported,
			"Changing triggers starts a new run, except on a freshly imported run, whose configured triggers are adopted in place.",
			"Changing triggers starts a new run, except on a freshly imported run, whose configured triggers are adopted in place.")},
	}
	attrs["wait"] = rschema.BoolAttribute{
		Optional:    true,
		Computed:    true,
		Default:     booldefault.StaticBool(true),
		Description: "Wait for the run to complete and enforce `allowed_results` (default `true`). With `false` the apply records the accepted run and returns; refreshes update its outputs. Changing it does not start a run.",
	}
	attrs["allowed_results"] = rschema.SetAttribute{
		Optional:    true,
		Computed:    true,
		ElementType: types.StringType,
		Default:     setdefault.StaticValue(types.SetValueMust(types.StringType, []attr.Value{types.StringValue(wire.ResultSuccess)})),
		Description: "Run results that count as success when waiting (default `[\"Success\"]`). Any other result fails the apply with one error per failed file and taints the resource. Allowed values: " +
			"`" + strings.Join(allowedResultValues, "`, `") + "`. Changing it does not start a run.",
		Validators: []validator.Set{
			setvalidator.SizeAtLeast(1),
			setvalidator.ValueStringsAre(stringvalidator.OneOf(allowedResultValues...)),
		},
	}
	to := timeouts.Attributes(ctx, timeouts.Opts{
		Create: true,
		CreateDescription: "How long to start and wait for the run, as a Go duration such as `90m` (default `60m`). " +
			"When it expires the run keeps going on the server; the resource is saved with the run id and tainted.",
	}).(rschema.SingleNestedAttribute)
	to.Description = "Operation timeouts. Only `create` applies: starting and waiting for the run. Changing it does not start a run."
	attrs["timeouts"] = to
	return attrs
}

// importedRunKey marks, in private state, a run resource imported and not applied since. The API does not know
// a run's triggers, so an import leaves them null; the first apply must adopt the configured triggers instead of
// starting a run (DESIGN §4.1: importing starts nothing). Update clears the mark.
const importedRunKey = "imported_run"

// privateState is the part of a request's private state (a framework-internal type) that reads keys; a nil
// value reads as empty.
type privateState interface {
	GetKey(ctx context.Context, key string) ([]byte, diag.Diagnostics)
}

// isImportedRun reports the import mark of importedRunKey.
func isImportedRun(ctx context.Context, p privateState, diags *diag.Diagnostics) bool {
	v, d := p.GetKey(ctx, importedRunKey)
	diags.Append(d...)
	return string(v) == "true"
}

// triggersReplaceUnlessImported replaces the run when triggers change, except null → value on an imported run.
func triggersReplaceUnlessImported(ctx context.Context, req planmodifier.MapRequest, resp *mapplanmodifier.RequiresReplaceIfFuncResponse) {
	if req.StateValue.IsNull() && isImportedRun(ctx, req.Private, &resp.Diagnostics) {
		tflog.Info(ctx, "adopting the configured triggers of an imported run without starting a run")
		return
	}
	resp.RequiresReplace = true
}

// allowedResults reads allowed_results, defaulting to Success.
func allowedResults(ctx context.Context, set types.Set, diags *diag.Diagnostics) []string {
	if set.IsNull() || set.IsUnknown() {
		return []string{wire.ResultSuccess}
	}
	var out []string
	diags.Append(set.ElementsAs(ctx, &out, false)...)
	sort.Strings(out)
	return out
}

// consentRedirectURL is only echoed back by the consent page; any valid URL does for the check.
const consentRedirectURL = "http://localhost/itwin-consent-done"

// warnUserConnection adds a plan-time warning when the connection runs as a User who has not consented
// (DESIGN §4.9): such a run is accepted and then fails with UserNotAuthenticated.
func warnUserConnection(ctx context.Context, client *itwin.Client, conn *wire.Connection, diags *diag.Diagnostics) {
	if conn.AuthenticationType != "" && conn.AuthenticationType != wire.AuthenticationTypeUser {
		return
	}
	info, err := client.GetAuthorizationInformation(ctx, consentRedirectURL)
	if err != nil {
		tflog.Debug(ctx, "could not check user consent", map[string]any{"error": err.Error()})
		return
	}
	if info.IsUserAuthorized {
		return
	}
	consent := ""
	if info.Links.AuthorizationURL != nil {
		consent = " The consent page is " + itwin.RedactURL(info.Links.AuthorizationURL.Href) + "."
	}
	diags.AddAttributeWarning(pathConnectionID, "The run will fail: User connection without consent",
		fmt.Sprintf("Connection %s has authentication_type = \"User\", so it runs on behalf of its owner, and the provider's credentials "+
			"(typically a service application using client credentials) have not given consent. The server will accept the run and then "+
			"complete it with result Error (UserNotAuthenticated). Give consent once (the itwin_sync_authorization data source returns the "+
			"authorization URL)%s, or set authentication_type = \"Service\" on the connection.", conn.ID, consent))
}

// attrValues returns the outputs keyed by attribute name.
func (o runOutputsModel) attrValues() map[string]attr.Value {
	return map[string]attr.Value{
		"state": o.State, "result": o.Result, "phase": o.Phase, "started_at": o.StartedAt, "ended_at": o.EndedAt,
		"duration_seconds": o.DurationSeconds, "error": o.Error, "tasks": o.Tasks, "changesets": o.Changesets, "reports": o.Reports,
	}
}

// refreshRunState is the Read of both run resources: it refreshes outs in place, and on a 404 tells a purged
// run (kept with a warning) from a deleted connection (removed). It returns false when Read must stop.
func refreshRunState(ctx context.Context, t runTarget, runID string, outs *runOutputsModel,
	names func(context.Context) map[string]string, resp *resource.ReadResponse) bool {
	fresh, err := refreshRun(ctx, t, runID, outs, names, &resp.Diagnostics)
	if err != nil {
		if itwin.IsNotFound(err) {
			readMissingRun(ctx, t, runID, resp)
			return false
		}
		addAPIError(&resp.Diagnostics, "reading synchronization run "+runID, err, nil)
		return false
	}
	*outs = fresh
	return true
}

// forgetRun is the Delete of both run resources: the API cannot delete or cancel runs, and their history stays
// with the connection, so destroying only drops the run from state.
func forgetRun(ctx context.Context, req resource.DeleteRequest) {
	var id types.String
	req.State.GetAttribute(ctx, path.Root("id"), &id)
	tflog.Info(ctx, "forgetting synchronization run (runs cannot be deleted or cancelled)", map[string]any{"run_id": id.ValueString()})
}
