package provider

// Starting a run without ever creating a duplicate (internal/provider/run_start.go is shared by both run
// resources, the itwin_sync_run action and the run data sources): adopt a run that is already active, retry a lost
// start race, adopt a run whose start answer was lost, record its id at once, then wait and enforce its result.

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/seed37c7dd03/terraform-provider-itwin/internal/itwin"
	"github.com/seed37c7dd03/terraform-provider-itwin/internal/wire"
)

const (
	// defaultRunTimeout is the create/invoke timeout: public runs can take about an hour (internal/wire/testdata/spec/api.md §4.3).
	defaultRunTimeout = 60 * time.Minute

	// maxActiveRunAdoptions bounds how many foreign active runs we wait out before giving up; each one is a
	// full wait, so in practice the timeout ends the loop long before.
	maxActiveRunAdoptions = 10
)

// runRaceBackoff is the pause before each retry after a 409 RunAlreadyRequested.
var runRaceBackoff = [...]time.Duration{time.Second, 2 * time.Second, 4 * time.Second}

// runTarget is the connection a run is started on, with the manifest body for manifest connections.
type runTarget struct {
	client       *itwin.Client
	kind         wire.Kind
	connectionID string
	manifest     *wire.ManifestRunCreate
}

func (t runTarget) noun() string { return t.kind.Noun() }

func (t runTarget) getConnection(ctx context.Context) (*wire.Connection, error) {
	return t.client.Connections(t.kind).Get(ctx, t.connectionID)
}

func (t runTarget) start(ctx context.Context) (*itwin.StartRunResult, error) {
	return t.client.Connections(t.kind).StartRun(ctx, t.connectionID, t.manifest)
}

func (t runTarget) getRun(ctx context.Context, runID string) (*wire.Run, error) {
	return t.client.Connections(t.kind).GetRun(ctx, t.connectionID, runID)
}

func (t runTarget) listRuns(ctx context.Context, limit int) ([]wire.Run, error) {
	return t.client.Connections(t.kind).ListRuns(ctx, t.connectionID, limit)
}

// runOps is how a run is waited for: the clock (the provider's, see provider_data.go) and where progress lines
// go (the log; an action also sends them to the CLI).
type runOps struct {
	clock    clock
	progress func(ctx context.Context, msg string)
}

func (o runOps) withDefaults() runOps {
	if o.clock == nil {
		o.clock = realClock{}
	}
	if o.progress == nil {
		o.progress = func(ctx context.Context, msg string) { tflog.Info(ctx, msg) }
	}
	return o
}

// runCaller says who started a run. What happens after a failure differs: a resource saves the run in its state
// and Terraform taints it, so the next apply starts a new run; an action saves nothing and taints nothing, so only
// invoking it again starts another run. Diagnostics must tell each caller what is true for it.
type runCaller int

const (
	callerResource runCaller = iota
	callerAction
)

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
		outs, dd := flattenRun(ctx, runDetails{run: run})
		diags.Append(dd...)
		diags.Append(record(runID, outs)...)
		return runID, diags
	}

	run, err := waitRun(ctx, t, runID, ops)
	if err != nil {
		outs, dd := flattenRun(ctx, runDetails{run: run})
		diags.Append(dd...)
		diags.Append(record(runID, outs)...)
		s, d := timeoutError(t, caller, runID, run, err)
		diags.AddError(s, d)
		return runID, diags
	}
	fileNames := names(ctx)
	details := collectRunDetails(ctx, t.client, conn.IModelID, run, fileNames, &diags)
	outs, dd := flattenRun(ctx, details)
	diags.Append(dd...)
	diags.Append(record(runID, outs)...)
	diags.Append(runResultDiagnostics(t, caller, run, allowed, fileNames)...)
	return runID, diags
}

var pathConnectionID = path.Root("connection_id")

// manifestErrorTargets points 422 answers about the manifest body at the attribute (internal/wire/testdata/spec/api.md §5.3).
var manifestErrorTargets = map[string]path.Path{
	"sourceFiles":                path.Root("source_files"),
	"documentAttributeSchemaUrl": path.Root("document_attribute_schema_url"),
	"connectionId":               path.Root("connection_id"),
}

// startRun starts one run on the target and returns its id:
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
			// No usable Location: the spec puts the new run in lastRun in the same transaction (internal/wire/testdata/spec/api.md §11g).
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
			if serr := ops.clock.Sleep(ctx, runRaceBackoff[races]); serr != nil {
				return "", serr
			}
			races++
			continue
		case isUncertainStart(err):
			id, found, cerr := adoptStartedRun(ctx, t, previous)
			if found {
				tflog.Info(ctx, "the start request's answer was lost but the run exists; adopting it", map[string]any{"run_id": id})
				return id, ctx.Err() // an ended context still returns the id, so the caller records the run
			}
			if ctx.Err() != nil {
				return "", err
			}
			if cerr != nil {
				return "", fmt.Errorf("%w; checking the connection's last run also failed: %v", err, cerr)
			}
			if uncertainRetried {
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
