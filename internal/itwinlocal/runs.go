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
	"database/sql"
	"encoding/json"
	"errors"
	"net/http"
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
		active, err := s.store.activeRunID(c.ctx, tx, conn.ID)
		if err != nil {
			return err
		}
		if active != "" {
			redirect = active
			return nil
		}
		runID = NewGUID()
		if err := s.store.insertRun(c.ctx, tx, runID, conn, manifest, s.Now()); err != nil {
			return err
		}
		// lastRun moves in the same transaction (§11g).
		return s.store.setLastRun(c.ctx, tx, conn.ID, runID)
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
