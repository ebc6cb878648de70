package itwinlocal

// Webhooks v2 (§12): W1–W5 with their validation (their SQL is in store_webhooks.go). Events and the outbox are
// in events.go, the delivery worker in delivery.go, the loopback inbox in inbox.go.
//
// Every client of itwin-local is a service application, so every caller may manage webhooks; each caller sees
// only its own (another caller's webhook answers 404 WebhookNotFound, like one that does not exist). An
// Account webhook's scopeId is the caller's account id: accountID(client id), a UUID derived from the client id,
// so it is stable across restarts and data dirs.

import (
	"bytes"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/seed37c7dd03/terraform-provider-itwin/internal/wire"
)

// Webhook limits of the local server.
const (
	minWebhookSecret   = 32   // characters (§12)
	maxWebhookSecret   = 1024 // characters
	maxCallbackURL     = 2048 // bytes
	webhookSecretBytes = 32   // random bytes of a generated secret (64 hex characters)
)

const (
	famWebhookCreate = "InvalidCreateWebhookRequest"
	famWebhookUpdate = "InvalidUpdateWebhookRequest"
	detailBadBody    = "InvalidRequestBody"
)

var errWebhookNotFound = apiErr(404, "WebhookNotFound", "Requested webhook is not available.")

// AccountID is the account id of a client: the scopeId of its Account webhooks. itwin-local has no accounts, so
// every client is its own account, identified by the name-based UUID of "account:" + client id.
func AccountID(clientID string) string { return uuidFromName("account:" + clientID) }

// webhookRecord is a stored webhook.
type webhookRecord struct {
	ID, Owner, Scope, ScopeID, CallbackURL, Secret string
	Active                                         bool
	EventTypes                                     []string
	Created, Modified                              time.Time
}

func (w webhookRecord) wire(withSecret bool) wire.Webhook {
	out := wire.Webhook{ID: w.ID, Scope: w.Scope, ScopeID: w.ScopeID, Active: w.Active, CallbackURL: w.CallbackURL,
		EventTypes: append([]string{}, w.EventTypes...), Created: wire.NewTimestamp(w.Created), Modified: wire.NewTimestamp(w.Modified)}
	if withSecret {
		out.Secret = w.Secret
	}
	return out
}

func (w webhookRecord) subscribes(eventType string) bool {
	return slices.Contains(w.EventTypes, eventType)
}

// --- decoding (pure, fuzzed) ---

// webhookBody reads a W1/W4 body field by field, so a wrong type names its field, and collects every problem
// as one detail of the 422.
type webhookBody struct {
	keys    map[string]json.RawMessage // lower-cased keys; JSON null values removed (null means absent)
	details []wire.ErrorDetail
}

func parseWebhookBody(body []byte) (*webhookBody, bool) {
	var raw map[string]json.RawMessage
	if len(bytes.TrimSpace(body)) == 0 || json.Unmarshal(body, &raw) != nil || raw == nil {
		return &webhookBody{details: []wire.ErrorDetail{{Code: detailBadBody, Target: "body",
			Message: "The request body must be a JSON object."}}}, false
	}
	b := &webhookBody{keys: map[string]json.RawMessage{}}
	for k, v := range raw {
		if string(bytes.TrimSpace(v)) != "null" {
			b.keys[strings.ToLower(k)] = v
		}
	}
	return b, true
}

func (b *webhookBody) add(code, target, msg string) {
	b.details = append(b.details, wire.ErrorDetail{Code: code, Message: msg, Target: target})
}

func (b *webhookBody) has(name string) bool { _, ok := b.keys[strings.ToLower(name)]; return ok }

// str returns a present string field; a non-string value is reported.
func (b *webhookBody) str(name string) (string, bool) {
	v, ok := b.keys[strings.ToLower(name)]
	if !ok {
		return "", false
	}
	var s string
	if json.Unmarshal(v, &s) != nil {
		b.add(detailInvalid, name, name+" must be a string.")
		return "", false
	}
	return s, true
}

