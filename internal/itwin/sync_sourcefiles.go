package itwin

import (
	"context"
	"net/http"

	"github.com/seed37c7dd03/terraform-provider-itwin/internal/wire"
)

func sourceFilesPath(k connectionKind, connID string) string {
	return k.path + "/" + esc(connID) + "/sourcefiles"
}

// AddStorageSourceFile maps one more Storage file into a storage connection (S9).
func (c *Client) AddStorageSourceFile(ctx context.Context, connID string, f wire.StorageFileCreate) (*wire.StorageSourceFile, error) {
	if err := need("connection id", connID); err != nil {
		return nil, err
	}
	var env wire.StorageSourceFileEnvelope
	if _, err := c.doJSON(ctx, call{method: http.MethodPost, path: sourceFilesPath(storageKind, connID), body: f}, &env); err != nil {
		return nil, err
	}
	return &env.SourceFile, nil
}

// ListStorageSourceFiles lists a storage connection's source files (S10, all pages, with connectorType).
func (c *Client) ListStorageSourceFiles(ctx context.Context, connID string) ([]wire.StorageSourceFile, error) {
	if err := need("connection id", connID); err != nil {
		return nil, err
	}
	return listAll(ctx, c, sourceFilesPath(storageKind, connID), nil, 0,
		decodePage(func(p *wire.StorageSourceFileList) ([]wire.StorageSourceFile, *wire.Link) {
			return p.SourceFiles, p.Links.Next
		}))
}

// GetStorageSourceFile reads one source-file mapping (S11).
func (c *Client) GetStorageSourceFile(ctx context.Context, connID, id string) (*wire.StorageSourceFile, error) {
	if err := need("connection id", connID, "source file id", id); err != nil {
		return nil, err
	}
	var env wire.StorageSourceFileEnvelope
	if _, err := c.doJSON(ctx, call{method: http.MethodGet, path: sourceFilesPath(storageKind, connID) + "/" + esc(id)}, &env); err != nil {
		return nil, err
	}
	return &env.SourceFile, nil
}

// UpdateStorageSourceFile replaces both fields of a mapping; its id is kept (S12).
func (c *Client) UpdateStorageSourceFile(ctx context.Context, connID, id string, f wire.StorageFileCreate) (*wire.StorageSourceFile, error) {
	if err := need("connection id", connID, "source file id", id); err != nil {
		return nil, err
	}
	var env wire.StorageSourceFileEnvelope
	if _, err := c.doJSON(ctx, call{method: http.MethodPut, path: sourceFilesPath(storageKind, connID) + "/" + esc(id), body: f}, &env); err != nil {
		return nil, err
	}
	return &env.SourceFile, nil
}

// DeleteStorageSourceFile removes a mapping (S13).
func (c *Client) DeleteStorageSourceFile(ctx context.Context, connID, id string) error {
	if err := need("connection id", connID, "source file id", id); err != nil {
		return err
	}
	_, err := c.do(ctx, call{method: http.MethodDelete, path: sourceFilesPath(storageKind, connID) + "/" + esc(id)})
	return err
}

// AddManifestSourceFile registers one more external document id on a manifest connection (M9).
func (c *Client) AddManifestSourceFile(ctx context.Context, connID string, f wire.ManifestFileCreate) (*wire.ManifestSourceFile, error) {
	if err := need("connection id", connID); err != nil {
		return nil, err
	}
	var env wire.ManifestSourceFileEnvelope
	if _, err := c.doJSON(ctx, call{method: http.MethodPost, path: sourceFilesPath(manifestKind, connID), body: f}, &env); err != nil {
		return nil, err
	}
	return &env.SourceFile, nil
}

// ListManifestSourceFiles lists a manifest connection's source files (M10, all pages).
func (c *Client) ListManifestSourceFiles(ctx context.Context, connID string) ([]wire.ManifestSourceFile, error) {
	if err := need("connection id", connID); err != nil {
		return nil, err
	}
	return listAll(ctx, c, sourceFilesPath(manifestKind, connID), nil, 0,
		decodePage(func(p *wire.ManifestSourceFileList) ([]wire.ManifestSourceFile, *wire.Link) {
			return p.SourceFiles, p.Links.Next
		}))
}

// GetManifestSourceFile reads one registered document (M11).
func (c *Client) GetManifestSourceFile(ctx context.Context, connID, id string) (*wire.ManifestSourceFile, error) {
	if err := need("connection id", connID, "source file id", id); err != nil {
		return nil, err
	}
	var env wire.ManifestSourceFileEnvelope
	if _, err := c.doJSON(ctx, call{method: http.MethodGet, path: sourceFilesPath(manifestKind, connID) + "/" + esc(id)}, &env); err != nil {
		return nil, err
	}
	return &env.SourceFile, nil
}

// UpdateManifestSourceFile replaces the sourceFileId of a registration; its id is kept (M12).
func (c *Client) UpdateManifestSourceFile(ctx context.Context, connID, id string, f wire.ManifestFileCreate) (*wire.ManifestSourceFile, error) {
	if err := need("connection id", connID, "source file id", id); err != nil {
		return nil, err
	}
	var env wire.ManifestSourceFileEnvelope
	if _, err := c.doJSON(ctx, call{method: http.MethodPut, path: sourceFilesPath(manifestKind, connID) + "/" + esc(id), body: f}, &env); err != nil {
		return nil, err
	}
	return &env.SourceFile, nil
}

// DeleteManifestSourceFile removes a registration (M13).
func (c *Client) DeleteManifestSourceFile(ctx context.Context, connID, id string) error {
	if err := need("connection id", connID, "source file id", id); err != nil {
		return err
	}
	_, err := c.do(ctx, call{method: http.MethodDelete, path: sourceFilesPath(manifestKind, connID) + "/" + esc(id)})
	return err
}
