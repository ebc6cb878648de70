package main

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/seed37c7dd03/terraform-provider-itwin/internal/itwinlocal"
	"github.com/seed37c7dd03/terraform-provider-itwin/internal/wire"
)

// hookReceiver is a webhook receiver with faults: each of the first three attempts of a message fails at random
// (503, or no answer until the server gives up), the fourth is always acknowledged, so every event must arrive
// within itwin-local's retry budget (three retries). It records every request in arrival order.
type hookReceiver struct {
	srv    *http.Server
	url    string
	secret string

	mu       sync.Mutex
	rng      *rand.Rand
	requests int               // in arrival order
	attempts map[string]int    // messageId → requests
	bodies   map[string]string // messageId → first body
	acked    map[string]wire.WebhookEvent
	outcomes map[string]int // "200", "503", "timeout"
	badSig   int            // requests whose Signature did not match the secret
	changed  int            // redeliveries whose body differed from the first
}

func newHookReceiver(seed uint64) (*hookReceiver, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	r := &hookReceiver{url: "http://" + ln.Addr().String() + "/hook", rng: rand.New(rand.NewPCG(seed, 7)),
		attempts: map[string]int{}, bodies: map[string]string{}, acked: map[string]wire.WebhookEvent{}, outcomes: map[string]int{}}
	r.srv = &http.Server{Handler: http.HandlerFunc(r.serve), ReadHeaderTimeout: 5 * time.Second}
	go func() { _ = r.srv.Serve(ln) }()
	return r, nil
}

func (r *hookReceiver) close() { _ = r.srv.Close() }

func (r *hookReceiver) serve(w http.ResponseWriter, req *http.Request) {
	body, _ := io.ReadAll(req.Body)
	var ev wire.WebhookEvent
	_ = json.Unmarshal(body, &ev)
	m := hmac.New(sha256.New, []byte(r.secret))
	m.Write(body)
	r.mu.Lock()
	r.requests++
	if req.Header.Get("Signature") != "sha256="+hex.EncodeToString(m.Sum(nil)) {
		r.badSig++
	}
	r.attempts[ev.MessageID]++
	n := r.attempts[ev.MessageID]
	if first, ok := r.bodies[ev.MessageID]; !ok {
		r.bodies[ev.MessageID] = string(body)
	} else if first != string(body) {
		r.changed++
	}
	outcome := "200"
	if n <= 3 {
		switch x := r.rng.Float64(); {
		case x < 0.3:
			outcome = "503"
		case x < 0.45:
			outcome = "timeout"
		}
	}
	r.outcomes[outcome]++
	r.mu.Unlock()
	switch outcome {
	case "503":
		w.WriteHeader(http.StatusServiceUnavailable)
	case "timeout":
		select { // no answer until the server gives up (--webhook-timeout)
		case <-req.Context().Done():
		case <-time.After(10 * time.Second):
		}
	default:
		r.mu.Lock()
		r.acked[ev.MessageID] = ev
		r.mu.Unlock()
		w.WriteHeader(http.StatusOK)
	}
}

func (r *hookReceiver) count() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.requests
}

// ackedKeys lists the acknowledged events as "eventType objectId".
func (r *hookReceiver) ackedKeys() map[string]bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := map[string]bool{}
	for _, ev := range r.acked {
		out[eventKey(ev)] = true
	}
	return out
}

func eventKey(ev wire.WebhookEvent) string {
	var c struct {
		SynchronizationID string `json:"synchronizationId"`
		ChangesetID       string `json:"changesetId"`
		IModelID          string `json:"imodelId"`
	}
	_ = json.Unmarshal(ev.Content, &c)
	id := c.IModelID
	switch ev.EventType {
	case wire.EventJobCompleted:
		id = c.SynchronizationID
	case wire.EventChangesReady:
		id = c.ChangesetID
	}
	return ev.EventType + " " + id
}

