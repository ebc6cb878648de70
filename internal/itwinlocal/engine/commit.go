package engine

import (
	"crypto/sha1"
	"database/sql"
	"encoding/hex"
	"fmt"
	"sort"
	"strings"

	"github.com/seed37c7dd03/terraform-provider-itwin/internal/itwinlocal"
	"github.com/seed37c7dd03/terraform-provider-itwin/internal/wire"
)

// Changeset content flags (§9.3).
const (
	changesSchema      = 1
	changesSpatialData = 4
)

// briefcaseID is the briefcase the local synchronization pushes from.
const briefcaseID = 2

// commitChanges applies an outcome inside tx: elements and file states, then its changeset, or, in a squashed
// run, its entry for the run's one changeset.
func (e *Engine) commitChanges(tx *sql.Tx, rc *runCtx, out *outcome, taskID string) error {
	if out == nil {
		return nil
	}
	for i := range out.files {
		if err := e.applyFile(tx, rc, &out.files[i]); err != nil {
			return err
		}
	}
	if !out.changed() {
		return nil
	}
	ins, upd, del := out.counts()
	digest, payload := out.digest()
	if rc.squash {
		return e.st.AppendPendingChange(e.ctx, tx, rc.r.ID, itwinlocal.PendingChange{TaskID: taskID, Files: out.changedNames(),
			Inserted: ins, Updated: upd, Deleted: del, Digest: digest, Payload: payload})
	}
	if taskID == "" { // removals: the run's first task carries them (its id links them to this run, §9.3)
		taskID = firstTaskID(&rc.r)
	}
	return e.pushChangeset(tx, rc, taskID, out.changedNames(), ins, upd, del, []string{digest}, payload)
}

// applyFile writes one file's element changes and its file state.
func (e *Engine) applyFile(tx *sql.Tx, rc *runCtx, f *fileChange) error {
	ctx, im, conn := e.ctx, rc.r.IModelID, rc.conn.ID
	if f.skipped {
		return nil
	}
	var upserts []string
	upserts = append(append(upserts, f.ch.Inserted...), f.ch.Updated...)
	if err := e.st.UpsertElements(ctx, tx, im, f.key, conn, upserts, func(k string) string { return f.ch.Elements[k].Hash }); err != nil {
		return err
	}
	if err := e.st.DeleteElements(ctx, tx, im, f.key, f.ch.Deleted); err != nil {
		return err
	}
	if f.removed {
		return e.st.DeleteEngineFile(ctx, tx, im, f.key)
	}
	// A file that moved to this connection from another one now belongs to this connection (§11l: removing
	// it from the old connection must not delete it).
	if err := e.st.MoveElements(ctx, tx, im, f.key, conn); err != nil {
		return err
	}
	return e.st.PutEngineFile(ctx, tx, itwinlocal.EngineFile{IModelID: im, FileKey: f.key, ConnectionID: conn, FileName: f.name, InputHash: f.inputHash})
}

// digest is the SHA-1 of the outcome's changes (files by key, each with its sorted inserts, updates and
// deletes and the new hashes), and payload a notional size in bytes of the change payload.
func (o *outcome) digest() (string, int64) {
	files := append([]fileChange(nil), o.files...)
	sort.Slice(files, func(i, j int) bool { return files[i].key < files[j].key })
	h := sha1.New()
	var size int64
	for _, f := range files {
		if f.ch.Empty() {
			continue
		}
		fmt.Fprintf(h, "F %s\n", f.key)
		for _, k := range f.ch.Inserted {
			fmt.Fprintf(h, "I %s %s\n", k, f.ch.Elements[k].Hash)
			size += int64(len(k)) + 96 // key, hash, class and placement of a new element
		}
		for _, k := range f.ch.Updated {
			fmt.Fprintf(h, "U %s %s\n", k, f.ch.Elements[k].Hash)
			size += int64(len(k)) + 80
		}
		for _, k := range f.ch.Deleted {
			fmt.Fprintf(h, "D %s\n", k)
			size += int64(len(k)) + 16
		}
	}
	return hex.EncodeToString(h.Sum(nil)), size + 512 // changeset header
}

