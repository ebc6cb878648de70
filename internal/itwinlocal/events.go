package itwinlocal

// Webhook events (§12) and the outbox. An event is fanned out to its webhooks inside the very transaction that
// produced it (the run reaching Completed, the changeset insert, the iModel insert or delete): one
// webhook_deliveries row per matching webhook. So an event exists exactly when its cause committed: an engine
// retry, a crash or a restart can neither lose nor duplicate it. The delivery worker (delivery.go) sends the rows
// and deletes them.
//
// The hooks are called from the store functions every writer goes through: SaveRun (store_sync.go), AppendChangeset and
// createIModel (store_platform.go), and the iModel/iTwin delete handlers. The emit* functions and the outbox's
// SQL are in store_webhooks.go.

import (
	"context"
	"database/sql"
	"encoding/json"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/seed37c7dd03/terraform-provider-itwin/internal/wire"
)

// webhookEvent is one event before fan-out.
type webhookEvent struct {
	Type    string
	ITwinID string // the iTwin the object is directly in (iTwin scope matching)
	Content any    // one of the wire.*Content structs
}

// lowerFirst turns a run result into the event's spelling: "PartialSuccess" → "partialSuccess" (§12).
func lowerFirst(s string) string {
	r, n := utf8.DecodeRuneInString(s)
	if n == 0 {
		return s
	}
	return string(unicode.ToLower(r)) + s[n:]
}

// enqueue writes one delivery per active webhook that subscribes to the event and whose scope covers it
// (Account: every iTwin its owner can access; iTwin: that iTwin, while the owner can access it). When the outbox
// holds QueueLimit deliveries, further ones are dropped and counted: the producer (the engine) never waits.
func (h *webhookHub) enqueue(ctx context.Context, tx *sql.Tx, ev webhookEvent) error {
	hooks, err := h.s.store.activeWebhooks(ctx, tx)
	if err != nil || len(hooks) == 0 {
		return err
	}
	content, err := json.Marshal(ev.Content)
	if err != nil {
		return err
	}
	now := h.s.Now()
	pending := -1
	added := false
	for _, w := range hooks {
		if !w.subscribes(ev.Type) || (w.Scope == wire.WebhookScopeITwin && !strings.EqualFold(w.ScopeID, ev.ITwinID)) {
			continue
		}
		ok, err := h.s.clientHasAccess(ctx, tx, w.Owner, ev.ITwinID)
		if err != nil {
			return err
		}
		if !ok {
			continue
		}
		if pending < 0 {
			if pending, err = h.s.store.countDeliveries(ctx, tx); err != nil {
				return err
			}
		}
		if pending >= h.queueLimit {
			h.count(w.ID, func(st *WebhookDeliveryStats) { st.Dropped++ })
			h.s.log.Warn("webhook outbox full: event dropped", "webhook", w.ID, "eventType", ev.Type, "limit", h.queueLimit)
			continue
		}
		// The body is fixed here, messageId included, so every redelivery sends the same bytes (§12).
		msgID := NewGUID()
		body, err := json.Marshal(wire.WebhookEvent{Content: content, EventType: ev.Type, EnqueuedDateTime: now.Format(wire.EnqueuedDateTimeLayout),
			ITwinID: ev.ITwinID, MessageID: msgID, WebhookID: w.ID})
		if err != nil {
			return err
		}
		if err := h.s.store.insertDelivery(ctx, tx, msgID, w.ID, ev.Type, body, now); err != nil {
			return err
		}
		pending++
		added = true
	}
	if added {
		h.wake()
	}
	return nil
}

// clientHasAccess is hasAccess by client id inside a transaction; a client no longer configured has none.
func (s *Server) clientHasAccess(ctx context.Context, q Querier, clientID, itwinID string) (bool, error) {
	c := s.clients[clientID]
	if c == nil {
		return false, nil
	}
	if c.allITwins || c.itwins[NormGUID(itwinID)] {
		return true, nil
	}
	return s.store.hasGrant(ctx, q, clientID, itwinID)
}
