package itwinlocal

// Store methods for iTwins, iModels, changesets, named versions, clients and access grants. Handlers
// (platform.go, namedversions.go, users.go, server.go) keep the HTTP side and call these.

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"time"

	"github.com/seed37c7dd03/terraform-provider-itwin/internal/wire"
)

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
	if err == nil {
		err = st.emitIModelEvent(ctx, tx, wire.EventIModelCreated, rec.ID, rec.ITwinID, clientID) // webhook event (store_webhooks.go)
	}
	return rec, err
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
		err = st.emitChangesReady(ctx, tx, cs) // webhook event in the same transaction (store_webhooks.go)
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
func (st *Store) versionConflict(ctx context.Context, tx *sql.Tx, imodelID, selfID, name string, idx int, checkIdx bool) error {
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

// hasGrant reports whether the store grants the client access to the iTwin (besides its configured list).
func (st *Store) hasGrant(ctx context.Context, q Querier, clientID, itwinID string) (bool, error) {
	var n int
	err := q.QueryRowContext(ctx, `SELECT COUNT(*) FROM client_itwin_access WHERE client_id = ? AND itwin_id = ?`, clientID, NormGUID(itwinID)).Scan(&n)
	return n > 0, err
}

// getNamedVersion loads one of the iModel's named versions; sql.ErrNoRows when there is none.
func (st *Store) getNamedVersion(ctx context.Context, q Querier, imodelID, id string) (NamedVersionRecord, error) {
	return scanNamedVersion(q.QueryRowContext(ctx, `SELECT `+namedVersionCols+` FROM named_versions WHERE imodel_id = ? AND id = ?`, imodelID, NormGUID(id)))
}

func (st *Store) insertNamedVersion(ctx context.Context, tx *sql.Tx, v NamedVersionRecord) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO named_versions (`+namedVersionCols+`) VALUES (?,?,?,?,?,?,?,?,?)`,
		v.ID, v.IModelID, v.Name, v.Description, v.ChangesetIndex, v.ChangesetID, v.State, nanos(v.Created), v.CreatedBy)
	return err
}

// updateNamedVersion saves the fields a PATCH may change: name, description, state.
func (st *Store) updateNamedVersion(ctx context.Context, tx *sql.Tx, v NamedVersionRecord) error {
	_, err := tx.ExecContext(ctx, `UPDATE named_versions SET name = ?, description = ?, state = ? WHERE id = ?`, v.Name, v.Description, v.State, v.ID)
	return err
}

// updateITwin saves the iTwin's body.
func (st *Store) updateITwin(ctx context.Context, tx *sql.Tx, it wire.ITwin) error {
	b, err := json.Marshal(it)
	if err != nil {
		return err
	}
	_, err = tx.ExecContext(ctx, `UPDATE itwins SET body = ? WHERE id = ?`, string(b), it.ID)
	return err
}

// deleteITwin deletes the iTwin; its iModels and everything under them cascade.
func (st *Store) deleteITwin(ctx context.Context, tx *sql.Tx, id string) error {
	_, err := tx.ExecContext(ctx, `DELETE FROM itwins WHERE id = ?`, NormGUID(id))
	return err
}

// imodelNameTaken reports whether another iModel of the iTwin (not exceptID) has this name.
func (st *Store) imodelNameTaken(ctx context.Context, q Querier, itwinID, name, exceptID string) (bool, error) {
	var n int
	err := q.QueryRowContext(ctx, `SELECT COUNT(*) FROM imodels WHERE itwin_id = ? AND name = ? AND id <> ?`, itwinID, name, exceptID).Scan(&n)
	return n > 0, err
}

// updateIModel saves the fields an update may change: name, description, extent.
func (st *Store) updateIModel(ctx context.Context, tx *sql.Tx, im IModelRecord) error {
	_, err := tx.ExecContext(ctx, `UPDATE imodels SET name = ?, description = ?, extent = ? WHERE id = ?`, im.Name, im.Description, extentJSON(im.Extent), im.ID)
	return err
}

// deleteIModel deletes the iModel; connections, runs, source files, configurations, changesets, elements and
// reports cascade (§9.3).
func (st *Store) deleteIModel(ctx context.Context, tx *sql.Tx, id string) error {
	_, err := tx.ExecContext(ctx, `DELETE FROM imodels WHERE id = ?`, id)
	return err
}

// changesetByIndex loads the iModel's changeset with this index; sql.ErrNoRows when there is none.
func (st *Store) changesetByIndex(ctx context.Context, q Querier, imodelID string, idx int) (ChangesetRecord, error) {
	return scanChangeset(q.QueryRowContext(ctx, `SELECT `+changesetCols+` FROM changesets WHERE imodel_id = ? AND idx = ?`, imodelID, idx))
}

// changesetByID loads the iModel's changeset with this (lower-case) id; sql.ErrNoRows when there is none.
func (st *Store) changesetByID(ctx context.Context, q Querier, imodelID, id string) (ChangesetRecord, error) {
	return scanChangeset(q.QueryRowContext(ctx, `SELECT `+changesetCols+` FROM changesets WHERE imodel_id = ? AND id = ?`, imodelID, id))
}

// storedClient is a configured client as the clients table records it (secret hashed).
type storedClient struct {
	ID, SecretHash string
	ITwins         []string // "*" = every iTwin
	RateLimit      int
	Email          string
	Dev            bool
}

// replaceClients replaces the recorded client list.
func (st *Store) replaceClients(ctx context.Context, tx *sql.Tx, clients []storedClient) error {
	if _, err := tx.ExecContext(ctx, `DELETE FROM clients`); err != nil {
		return err
	}
	for _, c := range clients {
		b, _ := json.Marshal(c.ITwins)
		if _, err := tx.ExecContext(ctx, `INSERT INTO clients (id, secret_hash, itwins, rate_limit, email, is_dev) VALUES (?,?,?,?,?,?)`,
			c.ID, c.SecretHash, string(b), c.RateLimit, c.Email, c.Dev); err != nil {
			return err
		}
	}
	return nil
}

// grantAccess grants the client access to the iTwin (idempotent).
func (st *Store) grantAccess(ctx context.Context, tx *sql.Tx, clientID, itwinID string) error {
	_, err := tx.ExecContext(ctx, `INSERT OR IGNORE INTO client_itwin_access (client_id, itwin_id) VALUES (?, ?)`, clientID, itwinID)
	return err
}

func (st *Store) itwinExists(ctx context.Context, q Querier, id string) (bool, error) {
	var n int
	err := q.QueryRowContext(ctx, `SELECT COUNT(*) FROM itwins WHERE id = ?`, id).Scan(&n)
	return n > 0, err
}

// imodelIDByName is the id of the iTwin's iModel with this name; sql.ErrNoRows when there is none.
func (st *Store) imodelIDByName(ctx context.Context, q Querier, itwinID, name string) (string, error) {
	var id string
	err := q.QueryRowContext(ctx, `SELECT id FROM imodels WHERE itwin_id = ? AND name = ?`, itwinID, name).Scan(&id)
	return id, err
}

// changesetsPushedBy counts the iModel's changesets with this creator and returns the latest push time (zero
// when there is none).
func (st *Store) changesetsPushedBy(ctx context.Context, q Querier, imodelID, creatorID string) (int, time.Time, error) {
	var n int
	var last sql.NullInt64
	if err := q.QueryRowContext(ctx, `SELECT COUNT(*), MAX(push_time) FROM changesets WHERE imodel_id = ? AND creator_id = ?`, imodelID, creatorID).
		Scan(&n, &last); err != nil {
		return 0, time.Time{}, err
	}
	if !last.Valid {
		return n, time.Time{}, nil
	}
	return n, fromNanos(last.Int64), nil
}

// versionsCreatedBy counts the iModel's named versions the client created.
func (st *Store) versionsCreatedBy(ctx context.Context, q Querier, imodelID, clientID string) (int, error) {
	var n int
	err := q.QueryRowContext(ctx, `SELECT COUNT(*) FROM named_versions WHERE imodel_id = ? AND created_by = ?`, imodelID, clientID).Scan(&n)
	return n, err
}

const namedVersionCols = `id, imodel_id, name, description, changeset_idx, changeset_id, state, created, created_by`

func scanNamedVersion(sc interface{ Scan(...any) error }) (NamedVersionRecord, error) {
	var v NamedVersionRecord
	var created int64
	err := sc.Scan(&v.ID, &v.IModelID, &v.Name, &v.Description, &v.ChangesetIndex, &v.ChangesetID, &v.State, &created, &v.CreatedBy)
	v.Created = fromNanos(created)
	return v, err
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
