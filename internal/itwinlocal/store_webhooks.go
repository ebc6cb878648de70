package itwinlocal

// Store methods for webhooks (webhooks.go), the webhook events written in the producing transaction
// (events.go) and the delivery outbox (delivery.go).

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/seed37c7dd03/terraform-provider-itwin/internal/wire"
)

// getWebhook loads a webhook; ErrNotFound when it does not exist.
func (st *Store) getWebhook(ctx context.Context, q Querier, id string) (webhookRecord, error) {
	w, err := scanWebhook(q.QueryRowContext(ctx, `SELECT `+webhookCols+` FROM webhooks WHERE id = ?`, NormGUID(id)))
	if errors.Is(err, sql.ErrNoRows) {
		return w, ErrNotFound
	}
	return w, err
}

// activeWebhooks lists the webhooks that receive events, oldest first.
func (st *Store) activeWebhooks(ctx context.Context, q Querier) ([]webhookRecord, error) {
	return queryWebhooks(ctx, q, `WHERE active = 1`)
}

// webhooksOwnedBy lists a client's webhooks, oldest first.
func (st *Store) webhooksOwnedBy(ctx context.Context, q Querier, clientID string) ([]webhookRecord, error) {
	return queryWebhooks(ctx, q, `WHERE owner_client = ?`, clientID)
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

func (st *Store) saveWebhook(ctx context.Context, tx *sql.Tx, w webhookRecord) error {
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

// --- outbox (delivery.go, events.go) ---

// insertDelivery adds one delivery to the outbox, due now.
func (st *Store) insertDelivery(ctx context.Context, tx *sql.Tx, msgID, webhookID, eventType string, body []byte, now time.Time) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO webhook_deliveries (message_id, webhook_id, event_type, body, attempts, next_at, created)
			VALUES (?,?,?,?,0,?,?)`, msgID, webhookID, eventType, string(body), nanos(now), nanos(now))
	return err
}

// countDeliveries is the number of deliveries in the outbox.
func (st *Store) countDeliveries(ctx context.Context, q Querier) (int, error) {
	var n int
	err := q.QueryRowContext(ctx, `SELECT COUNT(*) FROM webhook_deliveries`).Scan(&n)
	return n, err
}

// dueDeliveries returns up to limit deliveries due at now, oldest due first, and when the next later one is due
// (zero when none).
func (st *Store) dueDeliveries(ctx context.Context, tx *sql.Tx, now time.Time, limit int) ([]delivery, time.Time, error) {
	rows, err := tx.QueryContext(ctx, `SELECT message_id, webhook_id, event_type, body, attempts FROM webhook_deliveries WHERE next_at <= ?
			ORDER BY next_at, rowid LIMIT ?`, nanos(now), limit)
	if err != nil {
		return nil, time.Time{}, err
	}
	defer rows.Close()
	var due []delivery
	for rows.Next() {
		var d delivery
		if err := rows.Scan(&d.MessageID, &d.WebhookID, &d.EventType, &d.Body, &d.Attempts); err != nil {
			return nil, time.Time{}, err
		}
		due = append(due, d)
	}
	if err := rows.Err(); err != nil {
		return nil, time.Time{}, err
	}
	var next sql.NullInt64
	if err := tx.QueryRowContext(ctx, `SELECT MIN(next_at) FROM webhook_deliveries WHERE next_at > ?`, nanos(now)).Scan(&next); err != nil {
		return nil, time.Time{}, err
	}
	if !next.Valid {
		return due, time.Time{}, nil
	}
	return due, fromNanos(next.Int64), nil
}

// scheduleRetry records a failed attempt: the delivery's attempt count and when to try again.
func (st *Store) scheduleRetry(ctx context.Context, tx *sql.Tx, msgID string, attempts int, next time.Time) error {
	_, err := tx.ExecContext(ctx, `UPDATE webhook_deliveries SET attempts = ?, next_at = ? WHERE message_id = ?`, attempts, nanos(next), msgID)
	return err
}

// deleteDelivery removes one delivery and reports whether it was still there.
func (st *Store) deleteDelivery(ctx context.Context, tx *sql.Tx, msgID string) (bool, error) {
	res, err := tx.ExecContext(ctx, `DELETE FROM webhook_deliveries WHERE message_id = ?`, msgID)
	if err != nil {
		return false, err
	}
	n, _ := res.RowsAffected()
	return n > 0, nil
}

// discardDeliveries removes a webhook's pending deliveries and returns how many there were.
func (st *Store) discardDeliveries(ctx context.Context, tx *sql.Tx, webhookID string) (int64, error) {
	res, err := tx.ExecContext(ctx, `DELETE FROM webhook_deliveries WHERE webhook_id = ?`, webhookID)
	if err != nil {
		return 0, err
	}
	n, _ := res.RowsAffected()
	return n, nil
}

// pendingDeliveries counts the outbox per webhook id.
func (st *Store) pendingDeliveries(ctx context.Context, q Querier) (map[string]int64, error) {
	rows, err := q.QueryContext(ctx, `SELECT webhook_id, COUNT(*) FROM webhook_deliveries GROUP BY webhook_id`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]int64{}
	for rows.Next() {
		var id string
		var n int64
		if err := rows.Scan(&id, &n); err != nil {
			return nil, err
		}
		out[id] = n
	}
	return out, rows.Err()
}

// insertWebhook stores a new webhook; it starts inactive, as W1 creates it.
func (st *Store) insertWebhook(ctx context.Context, tx *sql.Tx, w webhookRecord) error {
	seq, err := nextSeq(ctx, tx, "webhooks")
	if err != nil {
		return err
	}
	types, _ := json.Marshal(w.EventTypes)
	_, err = tx.ExecContext(ctx, `INSERT INTO webhooks (id, owner_client, scope, scope_id, active, callback_url, event_types, secret,
			created, modified, seq) VALUES (?,?,?,?,?,?,?,?,?,?,?)`, w.ID, w.Owner, w.Scope, w.ScopeID, false, w.CallbackURL, string(types),
		w.Secret, nanos(w.Created), nanos(w.Modified), seq)
	return err
}

func (st *Store) deleteWebhook(ctx context.Context, tx *sql.Tx, id string) error {
	_, err := tx.ExecContext(ctx, `DELETE FROM webhooks WHERE id = ?`, id)
	return err
}

// webhooksSchema is migration 3. IF NOT EXISTS keeps it harmless if it is ever applied under another number.
//
//	webhooks(id PK, owner_client, scope, scope_id, active, callback_url, event_types json, secret, created, modified, seq)
//	webhook_deliveries(message_id PK, webhook_id→webhooks, event_type, body json wire.WebhookEvent, attempts, next_at, created)
//	    the outbox: one row per event per webhook, written in the transaction that produced the event and
//	    deleted when the delivery succeeded, was dropped, or its webhook was deactivated or deleted.
//
// The secret is stored as given: the server needs it to sign deliveries.
const webhooksSchema = `
CREATE TABLE IF NOT EXISTS webhooks (id TEXT PRIMARY KEY, owner_client TEXT NOT NULL, scope TEXT NOT NULL, scope_id TEXT NOT NULL,
  active INTEGER NOT NULL DEFAULT 0, callback_url TEXT NOT NULL, event_types TEXT NOT NULL, secret TEXT NOT NULL,
  created INTEGER NOT NULL, modified INTEGER NOT NULL, seq INTEGER NOT NULL);
CREATE INDEX IF NOT EXISTS webhooks_owner ON webhooks(owner_client, seq);
CREATE INDEX IF NOT EXISTS webhooks_seq ON webhooks(seq);
CREATE TABLE IF NOT EXISTS webhook_deliveries (message_id TEXT PRIMARY KEY,
  webhook_id TEXT NOT NULL REFERENCES webhooks(id) ON DELETE CASCADE, event_type TEXT NOT NULL, body TEXT NOT NULL,
  attempts INTEGER NOT NULL DEFAULT 0, next_at INTEGER NOT NULL, created INTEGER NOT NULL);
CREATE INDEX IF NOT EXISTS webhook_deliveries_due ON webhook_deliveries(next_at);
CREATE INDEX IF NOT EXISTS webhook_deliveries_hook ON webhook_deliveries(webhook_id);
`

const webhookCols = `id, owner_client, scope, scope_id, active, callback_url, event_types, secret, created, modified`

func scanWebhook(sc interface{ Scan(...any) error }) (webhookRecord, error) {
	var w webhookRecord
	var types string
	var created, modified int64
	if err := sc.Scan(&w.ID, &w.Owner, &w.Scope, &w.ScopeID, &w.Active, &w.CallbackURL, &types, &w.Secret, &created, &modified); err != nil {
		return w, err
	}
	w.Created, w.Modified = fromNanos(created), fromNanos(modified)
	if err := json.Unmarshal([]byte(types), &w.EventTypes); err != nil {
		return w, fmt.Errorf("webhook %s: event types: %w", w.ID, err)
	}
	return w, nil
}