func (b *webhookBody) boolean(name string) (bool, bool) {
	v, ok := b.keys[strings.ToLower(name)]
	if !ok {
		return false, false
	}
	var x bool
	if json.Unmarshal(v, &x) != nil {
		b.add(detailInvalid, name, name+" must be true or false.")
		return false, false
	}
	return x, true
}

// eventTypes validates a present eventTypes list: at least one known type; duplicates are dropped.
func (b *webhookBody) eventTypes() ([]string, bool) {
	v, ok := b.keys["eventtypes"]
	if !ok {
		return nil, false
	}
	var list []string
	if json.Unmarshal(v, &list) != nil {
		b.add(detailInvalid, "eventTypes", "eventTypes must be an array of strings.")
		return nil, false
	}
	if len(list) == 0 {
		b.add(detailInvalid, "eventTypes", "eventTypes must contain at least one event type.")
		return nil, false
	}
	var out []string
	for _, t := range list {
		if !slices.Contains(wire.WebhookEventTypes, t) {
			b.add(detailInvalid, "eventTypes", fmt.Sprintf("eventTypes: %q is not a known event type (known: %s).", t, strings.Join(wire.WebhookEventTypes, ", ")))
			return nil, false
		}
		if !slices.Contains(out, t) {
			out = append(out, t)
		}
	}
	return out, true
}

func (b *webhookBody) callbackURL() (string, bool) {
	s, ok := b.str("callbackUrl")
	if !ok {
		return "", false
	}
	if msg := callbackURLProblem(s); msg != "" {
		b.add(detailInvalid, "callbackUrl", msg)
		return "", false
	}
	return s, true
}

func (b *webhookBody) secret() (string, bool) {
	s, ok := b.str("secret")
	if !ok {
		return "", false
	}
	if n := utf8.RuneCountInString(s); n < minWebhookSecret || n > maxWebhookSecret || !utf8.ValidString(s) {
		b.add(detailInvalid, "secret", fmt.Sprintf("secret must be %d to %d characters long.", minWebhookSecret, maxWebhookSecret))
		return "", false
	}
	return s, true
}

// callbackURLProblem explains why s is not an acceptable callback URL ("" = acceptable): an absolute https
// URL, or http on a loopback host (the local server's difference, §12).
func callbackURLProblem(s string) string {
	if len(s) > maxCallbackURL {
		return fmt.Sprintf("callbackUrl must be at most %d characters long.", maxCallbackURL)
	}
	u, err := url.Parse(s)
	if err != nil || !u.IsAbs() || u.Hostname() == "" || u.Opaque != "" {
		return "callbackUrl must be an absolute https URL."
	}
	switch strings.ToLower(u.Scheme) {
	case "https":
		return ""
	case "http":
		if isLoopbackHost(u.Hostname()) {
			return ""
		}
		return "callbackUrl must use https; itwin-local accepts http only on loopback hosts (127.0.0.1, ::1, localhost)."
	}
	return "callbackUrl must be an absolute https URL."
}

func isLoopbackHost(h string) bool {
	if strings.EqualFold(h, "localhost") {
		return true
	}
	ip := net.ParseIP(h)
	return ip != nil && ip.IsLoopback()
}

func webhookInvalid(fam string, details []wire.ErrorDetail) *APIError {
	msg := "Cannot create a webhook. Make sure the request body is valid."
	if fam == famWebhookUpdate {
		msg = "Cannot update a webhook. Make sure the request body is valid."
	}
	return &APIError{Status: http.StatusUnprocessableEntity, Code: fam, Message: msg, Details: details}
}

