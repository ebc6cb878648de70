package engine

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/seed37c7dd03/terraform-provider-itwin/internal/itwinlocal"
	"github.com/seed37c7dd03/terraform-provider-itwin/internal/itwinlocal/connector"
	"github.com/seed37c7dd03/terraform-provider-itwin/internal/wire"
)

// childSep joins a manifest master's id and a child's id into the child's file key in the element store, so
// the child's elements belong to the master (a child is processed inside its master's task, §5.3) and leave
// with it.
const childSep = "|child|"

// fileChange is what one source file (a master, a child, or a removed file) changes in the iModel.
type fileChange struct {
	key, name string
	ch        connector.Changes
	total     int    // elements of the file after the change
	inputHash string // digest of what went in; stored for the next run's skip check
	skipped   bool   // same input as the last successful run: not parsed, nothing to apply
	removed   bool   // the file left the connection (or was unmapped): its elements and file state go
}

// outcome is what a task (or the Preprocessor's removals) changes.
type outcome struct {
	label string // file name(s) for changeset descriptions
	files []fileChange
}

func (o *outcome) counts() (ins, upd, del int) {
	for _, f := range o.files {
		ins += len(f.ch.Inserted)
		upd += len(f.ch.Updated)
		del += len(f.ch.Deleted)
	}
	return
}

func (o *outcome) changed() bool {
	i, u, d := o.counts()
	return i+u+d > 0
}

// changedNames are the names of the files that changed something, in order.
func (o *outcome) changedNames() []string {
	var out []string
	for _, f := range o.files {
		if !f.ch.Empty() && !containsStr(out, f.name) {
			out = append(out, f.name)
		}
	}
	return out
}

// taskFailure is a task error (§11k) and the phase it happened in.
type taskFailure struct {
	err   *connector.Error
	phase string
}

func newFailure(code, phase, format string, args ...any) *taskFailure {
	return &taskFailure{err: &connector.Error{Code: code, Message: connector.Info(code).Message, Details: fmt.Sprintf(format, args...)}, phase: phase}
}

// runTask processes task t of job j: Executing, attempts with retries of transient failures (WaitingToRetry,
// §11i), then Completed in one transaction with the elements, the changeset (or the squash entry) and the
// report.
func (e *Engine) runTask(rc *runCtx, j, t int, phase string) error {
	r := &rc.r
	job, task := &r.Jobs[j], &r.Jobs[j].Tasks[t]
	now := e.now()
	if task.StartDateTime.IsZero() {
		task.StartDateTime = wire.NewTimestamp(now)
	}
	if job.State != wire.StateExecuting {
		job.State = wire.StateExecuting
		if job.StartDateTime.IsZero() {
			job.StartDateTime = wire.NewTimestamp(now)
		}
	}
	task.State = wire.StateExecuting
	if err := e.save(r, nil); err != nil {
		return err
	}
	for {
		if err := e.pause(1); err != nil {
			return err
		}
		out, fail, name, err := e.process(rc, job.ConnectorType, task, phase)
		if err != nil {
			return err
		}
		if fail != nil && fail.err.Code == connector.CodeTimeout && task.RetryAttempts < e.opts.MaxRetries {
			task.RetryAttempts++
			te := fail.err.TaskError(fail.phase)
			task.State, task.Error = wire.StateWaitingToRetry, &te
			if err := e.save(r, nil); err != nil {
				return err
			}
			if err := e.pause(1); err != nil {
				return err
			}
			task.State = wire.StateExecuting
			if err := e.save(r, nil); err != nil {
				return err
			}
			continue
		}
		end := e.now()
		task.State, task.EndDateTime = wire.StateCompleted, wire.NewTimestamp(end)
		if fail != nil {
			te := fail.err.TaskError(fail.phase)
			task.Result, task.Error = wire.ResultError, &te
		} else {
			task.Result, task.Error = wire.ResultSuccess, nil
		}
		done := true
		for _, x := range job.Tasks {
			done = done && x.State == wire.StateCompleted
		}
		if done {
			job.State, job.Result, job.EndDateTime = wire.StateCompleted, combine(resultsOf(job.Tasks)), wire.NewTimestamp(end)
		}
		report := e.report(rc, job, task, name, out, fail)
		return e.save(r, func(tx *sql.Tx) error {
			if fail == nil {
				if err := e.commitChanges(tx, rc, out, task.ID); err != nil {
					return err
				}
			}
			_, err := e.st.AddReport(e.ctx, tx, itwinlocal.ReportRecord{IModelID: r.IModelID, RunID: r.ID, TaskID: task.ID, Created: end, Body: report})
			return err
		})
	}
}

