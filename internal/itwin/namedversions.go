package itwin

import (
	"context"
	"net/http"

	"github.com/seed37c7dd03/terraform-provider-itwin/internal/wire"
)

// The iModels API has no operation to delete a named version; it can only be hidden (state "hidden").

const (
	namedVersionsPath = "/imodels/{iModel id}/namedversions"
	namedVersionPath  = namedVersionsPath + "/{named version id}"
)

func namedVersionOf(e *wire.NamedVersionEnvelope) *wire.NamedVersion { return &e.NamedVersion }

// CreateNamedVersion names a changeset of an iModel: the one body.ChangesetID or body.ChangesetIndex points at,
// or the latest when neither is set. 404 ChangesetNotFound for an unknown changeset; 409 NamedVersionExists
// when the name, or the changeset, already has a named version.
func (c *Client) CreateNamedVersion(ctx context.Context, imodelID string, body wire.NamedVersionCreate) (*wire.NamedVersion, error) {
	return sendJSON(ctx, c, route(http.MethodPost, namedVersionsPath, imodelID).withBody(body), namedVersionOf)
}

// GetNamedVersion reads a named version (404 NamedVersionNotFound, or iModelNotFound).
func (c *Client) GetNamedVersion(ctx context.Context, imodelID, id string) (*wire.NamedVersion, error) {
	return sendJSON(ctx, c, route(http.MethodGet, namedVersionPath, imodelID, id), namedVersionOf)
}

// NamedVersionListOptions narrows ListNamedVersions. Zero values send no filter.
type NamedVersionListOptions struct {
	Name   string // exact name
	Search string // `$search`
}

// ListNamedVersions lists an iModel's named versions in changeset order, in full representation.
func (c *Client) ListNamedVersions(ctx context.Context, imodelID string, opts NamedVersionListOptions) ([]wire.NamedVersion, error) {
	q := filters(map[string]string{"$orderBy": "changesetIndex asc", "name": opts.Name, "$search": opts.Search})
	return listAll(ctx, c, route(http.MethodGet, namedVersionsPath, imodelID).withQuery(q), 0,
		func(p *wire.NamedVersionList) ([]wire.NamedVersion, *wire.Link) { return p.NamedVersions, p.Links.Next })
}

// UpdateNamedVersion changes a named version in place (PATCH, merge): name, description (wire.Null clears it)
// and state ("visible" or "hidden").
func (c *Client) UpdateNamedVersion(ctx context.Context, imodelID, id string, body wire.NamedVersionUpdate) (*wire.NamedVersion, error) {
	return sendJSON(ctx, c, route(http.MethodPatch, namedVersionPath, imodelID, id).withBody(body), namedVersionOf)
}
