package itwin

import (
	"context"
	"net/http"

	"github.com/seed37c7dd03/terraform-provider-itwin/internal/wire"
)

func itwinOf(e *wire.ITwinEnvelope) *wire.ITwin { return &e.ITwin }

// GetITwin reads an iTwin (404 iTwinNotFound).
func (c *Client) GetITwin(ctx context.Context, id string) (*wire.ITwin, error) {
	return sendJSON(ctx, c, route(http.MethodGet, "/itwins/{iTwin id}", id), itwinOf)
}

// CreateITwin creates an iTwin; class, subClass and displayName are required by the server.
func (c *Client) CreateITwin(ctx context.Context, t wire.ITwinCreate) (*wire.ITwin, error) {
	return sendJSON(ctx, c, route(http.MethodPost, "/itwins/").withBody(t), itwinOf)
}

// UpdateITwin changes an iTwin in place (PATCH, merge): fields left absent keep their value, and wire.Null
// clears an optional one. class and subClass cannot change (422).
func (c *Client) UpdateITwin(ctx context.Context, id string, body wire.ITwinUpdate) (*wire.ITwin, error) {
	return sendJSON(ctx, c, route(http.MethodPatch, "/itwins/{iTwin id}", id).withBody(body), itwinOf)
}

// DeleteITwin deletes an iTwin with everything in it.
func (c *Client) DeleteITwin(ctx context.Context, id string) error {
	return c.send(ctx, route(http.MethodDelete, "/itwins/{iTwin id}", id))
}

// ITwinListOptions are the filters of ListITwins. Zero values send no filter.
type ITwinListOptions struct {
	DisplayName    string // exact display name
	Number         string // exact number
	SubClass       string
	Type           string
	Status         string
	ParentID       string
	ITwinAccountID string
	// Search keeps iTwins whose display name or number contains it, case-insensitively (`$search`).
	Search string
	// IncludeInactive also lists Inactive iTwins, which the server hides otherwise.
	IncludeInactive bool
}

// ListITwins lists the iTwins the caller can access, in full representation, following every page.
func (c *Client) ListITwins(ctx context.Context, opts ITwinListOptions) ([]wire.ITwin, error) {
	q := filters(map[string]string{
		"displayName": opts.DisplayName, "number": opts.Number, "subClass": opts.SubClass, "type": opts.Type,
		"status": opts.Status, "parentId": opts.ParentID, "iTwinAccountId": opts.ITwinAccountID, "$search": opts.Search,
	})
	if opts.IncludeInactive {
		q.Set("includeInactive", "true")
	}
	return listAll(ctx, c, route(http.MethodGet, "/itwins/").withQuery(q), 0,
		func(p *wire.ITwinList) ([]wire.ITwin, *wire.Link) { return p.ITwins, p.Links.Next })
}
