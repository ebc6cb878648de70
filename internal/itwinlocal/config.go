package itwinlocal

// Configurations K1–K12 (§6, §11n), diagnostic reports R1 (§3.8) and the element store the engine diffs against.

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"regexp"
	"sort"
	"strconv"
	"time"

	"github.com/seed37c7dd03/terraform-provider-itwin/internal/wire"
)

// scopeOf maps a path segment to a configuration scope and its path-parameter target name.
func scopeOf(seg string) (scope, target string) {
	switch seg {
	case "itwins":
		return wire.ScopeITwin, "itwinid"
	case "imodels":
		return wire.ScopeIModel, "imodelid"
	}
	return wire.ScopeConnection, "connectionid"
}

type scopeLevel struct{ kind, id string }

// resolveScope validates the scope id, checks existence and access, and returns the levels that resolve at
// this scope, outermost first (iTwin, then iModel, then connection).
func (c *rc) resolveScope(q Querier, seg string) ([]scopeLevel, error) {
	scope, target := scopeOf(seg)
	id := c.param("id")
	switch scope {
	case wire.ScopeITwin:
		if !IsGUID(id) {
			return nil, validation(famConfig, detailInvalid, target, "")
		}
		it, err := c.s.store.GetITwin(c.ctx, q, id)
		if err != nil {
			return nil, err
		}
		return []scopeLevel{{wire.ScopeITwin, it.ID}}, c.access(it.ID)
	case wire.ScopeIModel:
		if !IsGUID(id) {
			return nil, validation(famConfig, detailInvalid, target, "")
		}
		im, err := c.loadIModel(q, id)
		if err != nil {
			return nil, err
		}
		return []scopeLevel{{wire.ScopeITwin, im.ITwinID}, {wire.ScopeIModel, im.ID}}, nil
	default:
		if !IsBase64ID(id) {
			return nil, validation(famConfig, detailInvalid, target, "")
		}
		conn, err := c.s.store.GetConnection(c.ctx, q, id)
		if errors.Is(err, ErrNotFound) {
			return nil, errStorageConnNotFound
		}
		if err != nil {
			return nil, err
		}
		if err := c.access(conn.ITwinID); err != nil {
			return nil, err
		}
		return []scopeLevel{{wire.ScopeITwin, conn.ITwinID}, {wire.ScopeIModel, conn.IModelID}, {wire.ScopeConnection, conn.ID}}, nil
	}
}

func decodeStoredSettings(raw string) (map[string]any, error) {
	d := json.NewDecoder(bytes.NewReader([]byte(raw)))
	d.UseNumber()
	var m map[string]any
	if err := d.Decode(&m); err != nil {
		return nil, err
	}
	for k, v := range m {
		if n, ok := v.(json.Number); ok {
			i, _ := n.Int64()
			m[k] = i
		}
	}
	if m == nil {
		m = map[string]any{}
	}
	return m, nil
}

func resolve(ctx context.Context, st *Store, q Querier, levels []scopeLevel) (map[string]any, error) {
	scope := levels[len(levels)-1].kind
	out := map[string]any{}
	applies := map[string]bool{}
	for _, sc := range wire.ScopesResolving(scope) {
		applies[sc] = true
	}
	for _, f := range wire.ConfigFlags {
		if applies[f.Scope] {
			out[f.Name] = f.Default
		}
	}
	for _, l := range levels {
		m, _, err := st.GetSettings(ctx, q, l.kind, l.id)
		if err != nil {
			return nil, err
		}
		for k, v := range m {
			if _, ok := out[k]; ok {
				out[k] = v
			}
		}
	}
	return out, nil
}

