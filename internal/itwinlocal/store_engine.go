package itwinlocal

// Store methods of the run engine (internal/itwinlocal/engine): element state, the engine's own tables and
// what it reads of changesets and runs. The engine has no SQL of its own (TestSQLOnlyInStoreFiles).

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"strings"
)

// ElementHashes returns element key → hash of what one source file produced on an iModel.
func (st *Store) ElementHashes(ctx context.Context, q Querier, imodelID, fileKey string) (map[string]string, error) {
	rows, err := q.QueryContext(ctx, `SELECT element_key, hash FROM elements WHERE imodel_id = ? AND file_key = ?`, imodelID, fileKey)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]string{}
	for rows.Next() {
		var k, h string
		if err := rows.Scan(&k, &h); err != nil {
			return nil, err
		}
		out[k] = h
	}
	return out, rows.Err()
}

// ReplaceElements sets the elements a source file produced (an empty map removes them all, §11l), inside the
// caller's write transaction.
func (st *Store) ReplaceElements(ctx context.Context, tx *sql.Tx, imodelID, fileKey, connID string, elems map[string]string) error {
	if _, err := tx.ExecContext(ctx, `DELETE FROM elements WHERE imodel_id = ? AND file_key = ?`, imodelID, fileKey); err != nil {
		return err
	}
	for k, h := range elems {
		if _, err := tx.ExecContext(ctx, `INSERT INTO elements (imodel_id, file_key, element_key, hash, connection_id) VALUES (?,?,?,?,?)`,
			imodelID, fileKey, k, h, connID); err != nil {
			return err
		}
	}
	return nil
}

// CountElements is the number of elements on an iModel.
func (st *Store) CountElements(ctx context.Context, q Querier, imodelID string) (int, error) {
	var n int
	err := q.QueryRowContext(ctx, `SELECT COUNT(*) FROM elements WHERE imodel_id = ?`, imodelID).Scan(&n)
	return n, err
}

// The run engine (internal/itwinlocal/engine) keeps two tables of its own next to the server's schema (created
// when an engine starts, so the server's migrations stay the server's):
//
//	engine_files(imodel_id→imodels, file_key, connection_id, file_name, input_hash)
//	    per source file on an iModel: who last processed it successfully, under which name, and the digest of
//	    what went in (content hash, connector type, options that change elements). An equal digest at the
//	    next run skips parsing (issue 4 item 4). The name lets a later run describe the file's removal.
//	engine_pending(run_id→runs, seq, task_id, files json, inserted, updated, deleted, digest, payload)
//	    the changes of tasks already applied in a squashed run (§11m), waiting for the run's one changeset,
//	    which Finalizing pushes and deletes them in the same transaction.
//
// Both cascade with their iModel or run, like the rest of the store.
const engineSchema = `
CREATE TABLE IF NOT EXISTS engine_files (imodel_id TEXT NOT NULL REFERENCES imodels(id) ON DELETE CASCADE,
  file_key TEXT NOT NULL, connection_id TEXT NOT NULL, file_name TEXT NOT NULL DEFAULT '', input_hash TEXT NOT NULL DEFAULT '',
  PRIMARY KEY (imodel_id, file_key));
CREATE TABLE IF NOT EXISTS engine_pending (run_id TEXT NOT NULL REFERENCES runs(id) ON DELETE CASCADE, seq INTEGER NOT NULL,
  task_id TEXT NOT NULL, files TEXT NOT NULL, inserted INTEGER NOT NULL, updated INTEGER NOT NULL, deleted INTEGER NOT NULL,
  digest TEXT NOT NULL, payload INTEGER NOT NULL, PRIMARY KEY (run_id, seq));
`

// CreateEngineTables creates the engine's tables if they do not exist yet.
func (st *Store) CreateEngineTables(ctx context.Context) error {
	return st.Write(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, engineSchema)
		return err
	})
}