// (f) webhook deliveries to a faulty receiver: every event arrives at least once, redeliveries keep their
// messageId and bytes, every request is signed, and nothing arrives after the webhook is deleted.
func faultsWebhooks(ctx context.Context, e *env, s *suite, quick bool) error {
	seed := uint64(time.Now().UnixNano() % 1000)
	rv, err := newHookReceiver(seed)
	if err != nil {
		return err
	}
	defer rv.close()
	control, err := newHookReceiver(seed + 1)
	if err != nil {
		return err
	}
	defer control.close()
	// Retries after 10, 50 and 250 ms (--speed 0.01); a receiver that does not answer within 250 ms failed.
	l, err := e.startLocal(ctx, e.dir("f")+"/data", "--speed", "0.01", "--webhook-timeout", "250ms")
	if err != nil {
		return err
	}
	defer l.stop()
	fmt.Printf("    receiver: attempts 1–3 of a message fail at random (30 %% 503, 15 %% no answer), the 4th is acknowledged (seed %d)\n", seed)
	tok, err := fetchToken(ctx, l.URL, l.ClientID, l.ClientSecret)
	if err != nil {
		return err
	}
	auth := "Bearer " + tok
	types := []string{wire.EventJobCompleted, wire.EventChangesReady, wire.EventIModelCreated, wire.EventIModelDeleted}
	hook, err := newActiveHook(ctx, l.URL, auth, rv.url, types)
	if err != nil {
		return err
	}
	rv.secret = hook.Secret

	creates, deletes, runs := 8, 4, 1
	if !quick {
		creates, deletes, runs = 40, 20, 3
	}
	want := map[string]bool{}
	var ids []string
	for i := range creates {
		id, err := createIModelRaw(ctx, l, auth, fmt.Sprintf("hooks-%d", i))
		if err != nil {
			return err
		}
		ids = append(ids, id)
		want[wire.EventIModelCreated+" "+id] = true
	}
	c, err := l.client(ctx)
	if err != nil {
		return err
	}
	for i := range runs {
		fid, err := upload(ctx, c, l.RootFolderID, fmt.Sprintf("hooks-%d.ifc", i), smallIFC(int64(i)+1))
		if err != nil {
			return err
		}
		conn, err := newConnection(ctx, c, ids[i], "hooks", fid)
		if err != nil {
			return err
		}
		rid, err := startRun(ctx, c, conn)
		if err != nil {
			return err
		}
		if _, err := pollRun(ctx, c, conn, rid, time.Minute); err != nil {
			return err
		}
		want[wire.EventJobCompleted+" "+rid] = true
		css, err := c.ListChangesets(ctx, ids[i])
		if err != nil {
			return err
		}
		for _, cs := range css {
			want[wire.EventChangesReady+" "+cs.ID] = true
		}
	}
	for _, id := range ids[len(ids)-deletes:] {
		if st, _, b := callBody(ctx, "DELETE", l.URL+"/imodels/"+id, auth, nil); st != 204 {
			return fmt.Errorf("DELETE /imodels/%s: %d %s", id, st, b)
		}
		want[wire.EventIModelDeleted+" "+id] = true
	}
	t0 := time.Now()
	st, err := waitHookSettled(ctx, l.URL, hook.ID, 60*time.Second)
	if err != nil {
		return err
	}
	got := rv.ackedKeys()
	var missing, extra []string
	for k := range want {
		if !got[k] {
			missing = append(missing, k)
		}
	}
	for k := range got {
		if !want[k] {
			extra = append(extra, k)
		}
	}
	rv.mu.Lock()
	requests, redelivered, badSig, changed := rv.requests, 0, rv.badSig, rv.changed
	for _, n := range rv.attempts {
		if n > 1 {
			redelivered++
		}
	}
	outcomes := fmt.Sprintf("receiver answered 200×%d, 503×%d, no answer×%d", rv.outcomes["200"], rv.outcomes["503"], rv.outcomes["timeout"])
	rv.mu.Unlock()
	s.check("every event arrives at least once", len(missing) == 0 && len(extra) == 0 && st.Dropped == 0,
		"%d/%d events acknowledged in %.1f s; %d requests, %d messages redelivered; %s%s%s", len(want)-len(missing), len(want),
		time.Since(t0).Seconds(), requests, redelivered, outcomes, listSuffix(missing), listSuffix(extra))
	s.check("delivery counts in /local/stats", st.Sent == int64(len(want)) && st.Failed == int64(requests-len(want)) && st.Pending == 0,
		"sent %d, failed %d, dropped %d, pending %d", st.Sent, st.Failed, st.Dropped, st.Pending)
	s.check("every request signed; redeliveries keep messageId and body", badSig == 0 && changed == 0 && redelivered > 0,
		"%d bad signatures, %d changed redeliveries", badSig, changed)

	// Delete while deliveries are pending or retrying; the same events then go on to a control webhook only.
	ctl, err := newActiveHook(ctx, l.URL, auth, control.url, types)
	if err != nil {
		return err
	}
	control.secret = ctl.Secret
	burst := 6
	if !quick {
		burst = 30
	}
	for i := range burst {
		if _, err := createIModelRaw(ctx, l, auth, fmt.Sprintf("burst-%d", i)); err != nil {
			return err
		}
	}
	if code, _, b := callBody(ctx, "DELETE", l.URL+"/webhooks/"+hook.ID, auth, nil); code != 204 {
		return fmt.Errorf("DELETE /webhooks/%s: %d %s", hook.ID, code, b)
	}
	atDelete := rv.count()
	deleted, err := hookStats(ctx, l.URL, hook.ID)
	if err != nil {
		return err
	}
	for i := range 3 {
		if _, err := createIModelRaw(ctx, l, auth, fmt.Sprintf("after-%d", i)); err != nil {
			return err
		}
	}
	cst, err := waitHookSettled(ctx, l.URL, ctl.ID, 60*time.Second)
	if err != nil {
		return err
	}
	late := rv.count() - atDelete
	s.check("nothing arrives after the webhook is deleted", late == 0 && cst.Sent == int64(burst+3),
		"%d requests after DELETE (the control webhook got all %d later events); %d pending deliveries discarded by the delete",
		late, cst.Sent, deleted.Discarded)
	return nil
}

