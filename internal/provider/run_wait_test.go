package provider

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/seed37c7dd03/terraform-provider-itwin/internal/wire"
)

func TestDescribeRunChange(t *testing.T) {
	prev := run(wire.StateWaitingToExecute, wire.ResultUndetermined)
	cur := run(wire.StateExecuting, wire.ResultUndetermined, twoTaskJob(wire.Task{ID: "b", State: wire.StateExecuting}))
	cur.ID, cur.Phase = "r1", wire.PhaseMasterFile
	got := describeRunChange(&prev, &cur)
	want := "synchronization run r1: WaitingToExecute -> Executing (phase MasterFile), 1/2 tasks completed"
	if got != want {
		t.Errorf("got %q\nwant %q", got, want)
	}
	done := run(wire.StateCompleted, wire.ResultSuccess)
	done.ID = "r1"
	if got := describeRunChange(nil, &done); got != "synchronization run r1: Completed, result Success after 2.5s" {
		t.Errorf("got %q", got)
	}
	// 3554 ms is 3.5540000000000003 through Duration.Seconds(); the action's progress line shows milliseconds.
	done.EndDateTime = wire.NewTimestamp(done.StartDateTime.Add(3554 * time.Millisecond))
	if got := describeRunChange(nil, &done); got != "synchronization run r1: Completed, result Success after 3.554s" {
		t.Errorf("got %q", got)
	}
}

// The resource wording of a timeout: the run is saved, the resource tainted, timeouts.create can be raised.
func TestTimeoutError_ResourceAndActionWording(t *testing.T) {
	tg := runTarget{kind: wire.KindStorage, connectionID: "c1"}
	r := run(wire.StateExecuting, wire.ResultUndetermined)
	_, res := timeoutError(tg, callerResource, "r1", &r, context.DeadlineExceeded)
	for _, want := range []string{"Executing", "marked tainted", "timeouts.create", `run_id = "r1"`} {
		if !strings.Contains(res, want) {
			t.Errorf("resource detail lacks %q: %s", want, res)
		}
	}
	_, act := timeoutError(tg, callerAction, "r1", &r, context.Canceled)
	if strings.Contains(act, "marked tainted") || strings.Contains(act, "timeouts.") || !strings.Contains(act, "Invoke the action again") {
		t.Errorf("action detail after a cancellation: %s", act)
	}
}
