package itwin

import (
	"context"
	"net/http"
	"net/url"

	"github.com/seed37c7dd03/terraform-provider-itwin/internal/wire"
)

// The iModels API has no operation to delete a named version; it can only be hidden (state "hidden").

func namedVersionsPath(imodelID string) string { return "/imodels/" + esc(imodelID) + "/namedversions" }

// CreateNamedVersion names a changeset of an iModel: the one body.ChangesetID or body.ChangesetIndex points at,
// or the latest when neither is set. 404 ChangesetNotFound for an unknown changeset; 409 NamedVersionExists
// when the name, or the changeset, already has a named version.
func (c *Client) CreateNamedVersion(ctx context.Context, imodelID string, body wire.NamedVersionCreate) (*wire.NamedVersion, error) {
	if err := need("iModel id", imodelID); err != nil {
		return nil, err
	}
	var env wire.NamedVersionEnvelope
	if _, err := c.doJSON(ctx, call{method: http.MethodPost, path: namedVersionsPath(imodelID), body: body}, &env); err != nil {
		return nil, err
	}
	return &env.NamedVersion, nil
}

// GetNamedVersion reads a named version (404 NamedVersionNotFound, or iModelNotFound).
func (c *Client) GetNamedVersion(ctx context.Context, imodelID, id string) (*wire.NamedVersion, error) {
	if err := need("iModel id", imodelID, "named version id", id); err != nil {
		return nil, err
	}
	var env wire.NamedVersionEnvelope
	if _, err := c.doJSON(ctx, call{method: http.MethodGet, path: namedVersionsPath(imodelID) + "/" + esc(id)}, &env); err != nil {
		return nil, err
	}
	return &env.NamedVersion, nil
}

// NamedVersionListOptions narrows ListNamedVersions. Zero values send no filter.
type NamedVersionListOptions struct {
	Name   string // exact name
	Search string // `$search`
}

// ListNamedVersions lists an iModel's named versions in changeset order, in full representation.
func (c *Client) ListNamedVersions(ctx context.Context, imodelID string, opts NamedVersionListOptions) ([]wire.NamedVersion, error) {
	if err := need("iModel id", imodelID); err != nil {
		return nil, err
	}
	q := url.Values{"$orderBy": {"changesetIndex asc"}}
	if opts.Name != "" {
		q.Set("name", opts.Name)
	}
	if opts.Search != "" {
		q.Set("$search", opts.Search)
	}
	return listAll(ctx, c, namedVersionsPath(imodelID), q, 0,
		decodePage(func(p *wire.NamedVersionList) ([]wire.NamedVersion, *wire.Link) { return p.NamedVersions, p.Links.Next }))
}

// UpdateNamedVersion changes a named version in place (PATCH, merge): name, description (wire.Null clears it)
// and state ("visible" or "hidden").
func (c *Client) UpdateNamedVersion(ctx context.Context, imodelID, id string, body wire.NamedVersionUpdate) (*wire.NamedVersion, error) {
	if err := need("iModel id", imodelID, "named version id", id); err != nil {
		return nil, err
	}
	var env wire.NamedVersionEnvelope
	if _, err := c.doJSON(ctx, call{method: http.MethodPatch, path: namedVersionsPath(imodelID) + "/" + esc(id), body: body}, &env); err != nil {
		return nil, err
	}
	return &env.NamedVersion, nil
}
