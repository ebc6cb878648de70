package itwinlocal

// Store methods for connections, source files, runs, configurations, reports and consents (sync.go, runs.go
// and config.go keep the HTTP side).

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"strings"
	"time"

	"github.com/seed37c7dd03/terraform-provider-itwin/internal/wire"
)

// GetConnection loads a connection of either kind (ErrNotFound).
func (st *Store) GetConnection(ctx context.Context, q Querier, id string) (ConnectionRecord, error) {
	r, err := scanConn(q.QueryRowContext(ctx, `SELECT `+connCols+` FROM connections c JOIN imodels m ON m.id = c.imodel_id WHERE c.id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return r, ErrNotFound
	}
	return r, err
}

// mappedCount is the number of source files mapped on an iModel across its connections (§11e).
func (st *Store) mappedCount(ctx context.Context, q Querier, imodelID string) (int, error) {
	var n int
	err := q.QueryRowContext(ctx, `SELECT COUNT(*) FROM source_files WHERE imodel_id = ?`, imodelID).Scan(&n)
	return n, err
}

// checkMapped answers 409 FileAlreadyMapped if key is mapped on the iModel by any connection, other than the
// mapping excludeID (a PUT replacing itself), §11b.
func (st *Store) checkMapped(ctx context.Context, tx *sql.Tx, conn ConnectionRecord, excludeID, key string) error {
	var n int
	if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM source_files WHERE imodel_id = ? AND kind = ? AND file_key = ? AND id <> ?`,
		conn.IModelID, conn.Kind, key, excludeID).Scan(&n); err != nil {
		return err
	}
	if n > 0 {
		return errFileAlreadyMapped
	}
	return nil
}

// insertSourceFile maps a file into a connection.
func (st *Store) insertSourceFile(ctx context.Context, tx *sql.Tx, conn ConnectionRecord, id, key, connectorType, name string) error {
	if err := st.checkMapped(ctx, tx, conn, id, key); err != nil {
		return err
	}
	seq, err := nextSeq(ctx, tx, "source_files")
	if err != nil {
		return err
	}
	_, err = tx.ExecContext(ctx, `INSERT INTO source_files (id, connection_id, imodel_id, kind, file_key, connector_type, last_known_name, seq)
		VALUES (?,?,?,?,?,?,?,?)`, id, conn.ID, conn.IModelID, conn.Kind, key, connectorType, name, seq)
	return err
}

func (st *Store) activeRunID(ctx context.Context, q Querier, connID string) (string, error) {
	var id string
	err := q.QueryRowContext(ctx, `SELECT id FROM runs WHERE connection_id = ? AND state <> ? LIMIT 1`, connID, wire.StateCompleted).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	}
	return id, err
}

