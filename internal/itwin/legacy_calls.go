package itwin

// Transitional: the per-kind calls the provider still uses until it moves to ConnectionAPI.

import (
	"context"
	"net/http"
	"net/url"

	"github.com/seed37c7dd03/terraform-provider-itwin/internal/wire"
)

// connectionKind names the two connection families; their endpoints differ only in the collection path.
type connectionKind struct {
	name string // "storage" or "manifest"
	path string
}

var (
	storageKind  = connectionKind{name: "storage", path: "/synchronization/imodels/storageconnections"}
	manifestKind = connectionKind{name: "manifest", path: "/synchronization/imodels/manifestconnections"}
)

func (c *Client) createConnection(ctx context.Context, k connectionKind, body any) (*wire.Connection, error) {
	var env wire.ConnectionEnvelope
	if _, err := c.doJSON(ctx, call{method: http.MethodPost, path: k.path, body: body}, &env); err != nil {
		return nil, err
	}
	return &env.Connection, nil
}

func (c *Client) getConnection(ctx context.Context, k connectionKind, id string) (*wire.Connection, error) {
	if err := need("connection id", id); err != nil {
		return nil, err
	}
	var env wire.ConnectionEnvelope
	if _, err := c.doJSON(ctx, call{method: http.MethodGet, path: k.path + "/" + esc(id)}, &env); err != nil {
		return nil, err
	}
	return &env.Connection, nil
}

func (c *Client) listConnections(ctx context.Context, k connectionKind, imodelID string) ([]wire.Connection, error) {
	q := url.Values{}
	if imodelID != "" {
		q.Set("imodelId", imodelID)
	}
	return listAll(ctx, c, k.path, q, 0, decodeConnections())
}

func (c *Client) updateConnection(ctx context.Context, k connectionKind, id string, u wire.ConnectionUpdate) (*wire.Connection, error) {
	if err := need("connection id", id); err != nil {
		return nil, err
	}
	var env wire.ConnectionEnvelope
	if _, err := c.doJSON(ctx, call{method: http.MethodPut, path: k.path + "/" + esc(id), body: u}, &env); err != nil {
		return nil, err
	}
	return &env.Connection, nil
}

func (c *Client) deleteConnection(ctx context.Context, k connectionKind, id string) error {
	if err := need("connection id", id); err != nil {
		return err
	}
	_, err := c.do(ctx, call{method: http.MethodDelete, path: k.path + "/" + esc(id)})
	return err
}

// CreateStorageConnection creates a storage connection with its source files (S1).
func (c *Client) CreateStorageConnection(ctx context.Context, body wire.StorageConnectionCreate) (*wire.Connection, error) {
	return c.createConnection(ctx, storageKind, body)
}

// GetStorageConnection reads a storage connection (S3).
func (c *Client) GetStorageConnection(ctx context.Context, id string) (*wire.Connection, error) {
	return c.getConnection(ctx, storageKind, id)
}

// ListStorageConnections lists the storage connections of an iModel, or every accessible one when imodelID is
// empty (S2, all pages, full representation).
func (c *Client) ListStorageConnections(ctx context.Context, imodelID string) ([]wire.Connection, error) {
	return c.listConnections(ctx, storageKind, imodelID)
}

// UpdateStorageConnection changes display name and/or authentication type; omitted fields keep their values (S4).
func (c *Client) UpdateStorageConnection(ctx context.Context, id string, u wire.ConnectionUpdate) (*wire.Connection, error) {
	return c.updateConnection(ctx, storageKind, id, u)
}

// DeleteStorageConnection deletes a storage connection (S5).
func (c *Client) DeleteStorageConnection(ctx context.Context, id string) error {
	return c.deleteConnection(ctx, storageKind, id)
}

// CreateManifestConnection creates a manifest connection with its source files (M1).
func (c *Client) CreateManifestConnection(ctx context.Context, body wire.ManifestConnectionCreate) (*wire.Connection, error) {
	return c.createConnection(ctx, manifestKind, body)
}

// GetManifestConnection reads a manifest connection (M3).
func (c *Client) GetManifestConnection(ctx context.Context, id string) (*wire.Connection, error) {
	return c.getConnection(ctx, manifestKind, id)
}

// ListManifestConnections lists the manifest connections of an iModel (M2, all pages, full representation).
func (c *Client) ListManifestConnections(ctx context.Context, imodelID string) ([]wire.Connection, error) {
	if err := need("iModel id", imodelID); err != nil {
		return nil, err
	}
	return c.listConnections(ctx, manifestKind, imodelID)
}

// UpdateManifestConnection changes display name and/or authentication type (M4).
func (c *Client) UpdateManifestConnection(ctx context.Context, id string, u wire.ConnectionUpdate) (*wire.Connection, error) {
	return c.updateConnection(ctx, manifestKind, id, u)
}

// DeleteManifestConnection deletes a manifest connection (M5).
func (c *Client) DeleteManifestConnection(ctx context.Context, id string) error {
	return c.deleteConnection(ctx, manifestKind, id)
}

func (c *Client) StartStorageRun(ctx context.Context, connID string) (*StartRunResult, error) {
	return c.Connections(wire.KindStorage).StartRun(ctx, connID, nil)
}

func (c *Client) StartManifestRun(ctx context.Context, connID string, body wire.ManifestRunCreate) (*StartRunResult, error) {
	return c.Connections(wire.KindManifest).StartRun(ctx, connID, &body)
}

func (c *Client) GetStorageRun(ctx context.Context, connID, runID string) (*wire.Run, error) {
	return c.Connections(wire.KindStorage).GetRun(ctx, connID, runID)
}

func (c *Client) GetManifestRun(ctx context.Context, connID, runID string) (*wire.Run, error) {
	return c.Connections(wire.KindManifest).GetRun(ctx, connID, runID)
}

func (c *Client) ListStorageRuns(ctx context.Context, connID string, limit int) ([]wire.Run, error) {
	return c.Connections(wire.KindStorage).ListRuns(ctx, connID, limit)
}

func (c *Client) ListManifestRuns(ctx context.Context, connID string, limit int) ([]wire.Run, error) {
	return c.Connections(wire.KindManifest).ListRuns(ctx, connID, limit)
}
