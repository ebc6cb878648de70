package itwinlocal

// Synchronization API (§2): storage and manifest connections, source files, C1, C2 and the consent page.

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/seed37c7dd03/terraform-provider-itwin/internal/wire"
)

// The 404 errors of a connection kind (their codes are wire.Kind's NotFoundCode, RunNotFoundCode and
// SourceFileNotFoundCode).
func connNotFound(k wire.Kind) error {
	if k == wire.KindStorage {
		return errStorageConnNotFound
	}
	return errManifestConnNotFound
}

func runNotFound(k wire.Kind) error {
	if k == wire.KindStorage {
		return errStorageRunNotFound
	}
	return errManifestRunNotFound
}

func sfNotFound(k wire.Kind) error {
	if k == wire.KindStorage {
		return errStorageSFNotFound
	}
	return errManifestSFNotFound
}

// ConnectionRecord is a stored storage or manifest connection. ITwinID is derived from the iModel.
type ConnectionRecord struct {
	ID, IModelID, ITwinID, DisplayName, AuthType, OwnerClient, LastRunID string
	Kind                                                                 wire.Kind
	Created                                                              time.Time
}

// ErrNotFound is returned by store getters whose object does not exist (engine-facing).
var ErrNotFound = errors.New("not found")

const connCols = `c.id, c.kind, c.imodel_id, m.itwin_id, c.display_name, c.auth_type, c.owner_client, c.last_run_id, c.created`

func scanConn(sc interface{ Scan(...any) error }) (ConnectionRecord, error) {
	var r ConnectionRecord
	var created int64
	err := sc.Scan(&r.ID, &r.Kind, &r.IModelID, &r.ITwinID, &r.DisplayName, &r.AuthType, &r.OwnerClient, &r.LastRunID, &created)
	r.Created = fromNanos(created)
	return r, err
}