func (st *Store) listSourceFiles(ctx context.Context, q Querier, connID string, p page) ([]SourceFileRecord, error) {
	rows, err := q.QueryContext(ctx, `SELECT `+sfCols+sfFrom+`WHERE s.connection_id = ? ORDER BY s.seq LIMIT ? OFFSET ?`, connID, p.Top, p.Skip)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []SourceFileRecord
	for rows.Next() {
		r, err := scanSF(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

func (st *Store) getSourceFile(ctx context.Context, q Querier, connID, id string) (SourceFileRecord, error) {
	r, err := scanSF(q.QueryRowContext(ctx, `SELECT `+sfCols+sfFrom+`WHERE s.connection_id = ? AND s.id = ?`, connID, strings.ToLower(id)))
	if errors.Is(err, sql.ErrNoRows) {
		return r, ErrNotFound
	}
	return r, err
}

// HasConsent reports whether the client consented through C2 (§11j). The engine checks it for User connections
// (the owner is ConnectionRecord.OwnerClient).
func (st *Store) HasConsent(ctx context.Context, q Querier, clientID string) (bool, error) {
	var n int
	err := q.QueryRowContext(ctx, `SELECT COUNT(*) FROM consents WHERE client_id = ?`, clientID).Scan(&n)
	return n > 0, err
}

// GrantConsent records consent for a client directly (tests, seeding).
func (st *Store) GrantConsent(ctx context.Context, clientID string) error {
	return st.Write(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT OR IGNORE INTO consents (client_id, created) VALUES (?, ?)`, clientID, nanos(st.Now()))
		return err
	})
}

// GetRun loads a run (ErrNotFound).
func (st *Store) GetRun(ctx context.Context, q Querier, id string) (RunRecord, error) {
	r, err := scanRun(q.QueryRowContext(ctx, `SELECT `+runCols+runFrom+`WHERE r.id = ?`, strings.ToLower(id)))
	if errors.Is(err, sql.ErrNoRows) {
		return r, ErrNotFound
	}
	return r, err
}

func (st *Store) queryRuns(ctx context.Context, q Querier, query string, args ...any) ([]RunRecord, error) {
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []RunRecord
	for rows.Next() {
		r, err := scanRun(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// SaveRun writes a run's mutable fields (state, result, phase, end, error, jobs, settings) inside the caller's
// write transaction. It returns ErrNotFound if the run is gone (its connection or iModel was deleted).
func (st *Store) SaveRun(ctx context.Context, tx *sql.Tx, r RunRecord) error {
	errJSON := ""
	if r.Error != nil {
		b, _ := json.Marshal(r.Error)
		errJSON = string(b)
	}
	jobs := r.Jobs
	if jobs == nil {
		jobs = []wire.Job{}
	}
	jb, err := json.Marshal(jobs)
	if err != nil {
		return err
	}
	settings := ""
	if r.Settings != nil {
		b, _ := json.Marshal(r.Settings)
		settings = string(b)
	}
	if err := st.emitRunCompleted(ctx, tx, r); err != nil { // webhook event, once: on the transition to Completed
		return err
	}
	res, err := tx.ExecContext(ctx, `UPDATE runs SET state = ?, result = ?, phase = ?, end_time = ?, error = ?, jobs = ?, settings = ? WHERE id = ?`,
		r.State, r.Result, r.Phase, nanos(r.End), errJSON, string(jb), settings, r.ID)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return ErrNotFound
	}
	return nil
}

// GetSettings returns the flags stored on one scope (ok=false when the scope has no configuration).
func (st *Store) GetSettings(ctx context.Context, q Querier, scopeKind, scopeID string) (map[string]any, bool, error) {
	var raw string
	err := q.QueryRowContext(ctx, `SELECT settings FROM configurations WHERE scope_kind = ? AND scope_id = ?`, scopeKind, scopeID).Scan(&raw)
	if errors.Is(err, sql.ErrNoRows) {
		return map[string]any{}, false, nil
	}
	if err != nil {
		return nil, false, err
	}
	m, err := decodeStoredSettings(raw)
	return m, true, err
}

// AddReport stores a report inside the caller's write transaction and returns its id (generated when empty).
func (st *Store) AddReport(ctx context.Context, tx *sql.Tx, r ReportRecord) (string, error) {
	if r.ID == "" {
		r.ID = NewID()
	}
	if r.Created.IsZero() {
		r.Created = st.Now()
	}
	b, err := json.Marshal(r.Body)
	if err != nil {
		return "", err
	}
	_, err = tx.ExecContext(ctx, `INSERT INTO reports (id, imodel_id, run_id, task_id, created, body) VALUES (?,?,?,?,?,?)`,
		r.ID, r.IModelID, r.RunID, r.TaskID, nanos(r.Created), string(b))
	return r.ID, err
}

// putSettings creates or replaces the settings of one scope; the *_ref column of its kind makes the row cascade
// with the scope's object.
func (st *Store) putSettings(ctx context.Context, tx *sql.Tx, scopeKind, scopeID string, settings map[string]any) error {
	b, _ := json.Marshal(settings)
	var itRef, imRef, connRef any
	switch scopeKind {
	case wire.ScopeITwin:
		itRef = scopeID
	case wire.ScopeIModel:
		imRef = scopeID
	default:
		connRef = scopeID
	}
	_, err := tx.ExecContext(ctx, `INSERT INTO configurations (scope_kind, scope_id, settings, itwin_ref, imodel_ref, connection_ref) VALUES (?,?,?,?,?,?)
			ON CONFLICT (scope_kind, scope_id) DO UPDATE SET settings = excluded.settings`, scopeKind, scopeID, string(b), itRef, imRef, connRef)
	return err
}

// deleteSettings deletes the settings of one scope and reports whether there were any.
func (st *Store) deleteSettings(ctx context.Context, tx *sql.Tx, scopeKind, scopeID string) (bool, error) {
	res, err := tx.ExecContext(ctx, `DELETE FROM configurations WHERE scope_kind = ? AND scope_id = ?`, scopeKind, scopeID)
	if err != nil {
		return false, err
	}
	n, _ := res.RowsAffected()
	return n > 0, nil
}

// listReports lists a run's reports (ID, TaskID, Created; no body), oldest first; taskID "" = every task.
func (st *Store) listReports(ctx context.Context, q Querier, imodelID, runID, taskID string) ([]ReportRecord, error) {
	query := `SELECT id, task_id, created FROM reports WHERE imodel_id = ? AND run_id = ?`
	args := []any{imodelID, runID}
	if taskID != "" {
		query += ` AND task_id = ?`
		args = append(args, taskID)
	}
	rows, err := q.QueryContext(ctx, query+` ORDER BY created, id`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []ReportRecord
	for rows.Next() {
		r := ReportRecord{IModelID: imodelID, RunID: runID}
		var created int64
		if err := rows.Scan(&r.ID, &r.TaskID, &created); err != nil {
			return nil, err
		}
		r.Created = fromNanos(created)
		out = append(out, r)
	}
	return out, rows.Err()
}

// reportBody is the stored JSON document of a report; sql.ErrNoRows when there is none.
func (st *Store) reportBody(ctx context.Context, q Querier, id string) (string, error) {
	var body string
	err := q.QueryRowContext(ctx, `SELECT body FROM reports WHERE id = ?`, id).Scan(&body)
	return body, err
}

// insertRun creates a NotStarted run of the connection; errRunAlreadyRequested when the connection already has
// an active one (the runs_one_active index).
func (st *Store) insertRun(ctx context.Context, tx *sql.Tx, runID string, conn ConnectionRecord, manifest string, now time.Time) error {
	seq, err := nextSeq(ctx, tx, "runs")
	if err != nil {
		return err
	}
	_, err = tx.ExecContext(ctx, `INSERT INTO runs (id, connection_id, imodel_id, state, result, start, jobs, manifest, seq) VALUES (?,?,?,?,?,?,?,?,?)`,
		runID, conn.ID, conn.IModelID, wire.StateNotStarted, wire.ResultUndetermined, nanos(now), "[]", manifest, seq)
	if err != nil && strings.Contains(err.Error(), "UNIQUE") {
		return errRunAlreadyRequested
	}
	return err
}

// setLastRun points the connection's lastRun at the run.
func (st *Store) setLastRun(ctx context.Context, tx *sql.Tx, connID, runID string) error {
	_, err := tx.ExecContext(ctx, `UPDATE connections SET last_run_id = ? WHERE id = ?`, runID, connID)
	return err
}

func (st *Store) countConnections(ctx context.Context, q Querier, imodelID string) (int, error) {
	var n int
	err := q.QueryRowContext(ctx, `SELECT COUNT(*) FROM connections WHERE imodel_id = ?`, imodelID).Scan(&n)
	return n, err
}

func (st *Store) insertConnection(ctx context.Context, tx *sql.Tx, conn ConnectionRecord) error {
	seq, err := nextSeq(ctx, tx, "connections")
	if err != nil {
		return err
	}
	_, err = tx.ExecContext(ctx, `INSERT INTO connections (id, kind, imodel_id, display_name, auth_type, owner_client, created, seq) VALUES (?,?,?,?,?,?,?,?)`,
		conn.ID, conn.Kind, conn.IModelID, conn.DisplayName, conn.AuthType, conn.OwnerClient, nanos(conn.Created), seq)
	return err
}

// connFilter selects connections for listConnections.
type connFilter struct {
	Kind     wire.Kind // "" = both kinds
	IModelID string    // "" = every iModel
	// Restrict limits the list to iModels in ITwins or in an iTwin granted to ClientID.
	Restrict bool
	ITwins   []string
	ClientID string
}

// listConnections returns one page of connections in creation order, and whether more follow.
func (st *Store) listConnections(ctx context.Context, q Querier, f connFilter, p page) ([]ConnectionRecord, bool, error) {
	query := `SELECT ` + connCols + ` FROM connections c JOIN imodels m ON m.id = c.imodel_id WHERE 1=1`
	var args []any
	if f.Kind != "" {
		query += ` AND c.kind = ?`
		args = append(args, string(f.Kind))
	}
	if f.IModelID != "" {
		query += ` AND c.imodel_id = ?`
		args = append(args, f.IModelID)
	}
	if f.Restrict {
		b, _ := json.Marshal(f.ITwins)
		query += ` AND (m.itwin_id IN (SELECT value FROM json_each(?)) OR m.itwin_id IN (SELECT itwin_id FROM client_itwin_access WHERE client_id = ?))`
		args = append(args, string(b), f.ClientID)
	}
	query += ` ORDER BY c.seq LIMIT ? OFFSET ?`
	args = append(args, p.Top+1, p.Skip)
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, false, err
	}
	defer rows.Close()
	var out []ConnectionRecord
	for rows.Next() {
		r, err := scanConn(rows)
		if err != nil {
			return nil, false, err
		}
		out = append(out, r)
	}
	more := len(out) > p.Top
	if more {
		out = out[:p.Top]
	}
	return out, more, rows.Err()
}

// updateConnection saves the fields an update may change: display name, authentication type.
func (st *Store) updateConnection(ctx context.Context, tx *sql.Tx, r ConnectionRecord) error {
	_, err := tx.ExecContext(ctx, `UPDATE connections SET display_name = ?, auth_type = ? WHERE id = ?`, r.DisplayName, r.AuthType, r.ID)
	return err
}

// deleteConnection deletes the connection; runs, source files and its configuration cascade, the iModel's
// elements stay (§11l).
func (st *Store) deleteConnection(ctx context.Context, tx *sql.Tx, id string) error {
	_, err := tx.ExecContext(ctx, `DELETE FROM connections WHERE id = ?`, id)
	return err
}

// updateSourceFile replaces a mapping's content, keeping its id and position (§11c).
func (st *Store) updateSourceFile(ctx context.Context, tx *sql.Tx, id, key, connectorType, name string) error {
	_, err := tx.ExecContext(ctx, `UPDATE source_files SET file_key = ?, connector_type = ?, last_known_name = ? WHERE id = ?`, key, connectorType, name, id)
	return err
}

// deleteSourceFile removes one of the connection's mappings and reports whether it existed.
func (st *Store) deleteSourceFile(ctx context.Context, tx *sql.Tx, connID, id string) (bool, error) {
	res, err := tx.ExecContext(ctx, `DELETE FROM source_files WHERE connection_id = ? AND id = ?`, connID, id)
	if err != nil {
		return false, err
	}
	n, _ := res.RowsAffected()
	return n > 0, nil
}

// recordConsent records that the client consented (idempotent).
func (st *Store) recordConsent(ctx context.Context, tx *sql.Tx, clientID string, now time.Time) error {
	_, err := tx.ExecContext(ctx, `INSERT OR IGNORE INTO consents (client_id, created) VALUES (?, ?)`, clientID, nanos(now))
	return err
}

const runCols = `r.id, r.connection_id, c.kind, r.imodel_id, r.state, r.result, r.phase, r.start, r.end_time, r.error, r.jobs, r.manifest, r.settings`

const runFrom = ` FROM runs r JOIN connections c ON c.id = r.connection_id `

func scanRun(sc interface{ Scan(...any) error }) (RunRecord, error) {
	var r RunRecord
	var start, end int64
	var errJSON, jobs, manifest, settings string
	if err := sc.Scan(&r.ID, &r.ConnectionID, &r.Kind, &r.IModelID, &r.State, &r.Result, &r.Phase, &start, &end, &errJSON, &jobs, &manifest, &settings); err != nil {
		return r, err
	}
	r.Start, r.End = fromNanos(start), fromNanos(end)
	if errJSON != "" {
		r.Error = &wire.RunError{}
		if err := json.Unmarshal([]byte(errJSON), r.Error); err != nil {
			return r, err
		}
	}
	r.Jobs = []wire.Job{}
	if jobs != "" {
		if err := json.Unmarshal([]byte(jobs), &r.Jobs); err != nil {
			return r, err
		}
	}
	if manifest != "" {
		r.Manifest = &wire.ManifestRunCreate{}
		if err := json.Unmarshal([]byte(manifest), r.Manifest); err != nil {
			return r, err
		}
	}
	if settings != "" {
		if err := json.Unmarshal([]byte(settings), &r.Settings); err != nil {
			return r, err
		}
	}
	return r, nil
}

// ListActiveRuns returns every run whose state is not Completed, oldest first (the engine resumes them after a
// restart).
func (st *Store) ListActiveRuns(ctx context.Context, q Querier) ([]RunRecord, error) {
	return st.queryRuns(ctx, q, `SELECT `+runCols+runFrom+`WHERE r.state <> ? ORDER BY r.start, r.seq`, wire.StateCompleted)
}

// ListRuns returns a connection's runs newest first (startDateTime desc, then id desc, §11h).
func (st *Store) ListRuns(ctx context.Context, q Querier, connID string, skip, limit int) ([]RunRecord, error) {
	return st.queryRuns(ctx, q, `SELECT `+runCols+runFrom+`WHERE r.connection_id = ? ORDER BY r.start DESC, r.id DESC LIMIT ? OFFSET ?`, connID, limit, skip)
}

// UpdateRun loads the run in a write transaction, lets fn change it (fn may also write changesets, elements
// and reports through tx), and saves it, all atomically. fn's error aborts everything.
func (st *Store) UpdateRun(ctx context.Context, id string, fn func(tx *sql.Tx, r *RunRecord) error) error {
	return st.Write(ctx, func(tx *sql.Tx) error {
		r, err := st.GetRun(ctx, tx, id)
		if err != nil {
			return err
		}
		if err := fn(tx, &r); err != nil {
			return err
		}
		return st.SaveRun(ctx, tx, r)
	})
}

const connCols = `c.id, c.kind, c.imodel_id, m.itwin_id, c.display_name, c.auth_type, c.owner_client, c.last_run_id, c.created`

func scanConn(sc interface{ Scan(...any) error }) (ConnectionRecord, error) {
	var r ConnectionRecord
	var created int64
	err := sc.Scan(&r.ID, &r.Kind, &r.IModelID, &r.ITwinID, &r.DisplayName, &r.AuthType, &r.OwnerClient, &r.LastRunID, &created)
	r.Created = fromNanos(created)
	return r, err
}

const sfCols = `s.id, s.connection_id, s.imodel_id, s.kind, s.file_key, s.connector_type, COALESCE(f.display_name, s.last_known_name)`

const sfFrom = ` FROM source_files s LEFT JOIN storage_files f ON s.kind = 'storage' AND f.id = s.file_key `

func scanSF(sc interface{ Scan(...any) error }) (SourceFileRecord, error) {
	var r SourceFileRecord
	err := sc.Scan(&r.ID, &r.ConnectionID, &r.IModelID, &r.Kind, &r.FileKey, &r.ConnectorType, &r.LastKnownFileName)
	return r, err
}

// checkStorageFile requires an existing, completed Storage file in the iTwin (§3.5) and returns its name.
func (st *Store) checkStorageFile(ctx context.Context, q Querier, itwinID, fileID string) (string, error) {
	f, err := st.GetFile(ctx, q, fileID)
	if err != nil || !f.Completed || f.ITwinID != itwinID {
		return "", errFileNotFound
	}
	return f.DisplayName, nil
}

// ListSourceFiles returns a connection's source files in creation order.
func (st *Store) ListSourceFiles(ctx context.Context, q Querier, connID string) ([]SourceFileRecord, error) {
	return st.listSourceFiles(ctx, q, connID, page{Top: 1 << 30})
}

// ResolvedConnectionSettings returns a connection's resolved settings (defaults, then iTwin, iModel and
// connection settings, §11n). The engine takes this snapshot when a run leaves Queued.
func (st *Store) ResolvedConnectionSettings(ctx context.Context, q Querier, connID string) (map[string]any, error) {
	conn, err := st.GetConnection(ctx, q, connID)
	if err != nil {
		return nil, err
	}
	return resolve(ctx, st, q, []scopeLevel{{wire.ScopeITwin, conn.ITwinID}, {wire.ScopeIModel, conn.IModelID}, {wire.ScopeConnection, conn.ID}})
}
