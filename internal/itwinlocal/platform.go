package itwinlocal

// iTwins (§9.2) and iModels with changesets (§9.3): store functions and handlers.

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/seed37c7dd03/terraform-provider-itwin/internal/wire"
)

// access answers 403 unless the caller may access the iTwin (§11o).
func (c *rc) access(itwinID string) error {
	ok, err := c.s.hasAccess(c.ctx, c.client, itwinID)
	if err != nil {
		return err
	}
	if !ok {
		return errInsufficientPermissions
	}
	return nil
}

// --- iTwins ---

func itwinCreateDefaults(name string) wire.ITwin {
	return wire.ITwin{Class: "Endeavor", SubClass: "Project", DisplayName: name, Status: "Active"}
}

func (st *Store) createITwin(ctx context.Context, tx *sql.Tx, it wire.ITwin, clientID string) (wire.ITwin, error) {
	it.ID = NewGUID()
	it.CreatedDateTime = wire.NewTimestamp(st.Now())
	it.CreatedBy = clientID
	if it.Status == "" {
		it.Status = "Active"
	}
	if it.DataCenterLocation == "" {
		it.DataCenterLocation = "East US"
	}
	b, err := json.Marshal(it)
	if err != nil {
		return it, err
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO itwins (id, body, created, created_by) VALUES (?,?,?,?)`, it.ID, string(b), nanos(st.Now()), clientID); err != nil {
		return it, err
	}
	if _, err := tx.ExecContext(ctx, `INSERT OR IGNORE INTO client_itwin_access (client_id, itwin_id) VALUES (?,?)`, clientID, it.ID); err != nil {
		return it, err
	}
	_, err = st.rootFolder(ctx, tx, it.ID)
	return it, err
}

// GetITwin loads an iTwin (404 iTwinNotFound).
func (st *Store) GetITwin(ctx context.Context, q Querier, id string) (wire.ITwin, error) {
	var body string
	err := q.QueryRowContext(ctx, `SELECT body FROM itwins WHERE id = ?`, NormGUID(id)).Scan(&body)
	if errors.Is(err, sql.ErrNoRows) {
		return wire.ITwin{}, errITwinNotFound
	}
	if err != nil {
		return wire.ITwin{}, err
	}
	var it wire.ITwin
	if err := json.Unmarshal([]byte(body), &it); err != nil {
		return wire.ITwin{}, err
	}
	return it, nil
}

var itwinClasses = map[string]bool{"Thing": true, "Account": true, "Endeavor": true}

// decodeITwinCreate validates a POST /itwins body.
func decodeITwinCreate(body []byte) (wire.ITwin, error) {
	var in wire.ITwin
	if _, err := decodeObject(body, famITwins, &in); err != nil {
		return in, err
	}
	in.ID, in.CreatedBy, in.CreatedDateTime, in.ITwinAccountID = "", "", wire.Timestamp{}, ""
	switch {
	case in.Class == "":
		return in, validation(famITwins, detailMissing, "class", "")
	case !itwinClasses[in.Class]:
		return in, validation(famITwins, detailInvalid, "class", "class must be Thing, Account or Endeavor.")
	case in.SubClass == "":
		return in, validation(famITwins, detailMissing, "subClass", "")
	case strings.TrimSpace(in.DisplayName) == "":
		return in, validation(famITwins, detailMissing, "displayName", "")
	case len(in.DisplayName) > 255:
		return in, validation(famITwins, detailInvalid, "displayName", "displayName must be at most 255 characters.")
	case in.ParentID != "" && !IsGUID(in.ParentID):
		return in, validation(famITwins, detailInvalid, "parentId", "")
	}
	return in, nil
}

func (s *Server) handleITwinCreate(c *rc) error {
	body, err := readBody(c)
	if err != nil {
		return err
	}
	in, err := decodeITwinCreate(body)
	if err != nil {
		return err
	}
	var out wire.ITwin
	err = s.store.Write(c.ctx, func(tx *sql.Tx) error {
		var err error
		out, err = s.store.createITwin(c.ctx, tx, in, c.client.ID)
		return err
	})
	if err != nil {
		return err
	}
	writeJSON(c.w, 201, wire.ITwinEnvelope{ITwin: out})
	return nil
}

func (s *Server) handleITwinGet(c *rc) error {
	id := c.param("id")
	if !IsGUID(id) {
		return errITwinNotFound
	}
	it, err := s.store.GetITwin(c.ctx, s.store.Reader(), id)
	if err != nil {
		return err
	}
	if err := c.access(it.ID); err != nil {
		return err
	}
	writeJSON(c.w, 200, wire.ITwinEnvelope{ITwin: it})
	return nil
}

func (s *Server) handleITwinDelete(c *rc) error {
	id := c.param("id")
	if !IsGUID(id) {
		return errITwinNotFound
	}
	err := s.store.Write(c.ctx, func(tx *sql.Tx) error {
		if _, err := s.store.GetITwin(c.ctx, tx, id); err != nil {
			return err
		}
		if err := c.access(NormGUID(id)); err != nil {
			return err
		}
		if err := s.store.emitITwinIModelsDeleted(c.ctx, tx, id, c.client.ID); err != nil {
			return err // webhook events for the iModels that go with it (events.go)
		}
		_, err := tx.ExecContext(c.ctx, `DELETE FROM itwins WHERE id = ?`, NormGUID(id))
		return err
	})
	if err != nil {
		return err
	}
	writeNoBody(c.w, 204)
	return nil
}

// --- iModels ---

// IModelRecord is a stored iModel.
type IModelRecord struct {
	ID, ITwinID, Name, Description string
	Extent                         *wire.Extent
	ContainersEnabled              int
	State                          string
	Created                        time.Time
	CreatedBy                      string
}

func (st *Store) createIModel(ctx context.Context, tx *sql.Tx, rec IModelRecord, clientID string) (IModelRecord, error) {
	var n int
	if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM imodels WHERE itwin_id = ? AND name = ?`, rec.ITwinID, rec.Name).Scan(&n); err != nil {
		return rec, err
	}
	if n > 0 {
		return rec, errIModelExists
	}
	rec.ID, rec.State, rec.Created, rec.CreatedBy = NewGUID(), wire.IModelStateInitialized, st.Now(), clientID
	var ext any
	if rec.Extent != nil {
		b, _ := json.Marshal(rec.Extent)
		ext = string(b)
	}
	_, err := tx.ExecContext(ctx, `INSERT INTO imodels (id, itwin_id, name, description, extent, containers_enabled, state, created, created_by)
		VALUES (?,?,?,?,?,?,?,?,?)`, rec.ID, rec.ITwinID, rec.Name, rec.Description, ext, rec.ContainersEnabled, rec.State, nanos(rec.Created), clientID)
	if err == nil {
		err = st.emitIModelEvent(ctx, tx, wire.EventIModelCreated, rec.ID, rec.ITwinID, clientID) // webhook event (events.go)
	}
	return rec, err
}

