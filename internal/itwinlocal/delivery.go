package itwinlocal

// Webhook deliveries (§12): counters per webhook and the per-webhook send gate that lets W4/W5 return only
// when no delivery to the webhook is in flight.

import (
	"context"
	"database/sql"
	"sync"
)

// WebhookDeliveryStats counts one webhook's deliveries since the server started or the stats were reset.
type WebhookDeliveryStats struct {
	Sent      int64 `json:"sent"`      // deliveries the receiver acknowledged with a 2xx
	Failed    int64 `json:"failed"`    // attempts that failed (non-2xx, timeout, connection error, injected fault)
	Dropped   int64 `json:"dropped"`   // deliveries given up: every retry failed, or the queue was full
	Discarded int64 `json:"discarded"` // pending deliveries removed because the webhook was deactivated or deleted
	Pending   int64 `json:"pending"`   // deliveries waiting in the outbox now (first attempt or a retry)
}

// webhookHub holds the delivery side of the webhooks.
type webhookHub struct {
	s *Server

	statsMu sync.Mutex
	stats   map[string]*WebhookDeliveryStats

	gatesMu sync.Mutex
	gates   map[string]*sync.RWMutex // webhook id → held for reading while a delivery to it is in flight
}

func newWebhookHub(s *Server) *webhookHub {
	return &webhookHub{s: s, stats: map[string]*WebhookDeliveryStats{}, gates: map[string]*sync.RWMutex{}}
}

func (h *webhookHub) count(webhookID string, f func(*WebhookDeliveryStats)) {
	h.statsMu.Lock()
	defer h.statsMu.Unlock()
	st := h.stats[webhookID]
	if st == nil {
		st = &WebhookDeliveryStats{}
		h.stats[webhookID] = st
	}
	f(st)
}

// snapshot returns the counters with the current pending counts from the outbox.
func (h *webhookHub) snapshot(ctx context.Context) (map[string]WebhookDeliveryStats, error) {
	out := map[string]WebhookDeliveryStats{}
	h.statsMu.Lock()
	for id, st := range h.stats {
		out[id] = *st
	}
	h.statsMu.Unlock()
	rows, err := h.s.store.Reader().QueryContext(ctx, `SELECT webhook_id, COUNT(*) FROM webhook_deliveries GROUP BY webhook_id`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var id string
		var n int64
		if err := rows.Scan(&id, &n); err != nil {
			return nil, err
		}
		st := out[id]
		st.Pending = n
		out[id] = st
	}
	return out, rows.Err()
}

func (h *webhookHub) resetStats() {
	h.statsMu.Lock()
	h.stats = map[string]*WebhookDeliveryStats{}
	h.statsMu.Unlock()
}

func (h *webhookHub) gate(webhookID string) *sync.RWMutex {
	h.gatesMu.Lock()
	defer h.gatesMu.Unlock()
	g := h.gates[webhookID]
	if g == nil {
		g = &sync.RWMutex{}
		h.gates[webhookID] = g
	}
	return g
}

// waitIdle returns when no delivery to the webhook is in flight. Called after a deactivation or delete has
// committed: a sender takes the gate before it checks that the webhook is active, so every sender that could
// still have seen it active has finished, and every later one sees it inactive or gone.
func (h *webhookHub) waitIdle(webhookID string) {
	g := h.gate(webhookID)
	g.Lock()
	defer g.Unlock() // nothing to do while holding it: acquiring it was the wait

}

// discardPending removes a webhook's pending deliveries inside tx (deactivation, delete) and counts them.
func (h *webhookHub) discardPending(ctx context.Context, tx *sql.Tx, webhookID string) error {
	res, err := tx.ExecContext(ctx, `DELETE FROM webhook_deliveries WHERE webhook_id = ?`, webhookID)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n > 0 {
		h.count(webhookID, func(st *WebhookDeliveryStats) { st.Discarded += n })
	}
	return nil
}
