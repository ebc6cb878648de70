package itwinlocal

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"

	"github.com/seed37c7dd03/terraform-provider-itwin/internal/wire"
)

// getWebhook loads a webhook; ErrNotFound when it does not exist.
func getWebhook(ctx context.Context, q Querier, id string) (webhookRecord, error) {
	w, err := scanWebhook(q.QueryRowContext(ctx, `SELECT `+webhookCols+` FROM webhooks WHERE id = ?`, NormGUID(id)))
	if errors.Is(err, sql.ErrNoRows) {
		return w, ErrNotFound
	}
	return w, err
}

func queryWebhooks(ctx context.Context, q Querier, where string, args ...any) ([]webhookRecord, error) {
	rows, err := q.QueryContext(ctx, `SELECT `+webhookCols+` FROM webhooks `+where+` ORDER BY seq`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []webhookRecord
	for rows.Next() {
		w, err := scanWebhook(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, w)
	}
	return out, rows.Err()
}

func saveWebhook(ctx context.Context, tx *sql.Tx, w webhookRecord) error {
	types, _ := json.Marshal(w.EventTypes)
	_, err := tx.ExecContext(ctx, `UPDATE webhooks SET active = ?, callback_url = ?, event_types = ?, secret = ?, modified = ? WHERE id = ?`,
		w.Active, w.CallbackURL, string(types), w.Secret, nanos(w.Modified), w.ID)
	return err
}

// emitRunCompleted records synchronization.jobCompleted.v1 when r moves to Completed. tx must not have saved r
// yet: the stored state tells whether this save is the transition (so a run completes, and notifies, once).
func (st *Store) emitRunCompleted(ctx context.Context, tx *sql.Tx, r RunRecord) error {
	if st.hooks == nil || r.State != wire.StateCompleted {
		return nil
	}
	var state, connID, imodelID, itwinID string
	err := tx.QueryRowContext(ctx, `SELECT r.state, r.connection_id, r.imodel_id, i.itwin_id FROM runs r JOIN imodels i ON i.id = r.imodel_id
		WHERE r.id = ?`, r.ID).Scan(&state, &connID, &imodelID, &itwinID)
	if errors.Is(err, sql.ErrNoRows) {
		return nil // the run is gone; SaveRun reports it
	}
	if err != nil || state == wire.StateCompleted {
		return err
	}
	return st.hooks.enqueue(ctx, tx, webhookEvent{Type: wire.EventJobCompleted, ITwinID: itwinID, Content: wire.JobCompletedContent{
		SynchronizationID: r.ID, IModelID: imodelID, ConnectionID: connID, Result: lowerFirst(r.Result)}})
}

// emitChangesReady records iModels.changesReady.v1 for a changeset inserted in tx.
func (st *Store) emitChangesReady(ctx context.Context, tx *sql.Tx, cs ChangesetRecord) error {
	if st.hooks == nil {
		return nil
	}
	var itwinID string
	if err := tx.QueryRowContext(ctx, `SELECT itwin_id FROM imodels WHERE id = ?`, cs.IModelID).Scan(&itwinID); err != nil {
		return err
	}
	return st.hooks.enqueue(ctx, tx, webhookEvent{Type: wire.EventChangesReady, ITwinID: itwinID,
		Content: wire.ChangesReadyContent{IModelID: cs.IModelID, ChangesetID: cs.ID, ChangesetIndex: cs.Index}})
}

// emitIModelEvent records iModels.iModelCreated.v1 or iModels.iModelDeleted.v1; userId is the acting client's
// user id (the id the iModel creator links use).
func (st *Store) emitIModelEvent(ctx context.Context, tx *sql.Tx, eventType, imodelID, itwinID, clientID string) error {
	if st.hooks == nil {
		return nil
	}
	return st.hooks.enqueue(ctx, tx, webhookEvent{Type: eventType, ITwinID: itwinID,
		Content: wire.IModelEventContent{IModelID: imodelID, UserID: clientUserID(clientID)}})
}

// emitITwinIModelsDeleted records iModels.iModelDeleted.v1 for every iModel of an iTwin about to be deleted in tx
// (they go with it by cascade).
func (st *Store) emitITwinIModelsDeleted(ctx context.Context, tx *sql.Tx, itwinID, clientID string) error {
	if st.hooks == nil {
		return nil
	}
	rows, err := tx.QueryContext(ctx, `SELECT id FROM imodels WHERE itwin_id = ? ORDER BY created, id`, NormGUID(itwinID))
	if err != nil {
		return err
	}
	var ids []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return err
		}
		ids = append(ids, id)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	for _, id := range ids {
		if err := st.emitIModelEvent(ctx, tx, wire.EventIModelDeleted, id, NormGUID(itwinID), clientID); err != nil {
			return err
		}
	}
	return nil
}
