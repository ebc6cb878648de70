package itwinlocal

// The store keeps every object of itwin-local in one SQLite database (modernc.org/sqlite, pure Go) under the
// data dir, plus file contents under DataDir/blobs/<sha256>.
//
// Concurrency model: two *sql.DB pools on the same file.
//   - writer: exactly one connection, transactions start with BEGIN IMMEDIATE (_txlock=immediate). All writes
//     go through Store.Write, so they are serialized in-process and never hit SQLITE_BUSY lock upgrades. A
//     Write callback must never call Store.Write again (it would wait for itself).
//   - reader: a small pool in WAL mode, query_only. Reads see the last committed state.
//
// Schema (migration 1, plus seq indexes in 2; later migrations append to `migrations` below, never edit an
// applied one):
//
//	meta(key PK, value)                           signing keys, dev client secret
//	clients(id PK, secret_hash, itwins json, rate_limit, email, is_dev)   synced from Config at New
//	consents(client_id PK, created)               §11j: clients that consented through C2
//	itwins(id PK, body json itwin.ITwin, created, created_by)
//	client_itwin_access(client_id, itwin_id→itwins) grants besides a client's configured list
//	imodels(id PK, itwin_id→itwins, name UNIQUE per iTwin, description, extent json, containers_enabled, state, created, created_by)
//	storage_folders(id PK, itwin_id→itwins, parent_id→storage_folders (NULL = root), display_name, description, created, modified, modified_by, seq)
//	storage_files(id PK, itwin_id, folder_id→storage_folders, display_name, description, content_hash, size, completed,
//	              pending_hash, pending_size, created, modified, modified_by, seq)
//	connections(id PK, kind storage|manifest, imodel_id→imodels, display_name, auth_type, owner_client, last_run_id, created, seq)
//	source_files(id PK, connection_id→connections, imodel_id, kind, file_key, connector_type, last_known_name, seq)
//	              file_key = storageFileId (storage) or sourceFileId (manifest); UNIQUE(imodel_id, kind, file_key) = §11b FileAlreadyMapped
//	runs(id PK, connection_id→connections, imodel_id, state, result, phase, start, end_time, error json, jobs json []itwin.Job,
//	     manifest json itwin.ManifestRunCreate, settings json, seq)   partial UNIQUE(connection_id) WHERE state<>'Completed'
//	configurations(scope_kind, scope_id, settings json, itwin_ref/imodel_ref/connection_ref → cascade)
//	changesets(imodel_id→imodels, idx, id 40-hex, parent_id, description, push_time, containing_changes, file_size,
//	           briefcase_id, creator_id, task_id, changed_files json, run_id)
//	elements(imodel_id→imodels, file_key, element_key, hash, connection_id)   the engine's element state per source file
//	reports(id PK, imodel_id→imodels, run_id, task_id, created, body json itwin.ReportDocument)
//	named_versions(id PK, imodel_id→imodels, name UNIQUE per iModel, description, changeset_idx UNIQUE per iModel
//	              (0 = baseline), changeset_id, state, created, created_by)   migration 3
//
// Every "→" is a foreign key with ON DELETE CASCADE, so deleting an iTwin or iModel takes its dependants with it
// (§9.2, §9.3, §10 row 12). Times are stored as INTEGER Unix nanoseconds (UTC).

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/google/uuid"
	_ "modernc.org/sqlite" // registers the "sqlite" driver
)

// Store is itwin-local's persistence layer. It is safe for concurrent use.
type Store struct {
	w       *sql.DB
	r       *sql.DB
	dataDir string
	blobDir string
	now     func() time.Time
	hooks   *webhookHub // receives webhook events in the writing transaction (events.go); nil = none
	gc      blobGC      // what the blob collector knows (store_blobs.go)
}

