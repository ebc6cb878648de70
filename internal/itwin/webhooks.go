package itwin

import (
	"context"
	"net/http"

	"github.com/seed37c7dd03/terraform-provider-itwin/internal/wire"
)

// Webhooks v2 (spec §12). Answers are unwrapped Webhook objects; only the create answer carries the secret, and
// the client never logs a body (error snippets are scrubbed of "secret" fields by redactText).

// CreateWebhook creates a webhook (W1). It starts inactive; the answer carries the secret (the one given, or the
// one the server generated), which no later answer repeats.
func (c *Client) CreateWebhook(ctx context.Context, body wire.WebhookCreate) (*wire.Webhook, error) {
	return sendJSON(ctx, c, route(http.MethodPost, "/webhooks/").withBody(body), self[wire.Webhook])
}

// GetWebhook reads one of the caller's webhooks (W3; 404 WebhookNotFound also for another caller's webhook).
func (c *Client) GetWebhook(ctx context.Context, id string) (*wire.Webhook, error) {
	return sendJSON(ctx, c, route(http.MethodGet, "/webhooks/{webhook id}", id), self[wire.Webhook])
}

// ListWebhooks lists the caller's webhooks (W2, not paged).
func (c *Client) ListWebhooks(ctx context.Context) ([]wire.Webhook, error) {
	return sendJSON(ctx, c, route(http.MethodGet, "/webhooks/"), func(l *wire.WebhookList) []wire.Webhook { return l.Webhooks })
}

// UpdateWebhook merges the set fields of body into the webhook (W4): activation, callback URL, the whole event
// type list, or a new secret (rotation).
func (c *Client) UpdateWebhook(ctx context.Context, id string, body wire.WebhookUpdate) (*wire.Webhook, error) {
	return sendJSON(ctx, c, route(http.MethodPatch, "/webhooks/{webhook id}", id).withBody(body), self[wire.Webhook])
}

// DeleteWebhook deletes a webhook (W5); it receives nothing more, not even pending retries.
func (c *Client) DeleteWebhook(ctx context.Context, id string) error {
	return c.send(ctx, route(http.MethodDelete, "/webhooks/{webhook id}", id))
}