// GetConnection loads a connection of either kind (ErrNotFound).
func (st *Store) GetConnection(ctx context.Context, q Querier, id string) (ConnectionRecord, error) {
	r, err := scanConn(q.QueryRowContext(ctx, `SELECT `+connCols+` FROM connections c JOIN imodels m ON m.id = c.imodel_id WHERE c.id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return r, ErrNotFound
	}
	return r, err
}

// loadConn loads the path's connection of kind k: 404 with the kind's code (also for the other kind, §11a), then 403.
func (c *rc) loadConn(q Querier, k wire.Kind) (ConnectionRecord, error) {
	id := c.param("id")
	if !IsBase64ID(id) {
		return ConnectionRecord{}, connNotFound(k)
	}
	r, err := c.s.store.GetConnection(c.ctx, q, id)
	if errors.Is(err, ErrNotFound) || (err == nil && r.Kind != k) {
		return r, connNotFound(k)
	}
	if err != nil {
		return r, err
	}
	return r, c.access(r.ITwinID)
}

func runHref(o string, k wire.Kind, connID, runID string) string {
	return o + k.CollectionPath() + "/" + connID + "/runs/" + runID
}

func connWire(o string, r ConnectionRecord) wire.Connection {
	l := &wire.ConnectionLinks{IModel: &wire.Link{Href: o + "/imodels/" + r.IModelID}, ITwin: &wire.Link{Href: o + "/itwins/" + r.ITwinID}}
	if r.LastRunID != "" {
		l.LastRun = &wire.Link{Href: runHref(o, r.Kind, r.ID, r.LastRunID)}
	}
	return wire.Connection{ID: r.ID, DisplayName: r.DisplayName, IModelID: r.IModelID, ITwinID: r.ITwinID, AuthenticationType: r.AuthType, Links: l}
}

// mappedCount is the number of source files mapped on an iModel across its connections (§11e).
func mappedCount(ctx context.Context, q Querier, imodelID string) (int, error) {
	var n int
	err := q.QueryRowContext(ctx, `SELECT COUNT(*) FROM source_files WHERE imodel_id = ?`, imodelID).Scan(&n)
	return n, err
}

// checkStorageFile requires an existing, completed Storage file in the iTwin (§3.5) and returns its name.
func (st *Store) checkStorageFile(ctx context.Context, q Querier, itwinID, fileID string) (string, error) {
	f, err := st.GetFile(ctx, q, fileID)
	if err != nil || !f.Completed || f.ITwinID != itwinID {
		return "", errFileNotFound
	}
	return f.DisplayName, nil
}

// checkMapped answers 409 FileAlreadyMapped if key is mapped on the iModel by any connection, other than the
// mapping excludeID (a PUT replacing itself), §11b.
func checkMapped(ctx context.Context, tx *sql.Tx, conn ConnectionRecord, excludeID, key string) error {
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
	if err := checkMapped(ctx, tx, conn, id, key); err != nil {
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

func (s *Server) handleConnCreate(c *rc, k wire.Kind) error {
	body, err := readBody(c)
	if err != nil {
		return err
	}
	type fileIn struct{ key, ct string }
	var imodelID, display, auth string
	var files []fileIn
	if k == wire.KindStorage {
		in, err := decodeStorageConnectionCreate(body)
		if err != nil {
			return err
		}
		imodelID, display, auth = in.IModelID, in.DisplayName, in.AuthenticationType
		for _, f := range in.SourceFiles {
			files = append(files, fileIn{f.StorageFileID, f.ConnectorType})
		}
	} else {
		in, err := decodeManifestConnectionCreate(body)
		if err != nil {
			return err
		}
		imodelID, display, auth = in.IModelID, in.DisplayName, in.AuthenticationType
		for _, f := range in.SourceFiles {
			files = append(files, fileIn{f.SourceFileID, ""})
		}
	}
	var conn ConnectionRecord
	err = s.store.Write(c.ctx, func(tx *sql.Tx) error {
		im, err := c.loadIModel(tx, imodelID)
		if err != nil {
			return err
		}
		var nConn int
		if err := tx.QueryRowContext(c.ctx, `SELECT COUNT(*) FROM connections WHERE imodel_id = ?`, im.ID).Scan(&nConn); err != nil {
			return err
		}
		if nConn >= maxConnectionsPerIModel {
			return errTooManyConnections
		}
		seq, err := nextSeq(c.ctx, tx, "connections")
		if err != nil {
			return err
		}
		conn = ConnectionRecord{ID: NewID(), Kind: k, IModelID: im.ID, ITwinID: im.ITwinID, DisplayName: display, AuthType: auth,
			OwnerClient: c.client.ID, Created: s.Now()}
		if _, err := tx.ExecContext(c.ctx, `INSERT INTO connections (id, kind, imodel_id, display_name, auth_type, owner_client, created, seq) VALUES (?,?,?,?,?,?,?,?)`,
			conn.ID, conn.Kind, conn.IModelID, conn.DisplayName, conn.AuthType, conn.OwnerClient, nanos(conn.Created), seq); err != nil {
			return err
		}
		for _, f := range files {
			name := ""
			if k == wire.KindStorage {
				if name, err = s.store.checkStorageFile(c.ctx, tx, im.ITwinID, f.key); err != nil {
					return err
				}
			}
			if err := s.store.insertSourceFile(c.ctx, tx, conn, NewGUID(), f.key, f.ct, name); err != nil {
				return err
			}
		}
		n, err := mappedCount(c.ctx, tx, im.ID)
		if err != nil {
			return err
		}
		if n > maxSourceFiles {
			return validation(k.InvalidRequestCode(), detailInvalid, "sourceFiles", fmt.Sprintf("An iModel holds at most %d mapped source files.", maxSourceFiles))
		}
		return nil
	})
	if err != nil {
		return err
	}
	writeJSON(c.w, 201, wire.ConnectionEnvelope{Connection: connWire(c.origin(), conn)})
	return nil
}

// listConns lists connections (kind "" = both) of an iModel, or (imodelID "") every one the client may access.
func (s *Server) listConns(c *rc, k wire.Kind, imodelID string, p page) ([]ConnectionRecord, bool, error) {
	q := `SELECT ` + connCols + ` FROM connections c JOIN imodels m ON m.id = c.imodel_id WHERE 1=1`
	var args []any
	if k != "" {
		q += ` AND c.kind = ?`
		args = append(args, string(k))
	}
	if imodelID != "" {
		q += ` AND c.imodel_id = ?`
		args = append(args, imodelID)
	} else if !c.client.allITwins {
		var list []string
		for it := range c.client.itwins {
			list = append(list, it)
		}
		b, _ := json.Marshal(list)
		q += ` AND (m.itwin_id IN (SELECT value FROM json_each(?)) OR m.itwin_id IN (SELECT itwin_id FROM client_itwin_access WHERE client_id = ?))`
		args = append(args, string(b), c.client.ID)
	}
	q += ` ORDER BY c.seq LIMIT ? OFFSET ?`
	args = append(args, p.Top+1, p.Skip)
	rows, err := s.store.Reader().QueryContext(c.ctx, q, args...)
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

// imodelFilter reads the imodelId query parameter: required or optional, GUID-validated, access-checked.
// An iModel that does not exist yields an empty list (the list operations have no 404, §2).
func (c *rc) imodelFilter(fam string, required bool) (id string, exists bool, err error) {
	v, ok := query(c.r, "imodelId")
	if !ok || v == "" {
		if required {
			return "", false, validation(fam, detailMissing, "imodelId", "")
		}
		return "", false, nil
	}
	if !IsGUID(v) {
		return "", false, validation(fam, detailInvalid, "imodelId", "")
	}
	im, err := c.s.store.GetIModel(c.ctx, c.s.store.Reader(), v)
	if errors.Is(err, errIModelNotFound) {
		return NormGUID(v), false, nil
	}
	if err != nil {
		return "", false, err
	}
	return im.ID, true, c.access(im.ITwinID)
}

func (s *Server) handleConnList(c *rc, k wire.Kind) error {
	p, err := parsePage(c.r, k.InvalidRequestCode())
	if err != nil {
		return err
	}
	imodelID, exists, err := c.imodelFilter(k.InvalidRequestCode(), k == wire.KindManifest)
	if err != nil {
		return err
	}
	var list []ConnectionRecord
	var more bool
	if imodelID == "" || exists {
		if list, more, err = s.listConns(c, k, imodelID, p); err != nil {
			return err
		}
	}
	full := representation(c.r)
	out := wire.ConnectionList{Connections: []wire.Connection{}}
	for _, r := range list {
		if full {
			out.Connections = append(out.Connections, connWire(c.origin(), r))
		} else {
			out.Connections = append(out.Connections, wire.Connection{ID: r.ID, DisplayName: r.DisplayName})
		}
	}
	var filters [][2]string
	if imodelID != "" {
		filters = append(filters, [2]string{"imodelId", imodelID})
	}
	out.Links = pageLinks(c.origin()+"/synchronization/imodels/"+k.Segment(), filters, p, more)
	writeJSON(c.w, 200, out)
	return nil
}

// handleConnectionsAll is C1: both kinds on one iModel.
func (s *Server) handleConnectionsAll(c *rc) error {
	p, err := parsePage(c.r, famConnections)
	if err != nil {
		return err
	}
	imodelID, exists, err := c.imodelFilter(famConnections, true)
	if err != nil {
		return err
	}
	var list []ConnectionRecord
	var more bool
	if exists {
		if list, more, err = s.listConns(c, "", imodelID, p); err != nil {
			return err
		}
	}
	full := representation(c.r)
	out := wire.ConnectionList{Connections: []wire.Connection{}}
	for _, r := range list {
		item := wire.Connection{ID: r.ID, DisplayName: r.DisplayName}
		if full {
			w := connWire(c.origin(), r)
			item.IModelID, item.Links = w.IModelID, w.Links
		}
		out.Connections = append(out.Connections, item)
	}
	out.Links = pageLinks(c.origin()+"/synchronization/imodels/connections", [][2]string{{"imodelId", imodelID}}, p, more)
	writeJSON(c.w, 200, out)
	return nil
}

func (s *Server) handleConnGet(c *rc, k wire.Kind) error {
	r, err := c.loadConn(s.store.Reader(), k)
	if err != nil {
		return err
	}
	writeJSON(c.w, 200, wire.ConnectionEnvelope{Connection: connWire(c.origin(), r)})
	return nil
}

func (s *Server) handleConnUpdate(c *rc, k wire.Kind) error {
	if _, err := c.loadConn(s.store.Reader(), k); err != nil {
		return err
	}
	body, err := readBody(c)
	if err != nil {
		return err
	}
	in, set, err := decodeConnectionUpdate(body, k.InvalidRequestCode())
	if err != nil {
		return err
	}
	var r ConnectionRecord
	err = s.store.Write(c.ctx, func(tx *sql.Tx) error {
		var err error
		if r, err = c.loadConn(tx, k); err != nil {
			return err
		}
		// Merge (§11c): omitted fields keep their values.
		if set["displayName"] {
			r.DisplayName = *in.DisplayName
		}
		if set["authenticationType"] {
			r.AuthType = in.AuthenticationType
		}
		_, err = tx.ExecContext(c.ctx, `UPDATE connections SET display_name = ?, auth_type = ? WHERE id = ?`, r.DisplayName, r.AuthType, r.ID)
		return err
	})
	if err != nil {
		return err
	}
	writeJSON(c.w, 200, wire.ConnectionEnvelope{Connection: connWire(c.origin(), r)})
	return nil
}

func activeRunID(ctx context.Context, q Querier, connID string) (string, error) {
	var id string
	err := q.QueryRowContext(ctx, `SELECT id FROM runs WHERE connection_id = ? AND state <> ? LIMIT 1`, connID, wire.StateCompleted).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	}
	return id, err
}

func (s *Server) handleConnDelete(c *rc, k wire.Kind) error {
	err := s.store.Write(c.ctx, func(tx *sql.Tx) error {
		r, err := c.loadConn(tx, k)
		if err != nil {
			return err
		}
		active, err := activeRunID(c.ctx, tx, r.ID)
		if err != nil {
			return err
		}
		if active != "" {
			return errConnectionInUse
		}
		// Runs, source files and the connection's configuration cascade; the iModel's elements stay (§11l).
		_, err = tx.ExecContext(c.ctx, `DELETE FROM connections WHERE id = ?`, r.ID)
		return err
	})
	if err != nil {
		return err
	}
	writeNoBody(c.w, 204)
	return nil
}

// --- source files ---

// SourceFileRecord is a source-file mapping. FileKey is the storageFileId (storage) or the sourceFileId
// (manifest). LastKnownFileName is the Storage file's current displayName, or the last one seen if it is gone.
type SourceFileRecord struct {
	ID, ConnectionID, IModelID, FileKey, ConnectorType, LastKnownFileName string
	Kind                                                                  wire.Kind
}

const sfCols = `s.id, s.connection_id, s.imodel_id, s.kind, s.file_key, s.connector_type, COALESCE(f.display_name, s.last_known_name)`
const sfFrom = ` FROM source_files s LEFT JOIN storage_files f ON s.kind = 'storage' AND f.id = s.file_key `

func scanSF(sc interface{ Scan(...any) error }) (SourceFileRecord, error) {
	var r SourceFileRecord
	err := sc.Scan(&r.ID, &r.ConnectionID, &r.IModelID, &r.Kind, &r.FileKey, &r.ConnectorType, &r.LastKnownFileName)
	return r, err
}

// ListSourceFiles returns a connection's source files in creation order.
func (st *Store) ListSourceFiles(ctx context.Context, q Querier, connID string) ([]SourceFileRecord, error) {
	return st.listSourceFiles(ctx, q, connID, page{Top: 1 << 30})
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

func sfWire(o string, r SourceFileRecord, withType bool) any {
	if r.Kind == wire.KindManifest {
		return wire.ManifestSourceFile{ID: r.ID, SourceFileID: r.FileKey}
	}
	out := wire.StorageSourceFile{ID: r.ID, StorageFileID: r.FileKey, LastKnownFileName: r.LastKnownFileName,
		Links: &wire.SourceFileLinks{File: &wire.Link{Href: o + "/files/" + r.FileKey}}}
	if withType {
		out.ConnectorType = r.ConnectorType
	}
	return out
}

func writeSF(c *rc, status int, r SourceFileRecord) {
	if r.Kind == wire.KindManifest {
		writeJSON(c.w, status, wire.ManifestSourceFileEnvelope{SourceFile: sfWire(c.origin(), r, true).(wire.ManifestSourceFile)})
		return
	}
	writeJSON(c.w, status, wire.StorageSourceFileEnvelope{SourceFile: sfWire(c.origin(), r, true).(wire.StorageSourceFile)})
}

// decodeSF decodes an S9/S12 or M9/M12 body into (file key, connector type).
func decodeSF(body []byte, k wire.Kind) (string, string, error) {
	if k == wire.KindStorage {
		in, err := decodeStorageFileCreate(body)
		return in.StorageFileID, in.ConnectorType, err
	}
	in, err := decodeManifestFileCreate(body)
	return in.SourceFileID, "", err
}

// putSourceFile creates (id "") or replaces a mapping.
func (s *Server) putSourceFile(c *rc, k wire.Kind, id string) error {
	if _, err := c.loadConn(s.store.Reader(), k); err != nil {
		return err
	}
	body, err := readBody(c)
	if err != nil {
		return err
	}
	key, ct, err := decodeSF(body, k)
	if err != nil {
		return err
	}
	var out SourceFileRecord
	status := 200
	err = s.store.Write(c.ctx, func(tx *sql.Tx) error {
		conn, err := c.loadConn(tx, k)
		if err != nil {
			return err
		}
		replace := id != ""
		if replace {
			if _, err := s.store.getSourceFile(c.ctx, tx, conn.ID, id); errors.Is(err, ErrNotFound) {
				return sfNotFound(k)
			} else if err != nil {
				return err
			}
			id = strings.ToLower(id)
		} else {
			id, status = NewGUID(), 201
		}
		name := ""
		if k == wire.KindStorage {
			if name, err = s.store.checkStorageFile(c.ctx, tx, conn.ITwinID, key); err != nil {
				return err
			}
		}
		if replace {
			// Full replace that keeps the mapping id and its position (§11c).
			if err := checkMapped(c.ctx, tx, conn, id, key); err != nil {
				return err
			}
			if _, err := tx.ExecContext(c.ctx, `UPDATE source_files SET file_key = ?, connector_type = ?, last_known_name = ? WHERE id = ?`, key, ct, name, id); err != nil {
				return err
			}
		} else if err := s.store.insertSourceFile(c.ctx, tx, conn, id, key, ct, name); err != nil {
			return err
		}
		n, err := mappedCount(c.ctx, tx, conn.IModelID)
		if err != nil {
			return err
		}
		if n > maxSourceFiles {
			return validation(k.InvalidRequestCode(), detailInvalid, "sourceFiles", fmt.Sprintf("An iModel holds at most %d mapped source files.", maxSourceFiles))
		}
		out, err = s.store.getSourceFile(c.ctx, tx, conn.ID, id)
		return err
	})
	if err != nil {
		return err
	}
	writeSF(c, status, out)
	return nil
}

func (s *Server) handleSourceFileCreate(c *rc, k wire.Kind) error { return s.putSourceFile(c, k, "") }

func (s *Server) handleSourceFileUpdate(c *rc, k wire.Kind) error {
	return s.putSourceFile(c, k, c.param("sourceFileId"))
}

func (s *Server) handleSourceFileList(c *rc, k wire.Kind) error {
	p, err := parsePage(c.r, k.InvalidSourceFileRequestCode())
	if err != nil {
		return err
	}
	conn, err := c.loadConn(s.store.Reader(), k)
	if err != nil {
		return err
	}
	list, err := s.store.listSourceFiles(c.ctx, s.store.Reader(), conn.ID, page{Skip: p.Skip, Top: p.Top + 1})
	if err != nil {
		return err
	}
	more := len(list) > p.Top
	if more {
		list = list[:p.Top]
	}
	links := pageLinks(c.origin()+"/synchronization/imodels/"+k.Segment()+"/"+conn.ID+"/sourcefiles", nil, p, more)
	full := representation(c.r)
	if k == wire.KindManifest {
		out := wire.ManifestSourceFileList{SourceFiles: []wire.ManifestSourceFile{}, Links: links}
		for _, r := range list {
			out.SourceFiles = append(out.SourceFiles, sfWire(c.origin(), r, full).(wire.ManifestSourceFile))
		}
		writeJSON(c.w, 200, out)
		return nil
	}
	out := wire.StorageSourceFileList{SourceFiles: []wire.StorageSourceFile{}, Links: links}
	for _, r := range list {
		out.SourceFiles = append(out.SourceFiles, sfWire(c.origin(), r, full).(wire.StorageSourceFile))
	}
	writeJSON(c.w, 200, out)
	return nil
}

func (s *Server) handleSourceFileGet(c *rc, k wire.Kind) error {
	conn, err := c.loadConn(s.store.Reader(), k)
	if err != nil {
		return err
	}
	r, err := s.store.getSourceFile(c.ctx, s.store.Reader(), conn.ID, c.param("sourceFileId"))
	if errors.Is(err, ErrNotFound) {
		return sfNotFound(k)
	}
	if err != nil {
		return err
	}
	writeSF(c, 200, r)
	return nil
}

func (s *Server) handleSourceFileDelete(c *rc, k wire.Kind) error {
	err := s.store.Write(c.ctx, func(tx *sql.Tx) error {
		conn, err := c.loadConn(tx, k)
		if err != nil {
			return err
		}
		res, err := tx.ExecContext(c.ctx, `DELETE FROM source_files WHERE connection_id = ? AND id = ?`, conn.ID, strings.ToLower(c.param("sourceFileId")))
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return sfNotFound(k)
		}
		return nil
	})
	if err != nil {
		return err
	}
	writeNoBody(c.w, 204)
	return nil
}

// --- C2 and consent (§3.7, §11j) ---

const consentTTL = time.Hour

type consentToken struct {
	Client   string `json:"c"`
	Redirect string `json:"r"`
	Exp      int64  `json:"e"`
}

func (s *Server) handleAuthInfo(c *rc) error {
	redirect, ok := query(c.r, "redirectUrl")
	if !ok || redirect == "" {
		return validation(famAuthInfo, detailInvalid, "redirectUrl", "redirectUrl should be a valid URL.")
	}
	if !validHTTPURL(redirect) {
		return validation(famAuthInfo, detailInvalid, "redirectUrl", "redirectUrl should be a valid URL.")
	}
	ok, err := s.store.HasConsent(c.ctx, s.store.Reader(), c.client.ID)
	if err != nil {
		return err
	}
	tok := consentToken{Client: c.client.ID, Redirect: redirect, Exp: s.Now().Add(consentTTL).Unix()}
	b, _ := json.Marshal(tok)
	payload := b64.EncodeToString(b)
	link := c.origin() + "/local/consent/" + payload + "." + s.keys.urlSig("consent", payload, tok.Exp)
	writeJSON(c.w, 200, wire.AuthorizationInformationEnvelope{AuthorizationInformation: wire.AuthorizationInformation{
		IsUserAuthorized: ok, Links: wire.AuthorizationInfoLinks{AuthorizationURL: &wire.Link{Href: link}}}})
	return nil
}

// HasConsent reports whether the client consented through C2 (§11j). The engine checks it for User connections
// (the owner is ConnectionRecord.OwnerClient).
func (st *Store) HasConsent(ctx context.Context, q Querier, clientID string) (bool, error) {
	var n int
	err := q.QueryRowContext(ctx, `SELECT COUNT(*) FROM consents WHERE client_id = ?`, clientID).Scan(&n)
	return n > 0, err
}

// handleConsent is the local consent page: it records consent for the client that called C2 and 302s to
// redirectUrl.
func (s *Server) handleConsent(c *rc) error {
	payload, sig, _ := strings.Cut(c.param("token"), ".")
	b, err := b64.DecodeString(payload)
	var tok consentToken
	if err != nil || json.Unmarshal(b, &tok) != nil || tok.Exp < s.Now().Unix() || !hmacEqual(sig, s.keys.urlSig("consent", payload, tok.Exp)) {
		return apiErr(403, "InvalidConsentLink", "The consent link is invalid or has expired. Request a new one through authorizationInformation.")
	}
	err = s.store.Write(c.ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(c.ctx, `INSERT OR IGNORE INTO consents (client_id, created) VALUES (?, ?)`, tok.Client, nanos(s.Now()))
		return err
	})
	if err != nil {
		return err
	}
	c.w.Header().Set("Location", tok.Redirect)
	writeNoBody(c.w, http.StatusFound)
	return nil
}

// GrantConsent records consent for a client directly (tests, seeding).
func (st *Store) GrantConsent(ctx context.Context, clientID string) error {
	return st.Write(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT OR IGNORE INTO consents (client_id, created) VALUES (?, ?)`, clientID, nanos(st.Now()))
		return err
	})
}