// migrations are applied in order, each in its own transaction, and recorded in schema_migrations.
var migrations = []string{
	`
CREATE TABLE meta (key TEXT PRIMARY KEY, value BLOB NOT NULL);
CREATE TABLE clients (id TEXT PRIMARY KEY, secret_hash TEXT NOT NULL, itwins TEXT NOT NULL DEFAULT '[]',
  rate_limit INTEGER NOT NULL DEFAULT 0, email TEXT NOT NULL DEFAULT '', is_dev INTEGER NOT NULL DEFAULT 0);
CREATE TABLE consents (client_id TEXT PRIMARY KEY, created INTEGER NOT NULL);
CREATE TABLE itwins (id TEXT PRIMARY KEY, body TEXT NOT NULL, created INTEGER NOT NULL, created_by TEXT NOT NULL DEFAULT '');
CREATE TABLE client_itwin_access (client_id TEXT NOT NULL, itwin_id TEXT NOT NULL REFERENCES itwins(id) ON DELETE CASCADE,
  PRIMARY KEY (client_id, itwin_id));
CREATE TABLE imodels (id TEXT PRIMARY KEY, itwin_id TEXT NOT NULL REFERENCES itwins(id) ON DELETE CASCADE,
  name TEXT NOT NULL, description TEXT NOT NULL DEFAULT '', extent TEXT, containers_enabled INTEGER NOT NULL DEFAULT 0,
  state TEXT NOT NULL, created INTEGER NOT NULL, created_by TEXT NOT NULL DEFAULT '');
CREATE UNIQUE INDEX imodels_name ON imodels(itwin_id, name);
CREATE TABLE storage_folders (id TEXT PRIMARY KEY, itwin_id TEXT NOT NULL REFERENCES itwins(id) ON DELETE CASCADE,
  parent_id TEXT REFERENCES storage_folders(id) ON DELETE CASCADE, display_name TEXT NOT NULL, description TEXT NOT NULL DEFAULT '',
  created INTEGER NOT NULL, modified INTEGER NOT NULL, modified_by TEXT NOT NULL DEFAULT '', seq INTEGER NOT NULL);
CREATE INDEX storage_folders_parent ON storage_folders(parent_id, seq);
CREATE TABLE storage_files (id TEXT PRIMARY KEY, itwin_id TEXT NOT NULL REFERENCES itwins(id) ON DELETE CASCADE,
  folder_id TEXT NOT NULL REFERENCES storage_folders(id) ON DELETE CASCADE, display_name TEXT NOT NULL,
  description TEXT NOT NULL DEFAULT '', content_hash TEXT NOT NULL DEFAULT '', size INTEGER NOT NULL DEFAULT 0,
  completed INTEGER NOT NULL DEFAULT 0, pending_hash TEXT NOT NULL DEFAULT '', pending_size INTEGER NOT NULL DEFAULT 0,
  created INTEGER NOT NULL, modified INTEGER NOT NULL, modified_by TEXT NOT NULL DEFAULT '', seq INTEGER NOT NULL);
CREATE INDEX storage_files_folder ON storage_files(folder_id, seq);
CREATE TABLE connections (id TEXT PRIMARY KEY, kind TEXT NOT NULL CHECK (kind IN ('storage','manifest')),
  imodel_id TEXT NOT NULL REFERENCES imodels(id) ON DELETE CASCADE, display_name TEXT NOT NULL DEFAULT '',
  auth_type TEXT NOT NULL, owner_client TEXT NOT NULL, last_run_id TEXT NOT NULL DEFAULT '', created INTEGER NOT NULL,
  seq INTEGER NOT NULL);
CREATE INDEX connections_imodel ON connections(imodel_id, seq);
CREATE TABLE source_files (id TEXT PRIMARY KEY, connection_id TEXT NOT NULL REFERENCES connections(id) ON DELETE CASCADE,
  imodel_id TEXT NOT NULL, kind TEXT NOT NULL, file_key TEXT NOT NULL, connector_type TEXT NOT NULL DEFAULT '',
  last_known_name TEXT NOT NULL DEFAULT '', seq INTEGER NOT NULL);
CREATE UNIQUE INDEX source_files_mapped ON source_files(imodel_id, kind, file_key);
CREATE INDEX source_files_conn ON source_files(connection_id, seq);
CREATE TABLE runs (id TEXT PRIMARY KEY, connection_id TEXT NOT NULL REFERENCES connections(id) ON DELETE CASCADE,
  imodel_id TEXT NOT NULL, state TEXT NOT NULL, result TEXT NOT NULL, phase TEXT NOT NULL DEFAULT '',
  start INTEGER NOT NULL, end_time INTEGER NOT NULL DEFAULT 0, error TEXT NOT NULL DEFAULT '',
  jobs TEXT NOT NULL DEFAULT '[]', manifest TEXT NOT NULL DEFAULT '', settings TEXT NOT NULL DEFAULT '',
  seq INTEGER NOT NULL);
CREATE UNIQUE INDEX runs_one_active ON runs(connection_id) WHERE state <> 'Completed';
CREATE INDEX runs_conn ON runs(connection_id, start DESC, id DESC);
CREATE TABLE configurations (scope_kind TEXT NOT NULL, scope_id TEXT NOT NULL, settings TEXT NOT NULL,
  itwin_ref TEXT REFERENCES itwins(id) ON DELETE CASCADE, imodel_ref TEXT REFERENCES imodels(id) ON DELETE CASCADE,
  connection_ref TEXT REFERENCES connections(id) ON DELETE CASCADE, PRIMARY KEY (scope_kind, scope_id));
CREATE TABLE changesets (imodel_id TEXT NOT NULL REFERENCES imodels(id) ON DELETE CASCADE, idx INTEGER NOT NULL,
  id TEXT NOT NULL, parent_id TEXT NOT NULL DEFAULT '', description TEXT NOT NULL DEFAULT '', push_time INTEGER NOT NULL,
  containing_changes INTEGER NOT NULL DEFAULT 0, file_size INTEGER NOT NULL DEFAULT 0, briefcase_id INTEGER NOT NULL DEFAULT 0,
  creator_id TEXT NOT NULL DEFAULT '', task_id TEXT NOT NULL DEFAULT '', changed_files TEXT NOT NULL DEFAULT '',
  run_id TEXT NOT NULL DEFAULT '', PRIMARY KEY (imodel_id, idx), UNIQUE (imodel_id, id));
CREATE TABLE elements (imodel_id TEXT NOT NULL REFERENCES imodels(id) ON DELETE CASCADE, file_key TEXT NOT NULL,
  element_key TEXT NOT NULL, hash TEXT NOT NULL, connection_id TEXT NOT NULL DEFAULT '',
  PRIMARY KEY (imodel_id, file_key, element_key));
CREATE TABLE reports (id TEXT PRIMARY KEY, imodel_id TEXT NOT NULL REFERENCES imodels(id) ON DELETE CASCADE,
  run_id TEXT NOT NULL, task_id TEXT NOT NULL DEFAULT '', created INTEGER NOT NULL, body TEXT NOT NULL);
CREATE INDEX reports_run ON reports(imodel_id, run_id, created);
`,
	// 2: nextSeq reads MAX(seq); these keep it O(log n).
	`
CREATE INDEX storage_folders_seq ON storage_folders(seq);
CREATE INDEX storage_files_seq ON storage_files(seq);
CREATE INDEX connections_seq ON connections(seq);
CREATE INDEX source_files_seq ON source_files(seq);
CREATE INDEX runs_seq ON runs(seq);
`,
	// 3: named versions (spec §9.3). changeset_idx 0 with changeset_id '' is the baseline version.
	`
CREATE TABLE named_versions (id TEXT PRIMARY KEY, imodel_id TEXT NOT NULL REFERENCES imodels(id) ON DELETE CASCADE,
  name TEXT NOT NULL, description TEXT NOT NULL DEFAULT '', changeset_idx INTEGER NOT NULL, changeset_id TEXT NOT NULL DEFAULT '',
  state TEXT NOT NULL, created INTEGER NOT NULL, created_by TEXT NOT NULL DEFAULT '',
  UNIQUE (imodel_id, name), UNIQUE (imodel_id, changeset_idx));
`,
	// 4: webhooks and their delivery outbox (store_webhooks.go).
	webhooksSchema,
}

