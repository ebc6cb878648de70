package itwinlocal

import (
	"context"
	"database/sql"
)

// ElementHashes returns element key → hash of what one source file produced on an iModel.
func (st *Store) ElementHashes(ctx context.Context, q Querier, imodelID, fileKey string) (map[string]string, error) {
	rows, err := q.QueryContext(ctx, `SELECT element_key, hash FROM elements WHERE imodel_id = ? AND file_key = ?`, imodelID, fileKey)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]string{}
	for rows.Next() {
		var k, h string
		if err := rows.Scan(&k, &h); err != nil {
			return nil, err
		}
		out[k] = h
	}
	return out, rows.Err()
}

// ReplaceElements sets the elements a source file produced (an empty map removes them all, §11l), inside the
// caller's write transaction.
func (st *Store) ReplaceElements(ctx context.Context, tx *sql.Tx, imodelID, fileKey, connID string, elems map[string]string) error {
	if _, err := tx.ExecContext(ctx, `DELETE FROM elements WHERE imodel_id = ? AND file_key = ?`, imodelID, fileKey); err != nil {
		return err
	}
	for k, h := range elems {
		if _, err := tx.ExecContext(ctx, `INSERT INTO elements (imodel_id, file_key, element_key, hash, connection_id) VALUES (?,?,?,?,?)`,
			imodelID, fileKey, k, h, connID); err != nil {
			return err
		}
	}
	return nil
}

// CountElements is the number of elements on an iModel.
func (st *Store) CountElements(ctx context.Context, q Querier, imodelID string) (int, error) {
	var n int
	err := q.QueryRowContext(ctx, `SELECT COUNT(*) FROM elements WHERE imodel_id = ?`, imodelID).Scan(&n)
	return n, err
}
