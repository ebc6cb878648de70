package itwinlocal

// The loopback inbox (/local/inbox/{name}): a webhook receiver built into itwin-local for demos and tests. A
// webhook whose callbackUrl is {origin}/local/inbox/{name} delivers there; the inbox checks each delivery's
// Signature against the secret of the webhook named in the body (the server knows it) and keeps the last
// inboxKeep deliveries per name in memory. Like /local/stats it needs no token and is never subject to faults.

import (
	"encoding/json"
	"net/http"
	"regexp"
	"sync"

	"github.com/seed37c7dd03/terraform-provider-itwin/internal/wire"
)

const (
	inboxKeep     = 1000 // deliveries kept per inbox (the oldest go first)
	inboxMaxBoxes = 100  // inboxes kept (the least recently written goes first)
)

var inboxNameRe = regexp.MustCompile(`^[A-Za-z0-9._-]{1,64}$`)

// InboxEntry is one delivery an inbox received.
type InboxEntry struct {
	ReceivedDateTime wire.Timestamp `json:"receivedDateTime"`
	ContentType      string         `json:"contentType"`
	Signature        string         `json:"signature"`
	// SignatureValid: Signature is sha256=HMAC-SHA256(the webhook's secret, the body) for the webhook the body names.
	SignatureValid bool            `json:"signatureValid"`
	Event          json.RawMessage `json:"event"` // the body as received (a wire.WebhookEvent)
}

// InboxList is the body of GET /local/inbox/{name}: the kept deliveries, oldest first, and how many arrived in all.
type InboxList struct {
	Name     string       `json:"name"`
	Received int64        `json:"received"`
	Events   []InboxEntry `json:"events"`
}

type inboxes struct {
	mu    sync.Mutex
	boxes map[string]*InboxList
	order []string // names, least recently written first
}

var errInboxName = apiErr(404, "InboxNotFound", "An inbox name is 1 to 64 letters, digits, '.', '_' or '-'.")

func (s *Server) handleInboxPost(c *rc) error {
	name := c.param("name")
	if !inboxNameRe.MatchString(name) {
		return errInboxName
	}
	body, err := readBody(c)
	if err != nil {
		return err
	}
	var ev wire.WebhookEvent
	if body == nil || json.Unmarshal(body, &ev) != nil {
		return apiErr(400, "InvalidRequestBody", "The inbox accepts webhook deliveries: a JSON WebhookEvent.")
	}
	sig := c.r.Header.Get("Signature")
	valid := false
	if IsGUID(ev.WebhookID) {
		w, err := s.store.getWebhook(c.ctx, s.store.Reader(), ev.WebhookID)
		if err != nil && !IsNotFound(err) {
			return err
		}
		valid = err == nil && hmacEqual(sig, signature(w.Secret, body))
	}
	s.inbox.add(name, InboxEntry{ReceivedDateTime: wire.NewTimestamp(s.Now()), ContentType: c.r.Header.Get("Content-Type"),
		Signature: sig, SignatureValid: valid, Event: json.RawMessage(body)})
	writeNoBody(c.w, http.StatusNoContent)
	return nil
}

func (s *Server) handleInboxGet(c *rc) error {
	name := c.param("name")
	if !inboxNameRe.MatchString(name) {
		return errInboxName
	}
	writeJSON(c.w, http.StatusOK, s.inbox.list(name))
	return nil
}

func (s *Server) handleInboxDelete(c *rc) error {
	name := c.param("name")
	if !inboxNameRe.MatchString(name) {
		return errInboxName
	}
	s.inbox.mu.Lock()
	delete(s.inbox.boxes, name)
	s.inbox.mu.Unlock()
	writeNoBody(c.w, http.StatusNoContent)
	return nil
}

func (in *inboxes) add(name string, e InboxEntry) {
	in.mu.Lock()
	defer in.mu.Unlock()
	if in.boxes == nil {
		in.boxes = map[string]*InboxList{}
	}
	b := in.boxes[name]
	if b == nil {
		b = &InboxList{Name: name}
		in.boxes[name] = b
	}
	b.Received++
	b.Events = append(b.Events, e)
	if len(b.Events) > inboxKeep {
		b.Events = append([]InboxEntry(nil), b.Events[len(b.Events)-inboxKeep:]...)
	}
	order := in.order[:0]
	for _, n := range in.order {
		if n != name && in.boxes[n] != nil {
			order = append(order, n)
		}
	}
	in.order = append(order, name)
	for len(in.order) > inboxMaxBoxes {
		delete(in.boxes, in.order[0])
		in.order = in.order[1:]
	}
}

func (in *inboxes) list(name string) InboxList {
	in.mu.Lock()
	defer in.mu.Unlock()
	out := InboxList{Name: name, Events: []InboxEntry{}}
	if b := in.boxes[name]; b != nil {
		out.Received = b.Received
		out.Events = append(out.Events, b.Events...)
	}
	return out
}