// GetIModel loads an iModel (404 iModelNotFound).
func (st *Store) GetIModel(ctx context.Context, q Querier, id string) (IModelRecord, error) {
	var r IModelRecord
	var ext sql.NullString
	var created int64
	err := q.QueryRowContext(ctx, `SELECT id, itwin_id, name, description, extent, containers_enabled, state, created, created_by FROM imodels WHERE id = ?`,
		NormGUID(id)).Scan(&r.ID, &r.ITwinID, &r.Name, &r.Description, &ext, &r.ContainersEnabled, &r.State, &created, &r.CreatedBy)
	if errors.Is(err, sql.ErrNoRows) {
		return r, errIModelNotFound
	}
	if err != nil {
		return r, err
	}
	r.Created = fromNanos(created)
	if ext.Valid && ext.String != "" {
		r.Extent = &wire.Extent{}
		_ = json.Unmarshal([]byte(ext.String), r.Extent)
	}
	return r, nil
}

func imodelWire(o string, r IModelRecord) wire.IModel {
	base := o + "/imodels/" + r.ID
	return wire.IModel{ID: r.ID, DisplayName: r.Name, Name: r.Name, Description: r.Description, State: r.State,
		CreatedDateTime: wire.NewTimestamp(r.Created), ITwinID: r.ITwinID, Extent: r.Extent, ContainersEnabled: r.ContainersEnabled,
		DataCenterLocation: "East US", Links: &wire.IModelLinks{
			Creator:       &wire.Link{Href: base + "/users/" + clientUserID(r.CreatedBy)},
			Changesets:    &wire.Link{Href: base + "/changesets"},
			NamedVersions: &wire.Link{Href: base + "/namedversions"},
		}}
}

