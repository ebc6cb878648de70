package provider

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/seed37c7dd03/terraform-provider-itwin/internal/wire"
)

// hookReceiver is the webhook receiver of the acceptance tests: an httptest server on loopback (itwin-local
// delivers to http only there) that records every delivery with its signature, deduplicates events on
// messageId as a real receiver must, and can refuse deliveries with 503 to exercise redelivery. Signatures are
// verified when the test asks, against the keys it knows by then: a generated secret is only known once the
// apply has stored it.
type hookReceiver struct {
	srv *httptest.Server

	mu       sync.Mutex
	events   []*hookEvent          // in order of first arrival
	byID     map[string]*hookEvent // messageId → event
	refuse   map[string]int        // "path eventType" → 503 answers still to give
	changed  chan struct{}         // closed (and replaced) on every delivery
	problems []string              // deliveries that are not a valid event at all
}

// hookEvent is one event (one messageId) and what happened to its deliveries.
type hookEvent struct {
	wire.WebhookEvent
	Path       string   // callback path: tells the test's webhooks apart
	Bodies     [][]byte // every delivery's exact body
	Signatures []string // every delivery's Signature header
	Accepted   int      // deliveries answered 2xx
	Refused    int      // deliveries answered 503
}

func newHookReceiver(t *testing.T) *hookReceiver {
	t.Helper()
	r := &hookReceiver{byID: map[string]*hookEvent{}, refuse: map[string]int{}, changed: make(chan struct{})}
	r.srv = httptest.NewServer(r)
	t.Cleanup(r.srv.Close)
	return r
}

// url is the callback URL of one of the test's webhooks.
func (r *hookReceiver) url(path string) string { return r.srv.URL + "/" + path }

// refuseNext makes the receiver answer 503 to the next n deliveries of eventType on path.
func (r *hookReceiver) refuseNext(path, eventType string, n int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.refuse[path+" "+eventType] = n
}

func (r *hookReceiver) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	body, err := io.ReadAll(req.Body)
	r.mu.Lock()
	defer func() {
		close(r.changed)
		r.changed = make(chan struct{})
		r.mu.Unlock()
	}()
	var ev wire.WebhookEvent
	switch {
	case err != nil:
		r.problems = append(r.problems, "reading a delivery: "+err.Error())
	case req.Method != http.MethodPost || req.Header.Get("Content-Type") != "application/json":
		r.problems = append(r.problems, fmt.Sprintf("delivery %s with Content-Type %q", req.Method, req.Header.Get("Content-Type")))
	case json.Unmarshal(body, &ev) != nil || ev.MessageID == "" || ev.EventType == "":
		r.problems = append(r.problems, fmt.Sprintf("delivery is not an event: %s", body))
	}
	if ev.MessageID == "" {
		w.WriteHeader(http.StatusBadRequest)
		return
	}
	path := strings.TrimPrefix(req.URL.Path, "/")
	e := r.byID[ev.MessageID]
	if e == nil {
		e = &hookEvent{WebhookEvent: ev, Path: path}
		r.byID[ev.MessageID] = e
		r.events = append(r.events, e)
	} else if e.Path != path || e.EventType != ev.EventType || string(e.Content) != string(ev.Content) {
		r.problems = append(r.problems, fmt.Sprintf("message %s redelivered with other content: %s", ev.MessageID, body))
	}
	e.Bodies = append(e.Bodies, body)
	e.Signatures = append(e.Signatures, req.Header.Get("Signature"))
	if k := path + " " + ev.EventType; r.refuse[k] > 0 {
		r.refuse[k]--
		e.Refused++
		w.WriteHeader(http.StatusServiceUnavailable)
		return
	}
	e.Accepted++
	w.WriteHeader(http.StatusNoContent)
}

// hookSignature is the Signature header of body under secret (spec §12).
func hookSignature(secret string, body []byte) string {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write(body)
	return "sha256=" + hex.EncodeToString(m.Sum(nil))
}

// snapshot returns copies of the events received on path ("" = all).
func (r *hookReceiver) snapshot(path string) []hookEvent {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []hookEvent
	for _, e := range r.events {
		if path == "" || e.Path == path {
			out = append(out, *e)
		}
	}
	return out
}

// waitFor waits until cond holds for the events on path, or fails after a generous deadline (deliveries are
// asynchronous; the deadline only bounds a broken server).
func (r *hookReceiver) waitFor(path, what string, cond func([]hookEvent) bool) error {
	deadline := time.NewTimer(60 * time.Second)
	defer deadline.Stop()
	for {
		r.mu.Lock()
		ch := r.changed
		r.mu.Unlock()
		evs := r.snapshot(path)
		if cond(evs) {
			return nil
		}
		select {
		case <-ch:
		case <-deadline.C:
			return fmt.Errorf("webhook receiver: %s did not happen within 60 s; events on /%s: %s", what, path, describeEvents(evs))
		}
	}
}

// verifyEvent checks that every delivery of e carries the signature of its exact body under secret, and that no
// delivery so far was malformed.
func (r *hookReceiver) verifyEvent(e hookEvent, secret string) error {
	r.mu.Lock()
	problems := append([]string(nil), r.problems...)
	r.mu.Unlock()
	if len(problems) > 0 {
		return fmt.Errorf("webhook receiver: %s", strings.Join(problems, "; "))
	}
	for i, body := range e.Bodies {
		if !hmac.Equal([]byte(e.Signatures[i]), []byte(hookSignature(secret, body))) {
			return fmt.Errorf("webhook receiver: delivery %d of %s %s on /%s has signature %q, not the HMAC-SHA256 of its body under the expected secret",
				i+1, e.EventType, e.MessageID, e.Path, e.Signatures[i])
		}
	}
	return nil
}

// jobCompletedFor returns the decoded synchronization.jobCompleted.v1 events of run runID.
func jobCompletedFor(evs []hookEvent, runID string) []wire.JobCompletedContent {
	var out []wire.JobCompletedContent
	for _, e := range evs {
		var c wire.JobCompletedContent
		if e.EventType == wire.EventJobCompleted && json.Unmarshal(e.Content, &c) == nil && c.SynchronizationID == runID {
			out = append(out, c)
		}
	}
	return out
}

// changesReady returns the decoded iModels.changesReady.v1 events, by changeset index.
func changesReady(evs []hookEvent) map[int]wire.ChangesReadyContent {
	out := map[int]wire.ChangesReadyContent{}
	for _, e := range evs {
		var c wire.ChangesReadyContent
		if e.EventType == wire.EventChangesReady && json.Unmarshal(e.Content, &c) == nil {
			out[c.ChangesetIndex] = c
		}
	}
	return out
}

func describeEvents(evs []hookEvent) string {
	if len(evs) == 0 {
		return "none"
	}
	lines := make([]string, 0, len(evs))
	for _, e := range evs {
		lines = append(lines, fmt.Sprintf("%s %s (accepted %d, refused %d)", e.EventType, e.Content, e.Accepted, e.Refused))
	}
	sort.Strings(lines)
	return strings.Join(lines, "; ")
}
