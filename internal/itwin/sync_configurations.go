package itwin

import (
	"context"
	"fmt"
	"net/http"

	"github.com/seed37c7dd03/terraform-provider-itwin/internal/wire"
)

// configurationCollections maps a scope to the collection of its configurations (K*).
var configurationCollections = map[string]string{wire.ScopeITwin: "itwins", wire.ScopeIModel: "imodels", wire.ScopeConnection: "connections"}

// configurationRoute is the call for the configuration of one scope (ScopeITwin, ScopeIModel, ScopeConnection).
func configurationRoute(method, scope, id string) call {
	coll, ok := configurationCollections[scope]
	if !ok {
		return call{err: fmt.Errorf("configuration scope must be %q, %q or %q, got %q", wire.ScopeITwin, wire.ScopeIModel, wire.ScopeConnection, scope)}
	}
	return route(method, "/synchronization/configurations/"+coll+"/{"+scope+" id}", id)
}

func configurationOf(e *wire.ConfigurationEnvelope) *wire.Configuration { return &e.Configuration }

// writeConfiguration sends settings to a scope's configuration, as {} when nil (the server wants an object).
func (c *Client) writeConfiguration(ctx context.Context, method, scope, id string, settings map[string]any) (*wire.Configuration, error) {
	if settings == nil {
		settings = map[string]any{}
	}
	return sendJSON(ctx, c, configurationRoute(method, scope, id).withBody(settings), configurationOf)
}

// GetConfiguration reads a scope's stored and resolved settings (K1/K5/K9). 404 ConfigurationNotFound when the
// scope has none.
func (c *Client) GetConfiguration(ctx context.Context, scope, id string) (*wire.Configuration, error) {
	return sendJSON(ctx, c, configurationRoute(http.MethodGet, scope, id), configurationOf)
}

// CreateConfiguration stores a scope's flags (K2/K6/K10); 409 ConfigurationAlreadyExists if it has some.
func (c *Client) CreateConfiguration(ctx context.Context, scope, id string, settings map[string]any) (*wire.Configuration, error) {
	return c.writeConfiguration(ctx, http.MethodPost, scope, id, settings)
}

// PatchConfiguration merges flags into a scope's stored settings (K3/K7/K11).
func (c *Client) PatchConfiguration(ctx context.Context, scope, id string, settings map[string]any) (*wire.Configuration, error) {
	return c.writeConfiguration(ctx, http.MethodPatch, scope, id, settings)
}

// DeleteConfiguration removes a scope's configuration; its flags fall back to their defaults (K4/K8/K12).
func (c *Client) DeleteConfiguration(ctx context.Context, scope, id string) error {
	return c.send(ctx, configurationRoute(http.MethodDelete, scope, id))
}