// RunState is the stored state of a run; ErrNotFound when the run is gone.
func (st *Store) RunState(ctx context.Context, q Querier, runID string) (string, error) {
	var state string
	err := q.QueryRowContext(ctx, `SELECT state FROM runs WHERE id = ?`, runID).Scan(&state)
	if errors.Is(err, sql.ErrNoRows) {
		return "", ErrNotFound
	}
	return state, err
}

// PendingChange is one task's changes waiting in a squashed run for the run's one changeset (engine_pending).
type PendingChange struct {
	TaskID                     string
	Files                      []string // names of the changed files
	Inserted, Updated, Deleted int
	Digest                     string
	Payload                    int64
}

// AppendPendingChange adds a task's changes after the run's earlier ones.
func (st *Store) AppendPendingChange(ctx context.Context, tx *sql.Tx, runID string, p PendingChange) error {
	seq := 0
	if err := tx.QueryRowContext(ctx, `SELECT COALESCE(MAX(seq), 0) + 1 FROM engine_pending WHERE run_id = ?`, runID).Scan(&seq); err != nil {
		return err
	}
	names, _ := json.Marshal(p.Files)
	_, err := tx.ExecContext(ctx, `INSERT INTO engine_pending (run_id, seq, task_id, files, inserted, updated, deleted, digest, payload)
			VALUES (?,?,?,?,?,?,?,?,?)`, runID, seq, p.TaskID, string(names), p.Inserted, p.Updated, p.Deleted, p.Digest, p.Payload)
	return err
}

