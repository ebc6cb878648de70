package itwinlocal

// Runs (§4): start (S6/M6), list (S7/M7), get (S8/M8), and the store API the engine drives runs with.
//
// One start creates exactly one run (§10 row 11). Every start runs "is there an active run? else insert the run
// and set lastRun" inside one write transaction on the single writer connection, so two concurrent starts on one
// connection are serialized: the first creates the run (202), the second sees it active and gets 303. As a
// second line of defence the partial unique index runs_one_active allows one non-Completed run per connection;
// if an insert ever trips it (e.g. a second process writing to the same data dir), the start answers 409
// RunAlreadyRequested — the "real race" of §4.1.

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/seed37c7dd03/terraform-provider-itwin/internal/wire"
)

// RunRecord is a stored run. Jobs hold the full job/task tree (nil is stored as []). Manifest is the M6 body
// (nil for storage runs). Settings is free for the engine (e.g. the resolved settings snapshot taken when the
// run leaves Queued).
type RunRecord struct {
	ID, ConnectionID, IModelID string
	State, Result, Phase       string
	Start, End                 time.Time
	Error                      *wire.RunError
	Jobs                       []wire.Job
	Manifest                   *wire.ManifestRunCreate
	Settings                   map[string]any

	Kind wire.Kind // of the run's connection
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

// GetRun loads a run (ErrNotFound).
func (st *Store) GetRun(ctx context.Context, q Querier, id string) (RunRecord, error) {
	r, err := scanRun(q.QueryRowContext(ctx, `SELECT `+runCols+runFrom+`WHERE r.id = ?`, strings.ToLower(id)))
	if errors.Is(err, sql.ErrNoRows) {
		return r, ErrNotFound
	}
	return r, err
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

// runWire converts a run; full=false gives the minimal list item (id, state, result).
func runWire(r RunRecord, full bool) wire.Run {
	if !full {
		return wire.Run{ID: r.ID, State: r.State, Result: r.Result}
	}
	out := wire.Run{ID: r.ID, ConnectionID: r.ConnectionID, StartDateTime: wire.NewTimestamp(r.Start), Phase: r.Phase,
		State: r.State, Result: r.Result, Error: r.Error, Jobs: r.Jobs}
	if !r.End.IsZero() {
		out.EndDateTime = wire.NewTimestamp(r.End)
	}
	if out.Jobs == nil {
		out.Jobs = []wire.Job{} // emitted as "jobs": [] (§4.2)
	}
	return out
}

func (s *Server) handleRunStart(c *rc, k wire.Kind) error {
	var body []byte
	if k == wire.KindManifest {
		var err error
		if body, err = readBody(c); err != nil {
			return err
		}
	}
	// Storage: no body is read at all (a body is ignored, §4.1; §10 row 13).
	var runID string
	var redirect string
	var conn ConnectionRecord
	err := s.store.Write(c.ctx, func(tx *sql.Tx) error {
		var err error
		if conn, err = c.loadConn(tx, k); err != nil {
			return err
		}
		var manifest string
		if k == wire.KindManifest {
			files, err := s.store.ListSourceFiles(c.ctx, tx, conn.ID)
			if err != nil {
				return err
			}
			reg := map[string]bool{}
			for _, f := range files {
				reg[f.FileKey] = true
			}
			m, err := decodeManifestRunCreate(body, func(id string) bool { return reg[id] })
			if err != nil {
				return err
			}
			b, _ := json.Marshal(m)
			manifest = string(b)
		}
		active, err := activeRunID(c.ctx, tx, conn.ID)
		if err != nil {
			return err
		}
		if active != "" {
			redirect = active
			return nil
		}
		seq, err := nextSeq(c.ctx, tx, "runs")
		if err != nil {
			return err
		}
		runID = NewGUID()
		_, err = tx.ExecContext(c.ctx, `INSERT INTO runs (id, connection_id, imodel_id, state, result, start, jobs, manifest, seq) VALUES (?,?,?,?,?,?,?,?,?)`,
			runID, conn.ID, conn.IModelID, wire.StateNotStarted, wire.ResultUndetermined, nanos(s.Now()), "[]", manifest, seq)
		if err != nil {
			if strings.Contains(err.Error(), "UNIQUE") {
				return errRunAlreadyRequested
			}
			return err
		}
		// lastRun moves in the same transaction (§11g).
		_, err = tx.ExecContext(c.ctx, `UPDATE connections SET last_run_id = ? WHERE id = ?`, runID, conn.ID)
		return err
	})
	if err != nil {
		return err
	}
	if redirect != "" {
		c.w.Header().Set("Location", runHref(c.origin(), k, conn.ID, redirect))
		writeNoBody(c.w, http.StatusSeeOther)
		return nil
	}
	c.w.Header().Set("Location", runHref(c.origin(), k, conn.ID, runID))
	writeNoBody(c.w, http.StatusAccepted)
	s.submit(runID)
	return nil
}

func (s *Server) handleRunList(c *rc, k wire.Kind) error {
	p, err := parsePage(c.r, k.InvalidRequestCode())
	if err != nil {
		return err
	}
	conn, err := c.loadConn(s.store.Reader(), k)
	if err != nil {
		return err
	}
	runs, err := s.store.ListRuns(c.ctx, s.store.Reader(), conn.ID, p.Skip, p.Top+1)
	if err != nil {
		return err
	}
	more := len(runs) > p.Top
	if more {
		runs = runs[:p.Top]
	}
	full := representation(c.r)
	out := wire.RunList{Runs: []wire.Run{}, Links: pageLinks(c.origin()+"/synchronization/imodels/"+k.Segment()+"/"+conn.ID+"/runs", nil, p, more)}
	for _, r := range runs {
		out.Runs = append(out.Runs, runWire(r, full))
	}
	writeJSON(c.w, 200, out)
	return nil
}

func (s *Server) handleRunGet(c *rc, k wire.Kind) error {
	conn, err := c.loadConn(s.store.Reader(), k)
	if err != nil {
		return err
	}
	r, err := s.store.GetRun(c.ctx, s.store.Reader(), c.param("runId"))
	if errors.Is(err, ErrNotFound) || (err == nil && r.ConnectionID != conn.ID) {
		return runNotFound(k)
	}
	if err != nil {
		return err
	}
	writeJSON(c.w, 200, wire.RunEnvelope{Run: runWire(r, true)})
	return nil
}
