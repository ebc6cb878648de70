package wire

// Webhooks v2 bodies and event contents (spec §12).

import (
	"encoding/json"
)

// --- Webhooks v2 (§12) ---

// Webhook scopes.
const (
	WebhookScopeAccount = "Account"
	WebhookScopeITwin   = "iTwin"
)

// Event types a synchronization touches (spec §12).
const (
	EventJobCompleted        = "synchronization.jobCompleted.v1"
	EventIModelCreated       = "iModels.iModelCreated.v1"
	EventIModelDeleted       = "iModels.iModelDeleted.v1"
	EventChangesReady        = "iModels.changesReady.v1"
	EventNamedVersionCreated = "iModels.namedVersionCreated.v1"
)

// WebhookEventTypes lists the known event types, in the order of the spec.
var WebhookEventTypes = []string{EventJobCompleted, EventIModelCreated, EventIModelDeleted, EventChangesReady, EventNamedVersionCreated}

// Webhook is a webhook as GET and PATCH return it (unwrapped). Secret is set only in the create answer.
type Webhook struct {
	ID          string    `json:"id"`
	Scope       string    `json:"scope"`
	ScopeID     string    `json:"scopeId"`
	Active      bool      `json:"active"`
	CallbackURL string    `json:"callbackUrl"`
	EventTypes  []string  `json:"eventTypes"`
	Created     Timestamp `json:"created,omitzero"`
	Modified    Timestamp `json:"modified,omitzero"`
	Secret      string    `json:"secret,omitempty"`
}

// WebhookCreate is the POST /webhooks body. A webhook starts inactive; without Secret the server generates one.
type WebhookCreate struct {
	CallbackURL string   `json:"callbackUrl"`
	Scope       string   `json:"scope"`
	ScopeID     string   `json:"scopeId,omitempty"`
	EventTypes  []string `json:"eventTypes"`
	Secret      string   `json:"secret,omitempty"`
}

// WebhookUpdate is the PATCH /webhooks/{id} body (merge; EventTypes replaces the whole list when present).
type WebhookUpdate struct {
	Active      *bool    `json:"active,omitempty"`
	CallbackURL *string  `json:"callbackUrl,omitempty"`
	EventTypes  []string `json:"eventTypes,omitempty"`
	Secret      *string  `json:"secret,omitempty"`
}

// WebhookList is the caller's webhooks (no paging).
type WebhookList struct {
	Webhooks []Webhook `json:"webhooks"`
}

// EnqueuedDateTimeLayout is the culture format of WebhookEvent.EnqueuedDateTime (UTC), e.g. "11/3/2023 8:07:01 PM".
const EnqueuedDateTimeLayout = "1/2/2006 3:04:05 PM"

// WebhookEvent is the body POSTed to a callback URL. Content depends on EventType.
type WebhookEvent struct {
	Content          json.RawMessage `json:"content"`
	EventType        string          `json:"eventType"`
	EnqueuedDateTime string          `json:"enqueuedDateTime"`
	ITwinID          string          `json:"iTwinId"`
	MessageID        string          `json:"messageId"`
	WebhookID        string          `json:"webhookId"`
}

// JobCompletedContent is the content of synchronization.jobCompleted.v1. Result is the run result with a lower-case
// first letter ("success", "partialSuccess", …); compare it case-insensitively.
type JobCompletedContent struct {
	SynchronizationID string `json:"synchronizationId"`
	IModelID          string `json:"iModelId"`
	ConnectionID      string `json:"connectionId"`
	Result            string `json:"result"`
}

// ChangesReadyContent is the content of iModels.changesReady.v1 (note the lower-case m of imodelId).
type ChangesReadyContent struct {
	IModelID       string `json:"imodelId"`
	ChangesetID    string `json:"changesetId"`
	ChangesetIndex int    `json:"changesetIndex"`
}

// IModelEventContent is the content of iModels.iModelCreated.v1 and iModels.iModelDeleted.v1.
type IModelEventContent struct {
	IModelID string `json:"imodelId"`
	UserID   string `json:"userId"`
}