// PendingChanges lists the run's pending changes in the order they were added.
func (st *Store) PendingChanges(ctx context.Context, q Querier, runID string) ([]PendingChange, error) {
	rows, err := q.QueryContext(ctx, `SELECT task_id, files, inserted, updated, deleted, digest, payload FROM engine_pending
		WHERE run_id = ? ORDER BY seq`, runID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []PendingChange
	for rows.Next() {
		var p PendingChange
		var files string
		if err := rows.Scan(&p.TaskID, &files, &p.Inserted, &p.Updated, &p.Deleted, &p.Digest, &p.Payload); err != nil {
			return nil, err
		}
		_ = json.Unmarshal([]byte(files), &p.Files)
		out = append(out, p)
	}
	return out, rows.Err()
}

// DeletePendingChanges removes the run's pending changes (once its changeset is pushed).
func (st *Store) DeletePendingChanges(ctx context.Context, tx *sql.Tx, runID string) error {
	_, err := tx.ExecContext(ctx, `DELETE FROM engine_pending WHERE run_id = ?`, runID)
	return err
}

// batchRows is how many elements one statement writes: far fewer statements (and allocations) than one row
// each, and well below SQLite's limit of 32766 parameters.
const batchRows = 200

// UpsertElements inserts or updates the elements with these keys of one source file, owned by connID; hash
// gives each key's hash.
func (st *Store) UpsertElements(ctx context.Context, tx *sql.Tx, imodelID, fileKey, connID string, keys []string, hash func(key string) string) error {
	return inBatches(ctx, tx, keys,
		func(n int) string {
			return `INSERT INTO elements (imodel_id, file_key, element_key, hash, connection_id) VALUES ` + repeatJoin("(?,?,?,?,?)", n) +
				` ON CONFLICT (imodel_id, file_key, element_key) DO UPDATE SET hash = excluded.hash, connection_id = excluded.connection_id`
		},
		func(args []any, k string) []any { return append(args, imodelID, fileKey, k, hash(k), connID) })
}

// DeleteElements deletes the elements with these keys of one source file.
func (st *Store) DeleteElements(ctx context.Context, tx *sql.Tx, imodelID, fileKey string, keys []string) error {
	return inBatches(ctx, tx, keys,
		func(n int) string {
			return `DELETE FROM elements WHERE imodel_id = ? AND file_key = ? AND element_key IN (` + repeatJoin("?", n) + `)`
		},
		func(args []any, k string) []any {
			if len(args) == 0 {
				args = append(args, imodelID, fileKey)
			}
			return append(args, k)
		})
}

// inBatches executes stmt(n) for keys in groups of up to batchRows, with the arguments add appends per key.
func inBatches(ctx context.Context, tx *sql.Tx, keys []string, stmt func(n int) string, add func(args []any, k string) []any) error {
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
				if full, err = tx.PrepareContext(ctx, stmt(n)); err != nil {
					return err
				}
			}
			_, err = full.ExecContext(ctx, args...)
		} else {
			_, err = tx.ExecContext(ctx, stmt(n), args...)
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

// MoveElements makes connID the owner of every element of the source file.
func (st *Store) MoveElements(ctx context.Context, tx *sql.Tx, imodelID, fileKey, connID string) error {
	_, err := tx.ExecContext(ctx, `UPDATE elements SET connection_id = ? WHERE imodel_id = ? AND file_key = ? AND connection_id <> ?`, connID, imodelID, fileKey, connID)
	return err
}

// CountFileElements is the number of elements one source file produced on an iModel.
func (st *Store) CountFileElements(ctx context.Context, q Querier, imodelID, fileKey string) (int, error) {
	var n int
	err := q.QueryRowContext(ctx, `SELECT COUNT(*) FROM elements WHERE imodel_id = ? AND file_key = ?`, imodelID, fileKey).Scan(&n)
	return n, err
}

// EngineFile is the engine's state of one source file on an iModel (engine_files).
type EngineFile struct {
	IModelID, FileKey, ConnectionID, FileName, InputHash string
}

// GetEngineFile loads the state of one source file; the zero EngineFile (no error) when there is none.
func (st *Store) GetEngineFile(ctx context.Context, q Querier, imodelID, fileKey string) (EngineFile, error) {
	f := EngineFile{IModelID: imodelID, FileKey: fileKey}
	err := q.QueryRowContext(ctx, `SELECT connection_id, input_hash, file_name FROM engine_files WHERE imodel_id = ? AND file_key = ?`,
		imodelID, fileKey).Scan(&f.ConnectionID, &f.InputHash, &f.FileName)
	if errors.Is(err, sql.ErrNoRows) {
		return EngineFile{}, nil
	}
	return f, err
}

// EngineFiles lists the files of the connection on the iModel, by key. engine_files lists exactly the files
// that have elements (both are written and removed together), so this does not scan the iModel's elements.
func (st *Store) EngineFiles(ctx context.Context, q Querier, imodelID, connID string) ([]EngineFile, error) {
	rows, err := q.QueryContext(ctx, `SELECT file_key, file_name FROM engine_files
		WHERE imodel_id = ? AND connection_id = ? ORDER BY file_key`, imodelID, connID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []EngineFile
	for rows.Next() {
		f := EngineFile{IModelID: imodelID, ConnectionID: connID}
		if err := rows.Scan(&f.FileKey, &f.FileName); err != nil {
			return nil, err
		}
		out = append(out, f)
	}
	return out, rows.Err()
}

// PutEngineFile records the engine's state of a source file.
func (st *Store) PutEngineFile(ctx context.Context, tx *sql.Tx, f EngineFile) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO engine_files (imodel_id, file_key, connection_id, file_name, input_hash) VALUES (?,?,?,?,?)
		ON CONFLICT (imodel_id, file_key) DO UPDATE SET connection_id = excluded.connection_id, file_name = excluded.file_name,
		input_hash = excluded.input_hash`, f.IModelID, f.FileKey, f.ConnectionID, f.FileName, f.InputHash)
	return err
}

// DeleteEngineFile forgets the engine's state of a source file (its elements are gone).
func (st *Store) DeleteEngineFile(ctx context.Context, tx *sql.Tx, imodelID, fileKey string) error {
	_, err := tx.ExecContext(ctx, `DELETE FROM engine_files WHERE imodel_id = ? AND file_key = ?`, imodelID, fileKey)
	return err
}

// LastChangesetID is the id of the iModel's newest changeset; "" when it has none.
func (st *Store) LastChangesetID(ctx context.Context, q Querier, imodelID string) (string, error) {
	var id string
	err := q.QueryRowContext(ctx, `SELECT id FROM changesets WHERE imodel_id = ? ORDER BY idx DESC LIMIT 1`, imodelID).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	}
	return id, err
}
