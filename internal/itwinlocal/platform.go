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
	"slices"
	"sort"
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
	writeJSON(c.w, 201, wire.ITwinEnvelope{ITwin: itwinWire(out)})
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
	writeJSON(c.w, 200, wire.ITwinEnvelope{ITwin: itwinWire(it)})
	return nil
}

// itwinWire is the answer form of a stored iTwin: createdBy names the creating client's user id (the stored body
// keeps the client id), so that it is the GUID the iTwins API sends.
func itwinWire(it wire.ITwin) wire.ITwin {
	if it.CreatedBy != "" && !IsGUID(it.CreatedBy) {
		it.CreatedBy = clientUserID(it.CreatedBy)
	}
	return it
}

// listITwins returns every stored iTwin in creation order.
func (st *Store) listITwins(ctx context.Context, q Querier) ([]wire.ITwin, error) {
	rows, err := q.QueryContext(ctx, `SELECT body FROM itwins ORDER BY created, rowid`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []wire.ITwin
	for rows.Next() {
		var body string
		if err := rows.Scan(&body); err != nil {
			return nil, err
		}
		var it wire.ITwin
		if err := json.Unmarshal([]byte(body), &it); err != nil {
			return nil, err
		}
		out = append(out, it)
	}
	return out, rows.Err()
}

var itwinStatuses = map[string]bool{wire.ITwinStatusActive: true, wire.ITwinStatusInactive: true, wire.ITwinStatusTrial: true}

// handleITwinList is GET /itwins (spec §9.2): the caller's iTwins, filtered and paged. The header
// X-Itwin-Query-Scope is ignored.
func (s *Server) handleITwinList(c *rc) error {
	p, err := parsePage(c.r, famITwins)
	if err != nil {
		return err
	}
	var filters [][2]string
	type match struct {
		get  func(wire.ITwin) string
		want string
		eq   func(a, b string) bool
	}
	var matches []match
	exact := func(a, b string) bool { return a == b }
	for _, f := range []struct {
		name string
		get  func(wire.ITwin) string
		eq   func(a, b string) bool
		guid bool
	}{
		// Class-like values compare case-insensitively, names and numbers exactly, GUIDs in any case (spec §1.4).
		{"subClass", func(i wire.ITwin) string { return i.SubClass }, strings.EqualFold, false},
		{"type", func(i wire.ITwin) string { return i.Type }, exact, false},
		{"status", func(i wire.ITwin) string { return i.Status }, strings.EqualFold, false},
		{"displayName", func(i wire.ITwin) string { return i.DisplayName }, exact, false},
		{"number", func(i wire.ITwin) string { return i.Number }, exact, false},
		{"parentId", func(i wire.ITwin) string { return i.ParentID }, strings.EqualFold, true},
		{"iTwinAccountId", func(i wire.ITwin) string { return i.ITwinAccountID }, strings.EqualFold, true},
	} {
		v, ok := query(c.r, f.name)
		if !ok {
			continue
		}
		if f.guid && !IsGUID(v) {
			return validation(famITwins, detailInvalid, f.name, "")
		}
		if f.name == "status" && !itwinStatuses[canonicalStatus(v)] {
			return validation(famITwins, detailInvalid, "status", "status must be Active, Inactive or Trial.")
		}
		matches = append(matches, match{f.get, v, f.eq})
		filters = append(filters, [2]string{f.name, v})
	}
	includeInactive := false
	if v, ok := query(c.r, "includeInactive"); ok {
		b, err := strconv.ParseBool(v)
		if err != nil {
			return validation(famITwins, detailInvalid, "includeInactive", "includeInactive must be true or false.")
		}
		includeInactive = b
		filters = append(filters, [2]string{"includeInactive", strconv.FormatBool(b)})
	}
	// An explicit status filter names the iTwins wanted, inactive ones included.
	if v, ok := query(c.r, "status"); ok && strings.EqualFold(v, wire.ITwinStatusInactive) {
		includeInactive = true
	}
	search, hasSearch := query(c.r, "$search")
	if hasSearch {
		filters = append(filters, [2]string{"$search", search})
	}
	all, err := s.store.listITwins(c.ctx, s.store.Reader())
	if err != nil {
		return err
	}
	var sel []wire.ITwin
	for _, it := range all {
		if !includeInactive && it.Status == wire.ITwinStatusInactive {
			continue
		}
		if hasSearch && !containsFold(it.DisplayName, search) && !containsFold(it.Number, search) {
			continue
		}
		keep := true
		for _, m := range matches {
			if !m.eq(m.get(it), m.want) {
				keep = false
				break
			}
		}
		if !keep {
			continue
		}
		ok, err := s.hasAccess(c.ctx, c.client, it.ID)
		if err != nil {
			return err
		}
		if ok {
			sel = append(sel, it)
		}
	}
	out := wire.ITwinList{ITwins: []wire.ITwin{}, Minimal: !representation(c.r)}
	for i := p.Skip; i < len(sel) && i < p.Skip+p.Top; i++ {
		out.ITwins = append(out.ITwins, itwinWire(sel[i]))
	}
	out.Links = pageLinks(c.origin()+"/itwins", filters, p, p.Skip+p.Top < len(sel))
	writeJSON(c.w, 200, out)
	return nil
}

// canonicalStatus spells a status the way the API does (Active, Inactive, Trial), whatever the input case.
func canonicalStatus(v string) string {
	for st := range itwinStatuses {
		if strings.EqualFold(st, v) {
			return st
		}
	}
	return v
}

// itwinReadOnly are the fields a PATCH may not change (spec §9.2).
var itwinReadOnly = []string{"class", "subClass"}

// decodeITwinUpdate validates a PATCH /itwins/{id} body (merge): absent fields keep their value, null clears the
// optional ones (type, number, ianaTimeZone, geographicLocation, parentId). class and subClass are read-only.
func decodeITwinUpdate(body []byte) (wire.ITwinUpdate, error) {
	var in wire.ITwinUpdate
	keys, err := decodeObject(body, famITwins, &in)
	if err != nil {
		return in, err
	}
	for _, f := range itwinReadOnly {
		if _, has := keys[strings.ToLower(f)]; has {
			return in, validation(famITwins, detailInvalid, f, f+" is read-only: it cannot change after the iTwin is created.")
		}
	}
	if _, has := keys["displayname"]; has {
		switch {
		case in.DisplayName == nil:
			return in, validation(famITwins, detailInvalid, "displayName", "displayName cannot be null.")
		case strings.TrimSpace(*in.DisplayName) == "":
			return in, validation(famITwins, detailInvalid, "displayName", "displayName cannot be empty.")
		case len(*in.DisplayName) > 255:
			return in, validation(famITwins, detailInvalid, "displayName", "displayName must be at most 255 characters.")
		}
	}
	if _, has := keys["status"]; has && (in.Status == nil || !itwinStatuses[*in.Status]) {
		return in, validation(famITwins, detailInvalid, "status", "status must be Active, Inactive or Trial.")
	}
	if _, has := keys["datacenterlocation"]; has && (in.DataCenterLocation == nil || strings.TrimSpace(*in.DataCenterLocation) == "") {
		return in, validation(famITwins, detailInvalid, "dataCenterLocation", "dataCenterLocation cannot be cleared.")
	}
	if v := in.ParentID.Value; v != nil && *v != "" && !IsGUID(*v) {
		return in, validation(famITwins, detailInvalid, "parentId", "parentId must be the GUID of an iTwin.")
	}
	return in, nil
}

// applyOptional sets *dst from a PATCH field: absent keeps it, null or "" clears it.
func applyOptional(dst *string, o wire.Optional[string]) {
	if !o.Set {
		return
	}
	*dst = ""
	if o.Value != nil {
		*dst = *o.Value
	}
}

func (s *Server) handleITwinPatch(c *rc) error {
	id := c.param("id")
	if !IsGUID(id) {
		return errITwinNotFound
	}
	// 404 and 403 come before the body is looked at.
	it, err := s.store.GetITwin(c.ctx, s.store.Reader(), id)
	if err != nil {
		return err
	}
	if err := c.access(it.ID); err != nil {
		return err
	}
	body, err := readBody(c)
	if err != nil {
		return err
	}
	in, err := decodeITwinUpdate(body)
	if err != nil {
		return err
	}
	err = s.store.Write(c.ctx, func(tx *sql.Tx) error {
		var err error
		if it, err = s.store.GetITwin(c.ctx, tx, id); err != nil {
			return err
		}
		if in.DisplayName != nil {
			it.DisplayName = *in.DisplayName
		}
		if in.Status != nil {
			it.Status = *in.Status
		}
		if in.DataCenterLocation != nil {
			it.DataCenterLocation = *in.DataCenterLocation
		}
		applyOptional(&it.Type, in.Type)
		applyOptional(&it.Number, in.Number)
		applyOptional(&it.IanaTimeZone, in.IanaTimeZone)
		applyOptional(&it.GeographicLocation, in.GeographicLocation)
		applyOptional(&it.ParentID, in.ParentID)
		it.ParentID = NormGUID(it.ParentID)
		if it.ParentID == it.ID {
			return validation(famITwins, detailInvalid, "parentId", "an iTwin cannot be its own parent.")
		}
		b, err := json.Marshal(it)
		if err != nil {
			return err
		}
		_, err = tx.ExecContext(c.ctx, `UPDATE itwins SET body = ? WHERE id = ?`, string(b), it.ID)
		return err
	})
	if err != nil {
		return err
	}
	writeJSON(c.w, 200, wire.ITwinEnvelope{ITwin: itwinWire(it)})
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
	_, err := tx.ExecContext(ctx, `INSERT INTO imodels (id, itwin_id, name, description, extent, containers_enabled, state, created, created_by)
		VALUES (?,?,?,?,?,?,?,?,?)`, rec.ID, rec.ITwinID, rec.Name, rec.Description, extentJSON(rec.Extent), rec.ContainersEnabled, rec.State, nanos(rec.Created), clientID)
	return rec, err
}

const imodelCols = `id, itwin_id, name, description, extent, containers_enabled, state, created, created_by`

func scanIModel(sc interface{ Scan(...any) error }) (IModelRecord, error) {
	var r IModelRecord
	var ext sql.NullString
	var created int64
	if err := sc.Scan(&r.ID, &r.ITwinID, &r.Name, &r.Description, &ext, &r.ContainersEnabled, &r.State, &created, &r.CreatedBy); err != nil {
		return r, err
	}
	r.Created = fromNanos(created)
	if ext.Valid && ext.String != "" {
		r.Extent = &wire.Extent{}
		_ = json.Unmarshal([]byte(ext.String), r.Extent)
	}
	return r, nil
}

// GetIModel loads an iModel (404 iModelNotFound).
func (st *Store) GetIModel(ctx context.Context, q Querier, id string) (IModelRecord, error) {
	r, err := scanIModel(q.QueryRowContext(ctx, `SELECT `+imodelCols+` FROM imodels WHERE id = ?`, NormGUID(id)))
	if errors.Is(err, sql.ErrNoRows) {
		return r, errIModelNotFound
	}
	return r, err
}

// listIModels returns an iTwin's iModels in creation order.
func (st *Store) listIModels(ctx context.Context, q Querier, itwinID string) ([]IModelRecord, error) {
	rows, err := q.QueryContext(ctx, `SELECT `+imodelCols+` FROM imodels WHERE itwin_id = ? ORDER BY created, rowid`, itwinID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []IModelRecord
	for rows.Next() {
		r, err := scanIModel(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

func extentJSON(e *wire.Extent) any {
	if e == nil {
		return nil
	}
	b, _ := json.Marshal(e)
	return string(b)
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
	case len(in.Name) > maxIModelName:
		return in, validation(famIModels, detailInvalid, "name", "name must be at most 255 characters.")
	case in.CreationMode != "" && !creationModes[in.CreationMode]:
		return in, validation(famIModels, detailInvalid, "creationMode", "creationMode must be \"empty\".")
	case in.ContainersEnabled != nil && *in.ContainersEnabled < 0:
		return in, validation(famIModels, detailInvalid, "containersEnabled", "")
	}
	if err := validateExtent(in.Extent); err != nil {
		return in, err
	}
	in.ITwinID = NormGUID(in.ITwinID)
	return in, nil
}

const maxIModelName = 255

func validateExtent(e *wire.Extent) error {
	if e == nil {
		return nil
	}
	for _, p := range []wire.GeoPoint{e.SouthWest, e.NorthEast} {
		if p.Latitude < -90 || p.Latitude > 90 || p.Longitude < -180 || p.Longitude > 180 {
			return validation(famIModels, detailInvalid, "extent", "extent coordinates are out of range.")
		}
	}
	return nil
}

// decodeIModelUpdate validates a PATCH /imodels/{id} body (merge). name may change but not be cleared; null clears
// description or extent. Other fields are ignored (spec §1.3).
func decodeIModelUpdate(body []byte) (wire.IModelUpdate, error) {
	var in wire.IModelUpdate
	keys, err := decodeObject(body, famIModels, &in)
	if err != nil {
		return in, err
	}
	if _, has := keys["name"]; has {
		switch {
		case in.Name == nil:
			return in, validation(famIModels, detailInvalid, "name", "name cannot be null: an iModel always has a name.")
		case strings.TrimSpace(*in.Name) == "":
			return in, validation(famIModels, detailInvalid, "name", "name cannot be empty.")
		case len(*in.Name) > maxIModelName:
			return in, validation(famIModels, detailInvalid, "name", "name must be at most 255 characters.")
		}
	}
	if in.Extent.Value != nil {
		if err := validateExtent(in.Extent.Value); err != nil {
			return in, err
		}
	}
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

func (s *Server) handleIModelPatch(c *rc) error {
	// 404 and 403 come before the body is looked at, as for the other updates.
	if _, err := c.loadIModel(s.store.Reader(), c.param("id")); err != nil {
		return err
	}
	body, err := readBody(c)
	if err != nil {
		return err
	}
	in, err := decodeIModelUpdate(body)
	if err != nil {
		return err
	}
	var im IModelRecord
	err = s.store.Write(c.ctx, func(tx *sql.Tx) error {
		var err error
		if im, err = c.loadIModel(tx, c.param("id")); err != nil {
			return err
		}
		if in.Name != nil && *in.Name != im.Name {
			var n int
			if err := tx.QueryRowContext(c.ctx, `SELECT COUNT(*) FROM imodels WHERE itwin_id = ? AND name = ? AND id <> ?`, im.ITwinID, *in.Name, im.ID).Scan(&n); err != nil {
				return err
			}
			if n > 0 {
				return errIModelExists
			}
			im.Name = *in.Name
		}
		if in.Description.Set {
			im.Description = ""
			if in.Description.Value != nil {
				im.Description = *in.Description.Value
			}
		}
		if in.Extent.Set {
			im.Extent = in.Extent.Value
		}
		// The id stays, so changesets, named versions, connections and elements stay with the iModel.
		_, err = tx.ExecContext(c.ctx, `UPDATE imodels SET name = ?, description = ?, extent = ? WHERE id = ?`, im.Name, im.Description, extentJSON(im.Extent), im.ID)
		return err
	})
	if err != nil {
		return err
	}
	writeJSON(c.w, 200, wire.IModelEnvelope{IModel: imodelWire(c.origin(), im)})
	return nil
}

var (
	imodelOrderRe = regexp.MustCompile(`(?i)^\s*(name|createdDateTime)(\s+(asc|desc))?\s*$`)
	imodelStates  = map[string]bool{wire.IModelStateInitialized: true, wire.IModelStateNotInitialized: true}
)

// containsFold reports whether sub occurs in s, ignoring case ($search, spec §9.2/§9.3).
func containsFold(s, sub string) bool {
	return strings.Contains(strings.ToLower(s), strings.ToLower(sub))
}

// handleIModelList is GET /imodels?iTwinId=… (spec §9.3).
func (s *Server) handleIModelList(c *rc) error {
	p, err := parsePage(c.r, famIModels)
	if err != nil {
		return err
	}
	itwinID, ok := query(c.r, "iTwinId")
	switch {
	case !ok || itwinID == "":
		return validation(famIModels, detailMissing, "iTwinId", "")
	case !IsGUID(itwinID):
		return validation(famIModels, detailInvalid, "iTwinId", "")
	}
	itwinID = NormGUID(itwinID)
	filters := [][2]string{{"iTwinId", itwinID}}
	orderBy, desc := "", false
	if v, ok := query(c.r, "$orderBy"); ok {
		m := imodelOrderRe.FindStringSubmatch(v)
		if m == nil {
			return validation(famIModels, detailInvalid, "$orderBy", "$orderBy must be \"name\" or \"createdDateTime\", optionally followed by asc or desc.")
		}
		orderBy, desc = strings.ToLower(m[1]), strings.EqualFold(m[3], "desc")
		filters = append(filters, [2]string{"$orderBy", v})
	}
	name, hasName := query(c.r, "name")
	if hasName {
		filters = append(filters, [2]string{"name", name})
	}
	search, hasSearch := query(c.r, "$search")
	if hasSearch {
		filters = append(filters, [2]string{"$search", search})
	}
	state, hasState := query(c.r, "state")
	if hasState {
		if !imodelStates[state] {
			return validation(famIModels, detailInvalid, "state", "state must be initialized or notInitialized.")
		}
		filters = append(filters, [2]string{"state", state})
	}
	if _, err := s.store.GetITwin(c.ctx, s.store.Reader(), itwinID); err != nil {
		return err
	}
	if err := c.access(itwinID); err != nil {
		return err
	}
	all, err := s.store.listIModels(c.ctx, s.store.Reader(), itwinID)
	if err != nil {
		return err
	}
	var sel []IModelRecord
	for _, im := range all {
		if (hasName && im.Name != name) || (hasState && im.State != state) ||
			(hasSearch && !containsFold(im.Name, search) && !containsFold(im.Description, search)) {
			continue
		}
		sel = append(sel, im)
	}
	if orderBy == "name" {
		sort.SliceStable(sel, func(i, j int) bool {
			a, b := strings.ToLower(sel[i].Name), strings.ToLower(sel[j].Name)
			if a == b {
				return sel[i].Name < sel[j].Name
			}
			return a < b
		})
	}
	if desc {
		slices.Reverse(sel)
	}
	out := wire.IModelList{IModels: []wire.IModel{}, Minimal: !representation(c.r)}
	for i := p.Skip; i < len(sel) && i < p.Skip+p.Top; i++ {
		out.IModels = append(out.IModels, imodelWire(c.origin(), sel[i]))
	}
	out.Links = pageLinks(c.origin()+"/imodels", filters, p, p.Skip+p.Top < len(sel))
	writeJSON(c.w, 200, out)
	return nil
}

func (s *Server) handleIModelDelete(c *rc) error {
	err := s.store.Write(c.ctx, func(tx *sql.Tx) error {
		im, err := c.loadIModel(tx, c.param("id"))
		if err != nil {
			return err
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

// changesetWire is a changeset's answer form. The representation (full) links the changeset's named version
// (namedVersionID, "" = none) and sends null for the checkpoint and download links: itwin-local keeps neither.
func changesetWire(o string, cs ChangesetRecord, full bool, namedVersionID string) wire.Changeset {
	base := o + "/imodels/" + cs.IModelID
	out := wire.Changeset{ID: cs.ID, DisplayName: strconv.Itoa(cs.Index), Description: cs.Description, Index: cs.Index,
		ParentID: cs.ParentID, CreatorID: cs.CreatorID, PushDateTime: wire.NewTimestamp(cs.PushTime), State: "fileUploaded",
		ContainingChanges: cs.ContainingChanges, FileSize: cs.FileSize, BriefcaseID: cs.BriefcaseID,
		Links: &wire.ChangesetLinks{Self: &wire.Link{Href: base + "/changesets/" + strconv.Itoa(cs.Index)}}, Representation: full}
	if cs.CreatorID != "" {
		out.Links.Creator = &wire.Link{Href: base + "/users/" + cs.CreatorID}
	}
	if full {
		if namedVersionID != "" {
			out.Links.NamedVersion = &wire.Link{Href: base + "/namedversions/" + namedVersionID}
		}
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
	versions, err := s.store.namedVersionsByChangeset(c.ctx, s.store.Reader(), im.ID)
	if err != nil {
		return err
	}
	out := wire.ChangesetList{Changesets: []wire.Changeset{}}
	for i := p.Skip; i < len(sel) && i < p.Skip+p.Top; i++ {
		out.Changesets = append(out.Changesets, changesetWire(c.origin(), sel[i], full, versions[sel[i].Index]))
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
	versions, err := s.store.namedVersionsByChangeset(c.ctx, s.store.Reader(), im.ID)
	if err != nil {
		return err
	}
	writeJSON(c.w, 200, wire.ChangesetEnvelope{Changeset: changesetWire(c.origin(), cs, true, versions[cs.Index])})
	return nil
}