// process does one attempt of a task and returns its changes, or a task failure, and the task's file name.
// A returned error is not the file's fault (the engine is closing, the store failed): it stops the run.
func (e *Engine) process(rc *runCtx, connectorType string, task *wire.Task, phase string) (*outcome, *taskFailure, string, error) {
	ctx, cancel := context.WithTimeout(e.ctx, e.opts.TaskTimeout)
	defer cancel()
	if rc.conn.Kind == wire.KindManifest {
		return e.processManifest(ctx, rc, task)
	}
	key := task.StorageFileID
	name := e.knownName(rc, key)
	f, err := e.st.GetFile(ctx, e.st.Reader(), key)
	if itwinlocal.IsNotFound(err) || (err == nil && !f.Completed) {
		return nil, newFailure(connector.CodeFileNotFound, wire.PhaseMasterFile, "the Storage file %s (%s) no longer exists", key, name), name, nil
	}
	if err != nil {
		return nil, nil, name, e.stopErr(err)
	}
	name = f.DisplayName
	if fail := e.fault(name, task.RetryAttempts); fail != nil {
		return nil, fail, name, nil
	}
	c, err := connector.For(connectorType, name)
	if err != nil {
		return nil, asFailure(err, wire.PhaseMasterFile), name, nil
	}
	open := func() (io.ReadCloser, error) { return e.st.OpenBlob(f.ContentHash) }
	fc, fail, err := e.syncFile(ctx, rc, key, name, connectorType, c, f.ContentHash, open, wire.PhaseMasterFile)
	if fail != nil || err != nil {
		return nil, fail, name, err
	}
	return &outcome{label: name, files: []fileChange{*fc}}, nil, name, nil
}

// processManifest handles a manifest task: the master from its pre-authenticated URL, then its children
// (phase ReferenceFile), or the removal of both for action unmap (§11l).
func (e *Engine) processManifest(ctx context.Context, rc *runCtx, task *wire.Task) (*outcome, *taskFailure, string, error) {
	entry := e.manifestEntry(rc, task.SourceFileID)
	if entry == nil {
		return nil, nil, task.SourceFileID, errNoManifest
	}
	name := entry.Name
	if entry.Action == wire.ManifestActionUnmap {
		files, err := e.removeFiles(ctx, rc, func(key string) bool { return key == entry.ID || strings.HasPrefix(key, entry.ID+childSep) })
		if err != nil {
			return nil, nil, name, e.stopErr(err)
		}
		return &outcome{label: name, files: files}, nil, name, nil
	}
	if fail := e.fault(name, task.RetryAttempts); fail != nil {
		return nil, fail, name, nil
	}
	out := &outcome{label: name}
	fc, fail, err := e.syncURL(ctx, rc, entry.ID, name, entry.ConnectorType, entry.URL, wire.PhaseMasterFile)
	if fail != nil || err != nil {
		return nil, fail, name, err
	}
	out.files = append(out.files, *fc)
	keep := map[string]bool{}
	for _, ch := range entry.Children {
		key := entry.ID + childSep + ch.ID
		keep[key] = true
		fc, fail, err := e.syncURL(ctx, rc, key, ch.Name, ch.ConnectorType, ch.URL, wire.PhaseReferenceFile)
		if fail != nil {
			fail.err.Details = "reference file " + ch.Name + ": " + fail.err.Details
			return nil, fail, name, nil
		}
		if err != nil {
			return nil, nil, name, err
		}
		out.files = append(out.files, *fc)
	}
	// Children that are no longer listed under this master lose their elements.
	gone, err := e.removeFiles(ctx, rc, func(key string) bool { return strings.HasPrefix(key, entry.ID+childSep) && !keep[key] })
	if err != nil {
		return nil, nil, name, e.stopErr(err)
	}
	out.files = append(out.files, gone...)
	return out, nil, name, nil
}

