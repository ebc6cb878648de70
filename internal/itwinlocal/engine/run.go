package engine

import (
	"database/sql"
	"errors"
	"fmt"

	"github.com/seed37c7dd03/terraform-provider-itwin/internal/itwinlocal"
	"github.com/seed37c7dd03/terraform-provider-itwin/internal/wire"
)

// runCtx is what the steps of one run share.
type runCtx struct {
	r        itwinlocal.RunRecord
	conn     itwinlocal.ConnectionRecord
	squash   bool
	settings map[string]any
}

// execute drives a run (already Queued, holding its iModel) from its stored state to Completed. It is a state
// machine over the stored state, so it resumes wherever a previous engine stopped.
func (e *Engine) execute(id string) error {
	r, err := e.st.GetRun(e.ctx, e.st.Reader(), id)
	if err != nil {
		if itwinlocal.IsNotFound(err) {
			return errRunGone
		}
		return err
	}
	conn, err := e.st.GetConnection(e.ctx, e.st.Reader(), r.ConnectionID)
	if err != nil {
		if itwinlocal.IsNotFound(err) {
			return fmt.Errorf("its connection %s no longer exists", r.ConnectionID)
		}
		return err
	}
	rc := &runCtx{r: r, conn: conn}
	for rc.r.State != wire.StateCompleted {
		var err error
		switch rc.r.State {
		case wire.StateNotStarted, wire.StateQueued:
			err = e.leaveQueued(rc)
		case wire.StateWaitingToExecute:
			if err = e.pause(1); err == nil {
				rc.r.State, rc.r.Phase = wire.StateExecuting, wire.PhasePreprocessor
				err = e.save(&rc.r, nil)
			}
		case wire.StateExecuting, wire.StateWaitingToRetry:
			err = e.executing(rc)
		case wire.StateFinalizing:
			err = e.finalize(rc)
		default:
			err = fmt.Errorf("it is in the unexpected state %q", rc.r.State)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// leaveQueued checks consent (§11j), takes the settings snapshot (§11n) and lays out jobs and tasks
// (WaitingToExecute, §11i). A run without files still goes through the phases (removals may apply) and
// completes Skipped.
func (e *Engine) leaveQueued(rc *runCtx) error {
	r := &rc.r
	if err := e.pause(0.5); err != nil { // the iModel is ours; preparing the run takes a moment
		return err
	}
	if rc.conn.AuthType == wire.AuthenticationTypeUser {
		ok, err := e.st.HasConsent(e.ctx, e.st.Reader(), rc.conn.OwnerClient)
		if err != nil {
			return err
		}
		if !ok {
			r.Jobs = []wire.Job{}
			r.State, r.Result, r.End = wire.StateCompleted, wire.ResultError, e.now()
			r.Error = &wire.RunError{ErrorKey: "UserNotAuthenticated", Description: "User is not authenticated."}
			return e.save(r, nil)
		}
	}
	settings, err := e.st.ResolvedConnectionSettings(e.ctx, e.st.Reader(), rc.conn.ID)
	if err != nil {
		return err
	}
	r.Settings = settings
	jobs, err := e.layoutJobs(rc)
	if err != nil {
		return err
	}
	r.Jobs = jobs
	r.State = wire.StateWaitingToExecute
	return e.save(r, nil)
}

// layoutJobs builds one job per connector type (in first-appearance order) with one NotStarted task per file.
func (e *Engine) layoutJobs(rc *runCtx) ([]wire.Job, error) {
	jobs := []wire.Job{}
	byType := map[string]int{}
	add := func(ct string, t wire.Task) {
		j, ok := byType[ct]
		if !ok {
			j = len(jobs)
			byType[ct] = j
			jobs = append(jobs, wire.Job{ID: itwinlocal.NewGUID(), State: wire.StateNotStarted, Result: wire.ResultUndetermined,
				ConnectorType: ct, Tasks: []wire.Task{}})
		}
		t.ID, t.State, t.Result = itwinlocal.NewGUID(), wire.StateNotStarted, wire.ResultUndetermined
		jobs[j].Tasks = append(jobs[j].Tasks, t)
	}
	if rc.conn.Kind == wire.KindManifest {
		if rc.r.Manifest == nil { // every accepted manifest run stores its body, even {}
			return nil, errNoManifest
		}
		for _, f := range rc.r.Manifest.SourceFiles {
			add(f.ConnectorType, wire.Task{SourceFileID: f.ID})
		}
		return jobs, nil
	}
	files, err := e.st.ListSourceFiles(e.ctx, e.st.Reader(), rc.conn.ID)
	if err != nil {
		return nil, err
	}
	for _, f := range files {
		add(f.ConnectorType, wire.Task{StorageFileID: f.FileKey})
	}
	return jobs, nil
}

func (rc *runCtx) load() {
	rc.settings = rc.r.Settings
	rc.squash, _ = rc.settings["squashIntermediateRevisions"].(bool)
}

// executing runs the phases: Preprocessor removes the elements of files that left the connection (§11l),
// MasterFile processes the tasks, ReferenceFile the manifest children (inside their master's task, §5.3).
func (e *Engine) executing(rc *runCtx) error {
	rc.load()
	r := &rc.r
	if r.State == wire.StateWaitingToRetry { // only tasks wait to retry; a stored run state means an old engine
		r.State = wire.StateExecuting
	}
	switch r.Phase {
	case "", wire.PhasePreprocessor:
		if err := e.pause(1); err != nil {
			return err
		}
		out, err := e.removals(rc)
		if err != nil {
			return err
		}
		r.Phase = wire.PhaseMasterFile
		return e.save(r, func(tx *sql.Tx) error { return e.commitChanges(tx, rc, out, "") })
	case wire.PhaseMasterFile:
		for j := range r.Jobs {
			for t := range r.Jobs[j].Tasks {
				if r.Jobs[j].Tasks[t].State == wire.StateCompleted {
					continue
				}
				if e.hasChildren(rc, &r.Jobs[j].Tasks[t]) {
					continue // processed in ReferenceFile
				}
				if err := e.runTask(rc, j, t, wire.PhaseMasterFile); err != nil {
					return err
				}
			}
		}
		if err := e.pause(1); err != nil {
			return err
		}
		r.Phase = wire.PhaseReferenceFile
		return e.save(r, nil)
	case wire.PhaseReferenceFile:
		for j := range r.Jobs {
			for t := range r.Jobs[j].Tasks {
				if r.Jobs[j].Tasks[t].State == wire.StateCompleted {
					continue
				}
				if err := e.runTask(rc, j, t, wire.PhaseReferenceFile); err != nil {
					return err
				}
			}
		}
		if err := e.pause(1); err != nil {
			return err
		}
		r.State = wire.StateFinalizing
		return e.save(r, nil)
	}
	return fmt.Errorf("it is in the unexpected phase %q", r.Phase)
}

// finalize pushes the squashed changeset (if any), sets the results and completes the run.
func (e *Engine) finalize(rc *runCtx) error {
	rc.load()
	if err := e.pause(1); err != nil {
		return err
	}
	r := &rc.r
	var results []string
	for j := range r.Jobs {
		job := &r.Jobs[j]
		if job.State != wire.StateCompleted {
			job.State, job.Result = wire.StateCompleted, combine(resultsOf(job.Tasks))
			if job.EndDateTime.IsZero() {
				job.EndDateTime = wire.NewTimestamp(e.now())
			}
		}
		results = append(results, resultsOf(job.Tasks)...)
	}
	r.State, r.Result, r.End = wire.StateCompleted, combine(results), e.now()
	return e.save(r, func(tx *sql.Tx) error { return e.pushPending(tx, rc) })
}

var errNoManifest = errors.New("its manifest (the list of files to process) is missing")
