package itwinlocal

// Webhook delivery (§12). The outbox (webhook_deliveries, written by events.go) is the queue: a scheduler
// goroutine claims the rows that are due and hands each to a sender goroutine (at most deliveryConcurrency at a
// time). A sender POSTs the stored body with a Signature header computed with the webhook's current secret;
// any 2xx within WebhookTimeout deletes the row (sent); anything else counts as failed and reschedules the row
// after the next retry delay (1 s, 5 s, 25 s × Speed by default), or deletes it once they are used up (dropped).
//
// Guarantees:
//   - At least once, unordered: a row is deleted only after the receiver's 2xx. A delivery in flight when the
//     server stops (or crashes) is sent again by the next server on the same data dir, with the same messageId
//     and body. Its attempt count and next time are persisted, so retries resume where they were.
//   - Nothing after deactivation or delete: W4/W5 delete the webhook's pending rows in their transaction, and a
//     sender checks the webhook at send time while holding the webhook's gate (a read lock); W4/W5 take the
//     gate's write lock after committing, so their answer waits for a delivery already in flight (at most
//     WebhookTimeout) and no delivery starts after it.
//   - Bounded: at most Config.WebhookQueueLimit deliveries wait in the outbox; events beyond it are dropped and
//     counted (events.go), so the engine never waits for receivers.
//   - Faults: the --fault-* flags apply to delivery attempts as to a POST of the pseudo-path
//     /webhooks/deliveries (see deliveryFault).

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"io"
	"net"
	"net/http"
	"slices"
	"sync"
	"time"
)

// Delivery defaults.
const (
	defaultWebhookTimeout    = 5 * time.Second
	defaultWebhookQueueLimit = 10000
	deliveryConcurrency      = 8
	// deliveryFaultPath is what --fault-route is matched against for delivery attempts (method POST).
	deliveryFaultPath = "/webhooks/deliveries"
)

// defaultWebhookRetryDelays are the waits before the retries (§12), scaled by Config.Speed.
var defaultWebhookRetryDelays = []time.Duration{time.Second, 5 * time.Second, 25 * time.Second}

// WebhookDeliveryStats counts one webhook's deliveries since the server started or the stats were reset.
type WebhookDeliveryStats struct {
	Sent      int64 `json:"sent"`      // deliveries the receiver acknowledged with a 2xx
	Failed    int64 `json:"failed"`    // attempts that failed (non-2xx, timeout, connection error, injected fault)
	Dropped   int64 `json:"dropped"`   // deliveries given up: every retry failed, or the outbox was full
	Discarded int64 `json:"discarded"` // pending deliveries removed: webhook deactivated, deleted, or no longer subscribed
	Pending   int64 `json:"pending"`   // deliveries waiting in the outbox now (first attempt or a retry)
}

// delivery is one outbox row.
type delivery struct {
	MessageID, WebhookID, EventType string
	Body                            []byte
	Attempts                        int
}

// webhookHub holds the delivery side of the webhooks.
type webhookHub struct {
	s          *Server
	delays     []time.Duration
	timeout    time.Duration
	queueLimit int
	poll       time.Duration // longest scheduler sleep while deliveries wait (a test clock may jump)
	client     *http.Client

	statsMu sync.Mutex
	stats   map[string]*WebhookDeliveryStats

	gatesMu sync.Mutex
	gates   map[string]*sync.RWMutex // webhook id → read-held while a delivery to it is in flight

	wakeCh   chan struct{}
	ctx      context.Context
	cancel   context.CancelFunc
	wg       sync.WaitGroup
	flightMu sync.Mutex
	inflight map[string]bool // message ids being sent
}

