package itwinlocal

// Store methods for storage folders and files (storage.go keeps the HTTP side).

import (
	"context"
	"database/sql"
	"errors"
	"strings"
	"time"
)

func (st *Store) rootFolder(ctx context.Context, tx *sql.Tx, itwinID string) (string, error) {
	var id string
	err := tx.QueryRowContext(ctx, `SELECT id FROM storage_folders WHERE itwin_id = ? AND parent_id IS NULL`, itwinID).Scan(&id)
	if err == nil {
		return id, nil
	}
	if !errors.Is(err, sql.ErrNoRows) {
		return "", err
	}
	f, err := st.insertFolder(ctx, tx, FolderRecord{ITwinID: itwinID, DisplayName: "root"}, "")
	return f.ID, err
}

func (st *Store) insertFolder(ctx context.Context, tx *sql.Tx, f FolderRecord, by string) (FolderRecord, error) {
	seq, err := nextSeq(ctx, tx, "storage_folders")
	if err != nil {
		return f, err
	}
	f.ID, f.Created, f.Modified, f.ModifiedBy = NewID(), st.Now(), st.Now(), by
	var parent any
	if f.ParentID != "" {
		parent = f.ParentID
	}
	_, err = tx.ExecContext(ctx, `INSERT INTO storage_folders (id, itwin_id, parent_id, display_name, description, created, modified, modified_by, seq)
		VALUES (?,?,?,?,?,?,?,?,?)`, f.ID, f.ITwinID, parent, f.DisplayName, f.Description, nanos(f.Created), nanos(f.Modified), by, seq)
	return f, err
}

// GetFolder loads a folder (404 FolderNotFound).
func (st *Store) GetFolder(ctx context.Context, q Querier, id string) (FolderRecord, error) {
	var f FolderRecord
	var parent sql.NullString
	var c, m int64
	err := q.QueryRowContext(ctx, `SELECT id, itwin_id, parent_id, display_name, description, created, modified, modified_by FROM storage_folders WHERE id = ?`, id).
		Scan(&f.ID, &f.ITwinID, &parent, &f.DisplayName, &f.Description, &c, &m, &f.ModifiedBy)
	if errors.Is(err, sql.ErrNoRows) {
		return f, errFolderNotFound
	}
	f.ParentID, f.Created, f.Modified = parent.String, fromNanos(c), fromNanos(m)
	return f, err
}