// OpenStore opens (creating if needed) the store under dataDir and applies pending migrations.
func OpenStore(dataDir string, now func() time.Time) (*Store, error) {
	if dataDir == "" {
		return nil, errors.New("itwinlocal: DataDir is required")
	}
	if now == nil {
		now = time.Now
	}
	blobDir := filepath.Join(dataDir, "blobs")
	if err := os.MkdirAll(filepath.Join(blobDir, "tmp"), 0o700); err != nil {
		return nil, fmt.Errorf("itwinlocal: create data dir: %w", err)
	}
	dbPath := filepath.Join(dataDir, "itwin-local.db")
	common := "_pragma=foreign_keys(1)&_pragma=busy_timeout(10000)&_pragma=synchronous(NORMAL)"
	w, err := sql.Open("sqlite", "file:"+url.PathEscape(dbPath)+"?_txlock=immediate&_pragma=journal_mode(WAL)&"+common)
	if err != nil {
		return nil, err
	}
	w.SetMaxOpenConns(1)
	w.SetConnMaxIdleTime(0)
	s := &Store{w: w, dataDir: dataDir, blobDir: blobDir, now: now}
	// The writer opens first so WAL mode is set before any reader connects.
	if err := s.migrate(context.Background()); err != nil {
		w.Close()
		return nil, err
	}
	r, err := sql.Open("sqlite", "file:"+url.PathEscape(dbPath)+"?_pragma=query_only(1)&"+common)
	if err != nil {
		w.Close()
		return nil, err
	}
	r.SetMaxOpenConns(4)
	s.r = r
	return s, nil
}

