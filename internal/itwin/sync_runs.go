package itwin

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"

	"github.com/seed37c7dd03/terraform-provider-itwin/internal/wire"
)

// StartRunResult is the outcome of a run-start call.
type StartRunResult struct {
	// RunID is the new run, or (Active) the run that was already active on the connection.
	RunID string
	// Location is the run URL the server sent, if any.
	Location string
	// Active is true when the server answered 303: no run was started because RunID is still active.
	Active bool
}

// StartRun starts a run of a connection (S6, M6): a manifest connection with the files to process, a storage
// connection with none (manifest must be nil). It is never retried except on 429: a transport error, a cancelled
// context or a 5xx answer returns *StartUncertainError, after which the caller must check the connection's lastRun
// before trying again. A 409 RunAlreadyRequested is returned as *APIError.
func (a ConnectionAPI) StartRun(ctx context.Context, connID string, manifest *wire.ManifestRunCreate) (*StartRunResult, error) {
	cl := a.route(http.MethodPost, connPath+"/"+a.kind.RunStartSegment(), connID)
	if cl.err != nil {
		return nil, cl.err // before the uncertain-outcome handling below: nothing was sent
	}
	cl.policy = retryRateLimitOnly
	if manifest != nil {
		cl.body = manifest
	}
	res, err := a.c.do(ctx, cl)
	if err != nil {
		if _, ok := errors.AsType[*AuthError](err); ok {
			return nil, err // nothing was sent
		}
		if apiErr, ok := AsAPIError(err); ok && apiErr.Status < 500 {
			return nil, err // the server refused: no run was started
		}
		return nil, &StartUncertainError{ConnectionID: connID, Err: err}
	}
	out := &StartRunResult{Location: res.header.Get("Location")}
	switch res.status {
	case http.StatusSeeOther:
		out.Active = true
	case http.StatusOK:
		// A stack that followed the 303 got the active run itself.
		out.Active = true
		var env wire.RunEnvelope
		if len(res.body) > 0 && json.Unmarshal(res.body, &env) == nil && env.Run.ID != "" {
			out.RunID = env.Run.ID
			return out, nil
		}
	}
	out.RunID = lastSegment(out.Location)
	if out.RunID == "" {
		// No Location: the connection's lastRun is set in the same transaction as the run (internal/wire/testdata/spec/api.md §11g).
		conn, err := a.Get(ctx, connID)
		if err != nil {
			return nil, fmt.Errorf("the run start was accepted (HTTP %d) without a Location, and reading the connection's last run failed: %w", res.status, err)
		}
		out.RunID = conn.LastRunID()
		if out.RunID == "" {
			return nil, fmt.Errorf("the run start was accepted (HTTP %d) but neither Location nor the connection's lastRun names the run", res.status)
		}
	}
	return out, nil
}

// GetRun reads one run of a connection (S8, M8).
func (a ConnectionAPI) GetRun(ctx context.Context, connID, runID string) (*wire.Run, error) {
	return sendJSON(ctx, a.c, a.route(http.MethodGet, runsPath+"/{run id}", connID, runID), func(e *wire.RunEnvelope) *wire.Run { return &e.Run })
}

// ListRuns lists a connection's runs, newest first, in full representation (S7, M7). limit <= 0 reads every
// page; otherwise at most limit runs are returned.
func (a ConnectionAPI) ListRuns(ctx context.Context, connID string, limit int) ([]wire.Run, error) {
	return listAll(ctx, a.c, a.route(http.MethodGet, runsPath, connID), limit,
		func(p *wire.RunList) ([]wire.Run, *wire.Link) { return p.Runs, p.Links.Next })
}

// GetReports lists the diagnostic reports of a run, optionally of one task (R1, not paged). Each report's SasURI
// is pre-signed: treat it as a secret.
func (c *Client) GetReports(ctx context.Context, imodelID, runID, taskID string) ([]wire.DiagnosticReport, error) {
	q := filters(map[string]string{"imodelId": imodelID, "runId": runID, "taskId": taskID})
	cl := call{method: http.MethodGet, path: "/synchronization/reports", query: q, err: need("iModel id", imodelID, "run id", runID)}
	// Never nil: no reports is an empty list.
	return sendJSON(ctx, c, cl, func(l *wire.DiagnosticReportList) []wire.DiagnosticReport {
		return append([]wire.DiagnosticReport{}, l.Reports...)
	})
}
