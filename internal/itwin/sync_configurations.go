package itwin

import (
	"context"
	"fmt"
	"net/http"

	"github.com/seed37c7dd03/terraform-provider-itwin/internal/wire"
)

// configurationPath maps a scope (ScopeITwin, ScopeIModel, ScopeConnection) to its K* path.
func configurationPath(scope, id string) (string, error) {
	var seg string
	switch scope {
	case wire.ScopeITwin:
		seg = "itwins"
	case wire.ScopeIModel:
		seg = "imodels"
	case wire.ScopeConnection:
		seg = "connections"
	default:
		return "", fmt.Errorf("configuration scope must be %q, %q or %q, got %q", wire.ScopeITwin, wire.ScopeIModel, wire.ScopeConnection, scope)
	}
	if err := need(scope+" id", id); err != nil {
		return "", err
	}
	return "/synchronization/configurations/" + seg + "/" + esc(id), nil
}

func (c *Client) configurationCall(ctx context.Context, method, scope, id string, settings map[string]any) (*wire.Configuration, error) {
	p, err := configurationPath(scope, id)
	if err != nil {
		return nil, err
	}
	cl := call{method: method, path: p}
	if method == http.MethodPost || method == http.MethodPatch {
		if settings == nil {
			settings = map[string]any{}
		}
		cl.body = settings
	}
	var env wire.ConfigurationEnvelope
	if _, err := c.doJSON(ctx, cl, &env); err != nil {
		return nil, err
	}
	return &env.Configuration, nil
}

// GetConfiguration reads a scope's stored and resolved settings (K1/K5/K9). 404 ConfigurationNotFound when the
// scope has none.
func (c *Client) GetConfiguration(ctx context.Context, scope, id string) (*wire.Configuration, error) {
	return c.configurationCall(ctx, http.MethodGet, scope, id, nil)
}

// CreateConfiguration stores a scope's flags (K2/K6/K10); 409 ConfigurationAlreadyExists if it has some.
func (c *Client) CreateConfiguration(ctx context.Context, scope, id string, settings map[string]any) (*wire.Configuration, error) {
	return c.configurationCall(ctx, http.MethodPost, scope, id, settings)
}

// PatchConfiguration merges flags into a scope's stored settings (K3/K7/K11).
func (c *Client) PatchConfiguration(ctx context.Context, scope, id string, settings map[string]any) (*wire.Configuration, error) {
	return c.configurationCall(ctx, http.MethodPatch, scope, id, settings)
}

// DeleteConfiguration removes a scope's configuration; its flags fall back to their defaults (K4/K8/K12).
func (c *Client) DeleteConfiguration(ctx context.Context, scope, id string) error {
	p, err := configurationPath(scope, id)
	if err != nil {
		return err
	}
	_, err = c.do(ctx, call{method: http.MethodDelete, path: p})
	return err
}