func newActiveHook(ctx context.Context, base, auth, callback string, types []string) (wire.Webhook, error) {
	var w wire.Webhook
	st, _, b := callBody(ctx, "POST", base+"/webhooks", auth, map[string]any{"callbackUrl": callback, "scope": "Account", "eventTypes": types})
	if st != 201 || json.Unmarshal(b, &w) != nil {
		return w, fmt.Errorf("POST /webhooks: %d %s", st, b)
	}
	if st, _, b := callBody(ctx, "PATCH", base+"/webhooks/"+w.ID, auth, map[string]any{"active": true}); st != 200 {
		return w, fmt.Errorf("PATCH /webhooks/%s: %d %s", w.ID, st, b)
	}
	return w, nil
}

func createIModelRaw(ctx context.Context, l *local, auth, name string) (string, error) {
	st, _, b := callBody(ctx, "POST", l.URL+"/imodels", auth, map[string]any{"iTwinId": l.ITwinID, "name": name})
	var env wire.IModelEnvelope
	if st != 201 || json.Unmarshal(b, &env) != nil {
		return "", fmt.Errorf("POST /imodels: %d %s", st, b)
	}
	return env.IModel.ID, nil
}

func hookStats(ctx context.Context, base, id string) (itwinlocal.WebhookDeliveryStats, error) {
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, base+"/local/stats", nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return itwinlocal.WebhookDeliveryStats{}, err
	}
	defer resp.Body.Close()
	var s itwinlocal.StatsResponse
	if err := json.NewDecoder(resp.Body).Decode(&s); err != nil {
		return itwinlocal.WebhookDeliveryStats{}, err
	}
	return s.Webhooks[id], nil
}

// waitHookSettled waits until the webhook has no pending delivery.
func waitHookSettled(ctx context.Context, base, id string, timeout time.Duration) (itwinlocal.WebhookDeliveryStats, error) {
	deadline := time.Now().Add(timeout)
	for {
		st, err := hookStats(ctx, base, id)
		if err != nil {
			return st, err
		}
		if st.Pending == 0 {
			return st, nil
		}
		if time.Now().After(deadline) {
			return st, fmt.Errorf("webhook %s still has %d pending deliveries after %s", id, st.Pending, timeout)
		}
		select {
		case <-ctx.Done():
			return st, ctx.Err()
		case <-time.After(20 * time.Millisecond):
		}
	}
}
