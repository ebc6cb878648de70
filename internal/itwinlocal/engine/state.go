package engine

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/seed37c7dd03/terraform-provider-itwin/internal/itwinlocal"
	"github.com/seed37c7dd03/terraform-provider-itwin/internal/wire"
)

func createTables(ctx context.Context, st *itwinlocal.Store) error {
	if err := st.CreateEngineTables(ctx); err != nil {
		return fmt.Errorf("itwin-local engine: create tables: %w", err)
	}
	return nil
}

// errRunGone: the run was deleted while it executed (its iModel was deleted), or completed by someone else;
// there is nothing left to finish.
var errRunGone = errors.New("run no longer exists")

var errFinishedElsewhere = errors.New("run already completed")

// save commits the run (and whatever extra writes in the same transaction), then reports the transition.
func (e *Engine) save(r *itwinlocal.RunRecord, extra func(tx *sql.Tx) error) error {
	err := e.st.Write(e.ctx, func(tx *sql.Tx) error {
		// Only the engine moves runs, but the store is shared (tests and tools may complete a run directly):
		// never overwrite a run that something else already finished.
		state, err := e.st.RunState(e.ctx, tx, r.ID)
		if err != nil {
			return err
		}
		if state == wire.StateCompleted {
			return errFinishedElsewhere
		}
		if extra != nil {
			if err := extra(tx); err != nil {
				return err
			}
		}
		return e.st.SaveRun(e.ctx, tx, *r)
	})
	if errors.Is(err, itwinlocal.ErrNotFound) || errors.Is(err, errFinishedElsewhere) {
		return errRunGone
	}
	if err != nil {
		if e.ctx.Err() != nil {
			return e.ctx.Err()
		}
		return err
	}
	if e.opts.AfterTransition != nil {
		e.opts.AfterTransition(e.ctx, snapshot(*r))
	}
	return nil
}

// snapshot copies a run deeply enough that the engine's later changes to jobs and tasks do not show through.
func snapshot(r itwinlocal.RunRecord) itwinlocal.RunRecord {
	jobs := make([]wire.Job, len(r.Jobs))
	for i, j := range r.Jobs {
		j.Tasks = append([]wire.Task(nil), j.Tasks...)
		for k := range j.Tasks {
			if te := j.Tasks[k].Error; te != nil {
				cp := *te
				j.Tasks[k].Error = &cp
			}
		}
		jobs[i] = j
	}
	r.Jobs = jobs
	return r
}

// now is the server's clock.
func (e *Engine) now() time.Time { return e.srv.Now() }

// fail ends a run that cannot continue: Completed/Error with a run error naming the reason, and every task
// that had not finished Completed/Error. It uses a fresh context: it must also work while the engine closes.
func (e *Engine) fail(id string, cause error) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	err := e.st.UpdateRun(ctx, id, func(_ *sql.Tx, r *itwinlocal.RunRecord) error {
		if r.State == wire.StateCompleted {
			return nil
		}
		now := e.now()
		failRun(r, now, &wire.RunError{ErrorKey: "RunFailed", Description: "The run could not be completed: " + cause.Error()})
		return nil
	})
	if err != nil && !itwinlocal.IsNotFound(err) {
		e.log.Error("marking run failed", "run", id, "err", err)
	}
}

func failRun(r *itwinlocal.RunRecord, now time.Time, runErr *wire.RunError) {
	r.State, r.Result, r.End, r.Error = wire.StateCompleted, wire.ResultError, now, runErr
	for j := range r.Jobs {
		job := &r.Jobs[j]
		for t := range job.Tasks {
			task := &job.Tasks[t]
			if task.State != wire.StateCompleted {
				task.State, task.Result = wire.StateCompleted, wire.ResultError
				if task.EndDateTime.IsZero() {
					task.EndDateTime = wire.NewTimestamp(now)
				}
			}
		}
		if job.State != wire.StateCompleted {
			job.State, job.Result = wire.StateCompleted, combine(resultsOf(job.Tasks))
			job.EndDateTime = wire.NewTimestamp(now)
		}
	}
}

// combine applies the result rule of §11i to a list of task (or job) results.
func combine(results []string) string {
	if len(results) == 0 {
		return wire.ResultSkipped
	}
	ok, bad := 0, 0
	for _, r := range results {
		switch r {
		case wire.ResultSuccess:
			ok++
		case wire.ResultSkipped:
		default:
			bad++
		}
	}
	switch {
	case bad == 0 && ok == 0:
		return wire.ResultSkipped
	case bad == 0:
		return wire.ResultSuccess
	case ok == 0:
		return wire.ResultError
	}
	return wire.ResultPartialSuccess
}

func resultsOf(tasks []wire.Task) []string {
	out := make([]string, 0, len(tasks))
	for _, t := range tasks {
		out = append(out, t.Result)
	}
	return out
}