// pushChangeset appends a changeset to the run's iModel (§11m). Its id is the SHA-1 of the parent id and the
// change digests, so it is stable for the same changes on the same parent.
func (e *Engine) pushChangeset(tx *sql.Tx, rc *runCtx, taskID string, files []string, ins, upd, del int, digests []string, payload int64) error {
	parent, err := e.st.LastChangesetID(e.ctx, tx, rc.r.IModelID)
	if err != nil {
		return err
	}
	h := sha1.New()
	fmt.Fprintf(h, "%s\n%s", parent, strings.Join(digests, "\n"))
	contains := changesSpatialData
	if parent == "" {
		contains |= changesSchema // the first changeset also imports the schemas
	}
	_, err = e.st.AppendChangeset(e.ctx, tx, itwinlocal.ChangesetRecord{
		IModelID:          rc.r.IModelID,
		ID:                hex.EncodeToString(h.Sum(nil)),
		Description:       fmt.Sprintf("Synchronized %s: +%d ~%d -%d elements", strings.Join(files, ", "), ins, upd, del),
		PushTime:          e.now(),
		ContainingChanges: contains,
		FileSize:          payload,
		BriefcaseID:       briefcaseID,
		CreatorID:         itwinlocal.ClientUserID(rc.conn.OwnerClient),
		TaskID:            taskID,
		ChangedFiles:      files,
		RunID:             rc.r.ID,
	})
	return err
}

// pushPending pushes a squashed run's one changeset from its pending entries and removes them. It carries the
// first changed task's id (removals, recorded without a task, come first but do not count as a task).
func (e *Engine) pushPending(tx *sql.Tx, rc *runCtx) error {
	pending, err := e.st.PendingChanges(e.ctx, tx, rc.r.ID)
	if err != nil {
		return err
	}
	var taskID string
	var files, digests []string
	var ins, upd, del int
	var payload int64
	for _, p := range pending {
		if taskID == "" {
			taskID = p.TaskID
		}
		for _, n := range p.Files {
			if !containsStr(files, n) {
				files = append(files, n)
			}
		}
		ins, upd, del, payload = ins+p.Inserted, upd+p.Updated, del+p.Deleted, payload+p.Payload
		digests = append(digests, p.Digest)
	}
	if len(digests) == 0 {
		return nil
	}
	if taskID == "" { // only removals changed something
		taskID = firstTaskID(&rc.r)
	}
	if err := e.pushChangeset(tx, rc, taskID, files, ins, upd, del, digests, payload); err != nil {
		return err
	}
	return e.st.DeletePendingChanges(e.ctx, tx, rc.r.ID)
}

func firstTaskID(r *itwinlocal.RunRecord) string {
	for _, j := range r.Jobs {
		for _, t := range j.Tasks {
			return t.ID
		}
	}
	return ""
}

// report builds the diagnostic report of a finished task (§3.8).
func (e *Engine) report(rc *runCtx, job *wire.Job, task *wire.Task, name string, out *outcome, fail *taskFailure) wire.ReportDocument {
	fileID := task.StorageFileID
	if fileID == "" {
		fileID = task.SourceFileID
	}
	info := wire.ReportSourceFilesInfo{FileID: fileID, FileName: name, ConnectorType: job.ConnectorType}
	var audits []wire.ReportAuditRecord
	add := func(level, category, typ, msg string) {
		audits = append(audits, wire.ReportAuditRecord{AuditInfo: wire.ReportAuditInfo{IssueID: itwinlocal.NewGUID(), Level: level,
			Category: category, Message: msg, Type: typ}})
	}
	if task.RetryAttempts > 0 {
		add("Warning", "Processing", "Retry", fmt.Sprintf("The task was retried %d time(s) after a transient failure.", task.RetryAttempts))
	}
	switch {
	case fail != nil:
		add("Error", "Connector", fail.err.Code, fmt.Sprintf("%s %s", fail.err.Message, fail.err.Details))
	case out != nil:
		info.Inserted, info.Updated, info.Deleted = out.counts()
		for _, f := range out.files {
			if !f.removed {
				info.Elements += f.total
			}
			switch {
			case f.skipped:
				add("Info", "Synchronization", "Unchanged", fmt.Sprintf("%s is unchanged since the last successful run; it was not parsed again (%d elements).", f.name, f.total))
			case f.removed:
				add("Info", "Synchronization", "Removed", fmt.Sprintf("%s was removed: %d elements deleted.", f.name, len(f.ch.Deleted)))
			default:
				add("Info", "Synchronization", "Summary", fmt.Sprintf("%s: %d inserted, %d updated, %d deleted, %d elements.", f.name,
					len(f.ch.Inserted), len(f.ch.Updated), len(f.ch.Deleted), f.total))
			}
		}
	}
	if audits == nil {
		audits = []wire.ReportAuditRecord{}
	}
	return wire.ReportDocument{
		Context: wire.ReportContext{ReportType: "detailReport", JobID: job.ID, IModelID: rc.r.IModelID, RunID: rc.r.ID, TaskID: task.ID,
			Timestamp: wire.NewTimestamp(e.now())},
		SourceFilesInfo: info,
		FileRecords:     []wire.ReportFileRecord{{File: name, AuditRecords: audits}},
	}
}
