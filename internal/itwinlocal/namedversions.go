package itwinlocal

// Named versions of an iModel (spec §9.3): a name pinned on one changeset, or on index 0 (the baseline, before the
// first changeset) when the iModel has none.

import (
	"context"
	"database/sql"
	"errors"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/seed37c7dd03/terraform-provider-itwin/internal/wire"
)

// NamedVersionRecord is a stored named version. ChangesetIndex 0 with an empty ChangesetID is the baseline.
type NamedVersionRecord struct {
	ID, IModelID, Name, Description string
	ChangesetIndex                  int
	ChangesetID                     string
	State                           string
	Created                         time.Time
	CreatedBy                       string // client id
}

const namedVersionCols = `id, imodel_id, name, description, changeset_idx, changeset_id, state, created, created_by`

func scanNamedVersion(sc interface{ Scan(...any) error }) (NamedVersionRecord, error) {
	var v NamedVersionRecord
	var created int64
	err := sc.Scan(&v.ID, &v.IModelID, &v.Name, &v.Description, &v.ChangesetIndex, &v.ChangesetID, &v.State, &created, &v.CreatedBy)
	v.Created = fromNanos(created)
	return v, err
}

// listNamedVersions returns an iModel's named versions in changeset order.
func (st *Store) listNamedVersions(ctx context.Context, q Querier, imodelID string) ([]NamedVersionRecord, error) {
	rows, err := q.QueryContext(ctx, `SELECT `+namedVersionCols+` FROM named_versions WHERE imodel_id = ? ORDER BY changeset_idx`, imodelID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []NamedVersionRecord
	for rows.Next() {
		v, err := scanNamedVersion(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

// namedVersionsByChangeset maps changeset index → named version id, for the changesets' _links.namedVersion.
func (st *Store) namedVersionsByChangeset(ctx context.Context, q Querier, imodelID string) (map[int]string, error) {
	vs, err := st.listNamedVersions(ctx, q, imodelID)
	if err != nil {
		return nil, err
	}
	m := make(map[int]string, len(vs))
	for _, v := range vs {
		m[v.ChangesetIndex] = v.ID
	}
	return m, nil
}

func (c *rc) loadNamedVersion(q Querier, im IModelRecord) (NamedVersionRecord, error) {
	id := c.param("namedVersionId")
	if !IsGUID(id) {
		return NamedVersionRecord{}, errNamedVersionNotFound
	}
	v, err := scanNamedVersion(q.QueryRowContext(c.ctx, `SELECT `+namedVersionCols+` FROM named_versions WHERE imodel_id = ? AND id = ?`, im.ID, NormGUID(id)))
	if errors.Is(err, sql.ErrNoRows) {
		return v, errNamedVersionNotFound
	}
	return v, err
}

func namedVersionWire(o string, v NamedVersionRecord) wire.NamedVersion {
	base := o + "/imodels/" + v.IModelID
	out := wire.NamedVersion{ID: v.ID, DisplayName: v.Name, Name: v.Name, Description: v.Description, ChangesetID: v.ChangesetID,
		ChangesetIndex: v.ChangesetIndex, State: v.State, CreatedDateTime: wire.NewTimestamp(v.Created),
		// The application is the client (service application) that created the version.
		Application: &wire.Application{ID: v.CreatedBy, Name: v.CreatedBy},
		Links:       &wire.NamedVersionLinks{Creator: &wire.Link{Href: base + "/users/" + clientUserID(v.CreatedBy)}}}
	if v.ChangesetIndex > 0 {
		out.Links.Changeset = &wire.Link{Href: base + "/changesets/" + strconv.Itoa(v.ChangesetIndex)}
	}
	return out
}

const maxNamedVersionName = 255

var namedVersionStates = map[string]bool{wire.NamedVersionStateVisible: true, wire.NamedVersionStateHidden: true}

func validNamedVersionName(name *string) error {
	switch {
	case name == nil:
		return validation(famIModels, detailInvalid, "name", "name cannot be null.")
	case strings.TrimSpace(*name) == "":
		return validation(famIModels, detailInvalid, "name", "name cannot be empty.")
	case len(*name) > maxNamedVersionName:
		return validation(famIModels, detailInvalid, "name", "name must be at most 255 characters.")
	}
	return nil
}

// decodeNamedVersionCreate validates a POST …/namedversions body. changesetId is lower-cased; whether it (or
// changesetIndex) names a changeset is the handler's business (404 ChangesetNotFound).
func decodeNamedVersionCreate(body []byte) (wire.NamedVersionCreate, error) {
	var in wire.NamedVersionCreate
	keys, err := decodeObject(body, famIModels, &in)
	if err != nil {
		return in, err
	}
	if !present(keys, "name") {
		return in, validation(famIModels, detailMissing, "name", "")
	}
	if err := validNamedVersionName(&in.Name); err != nil {
		return in, err
	}
	if in.ChangesetIndex != nil && *in.ChangesetIndex < 0 {
		return in, validation(famIModels, detailInvalid, "changesetIndex", "changesetIndex must be 0 (the baseline) or more.")
	}
	in.ChangesetID = strings.ToLower(in.ChangesetID)
	return in, nil
}

// decodeNamedVersionUpdate validates a PATCH …/namedversions/{id} body (merge): name and state cannot be cleared,
// null clears the description. Other fields are ignored (spec §1.3).
func decodeNamedVersionUpdate(body []byte) (wire.NamedVersionUpdate, error) {
	var in wire.NamedVersionUpdate
	keys, err := decodeObject(body, famIModels, &in)
	if err != nil {
		return in, err
	}
	if _, has := keys["name"]; has {
		if err := validNamedVersionName(in.Name); err != nil {
			return in, err
		}
	}
	if _, has := keys["state"]; has && (in.State == nil || !namedVersionStates[*in.State]) {
		return in, validation(famIModels, detailInvalid, "state", "state must be visible or hidden.")
	}
	return in, nil
}

// changesetAt loads one changeset by index (404 ChangesetNotFound).
func (st *Store) changesetAt(ctx context.Context, q Querier, imodelID string, idx int) (ChangesetRecord, error) {
	cs, err := scanChangeset(q.QueryRowContext(ctx, `SELECT `+changesetCols+` FROM changesets WHERE imodel_id = ? AND idx = ?`, imodelID, idx))
	if errors.Is(err, sql.ErrNoRows) {
		return cs, errChangesetNotFound
	}
	return cs, err
}

// resolveVersionChangeset finds the changeset a new version is pinned on: by id, by index, or the latest. Index 0,
// or no changeset at all, is the baseline (Bentley's iModels API creates a baseline Named Version when no
// changeset is given; with changesets present, spec §9.3 pins it on the latest).
func (st *Store) resolveVersionChangeset(ctx context.Context, tx *sql.Tx, imodelID string, in wire.NamedVersionCreate) (int, string, error) {
	switch {
	case in.ChangesetID != "":
		cs, err := scanChangeset(tx.QueryRowContext(ctx, `SELECT `+changesetCols+` FROM changesets WHERE imodel_id = ? AND id = ?`, imodelID, in.ChangesetID))
		if errors.Is(err, sql.ErrNoRows) {
			return 0, "", errChangesetNotFound
		}
		if err != nil {
			return 0, "", err
		}
		if in.ChangesetIndex != nil && *in.ChangesetIndex != cs.Index {
			return 0, "", validation(famIModels, detailInvalid, "changesetIndex", "changesetIndex and changesetId name different changesets.")
		}
		return cs.Index, cs.ID, nil
	case in.ChangesetIndex != nil && *in.ChangesetIndex == 0:
		return 0, "", nil
	case in.ChangesetIndex != nil:
		cs, err := st.changesetAt(ctx, tx, imodelID, *in.ChangesetIndex)
		return cs.Index, cs.ID, err
	}
	var idx sql.NullInt64
	var id sql.NullString
	err := tx.QueryRowContext(ctx, `SELECT idx, id FROM changesets WHERE imodel_id = ? ORDER BY idx DESC LIMIT 1`, imodelID).Scan(&idx, &id)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, "", nil
	}
	return int(idx.Int64), id.String, err
}

// versionConflict answers 409 when the name is taken by another version of the iModel, or the changeset index
// already carries one.
func versionConflict(ctx context.Context, tx *sql.Tx, imodelID, selfID, name string, idx int, checkIdx bool) error {
	var n int
	if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM named_versions WHERE imodel_id = ? AND name = ? AND id <> ?`, imodelID, name, selfID).Scan(&n); err != nil {
		return err
	}
	if n > 0 {
		return errNamedVersionNameTaken
	}
	if !checkIdx {
		return nil
	}
	if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM named_versions WHERE imodel_id = ? AND changeset_idx = ? AND id <> ?`, imodelID, idx, selfID).Scan(&n); err != nil {
		return err
	}
	if n > 0 {
		return errChangesetHasVersion
	}
	return nil
}

func (s *Server) handleNamedVersionCreate(c *rc) error {
	if _, err := c.loadIModel(s.store.Reader(), c.param("id")); err != nil {
		return err
	}
	body, err := readBody(c)
	if err != nil {
		return err
	}
	in, err := decodeNamedVersionCreate(body)
	if err != nil {
		return err
	}
	var v NamedVersionRecord
	err = s.store.Write(c.ctx, func(tx *sql.Tx) error {
		im, err := c.loadIModel(tx, c.param("id"))
		if err != nil {
			return err
		}
		idx, csID, err := s.store.resolveVersionChangeset(c.ctx, tx, im.ID, in)
		if err != nil {
			return err
		}
		if err := versionConflict(c.ctx, tx, im.ID, "", in.Name, idx, true); err != nil {
			return err
		}
		v = NamedVersionRecord{ID: NewGUID(), IModelID: im.ID, Name: in.Name, Description: in.Description, ChangesetIndex: idx,
			ChangesetID: csID, State: wire.NamedVersionStateVisible, Created: s.Now(), CreatedBy: c.client.ID}
		_, err = tx.ExecContext(c.ctx, `INSERT INTO named_versions (`+namedVersionCols+`) VALUES (?,?,?,?,?,?,?,?,?)`,
			v.ID, v.IModelID, v.Name, v.Description, v.ChangesetIndex, v.ChangesetID, v.State, nanos(v.Created), v.CreatedBy)
		return err
	})
	if err != nil {
		return err
	}
	writeJSON(c.w, 201, wire.NamedVersionEnvelope{NamedVersion: namedVersionWire(c.origin(), v)})
	return nil
}

var namedVersionOrderRe = regexp.MustCompile(`(?i)^\s*changesetIndex(\s+(asc|desc))?\s*$`)

func (s *Server) handleNamedVersionList(c *rc) error {
	p, err := parsePage(c.r, famIModels)
	if err != nil {
		return err
	}
	var filters [][2]string
	desc := false
	if v, ok := query(c.r, "$orderBy"); ok {
		m := namedVersionOrderRe.FindStringSubmatch(v)
		if m == nil {
			return validation(famIModels, detailInvalid, "$orderBy", "$orderBy must be \"changesetIndex asc\" or \"changesetIndex desc\".")
		}
		desc = strings.EqualFold(m[2], "desc")
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
	im, err := c.loadIModel(s.store.Reader(), c.param("id"))
	if err != nil {
		return err
	}
	all, err := s.store.listNamedVersions(c.ctx, s.store.Reader(), im.ID)
	if err != nil {
		return err
	}
	var sel []NamedVersionRecord
	for _, v := range all {
		if (hasName && v.Name != name) || (hasSearch && !containsFold(v.Name, search)) {
			continue
		}
		sel = append(sel, v)
	}
	if desc {
		for i, j := 0, len(sel)-1; i < j; i, j = i+1, j-1 {
			sel[i], sel[j] = sel[j], sel[i]
		}
	}
	out := wire.NamedVersionList{NamedVersions: []wire.NamedVersion{}, Minimal: !representation(c.r)}
	for i := p.Skip; i < len(sel) && i < p.Skip+p.Top; i++ {
		out.NamedVersions = append(out.NamedVersions, namedVersionWire(c.origin(), sel[i]))
	}
	out.Links = pageLinks(c.origin()+"/imodels/"+im.ID+"/namedversions", filters, p, p.Skip+p.Top < len(sel))
	writeJSON(c.w, 200, out)
	return nil
}

func (s *Server) handleNamedVersionGet(c *rc) error {
	im, err := c.loadIModel(s.store.Reader(), c.param("id"))
	if err != nil {
		return err
	}
	v, err := c.loadNamedVersion(s.store.Reader(), im)
	if err != nil {
		return err
	}
	writeJSON(c.w, 200, wire.NamedVersionEnvelope{NamedVersion: namedVersionWire(c.origin(), v)})
	return nil
}

func (s *Server) handleNamedVersionPatch(c *rc) error {
	im, err := c.loadIModel(s.store.Reader(), c.param("id"))
	if err != nil {
		return err
	}
	if _, err := c.loadNamedVersion(s.store.Reader(), im); err != nil {
		return err
	}
	body, err := readBody(c)
	if err != nil {
		return err
	}
	in, err := decodeNamedVersionUpdate(body)
	if err != nil {
		return err
	}
	var v NamedVersionRecord
	err = s.store.Write(c.ctx, func(tx *sql.Tx) error {
		im, err := c.loadIModel(tx, c.param("id"))
		if err != nil {
			return err
		}
		if v, err = c.loadNamedVersion(tx, im); err != nil {
			return err
		}
		if in.Name != nil {
			if err := versionConflict(c.ctx, tx, im.ID, v.ID, *in.Name, 0, false); err != nil {
				return err
			}
			v.Name = *in.Name
		}
		applyOptional(&v.Description, in.Description)
		if in.State != nil {
			v.State = *in.State
		}
		_, err = tx.ExecContext(c.ctx, `UPDATE named_versions SET name = ?, description = ?, state = ? WHERE id = ?`, v.Name, v.Description, v.State, v.ID)
		return err
	})
	if err != nil {
		return err
	}
	writeJSON(c.w, 200, wire.NamedVersionEnvelope{NamedVersion: namedVersionWire(c.origin(), v)})
	return nil
}