// GetFile loads a Storage file (404 FileNotFound). The engine reads content with OpenBlob(f.ContentHash).
func (st *Store) GetFile(ctx context.Context, q Querier, id string) (FileRecord, error) {
	f, err := scanFile(q.QueryRowContext(ctx, `SELECT `+fileCols+` FROM storage_files WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return f, errFileNotFound
	}
	return f, err
}

// listChildren returns one page of a folder's children: folders first, then files, each in creation order.
func (st *Store) listChildren(ctx context.Context, q Querier, folderID string, p page, wantFolders, wantFiles bool) (childPage, error) {
	var out childPage
	var nFolders int
	if wantFolders {
		if err := q.QueryRowContext(ctx, `SELECT COUNT(*) FROM storage_folders WHERE parent_id = ?`, folderID).Scan(&nFolders); err != nil {
			return out, err
		}
	}
	var nFiles int
	if wantFiles {
		if err := q.QueryRowContext(ctx, `SELECT COUNT(*) FROM storage_files WHERE folder_id = ?`, folderID).Scan(&nFiles); err != nil {
			return out, err
		}
	}
	total := nFolders + nFiles
	out.more = p.Skip+p.Top < total
	skip, top := p.Skip, p.Top
	if wantFolders && skip < nFolders {
		rows, err := q.QueryContext(ctx, `SELECT id FROM storage_folders WHERE parent_id = ? ORDER BY seq LIMIT ? OFFSET ?`, folderID, top, skip)
		if err != nil {
			return out, err
		}
		var ids []string
		for rows.Next() {
			var id string
			if err := rows.Scan(&id); err != nil {
				rows.Close()
				return out, err
			}
			ids = append(ids, id)
		}
		rows.Close()
		for _, id := range ids {
			f, err := st.GetFolder(ctx, q, id)
			if err != nil {
				return out, err
			}
			out.folders = append(out.folders, f)
		}
		top -= len(ids)
		skip = 0
	} else {
		skip -= nFolders
	}
	if wantFiles && top > 0 {
		rows, err := q.QueryContext(ctx, `SELECT `+fileCols+` FROM storage_files WHERE folder_id = ? ORDER BY seq LIMIT ? OFFSET ?`, folderID, top, skip)
		if err != nil {
			return out, err
		}
		defer rows.Close()
		for rows.Next() {
			f, err := scanFile(rows)
			if err != nil {
				return out, err
			}
			out.files = append(out.files, f)
		}
		return out, rows.Err()
	}
	return out, nil
}

// rootFolderID is the id of the iTwin's root folder; sql.ErrNoRows when it has none.
func (st *Store) rootFolderID(ctx context.Context, q Querier, itwinID string) (string, error) {
	var id string
	err := q.QueryRowContext(ctx, `SELECT id FROM storage_folders WHERE itwin_id = ? AND parent_id IS NULL`, itwinID).Scan(&id)
	return id, err
}

func (st *Store) updateFolder(ctx context.Context, tx *sql.Tx, id, displayName, description string, now time.Time, clientID string) error {
	_, err := tx.ExecContext(ctx, `UPDATE storage_folders SET display_name = ?, description = ?, modified = ?, modified_by = ? WHERE id = ?`,
		displayName, description, nanos(now), clientID, id)
	return err
}

// deleteFolder deletes the folder; its subfolders and files cascade.
func (st *Store) deleteFolder(ctx context.Context, tx *sql.Tx, id string) error {
	_, err := tx.ExecContext(ctx, `DELETE FROM storage_folders WHERE id = ?`, id)
	return err
}

// insertFile creates a file in parent with no content yet.
func (st *Store) insertFile(ctx context.Context, tx *sql.Tx, id string, parent FolderRecord, displayName, description string, now time.Time, clientID string) error {
	seq, err := nextSeq(ctx, tx, "storage_files")
	if err != nil {
		return err
	}
	_, err = tx.ExecContext(ctx, `INSERT INTO storage_files (id, itwin_id, folder_id, display_name, description, created, modified, modified_by, seq)
			VALUES (?,?,?,?,?,?,?,?,?)`, id, parent.ITwinID, parent.ID, displayName, description, nanos(now), nanos(now), clientID, seq)
	return err
}

func (st *Store) updateFile(ctx context.Context, tx *sql.Tx, id, displayName, description string, now time.Time, clientID string) error {
	_, err := tx.ExecContext(ctx, `UPDATE storage_files SET display_name = ?, description = ?, modified = ?, modified_by = ? WHERE id = ?`,
		displayName, description, nanos(now), clientID, id)
	return err
}

// deleteFile deletes the file. Source-file mappings stay: the next run reports TAE_FILE_NOT_FOUND (§11k).
func (st *Store) deleteFile(ctx context.Context, tx *sql.Tx, id string) error {
	_, err := tx.ExecContext(ctx, `DELETE FROM storage_files WHERE id = ?`, id)
	return err
}

// completeFile makes the uploaded (pending) content the file's content.
func (st *Store) completeFile(ctx context.Context, tx *sql.Tx, id string, now time.Time, clientID string) error {
	_, err := tx.ExecContext(ctx, `UPDATE storage_files SET content_hash = pending_hash, size = pending_size, completed = 1,
			pending_hash = '', pending_size = 0, modified = ?, modified_by = ? WHERE id = ?`, nanos(now), clientID, id)
	return err
}

// setPendingContent records uploaded content, not yet completed; false when the file is gone.
func (st *Store) setPendingContent(ctx context.Context, tx *sql.Tx, id, hash string, size int64) (bool, error) {
	res, err := tx.ExecContext(ctx, `UPDATE storage_files SET pending_hash = ?, pending_size = ? WHERE id = ?`, hash, size, id)
	if err != nil {
		return false, err
	}
	n, _ := res.RowsAffected()
	return n > 0, nil
}

const fileCols = `id, itwin_id, folder_id, display_name, description, content_hash, size, completed, pending_hash, pending_size, created, modified, modified_by`

func scanFile(sc interface{ Scan(...any) error }) (FileRecord, error) {
	var f FileRecord
	var c, m int64
	err := sc.Scan(&f.ID, &f.ITwinID, &f.FolderID, &f.DisplayName, &f.Description, &f.ContentHash, &f.Size, &f.Completed,
		&f.PendingHash, &f.PendingSize, &c, &m, &f.ModifiedBy)
	f.Created, f.Modified = fromNanos(c), fromNanos(m)
	return f, err
}

// folderPath is the folder's path below the root ("" for the root).
func (st *Store) folderPath(ctx context.Context, q Querier, folderID string) (string, error) {
	var parts []string
	for i := 0; folderID != "" && i < 256; i++ {
		f, err := st.GetFolder(ctx, q, folderID)
		if err != nil {
			return "", err
		}
		if f.ParentID == "" {
			break
		}
		parts = append([]string{f.DisplayName}, parts...)
		folderID = f.ParentID
	}
	return strings.Join(parts, "/"), nil
}