// clientUserID maps a client id to a stable GUID-shaped user id (creator links, changeset creatorId).
func clientUserID(clientID string) string {
	return uuidFromName("client:" + clientID)
}

var creationModes = map[string]bool{"empty": true}

// decodeIModelCreate validates a POST /imodels body.
func decodeIModelCreate(body []byte) (wire.IModelCreate, error) {
	var in wire.IModelCreate
	keys, err := decodeObject(body, famIModels, &in)
	if err != nil {
		return in, err
	}
	switch {
	case !present(keys, "iTwinId") || in.ITwinID == "":
		return in, validation(famIModels, detailMissing, "iTwinId", "")
	case !IsGUID(in.ITwinID):
		return in, validation(famIModels, detailInvalid, "iTwinId", "")
	case strings.TrimSpace(in.Name) == "":
		return in, validation(famIModels, detailMissing, "name", "")
	case len(in.Name) > 255:
		return in, validation(famIModels, detailInvalid, "name", "name must be at most 255 characters.")
	case in.CreationMode != "" && !creationModes[in.CreationMode]:
		return in, validation(famIModels, detailInvalid, "creationMode", "creationMode must be \"empty\".")
	case in.ContainersEnabled != nil && *in.ContainersEnabled < 0:
		return in, validation(famIModels, detailInvalid, "containersEnabled", "")
	}
	if e := in.Extent; e != nil {
		for _, p := range []wire.GeoPoint{e.SouthWest, e.NorthEast} {
			if p.Latitude < -90 || p.Latitude > 90 || p.Longitude < -180 || p.Longitude > 180 {
				return in, validation(famIModels, detailInvalid, "extent", "extent coordinates are out of range.")
			}
		}
	}
	in.ITwinID = NormGUID(in.ITwinID)
	return in, nil
}

func (s *Server) handleIModelCreate(c *rc) error {
	body, err := readBody(c)
	if err != nil {
		return err
	}
	in, err := decodeIModelCreate(body)
	if err != nil {
		return err
	}
	var out IModelRecord
	err = s.store.Write(c.ctx, func(tx *sql.Tx) error {
		if _, err := s.store.GetITwin(c.ctx, tx, in.ITwinID); err != nil {
			return err
		}
		if err := c.access(in.ITwinID); err != nil {
			return err
		}
		rec := IModelRecord{ITwinID: in.ITwinID, Name: in.Name, Description: in.Description, Extent: in.Extent}
		if in.ContainersEnabled != nil {
			rec.ContainersEnabled = *in.ContainersEnabled
		}
		var err error
		out, err = s.store.createIModel(c.ctx, tx, rec, c.client.ID)
		return err
	})
	if err != nil {
		return err
	}
	writeJSON(c.w, 201, wire.IModelEnvelope{IModel: imodelWire(c.origin(), out)})
	return nil
}

// loadIModel loads an iModel from the path and checks access (404, then 403).
func (c *rc) loadIModel(q Querier, id string) (IModelRecord, error) {
	if !IsGUID(id) {
		return IModelRecord{}, errIModelNotFound
	}
	im, err := c.s.store.GetIModel(c.ctx, q, id)
	if err != nil {
		return im, err
	}
	return im, c.access(im.ITwinID)
}

func (s *Server) handleIModelGet(c *rc) error {
	im, err := c.loadIModel(s.store.Reader(), c.param("id"))
	if err != nil {
		return err
	}
	writeJSON(c.w, 200, wire.IModelEnvelope{IModel: imodelWire(c.origin(), im)})
	return nil
}

func (s *Server) handleIModelDelete(c *rc) error {
	err := s.store.Write(c.ctx, func(tx *sql.Tx) error {
		im, err := c.loadIModel(tx, c.param("id"))
		if err != nil {
			return err
		}
		if err := s.store.emitIModelEvent(c.ctx, tx, wire.EventIModelDeleted, im.ID, im.ITwinID, c.client.ID); err != nil {
			return err // webhook event (events.go)
		}
		// Connections, runs, source files, configurations, changesets, elements and reports cascade (§9.3).
		_, err = tx.ExecContext(c.ctx, `DELETE FROM imodels WHERE id = ?`, im.ID)
		return err
	})
	if err != nil {
		return err
	}
	writeNoBody(c.w, 204)
	return nil
}