func newWebhookHub(s *Server) *webhookHub {
	cfg := s.cfg
	h := &webhookHub{s: s, delays: cfg.WebhookRetryDelays, timeout: cfg.WebhookTimeout, queueLimit: cfg.WebhookQueueLimit,
		stats: map[string]*WebhookDeliveryStats{}, gates: map[string]*sync.RWMutex{}, wakeCh: make(chan struct{}, 1),
		inflight: map[string]bool{}}
	if h.delays == nil {
		for _, d := range defaultWebhookRetryDelays {
			h.delays = append(h.delays, time.Duration(float64(d)*cfg.Speed))
		}
	}
	if h.timeout <= 0 {
		h.timeout = defaultWebhookTimeout
	}
	if h.queueLimit <= 0 {
		h.queueLimit = defaultWebhookQueueLimit
	}
	h.poll = min(max(time.Duration(float64(time.Second)*cfg.Speed), 10*time.Millisecond), time.Second)
	h.client = &http.Client{
		// No proxy from the environment, no redirects (a 3xx is a failed attempt, never a hop to another host).
		Transport: &http.Transport{Proxy: nil, DialContext: (&net.Dialer{Timeout: h.timeout}).DialContext,
			TLSHandshakeTimeout: h.timeout, MaxIdleConnsPerHost: deliveryConcurrency, IdleConnTimeout: 30 * time.Second},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	h.ctx, h.cancel = context.WithCancel(context.Background())
	return h
}

// start runs the scheduler; pending deliveries of a previous process are due at once (or at their retry time).
func (h *webhookHub) start() {
	h.wg.Add(1)
	go h.schedule()
}

// close stops the scheduler and the senders; deliveries in flight stay in the outbox for the next start.
func (h *webhookHub) close() {
	h.cancel()
	h.wg.Wait()
	h.client.CloseIdleConnections()
}

func (h *webhookHub) wake() {
	select {
	case h.wakeCh <- struct{}{}:
	default:
	}
}

func (h *webhookHub) schedule() {
	defer h.wg.Done()
	for {
		wait, err := h.dispatchDue()
		if err != nil && h.ctx.Err() == nil {
			h.s.log.Error("webhook deliveries: reading the outbox", "err", err)
			wait = time.Second
		}
		t := time.NewTimer(wait)
		select {
		case <-h.ctx.Done():
			t.Stop()
			return
		case <-h.wakeCh:
		case <-t.C:
		}
		t.Stop()
	}
}

// idle is the scheduler's sleep when the outbox is empty: new rows wake it.
const idle = time.Hour

// dispatchDue starts senders for the due deliveries (as many as free slots allow) and returns how long to sleep.
func (h *webhookHub) dispatchDue() (time.Duration, error) {
	h.flightMu.Lock()
	busy := len(h.inflight)
	h.flightMu.Unlock()
	now := h.s.Now()
	var due []delivery
	var next time.Time
	// Read through the writer: an event's hook wakes the scheduler before its transaction commits, and a write
	// transaction starts only after that commit (one writer connection), so the new rows are visible.
	err := h.s.store.Write(h.ctx, func(tx *sql.Tx) error {
		var err error
		due, next, err = h.s.store.dueDeliveries(h.ctx, tx, now, busy+deliveryConcurrency)
		return err
	})
	if err != nil {
		return 0, err
	}
	h.flightMu.Lock()
	for _, d := range due {
		if h.inflight[d.MessageID] || len(h.inflight) >= deliveryConcurrency {
			continue
		}
		h.inflight[d.MessageID] = true
		h.wg.Add(1)
		go h.send(d)
	}
	h.flightMu.Unlock()
	if next.IsZero() {
		return idle, nil
	}
	return min(next.Sub(now), h.poll), nil
}

// send makes one attempt and records its outcome.
func (h *webhookHub) send(d delivery) {
	defer h.wg.Done()
	defer func() {
		h.flightMu.Lock()
		delete(h.inflight, d.MessageID)
		h.flightMu.Unlock()
		h.wake()
	}()
	g := h.gate(d.WebhookID)
	g.RLock()
	defer g.RUnlock()
	w, err := h.s.store.getWebhook(h.ctx, h.s.store.Reader(), d.WebhookID)
	if err != nil && !errors.Is(err, ErrNotFound) {
		if h.ctx.Err() == nil {
			h.s.log.Error("webhook delivery: loading the webhook", "webhook", d.WebhookID, "err", err)
		}
		return // the row stays; the next round tries again
	}
	if errors.Is(err, ErrNotFound) || !w.Active || !w.subscribes(d.EventType) {
		// W4/W5 removed its rows in the same transaction (and counted them); this one was claimed just before.
		// A PATCH that unsubscribed the event type discards the event's pending deliveries here.
		h.remove(d, func(removed bool) {
			if removed {
				h.count(d.WebhookID, func(st *WebhookDeliveryStats) { st.Discarded++ })
			}
		})
		return
	}
	status, err := h.attempt(w, d.Body)
	if h.ctx.Err() != nil {
		return // stopping: not an attempt; the next server sends it again
	}
	if err == nil && status >= 200 && status < 300 {
		// Counted even when W4/W5 removed the row meanwhile: it reached the receiver, before their answer.
		h.remove(d, func(bool) { h.count(d.WebhookID, func(st *WebhookDeliveryStats) { st.Sent++ }) })
		return
	}
	h.count(d.WebhookID, func(st *WebhookDeliveryStats) { st.Failed++ })
	if d.Attempts >= len(h.delays) {
		h.remove(d, func(removed bool) {
			if removed {
				h.count(d.WebhookID, func(st *WebhookDeliveryStats) { st.Dropped++ })
				h.s.log.Warn("webhook delivery dropped after its retries", "webhook", d.WebhookID, "messageId", d.MessageID, "status", status, "err", err)
			}
		})
		return
	}
	next := h.s.Now().Add(h.delays[d.Attempts])
	err = h.s.store.Write(h.ctx, func(tx *sql.Tx) error {
		return h.s.store.scheduleRetry(h.ctx, tx, d.MessageID, d.Attempts+1, next)
	})
	if err != nil && h.ctx.Err() == nil {
		h.s.log.Error("webhook delivery: scheduling the retry", "messageId", d.MessageID, "err", err)
	}
}

// remove deletes the delivery's row and calls counted with whether it was still there (false: W4/W5 discarded
// it). counted runs before the commit, so whoever sees the row gone also sees the count. On error the row
// stays and is tried again.
func (h *webhookHub) remove(d delivery, counted func(removed bool)) {
	err := h.s.store.Write(h.ctx, func(tx *sql.Tx) error {
		removed, err := h.s.store.deleteDelivery(h.ctx, tx, d.MessageID)
		if err != nil {
			return err
		}
		counted(removed)
		return nil
	})
	if err != nil && h.ctx.Err() == nil {
		h.s.log.Error("webhook delivery: recording the outcome", "messageId", d.MessageID, "err", err)
	}
}

// attempt POSTs the body once: the injected fault if one applies, else the receiver's status.
func (h *webhookHub) attempt(w webhookRecord, body []byte) (int, error) {
	if status, err := h.s.faults.deliveryFault(h.ctx); status != 0 || err != nil {
		return status, err
	}
	ctx, cancel := context.WithTimeout(h.ctx, h.timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, w.CallbackURL, bytes.NewReader(body))
	if err != nil {
		return 0, err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Signature", signature(w.Secret, body))
	req.Header.Set("User-Agent", "itwin-local-webhooks")
	resp, err := h.client.Do(req)
	if err != nil {
		return 0, err
	}
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	resp.Body.Close()
	return resp.StatusCode, nil
}

// signature is the Signature header of §12: sha256=<lower-hex HMAC-SHA256 of the body keyed with the secret>.
func signature(secret string, body []byte) string {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write(body)
	return "sha256=" + hex.EncodeToString(m.Sum(nil))
}

// deliveryFault applies the fault flags to one delivery attempt, as to a POST of deliveryFaultPath: the latency
// is waited before sending, and at the 429 or 5xx rate the attempt fails with that status without reaching the
// receiver (counted and retried like a receiver's answer).
func (f *faultInjector) deliveryFault(ctx context.Context) (int, error) {
	if !f.active() || (len(f.cfg.Methods) > 0 && !slices.Contains(f.cfg.Methods, http.MethodPost)) ||
		(f.re != nil && !f.re.MatchString(deliveryFaultPath)) {
		return 0, nil
	}
	if f.cfg.Latency > 0 {
		t := time.NewTimer(f.cfg.Latency)
		select {
		case <-t.C:
		case <-ctx.Done():
			t.Stop()
			return 0, ctx.Err()
		}
	}
	f.mu.Lock()
	x := f.rng.Float64()
	f.mu.Unlock()
	switch {
	case x < f.cfg.Rate429:
		return http.StatusTooManyRequests, nil
	case x < f.cfg.Rate429+f.cfg.Rate5xx:
		return http.StatusServiceUnavailable, nil
	}
	return 0, nil
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

// snapshot returns the counters with the current pending counts from the outbox. The outbox is read first:
// a delivery's counter moves inside the transaction that removes its row (remove), so once a removal is seen
// committed its count is already in the counters copied next. The other order could report Pending 0 with the
// last delivery not yet counted.
func (h *webhookHub) snapshot(ctx context.Context) (map[string]WebhookDeliveryStats, error) {
	pending, err := h.s.store.pendingDeliveries(ctx, h.s.store.Reader())
	if err != nil {
		return nil, err
	}
	out := map[string]WebhookDeliveryStats{}
	h.statsMu.Lock()
	for id, st := range h.stats {
		out[id] = *st
	}
	h.statsMu.Unlock()
	for id, n := range pending {
		st := out[id]
		st.Pending = n
		out[id] = st
	}
	return out, nil
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
	g.Unlock() //nolint:gocritic,staticcheck // acquiring the lock was the wait; nothing happens while holding it
}

// discardPending removes a webhook's pending deliveries inside tx (deactivation, delete) and counts them.
func (h *webhookHub) discardPending(ctx context.Context, tx *sql.Tx, webhookID string) error {
	n, err := h.s.store.discardDeliveries(ctx, tx, webhookID)
	if err != nil {
		return err
	}
	if n > 0 {
		h.count(webhookID, func(st *WebhookDeliveryStats) { st.Discarded += n })
	}
	return nil
}