// decodeConfigBody validates a K* body for the scope: a flat object of known flags of that scope, each with the
// right type and range (§6.1, §11n). allowNull (PATCH) lets null remove a flag (JSON merge patch).
func decodeConfigBody(body []byte, scope string, allowNull bool) (map[string]any, error) {
	if len(trimSpace(body)) == 0 {
		return nil, missingBody("A request body is required.")
	}
	d := json.NewDecoder(bytes.NewReader(body))
	d.UseNumber()
	var raw map[string]any
	if err := d.Decode(&raw); err != nil || raw == nil {
		return nil, missingBody("The request body must be a JSON object of configuration flags.")
	}
	if d.More() {
		return nil, missingBody("The request body must be a single JSON object.")
	}
	names := make([]string, 0, len(raw))
	for k := range raw {
		names = append(names, k)
	}
	sort.Strings(names)
	out := map[string]any{}
	for _, name := range names {
		v := raw[name]
		f, ok := wire.LookupConfigFlag(name)
		if name == "" {
			return nil, validation(famConfig, detailInvalid, "settings", "A configuration flag name must not be empty.")
		}
		if !ok {
			return nil, validation(famConfig, detailInvalid, name, fmt.Sprintf("%q is not a known configuration flag.", name))
		}
		if f.Scope != scope {
			return nil, validation(famConfig, detailInvalid, name, fmt.Sprintf("%q is a %s-scope flag and cannot be set on a %s configuration.", name, f.Scope, scope))
		}
		if v == nil {
			if !allowNull {
				return nil, validation(famConfig, detailInvalid, name, fmt.Sprintf("%q must not be null.", name))
			}
			out[name] = nil
			continue
		}
		switch f.Type {
		case wire.FlagBool:
			b, ok := v.(bool)
			if !ok {
				return nil, validation(famConfig, detailInvalid, name, fmt.Sprintf("%q must be a boolean.", name))
			}
			out[name] = b
		case wire.FlagInt:
			n, ok := v.(json.Number)
			i, err := n.Int64()
			if !ok || err != nil {
				if fl, ferr := n.Float64(); ok && ferr == nil && fl == math.Trunc(fl) && math.Abs(fl) < 1<<53 {
					i = int64(fl)
				} else {
					return nil, validation(famConfig, detailInvalid, name, fmt.Sprintf("%q must be an integer.", name))
				}
			}
			if i < f.Min || i > f.Max {
				return nil, validation(famConfig, detailInvalid, name, fmt.Sprintf("%q must be between %d and %d.", name, f.Min, f.Max))
			}
			out[name] = i
		}
	}
	return out, nil
}

func (s *Server) writeConfig(c *rc, q Querier, status int, levels []scopeLevel) error {
	last := levels[len(levels)-1]
	settings, ok, err := s.store.GetSettings(c.ctx, q, last.kind, last.id)
	if err != nil {
		return err
	}
	if !ok {
		return errConfigNotFound
	}
	resolved, err := resolve(c.ctx, s.store, q, levels)
	if err != nil {
		return err
	}
	writeJSON(c.w, status, wire.ConfigurationEnvelope{Configuration: wire.Configuration{ScopeID: last.id, Settings: settings, ResolvedSettings: resolved}})
	return nil
}

func (s *Server) handleConfigGet(c *rc, seg string) error {
	levels, err := c.resolveScope(s.store.Reader(), seg)
	if err != nil {
		return err
	}
	return s.writeConfig(c, s.store.Reader(), 200, levels)
}

func (s *Server) handleConfigWrite(c *rc, seg string, create bool) error {
	body, err := readBody(c)
	if err != nil {
		return err
	}
	scope, _ := scopeOf(seg)
	// Path-parameter and existence errors come before body errors.
	levels, err := c.resolveScope(s.store.Reader(), seg)
	if err != nil {
		return err
	}
	in, err := decodeConfigBody(body, scope, !create)
	if err != nil {
		return err
	}
	last := levels[len(levels)-1]
	err = s.store.Write(c.ctx, func(tx *sql.Tx) error {
		cur, exists, err := s.store.GetSettings(c.ctx, tx, last.kind, last.id)
		if err != nil {
			return err
		}
		if create && exists {
			return errConfigExists
		}
		if !create && !exists {
			return errConfigNotFound
		}
		for k, v := range in {
			if v == nil {
				delete(cur, k)
			} else {
				cur[k] = v
			}
		}
		return s.store.putSettings(c.ctx, tx, last.kind, last.id, cur)
	})
	if err != nil {
		return err
	}
	status := 200
	if create {
		status = 201
	}
	return s.writeConfig(c, s.store.Reader(), status, levels)
}