func (e *Engine) hasChildren(rc *runCtx, task *wire.Task) bool {
	if rc.conn.Kind != wire.KindManifest {
		return false
	}
	entry := e.manifestEntry(rc, task.SourceFileID)
	return entry != nil && entry.Action != wire.ManifestActionUnmap && len(entry.Children) > 0
}

func (e *Engine) manifestEntry(rc *runCtx, id string) *wire.ManifestRunFile {
	if rc.r.Manifest == nil {
		return nil
	}
	for i := range rc.r.Manifest.SourceFiles {
		if rc.r.Manifest.SourceFiles[i].ID == id {
			return &rc.r.Manifest.SourceFiles[i]
		}
	}
	return nil
}

// syncURL downloads a manifest file and syncs it.
func (e *Engine) syncURL(ctx context.Context, rc *runCtx, key, name, connectorType, rawURL, phase string) (*fileChange, *taskFailure, error) {
	c, err := connector.For(connectorType, name)
	if err != nil {
		return nil, asFailure(err, phase), nil
	}
	path, hash, err := e.download(ctx, rawURL)
	if err != nil {
		if f := asFailure(err, phase); f != nil && e.ctx.Err() == nil {
			return nil, f, nil
		}
		return nil, nil, e.stopErr(err)
	}
	defer os.Remove(path)
	return e.syncFile(ctx, rc, key, name, connectorType, c, hash, func() (io.ReadCloser, error) { return os.Open(path) }, phase)
}

// syncFile diffs one file's elements against the store. When the input (content, connector type and the
// options that shape elements) equals the one of this connection's last successful processing of the file,
// it does not parse the file at all.
func (e *Engine) syncFile(ctx context.Context, rc *runCtx, key, name, connectorType string, c connector.Connector, contentHash string,
	open func() (io.ReadCloser, error), phase string) (*fileChange, *taskFailure, error) {
	opts := connector.OptionsFromSettings(rc.settings)
	h := sha256.New()
	fmt.Fprintf(h, "%s\n%s\n%s\n%t\n", contentHash, connectorType, wire.FileExtension(name), opts.IgnoreIfcGlobalIDs)
	input := hex.EncodeToString(h.Sum(nil))
	fc := &fileChange{key: key, name: name, inputHash: input}
	var prevConn, prevInput string
	err := e.st.Reader().QueryRowContext(ctx, `SELECT connection_id, input_hash FROM engine_files WHERE imodel_id = ? AND file_key = ?`,
		rc.r.IModelID, key).Scan(&prevConn, &prevInput)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return nil, nil, e.stopErr(err)
	}
	if prevConn == rc.conn.ID && prevInput == input {
		fc.skipped = true
		err := e.st.Reader().QueryRowContext(ctx, `SELECT COUNT(*) FROM elements WHERE imodel_id = ? AND file_key = ?`, rc.r.IModelID, key).Scan(&fc.total)
		return fc, nil, e.stopErr(err)
	}
	old, err := e.st.ElementHashes(ctx, e.st.Reader(), rc.r.IModelID, key)
	if err != nil {
		return nil, nil, e.stopErr(err)
	}
	rd, err := open()
	if errors.Is(err, os.ErrNotExist) {
		return nil, newFailure(connector.CodeFileNotFound, phase, "the content of %s is missing from the blob store", name), nil
	}
	if err != nil {
		return nil, nil, e.stopErr(err)
	}
	defer rd.Close()
	ch, next, err := connector.Diff(old, func(emit func(connector.Element) error) error { return c.Extract(ctx, rd, opts, emit) })
	if err != nil {
		if f := asFailure(err, phase); f != nil && e.ctx.Err() == nil {
			return nil, f, nil
		}
		return nil, nil, e.stopErr(err)
	}
	fc.ch, fc.total = ch, len(next)
	return fc, nil, nil
}

