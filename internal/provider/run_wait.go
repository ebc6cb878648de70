package provider

// Waiting for a run: polling with progress lines, and the diagnostic of a wait that ended before the run did.

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/seed37c7dd03/terraform-provider-itwin/internal/itwin"
	"github.com/seed37c7dd03/terraform-provider-itwin/internal/wire"
)

// waitRun polls the run until it is Completed, reporting each state change. On error (timeout, cancellation,
// too many transient errors) it returns the last run it saw, so the caller can save it with the error.
func waitRun(ctx context.Context, t runTarget, runID string, ops runOps) (*wire.Run, error) {
	ops = ops.withDefaults()
	var last *wire.Run
	opts := itwin.WaitOptions{Clock: ops.clock.Now, Sleep: ops.clock.Sleep, OnChange: func(prev, cur *wire.Run) {
		ops.progress(ctx, describeRunChange(prev, cur))
	}}
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
		if !cur.StartDateTime.IsZero() && !cur.EndDateTime.IsZero() {
			fmt.Fprintf(&b, " after %ss", strconv.FormatFloat(runSeconds(cur), 'f', -1, 64))
		}
	}
	return b.String()
}

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