func (s *Server) handleConfigDelete(c *rc, seg string) error {
	levels, err := c.resolveScope(s.store.Reader(), seg)
	if err != nil {
		return err
	}
	last := levels[len(levels)-1]
	err = s.store.Write(c.ctx, func(tx *sql.Tx) error {
		deleted, err := s.store.deleteSettings(c.ctx, tx, last.kind, last.id)
		if err != nil {
			return err
		}
		if !deleted {
			return errConfigNotFound
		}
		return nil
	})
	if err != nil {
		return err
	}
	writeNoBody(c.w, 204)
	return nil
}

// --- reports ---

// ReportRecord is a stored diagnostic report; Body is the JSON served behind sasUri.
type ReportRecord struct {
	ID, IModelID, RunID, TaskID string
	Created                     time.Time
	Body                        wire.ReportDocument
}

var hex40 = regexp.MustCompile(`^[0-9a-fA-F]{40}$`)

func (s *Server) handleReports(c *rc) error {
	param := func(name string, required bool) (string, error) {
		v, ok := query(c.r, name)
		if !ok || v == "" {
			if required {
				return "", validation(famReports, detailMissing, name, "")
			}
			return "", nil
		}
		if !IsGUID(v) && !(name == "runId" && hex40.MatchString(v)) {
			return "", validation(famReports, detailInvalid, name, "")
		}
		return NormGUID(v), nil
	}
	imodelID, err := param("imodelId", true)
	if err != nil {
		return err
	}
	runID, err := param("runId", true)
	if err != nil {
		return err
	}
	taskID, err := param("taskId", false)
	if err != nil {
		return err
	}
	out := wire.DiagnosticReportList{Reports: []wire.DiagnosticReport{}}
	im, err := s.store.GetIModel(c.ctx, s.store.Reader(), imodelID)
	if errors.Is(err, errIModelNotFound) {
		writeJSON(c.w, 200, out) // R1 has no 404 (§2)
		return nil
	}
	if err != nil {
		return err
	}
	if err := c.access(im.ITwinID); err != nil {
		return err
	}
	reports, err := s.store.listReports(c.ctx, s.store.Reader(), im.ID, runID, taskID)
	if err != nil {
		return err
	}
	exp := s.Now().Add(signedURLTTL).Unix()
	for _, r := range reports {
		sas := c.origin() + "/blobs/reports/" + r.ID + "?se=" + strconv.FormatInt(exp, 10) + "&sig=" + s.keys.urlSig("report", r.ID, exp)
		out.Reports = append(out.Reports, wire.DiagnosticReport{ID: r.ID, IModelID: im.ID, RunID: runID, TaskID: r.TaskID, SasURI: sas,
			CreatedTimeStamp: wire.NewTimestamp(r.Created)})
	}
	writeJSON(c.w, 200, out)
	return nil
}

func (s *Server) handleReportBlob(c *rc) error {
	id := c.param("id")
	if err := s.checkSigned(c, "report", id); err != nil {
		return err
	}
	body, err := s.store.reportBody(c.ctx, s.store.Reader(), id)
	if errors.Is(err, sql.ErrNoRows) {
		return apiErr(404, "BlobNotFound", "The specified blob does not exist.")
	}
	if err != nil {
		return err
	}
	c.w.Header().Set("Content-Type", "application/json")
	c.w.WriteHeader(200)
	_, _ = c.w.Write([]byte(body))
	return nil
}

// --- elements (engine) ---