// removals lists the files whose elements this connection produced but that are no longer its source files
// (§11l). Manifest children count as part of their master.
func (e *Engine) removals(rc *runCtx) (*outcome, error) {
	files, err := e.st.ListSourceFiles(e.ctx, e.st.Reader(), rc.conn.ID)
	if err != nil {
		return nil, err
	}
	mapped := map[string]bool{}
	for _, f := range files {
		mapped[f.FileKey] = true
	}
	gone, err := e.removeFiles(e.ctx, rc, func(key string) bool {
		master, _, _ := strings.Cut(key, childSep)
		return !mapped[master]
	})
	if err != nil {
		return nil, e.stopErr(err)
	}
	out := &outcome{files: gone}
	out.label = strings.Join(out.changedNames(), ", ")
	return out, nil
}

// removeFiles builds the removal of every file of this connection on the iModel whose key matches.
func (e *Engine) removeFiles(ctx context.Context, rc *runCtx, match func(key string) bool) ([]fileChange, error) {
	// engine_files lists exactly the files that have elements (both are written and removed together), so
	// this does not scan the iModel's elements.
	rows, err := e.st.Reader().QueryContext(ctx, `SELECT file_key, file_name FROM engine_files
		WHERE imodel_id = ? AND connection_id = ? ORDER BY file_key`, rc.r.IModelID, rc.conn.ID)
	if err != nil {
		return nil, err
	}
	type file struct{ key, name string }
	var keys []file
	for rows.Next() {
		var f file
		if err := rows.Scan(&f.key, &f.name); err != nil {
			rows.Close()
			return nil, err
		}
		if match(f.key) {
			keys = append(keys, f)
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	var out []fileChange
	for _, f := range keys {
		old, err := e.st.ElementHashes(ctx, e.st.Reader(), rc.r.IModelID, f.key)
		if err != nil {
			return nil, err
		}
		ch, _, _ := connector.Diff(old, func(func(connector.Element) error) error { return nil })
		if f.name == "" {
			f.name = f.key
		}
		out = append(out, fileChange{key: f.key, name: f.name, ch: ch, removed: true})
	}
	return out, nil
}

// knownName is the name of a storage source file as the connection knows it (also when the file is gone).
func (e *Engine) knownName(rc *runCtx, key string) string {
	files, err := e.st.ListSourceFiles(e.ctx, e.st.Reader(), rc.conn.ID)
	if err == nil {
		for _, f := range files {
			if f.FileKey == key && f.LastKnownFileName != "" {
				return f.LastKnownFileName
			}
		}
	}
	var name string
	if e.st.Reader().QueryRowContext(e.ctx, `SELECT file_name FROM engine_files WHERE imodel_id = ? AND file_key = ?`, rc.r.IModelID, key).Scan(&name) == nil && name != "" {
		return name
	}
	return key
}

// fault asks the test hook about this attempt.
func (e *Engine) fault(name string, attempt int) *taskFailure {
	if e.opts.TaskFault == nil {
		return nil
	}
	err := e.opts.TaskFault(name, attempt)
	if err == nil {
		return nil
	}
	if f := asFailure(err, wire.PhaseMasterFile); f != nil {
		return f
	}
	return newFailure(connector.CodeTimeout, wire.PhaseMasterFile, "%v", err)
}

// asFailure turns a connector error into a task failure (nil for other errors).
func asFailure(err error, phase string) *taskFailure {
	var ce *connector.Error
	if errors.As(err, &ce) {
		cp := *ce
		return &taskFailure{err: &cp, phase: phase}
	}
	return nil
}

// stopErr prefers the engine's own cancellation over the error it caused.
func (e *Engine) stopErr(err error) error {
	if err != nil && e.ctx.Err() != nil {
		return e.ctx.Err()
	}
	return err
}

func containsStr(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
