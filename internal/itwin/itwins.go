package itwin

import (
	"context"
	"net/http"

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

// DeleteITwin deletes an iTwin with everything in it.
func (c *Client) DeleteITwin(ctx context.Context, id string) error {
	if err := need("iTwin id", id); err != nil {
		return err
	}
	_, err := c.do(ctx, call{method: http.MethodDelete, path: "/itwins/" + esc(id)})
	return err
}