func (s *Store) migrate(ctx context.Context) error {
	if _, err := s.w.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, applied INTEGER NOT NULL)`); err != nil {
		return fmt.Errorf("itwinlocal: migrations table: %w", err)
	}
	for i, m := range migrations {
		version := i + 1
		err := s.Write(ctx, func(tx *sql.Tx) error {
			var n int
			if err := tx.QueryRow(`SELECT COUNT(*) FROM schema_migrations WHERE version = ?`, version).Scan(&n); err != nil {
				return err
			}
			if n > 0 {
				return nil
			}
			if _, err := tx.Exec(m); err != nil {
				return err
			}
			_, err := tx.Exec(`INSERT INTO schema_migrations (version, applied) VALUES (?, ?)`, version, s.now().UnixNano())
			return err
		})
		if err != nil {
			return fmt.Errorf("itwinlocal: migration %d: %w", version, err)
		}
	}
	return nil
}

// Close closes both pools.
func (s *Store) Close() error {
	var errs []error
	if s.r != nil {
		errs = append(errs, s.r.Close())
	}
	errs = append(errs, s.w.Close())
	return errors.Join(errs...)
}

// Querier is what read helpers need: a *sql.DB or a *sql.Tx.
type Querier interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
}

// Write runs fn in one write transaction (BEGIN IMMEDIATE on the single writer connection). fn's error rolls
// back. fn must not call Write.
func (s *Store) Write(ctx context.Context, fn func(tx *sql.Tx) error) error {
	tx, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	if err := fn(tx); err != nil {
		_ = tx.Rollback()
		return err
	}
	return tx.Commit()
}

// Reader returns the read pool (committed state only).
func (s *Store) Reader() Querier { return s.r }

// Now is the store's clock.
func (s *Store) Now() time.Time { return s.now().UTC() }

// --- meta ---

func metaGet(ctx context.Context, q Querier, key string) ([]byte, bool, error) {
	var v []byte
	err := q.QueryRowContext(ctx, `SELECT value FROM meta WHERE key = ?`, key).Scan(&v)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, false, nil
	}
	return v, err == nil, err
}

// metaPut sets the value under key.
func metaPut(ctx context.Context, tx *sql.Tx, key string, value []byte) error {
	_, err := tx.ExecContext(ctx, `INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)`, key, value)
	return err
}

// metaGetOrCreate returns the value under key, creating it with gen() the first time.
func (s *Store) metaGetOrCreate(ctx context.Context, key string, gen func() ([]byte, error)) ([]byte, error) {
	var out []byte
	err := s.Write(ctx, func(tx *sql.Tx) error {
		v, ok, err := metaGet(ctx, tx, key)
		if err != nil {
			return err
		}
		if ok {
			out = v
			return nil
		}
		v, err = gen()
		if err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `INSERT INTO meta (key, value) VALUES (?, ?)`, key, v)
		out = v
		return err
	})
	return out, err
}

// --- ids ---

// NewGUID returns a random lower-case UUID v4 (§10 row 15).
func NewGUID() string { return uuid.NewString() }

// NewID returns a 43-char base64url id from 32 random bytes that never starts with '-' (§11p): command-line
// clients would read such an id as a flag.
func NewID() string { return newIDFrom(rand.Reader) }

// newIDFrom mints an id from r. The first character encodes the top six bits of the first byte; 62 is '-', so such
// a draw is discarded and another taken, which keeps the ids uniform over the allowed ones.
func newIDFrom(r io.Reader) string {
	b := make([]byte, 32)
	for {
		if _, err := io.ReadFull(r, b); err != nil {
			panic("itwinlocal: no randomness for an id: " + err.Error()) // crypto/rand.Reader never fails
		}
		if b[0]>>2 != 62 {
			return base64.RawURLEncoding.EncodeToString(b)
		}
	}
}

// IsGUID reports whether s is a hyphenated GUID (any case).
func IsGUID(s string) bool {
	if len(s) != 36 {
		return false
	}
	_, err := uuid.Parse(s)
	return err == nil
}

// IsBase64ID reports whether s looks like a 43-char base64url id.
func IsBase64ID(s string) bool {
	if len(s) != 43 {
		return false
	}
	for _, c := range s {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
			return false
		}
	}
	return true
}

// NormGUID lower-cases a GUID (GUIDs compare case-insensitively, §1.4).
func NormGUID(s string) string { return strings.ToLower(s) }

func nanos(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixNano()
}

func fromNanos(n int64) time.Time {
	if n == 0 {
		return time.Time{}
	}
	return time.Unix(0, n).UTC()
}

// nextSeq returns a monotonically increasing sequence number for ordering rows of a table.
func nextSeq(ctx context.Context, tx *sql.Tx, table string) (int64, error) {
	var n sql.NullInt64
	if err := tx.QueryRowContext(ctx, `SELECT MAX(seq) FROM `+table).Scan(&n); err != nil {
		return 0, err
	}
	return n.Int64 + 1, nil
}

// --- blobs ---

// ErrTooLarge is returned by PutBlob when the content exceeds the limit.
var ErrTooLarge = errors.New("content too large")

// PutBlob streams r into DataDir/blobs/<sha256> (temp file + rename, never the whole body in memory) and
// returns the hex hash and size. More than limit bytes (limit > 0) → ErrTooLarge and nothing is kept.
func (s *Store) PutBlob(r io.Reader, limit int64) (hash string, size int64, err error) {
	tmp, err := os.CreateTemp(filepath.Join(s.blobDir, "tmp"), "upload-*")
	if err != nil {
		return "", 0, err
	}
	defer func() {
		if tmp != nil {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	h := sha256.New()
	src := r
	if limit > 0 {
		src = io.LimitReader(r, limit+1)
	}
	size, err = io.Copy(io.MultiWriter(tmp, h), src)
	if err != nil {
		return "", 0, err
	}
	if limit > 0 && size > limit {
		return "", 0, ErrTooLarge
	}
	if err := tmp.Sync(); err != nil {
		return "", 0, err
	}
	if err := tmp.Close(); err != nil {
		return "", 0, err
	}
	hash = hex.EncodeToString(h.Sum(nil))
	// Under the collector's lock, and recorded as just written: the row that will reference the blob is not
	// committed yet, and the same content may have been unreferenced long enough to be collected (store_blobs.go).
	if err := s.gc.written(hash, s.now, func() error { return os.Rename(tmp.Name(), s.BlobPath(hash)) }); err != nil {
		return "", 0, err
	}
	tmp = nil
	return hash, size, nil
}

// BlobPath is where the content with this sha256 lives. The empty hash means empty content.
func (s *Store) BlobPath(hash string) string { return filepath.Join(s.blobDir, hash) }

// OpenBlob opens the content with this sha256 ("" = empty content).
func (s *Store) OpenBlob(hash string) (io.ReadCloser, error) {
	if hash == "" {
		return io.NopCloser(strings.NewReader("")), nil
	}
	if len(hash) != 64 || strings.Trim(hash, "0123456789abcdef") != "" {
		return nil, fmt.Errorf("invalid blob hash %q", hash)
	}
	return os.Open(s.BlobPath(hash))
}