// --- changesets ---

// ChangesetRecord is a stored changeset. Index and ParentID are assigned by AppendChangeset.
type ChangesetRecord struct {
	IModelID          string
	Index             int
	ID                string // 40-char lower-case hex; generated when empty
	ParentID          string
	Description       string
	PushTime          time.Time
	ContainingChanges int
	FileSize          int64
	BriefcaseID       int
	CreatorID         string
	TaskID            string   // synchronization task that pushed it ("" = none)
	ChangedFiles      []string // file names
	RunID             string
}

// AppendChangeset pushes a changeset onto the iModel inside the caller's write transaction: it assigns the next
// index, the parent id and (if empty) a random 40-hex id and the push time. It returns the stored record.
func (st *Store) AppendChangeset(ctx context.Context, tx *sql.Tx, cs ChangesetRecord) (ChangesetRecord, error) {
	var last sql.NullInt64
	var parent sql.NullString
	err := tx.QueryRowContext(ctx, `SELECT idx, id FROM changesets WHERE imodel_id = ? ORDER BY idx DESC LIMIT 1`, cs.IModelID).Scan(&last, &parent)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return cs, err
	}
	cs.Index = int(last.Int64) + 1
	cs.ParentID = parent.String
	if cs.ID == "" {
		b := make([]byte, 20)
		_, _ = rand.Read(b)
		cs.ID = hex.EncodeToString(b)
	}
	if cs.PushTime.IsZero() {
		cs.PushTime = st.Now()
	}
	files, _ := json.Marshal(cs.ChangedFiles)
	_, err = tx.ExecContext(ctx, `INSERT INTO changesets (imodel_id, idx, id, parent_id, description, push_time, containing_changes, file_size,
		briefcase_id, creator_id, task_id, changed_files, run_id) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)`,
		cs.IModelID, cs.Index, cs.ID, cs.ParentID, cs.Description, nanos(cs.PushTime), cs.ContainingChanges, cs.FileSize,
		cs.BriefcaseID, cs.CreatorID, cs.TaskID, string(files), cs.RunID)
	if err == nil {
		err = st.emitChangesReady(ctx, tx, cs) // webhook event in the same transaction (events.go)
	}
	return cs, err
}

const changesetCols = `imodel_id, idx, id, parent_id, description, push_time, containing_changes, file_size, briefcase_id, creator_id, task_id, changed_files, run_id`

func scanChangeset(sc interface{ Scan(...any) error }) (ChangesetRecord, error) {
	var cs ChangesetRecord
	var push int64
	var files string
	err := sc.Scan(&cs.IModelID, &cs.Index, &cs.ID, &cs.ParentID, &cs.Description, &push, &cs.ContainingChanges, &cs.FileSize,
		&cs.BriefcaseID, &cs.CreatorID, &cs.TaskID, &files, &cs.RunID)
	cs.PushTime = fromNanos(push)
	if files != "" && files != "null" {
		_ = json.Unmarshal([]byte(files), &cs.ChangedFiles)
	}
	return cs, err
}