// decodeWebhookCreate validates a W1 body (§12). ScopeID is normalised (lower case); Account scope may omit it.
func decodeWebhookCreate(body []byte) (wire.WebhookCreate, error) {
	var in wire.WebhookCreate
	b, ok := parseWebhookBody(body)
	if !ok {
		return in, webhookInvalid(famWebhookCreate, b.details)
	}
	var has bool
	if in.CallbackURL, has = b.callbackURL(); !has && !b.has("callbackUrl") {
		b.add(detailMissing, "callbackUrl", "callbackUrl is required.")
	}
	if in.Scope, has = b.str("scope"); has && in.Scope != wire.WebhookScopeAccount && in.Scope != wire.WebhookScopeITwin {
		b.add(detailInvalid, "scope", "scope must be Account or iTwin.")
	} else if !b.has("scope") {
		b.add(detailMissing, "scope", "scope is required.")
	}
	if in.ScopeID, has = b.str("scopeId"); has && !IsGUID(in.ScopeID) {
		b.add(detailInvalid, "scopeId", "scopeId must be a GUID (the iTwin id, or for Account scope the account id).")
	} else if !b.has("scopeId") && in.Scope == wire.WebhookScopeITwin {
		b.add(detailMissing, "scopeId", "scopeId is required when scope is iTwin.")
	}
	in.ScopeID = NormGUID(in.ScopeID)
	if in.EventTypes, has = b.eventTypes(); !has && !b.has("eventTypes") {
		b.add(detailMissing, "eventTypes", "eventTypes is required.")
	}
	in.Secret, _ = b.secret()
	if b.has("active") {
		b.add(detailInvalid, "active", "active cannot be set on create: a new webhook is inactive; activate it with PATCH.")
	}
	if len(b.details) > 0 {
		return in, webhookInvalid(famWebhookCreate, b.details)
	}
	return in, nil
}

// webhookReadOnly are the Webhook fields a PATCH must not send.
var webhookReadOnly = []string{"id", "scope", "scopeId", "created", "modified"}

// decodeWebhookUpdate validates a W4 body (§12): a merge where absent or null fields keep their value.
func decodeWebhookUpdate(body []byte) (wire.WebhookUpdate, error) {
	var in wire.WebhookUpdate
	b, ok := parseWebhookBody(body)
	if !ok {
		return in, webhookInvalid(famWebhookUpdate, b.details)
	}
	for _, f := range webhookReadOnly {
		if b.has(f) {
			b.add(detailInvalid, f, f+" is read-only and cannot be changed.")
		}
	}
	if v, has := b.boolean("active"); has {
		in.Active = &v
	}
	if v, has := b.callbackURL(); has {
		in.CallbackURL = &v
	}
	in.EventTypes, _ = b.eventTypes()
	if v, has := b.secret(); has {
		in.Secret = &v
	}
	if len(b.details) > 0 {
		return in, webhookInvalid(famWebhookUpdate, b.details)
	}
	return in, nil
}

