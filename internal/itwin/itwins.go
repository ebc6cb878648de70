package itwin

import (
	"context"
	"net/http"
	"net/url"

	"github.com/seed37c7dd03/terraform-provider-itwin/internal/wire"
)

// GetITwin reads an iTwin (404 iTwinNotFound).
func (c *Client) GetITwin(ctx context.Context, id string) (*wire.ITwin, error) {
	if err := need("iTwin id", id); err != nil {
		return nil, err
	}
	var env wire.ITwinEnvelope
	if _, err := c.doJSON(ctx, call{method: http.MethodGet, path: "/itwins/" + esc(id)}, &env); err != nil {
		return nil, err
	}
	return &env.ITwin, nil
}

// CreateITwin creates an iTwin; class, subClass and displayName are required by the server.
func (c *Client) CreateITwin(ctx context.Context, t wire.ITwinCreate) (*wire.ITwin, error) {
	var env wire.ITwinEnvelope
	if _, err := c.doJSON(ctx, call{method: http.MethodPost, path: "/itwins/", body: t}, &env); err != nil {
		return nil, err
	}
	return &env.ITwin, nil
}

// UpdateITwin changes an iTwin in place (PATCH, merge): fields left absent keep their value, and wire.Null
// clears an optional one. class and subClass cannot change (422).
func (c *Client) UpdateITwin(ctx context.Context, id string, body wire.ITwinUpdate) (*wire.ITwin, error) {
	if err := need("iTwin id", id); err != nil {
		return nil, err
	}
	var env wire.ITwinEnvelope
	if _, err := c.doJSON(ctx, call{method: http.MethodPatch, path: "/itwins/" + esc(id), body: body}, &env); err != nil {
		return nil, err
	}
	return &env.ITwin, nil
}

// DeleteITwin deletes an iTwin with everything in it.
func (c *Client) DeleteITwin(ctx context.Context, id string) error {
	if err := need("iTwin id", id); err != nil {
		return err
	}
	_, err := c.do(ctx, call{method: http.MethodDelete, path: "/itwins/" + esc(id)})
	return err
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
	q := url.Values{}
	for k, v := range map[string]string{
		"displayName": opts.DisplayName, "number": opts.Number, "subClass": opts.SubClass, "type": opts.Type,
		"status": opts.Status, "parentId": opts.ParentID, "iTwinAccountId": opts.ITwinAccountID, "$search": opts.Search,
	} {
		if v != "" {
			q.Set(k, v)
		}
	}
	if opts.IncludeInactive {
		q.Set("includeInactive", "true")
	}
	return listAll(ctx, c, "/itwins/", q, 0,
		decodePage(func(p *wire.ITwinList) ([]wire.ITwin, *wire.Link) { return p.ITwins, p.Links.Next }))
}