// ListChangesets returns an iModel's changesets in index order.
func (st *Store) ListChangesets(ctx context.Context, q Querier, imodelID string) ([]ChangesetRecord, error) {
	rows, err := q.QueryContext(ctx, `SELECT `+changesetCols+` FROM changesets WHERE imodel_id = ? ORDER BY idx`, imodelID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []ChangesetRecord
	for rows.Next() {
		cs, err := scanChangeset(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, cs)
	}
	return out, rows.Err()
}

// localApplicationID identifies itwin-local as the application that pushed changesets.
const localApplicationID = "d9a97ef5-1236-485e-a045-ab0b1f945fa6"

func changesetWire(o string, cs ChangesetRecord, full bool) wire.Changeset {
	base := o + "/imodels/" + cs.IModelID
	out := wire.Changeset{ID: cs.ID, DisplayName: strconv.Itoa(cs.Index), Description: cs.Description, Index: cs.Index,
		ParentID: cs.ParentID, CreatorID: cs.CreatorID, PushDateTime: wire.NewTimestamp(cs.PushTime), State: "fileUploaded",
		ContainingChanges: cs.ContainingChanges, FileSize: cs.FileSize, BriefcaseID: cs.BriefcaseID,
		Links: &wire.ChangesetLinks{Self: &wire.Link{Href: base + "/changesets/" + strconv.Itoa(cs.Index)}}}
	if cs.CreatorID != "" {
		out.Links.Creator = &wire.Link{Href: base + "/users/" + cs.CreatorID}
	}
	if full {
		out.Application = &wire.Application{ID: localApplicationID, Name: "itwin-local"}
		if cs.TaskID != "" {
			files := cs.ChangedFiles
			out.SynchronizationInfo = &wire.SynchronizationInfo{TaskID: cs.TaskID, ChangedFiles: files}
		}
	}
	return out
}

var orderByRe = regexp.MustCompile(`(?i)^\s*index(\s+(asc|desc))?\s*$`)

func (s *Server) handleChangesetList(c *rc) error {
	p, err := parsePage(c.r, famIModels)
	if err != nil {
		return err
	}
	desc := false
	var filters [][2]string
	if v, ok := query(c.r, "$orderBy"); ok {
		m := orderByRe.FindStringSubmatch(v)
		if m == nil {
			return validation(famIModels, detailInvalid, "$orderBy", "$orderBy must be \"index asc\" or \"index desc\".")
		}
		desc = strings.EqualFold(m[2], "desc")
		filters = append(filters, [2]string{"$orderBy", v})
	}
	intParam := func(name string) (int, bool, error) {
		v, ok := query(c.r, name)
		if !ok {
			return 0, false, nil
		}
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			return 0, false, validation(famIModels, detailInvalid, name, "")
		}
		filters = append(filters, [2]string{name, v})
		return n, true, nil
	}
	after, hasAfter, err := intParam("afterIndex")
	if err != nil {
		return err
	}
	last, hasLast, err := intParam("lastIndex")
	if err != nil {
		return err
	}
	im, err := c.loadIModel(s.store.Reader(), c.param("id"))
	if err != nil {
		return err
	}
	all, err := s.store.ListChangesets(c.ctx, s.store.Reader(), im.ID)
	if err != nil {
		return err
	}
	var sel []ChangesetRecord
	for _, cs := range all {
		if (hasAfter && cs.Index <= after) || (hasLast && cs.Index > last) {
			continue
		}
		sel = append(sel, cs)
	}
	if desc {
		for i, j := 0, len(sel)-1; i < j; i, j = i+1, j-1 {
			sel[i], sel[j] = sel[j], sel[i]
		}
	}
	full := representation(c.r)
	out := wire.ChangesetList{Changesets: []wire.Changeset{}}
	for i := p.Skip; i < len(sel) && i < p.Skip+p.Top; i++ {
		out.Changesets = append(out.Changesets, changesetWire(c.origin(), sel[i], full))
	}
	out.Links = pageLinks(c.origin()+"/imodels/"+im.ID+"/changesets", filters, p, p.Skip+p.Top < len(sel))
	writeJSON(c.w, 200, out)
	return nil
}

func (s *Server) handleChangesetGet(c *rc) error {
	im, err := c.loadIModel(s.store.Reader(), c.param("id"))
	if err != nil {
		return err
	}
	key := c.param("changeset")
	var row *sql.Row
	if n, err := strconv.Atoi(key); err == nil && len(key) < 40 {
		row = s.store.Reader().QueryRowContext(c.ctx, `SELECT `+changesetCols+` FROM changesets WHERE imodel_id = ? AND idx = ?`, im.ID, n)
	} else {
		row = s.store.Reader().QueryRowContext(c.ctx, `SELECT `+changesetCols+` FROM changesets WHERE imodel_id = ? AND id = ?`, im.ID, strings.ToLower(key))
	}
	cs, err := scanChangeset(row)
	if errors.Is(err, sql.ErrNoRows) {
		return errChangesetNotFound
	}
	if err != nil {
		return err
	}
	writeJSON(c.w, 200, wire.ChangesetEnvelope{Changeset: changesetWire(c.origin(), cs, true)})
	return nil
}