func newWebhookSecret() string {
	b := make([]byte, webhookSecretBytes)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// --- handlers ---

// W1.
func (s *Server) handleWebhookCreate(c *rc) error {
	body, err := readBody(c)
	if err != nil {
		return err
	}
	in, err := decodeWebhookCreate(body)
	if err != nil {
		return err
	}
	now := s.Now()
	w := webhookRecord{ID: NewGUID(), Owner: c.client.ID, Scope: in.Scope, ScopeID: in.ScopeID, CallbackURL: in.CallbackURL,
		EventTypes: in.EventTypes, Secret: in.Secret, Created: now, Modified: now}
	if w.Secret == "" {
		w.Secret = newWebhookSecret()
	}
	err = s.store.Write(c.ctx, func(tx *sql.Tx) error {
		if w.Scope == wire.WebhookScopeAccount {
			acct := AccountID(c.client.ID)
			if w.ScopeID != "" && w.ScopeID != acct {
				return errInsufficientPermissions // another account
			}
			w.ScopeID = acct
		} else {
			// An iTwin that does not exist is one the caller cannot access: W1 has no 404 (§12).
			if _, err := s.store.GetITwin(c.ctx, tx, w.ScopeID); err != nil {
				if IsNotFound(err) {
					return errInsufficientPermissions
				}
				return err
			}
			if err := c.access(w.ScopeID); err != nil {
				return err
			}
		}
		return s.store.insertWebhook(c.ctx, tx, w)
	})
	if err != nil {
		return err
	}
	writeJSON(c.w, http.StatusCreated, w.wire(true))
	return nil
}

// W2: the caller's webhooks, oldest first, never with their secret.
func (s *Server) handleWebhookList(c *rc) error {
	list, err := s.store.webhooksOwnedBy(c.ctx, s.store.Reader(), c.client.ID)
	if err != nil {
		return err
	}
	out := wire.WebhookList{Webhooks: []wire.Webhook{}}
	for _, w := range list {
		out.Webhooks = append(out.Webhooks, w.wire(false))
	}
	writeJSON(c.w, http.StatusOK, out)
	return nil
}

// loadWebhook loads the path's webhook if the caller owns it (404 otherwise).
func (c *rc) loadWebhook(q Querier) (webhookRecord, error) {
	id := c.param("id")
	if !IsGUID(id) {
		return webhookRecord{}, errWebhookNotFound
	}
	w, err := c.s.store.getWebhook(c.ctx, q, id)
	if errors.Is(err, ErrNotFound) || (err == nil && w.Owner != c.client.ID) {
		return webhookRecord{}, errWebhookNotFound
	}
	return w, err
}

// W3.
func (s *Server) handleWebhookGet(c *rc) error {
	w, err := c.loadWebhook(s.store.Reader())
	if err != nil {
		return err
	}
	writeJSON(c.w, http.StatusOK, w.wire(false))
	return nil
}

// W4. Deactivation discards the webhook's pending deliveries and returns only when no delivery to it is in
// flight any more, so nothing reaches the receiver after the answer.
func (s *Server) handleWebhookUpdate(c *rc) error {
	body, err := readBody(c)
	if err != nil {
		return err
	}
	in, err := decodeWebhookUpdate(body)
	if err != nil {
		return err
	}
	var w webhookRecord
	deactivated := false
	err = s.store.Write(c.ctx, func(tx *sql.Tx) error {
		var err error
		if w, err = c.loadWebhook(tx); err != nil {
			return err
		}
		if in.Active != nil {
			deactivated = w.Active && !*in.Active
			w.Active = *in.Active
		}
		if in.CallbackURL != nil {
			w.CallbackURL = *in.CallbackURL
		}
		if in.EventTypes != nil {
			w.EventTypes = in.EventTypes
		}
		if in.Secret != nil {
			w.Secret = *in.Secret
		}
		// modified always moves forward, also when the clock has not (a fast client, a test clock).
		now := s.Now()
		if !now.After(w.Modified) {
			now = w.Modified.Add(time.Millisecond)
		}
		w.Modified = now
		if deactivated {
			if err := s.hooks.discardPending(c.ctx, tx, w.ID); err != nil {
				return err
			}
		}
		return s.store.saveWebhook(c.ctx, tx, w)
	})
	if err != nil {
		return err
	}
	if deactivated {
		s.hooks.waitIdle(w.ID)
	}
	writeJSON(c.w, http.StatusOK, w.wire(false))
	return nil
}

// W5. Pending deliveries go with the webhook; like deactivation, the answer waits for an in-flight one.
func (s *Server) handleWebhookDelete(c *rc) error {
	var id string
	err := s.store.Write(c.ctx, func(tx *sql.Tx) error {
		w, err := c.loadWebhook(tx)
		if err != nil {
			return err
		}
		id = w.ID
		if err := s.hooks.discardPending(c.ctx, tx, w.ID); err != nil {
			return err
		}
		return s.store.deleteWebhook(c.ctx, tx, w.ID)
	})
	if err != nil {
		return err
	}
	s.hooks.waitIdle(id)
	writeNoBody(c.w, http.StatusNoContent)
	return nil
}
