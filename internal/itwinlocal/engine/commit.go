package engine

import (
	"crypto/sha1"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
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
		seq := 0
		if err := tx.QueryRowContext(e.ctx, `SELECT COALESCE(MAX(seq), 0) + 1 FROM engine_pending WHERE run_id = ?`, rc.r.ID).Scan(&seq); err != nil {
			return err
		}
		names, _ := json.Marshal(out.changedNames())
		_, err := tx.ExecContext(e.ctx, `INSERT INTO engine_pending (run_id, seq, task_id, files, inserted, updated, deleted, digest, payload)
			VALUES (?,?,?,?,?,?,?,?,?)`, rc.r.ID, seq, taskID, string(names), ins, upd, del, digest, payload)
		return err
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
	err := inBatches(e, tx, upserts,
		func(n int) string {
			return `INSERT INTO elements (imodel_id, file_key, element_key, hash, connection_id) VALUES ` + repeatJoin("(?,?,?,?,?)", n) +
				` ON CONFLICT (imodel_id, file_key, element_key) DO UPDATE SET hash = excluded.hash, connection_id = excluded.connection_id`
		},
		func(args []any, k string) []any { return append(args, im, f.key, k, f.ch.Elements[k].Hash, conn) })
	if err != nil {
		return err
	}
	err = inBatches(e, tx, f.ch.Deleted,
		func(n int) string {
			return `DELETE FROM elements WHERE imodel_id = ? AND file_key = ? AND element_key IN (` + repeatJoin("?", n) + `)`
		},
		func(args []any, k string) []any {
			if len(args) == 0 {
				args = append(args, im, f.key)
			}
			return append(args, k)
		})
	if err != nil {
		return err
	}
	if f.removed {
		_, err := tx.ExecContext(ctx, `DELETE FROM engine_files WHERE imodel_id = ? AND file_key = ?`, im, f.key)
		return err
	}
	// A file that moved to this connection from another one now belongs to this connection (§11l: removing
	// it from the old connection must not delete it).
	if _, err := tx.ExecContext(ctx, `UPDATE elements SET connection_id = ? WHERE imodel_id = ? AND file_key = ? AND connection_id <> ?`, conn, im, f.key, conn); err != nil {
		return err
	}
	_, err = tx.ExecContext(ctx, `INSERT INTO engine_files (imodel_id, file_key, connection_id, file_name, input_hash) VALUES (?,?,?,?,?)
		ON CONFLICT (imodel_id, file_key) DO UPDATE SET connection_id = excluded.connection_id, file_name = excluded.file_name,
		input_hash = excluded.input_hash`, im, f.key, conn, f.name, f.inputHash)
	return err
}

// batchRows is how many elements one statement writes: far fewer statements (and allocations) than one row
// each, and well below SQLite's limit of 32766 parameters.
const batchRows = 200

// inBatches executes stmt(n) for keys in groups of up to batchRows, with the arguments add appends per key.
func inBatches(e *Engine, tx *sql.Tx, keys []string, stmt func(n int) string, add func(args []any, k string) []any) error {
	var full *sql.Stmt
	defer func() {
		if full != nil {
			full.Close()
		}
	}()
	for len(keys) > 0 {
		n := min(len(keys), batchRows)
		var args []any
		for _, k := range keys[:n] {
			args = add(args, k)
		}
		var err error
		if n == batchRows {
			if full == nil {
				if full, err = tx.PrepareContext(e.ctx, stmt(n)); err != nil {
					return err
				}
			}
			_, err = full.ExecContext(e.ctx, args...)
		} else {
			_, err = tx.ExecContext(e.ctx, stmt(n), args...)
		}
		if err != nil {
			return err
		}
		keys = keys[n:]
	}
	return nil
}

func repeatJoin(s string, n int) string {
	return strings.TrimSuffix(strings.Repeat(s+",", n), ",")
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
	var parent string
	err := tx.QueryRowContext(e.ctx, `SELECT id FROM changesets WHERE imodel_id = ? ORDER BY idx DESC LIMIT 1`, rc.r.IModelID).Scan(&parent)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
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
	rows, err := tx.QueryContext(e.ctx, `SELECT task_id, files, inserted, updated, deleted, digest, payload FROM engine_pending
		WHERE run_id = ? ORDER BY seq`, rc.r.ID)
	if err != nil {
		return err
	}
	var taskID string
	var files, digests []string
	var ins, upd, del int
	var payload int64
	for rows.Next() {
		var t, f, d string
		var i, u, x int
		var p int64
		if err := rows.Scan(&t, &f, &i, &u, &x, &d, &p); err != nil {
			rows.Close()
			return err
		}
		if taskID == "" {
			taskID = t
		}
		var names []string
		_ = json.Unmarshal([]byte(f), &names)
		for _, n := range names {
			if !containsStr(files, n) {
				files = append(files, n)
			}
		}
		ins, upd, del, payload = ins+i, upd+u, del+x, payload+p
		digests = append(digests, d)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
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
	_, err = tx.ExecContext(e.ctx, `DELETE FROM engine_pending WHERE run_id = ?`, rc.r.ID)
	return err
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
