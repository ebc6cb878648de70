package itwin

import (
	"context"
	"iter"
	"net/http"
	"net/url"

	"github.com/seed37c7dd03/terraform-provider-itwin/internal/wire"
)

func imodelOf(e *wire.IModelEnvelope) *wire.IModel { return &e.IModel }

// CreateIModel creates an iModel in an iTwin (409 iModelExists when the name is taken).
func (c *Client) CreateIModel(ctx context.Context, body wire.IModelCreate) (*wire.IModel, error) {
	return sendJSON(ctx, c, route(http.MethodPost, "/imodels").withBody(body), imodelOf)
}

// GetIModel reads an iModel (404 iModelNotFound).
func (c *Client) GetIModel(ctx context.Context, id string) (*wire.IModel, error) {
	return sendJSON(ctx, c, route(http.MethodGet, "/imodels/{iModel id}", id), imodelOf)
}

// DeleteIModel deletes an iModel, with its connections, runs and configurations.
func (c *Client) DeleteIModel(ctx context.Context, id string) error {
	return c.send(ctx, route(http.MethodDelete, "/imodels/{iModel id}", id))
}

// ListChangesets lists every changeset of an iModel in index order, in full representation (which carries
// synchronizationInfo.taskId, the link from a run's tasks to what they pushed).
func (c *Client) ListChangesets(ctx context.Context, imodelID string) ([]wire.Changeset, error) {
	cl := route(http.MethodGet, "/imodels/{iModel id}/changesets", imodelID).withQuery(url.Values{"$orderBy": {"index asc"}})
	return listAll(ctx, c, cl, 0,
		func(p *wire.ChangesetList) ([]wire.Changeset, *wire.Link) { return p.Changesets, p.Links.Next })
}

// GetChangeset reads one changeset by id or index.
func (c *Client) GetChangeset(ctx context.Context, imodelID, idOrIndex string) (*wire.Changeset, error) {
	return sendJSON(ctx, c, route(http.MethodGet, "/imodels/{iModel id}/changesets/{changeset id or index}", imodelID, idOrIndex),
		func(e *wire.ChangesetEnvelope) *wire.Changeset { return &e.Changeset })
}

// IModelListOptions narrows ListIModels. Zero values send no filter.
type IModelListOptions struct {
	// Name keeps only the iModel with exactly this name (the server's `name` filter).
	Name string
	// Search keeps iModels whose name or description contains it, case-insensitively (`$search`).
	Search string
}

// ListIModels lists the iModels of an iTwin in full representation, following every page (404 iTwinNotFound).
func (c *Client) ListIModels(ctx context.Context, iTwinID string, opts IModelListOptions) ([]wire.IModel, error) {
	return collect(c.EachIModel(ctx, iTwinID, opts), 0)
}

// EachIModel yields the iModels of an iTwin (full representation, every page), lazily; see eachItem.
func (c *Client) EachIModel(ctx context.Context, iTwinID string, opts IModelListOptions) iter.Seq2[wire.IModel, error] {
	q := filters(map[string]string{"iTwinId": iTwinID, "name": opts.Name, "$search": opts.Search})
	cl := call{method: http.MethodGet, path: "/imodels", query: q, err: need("iTwin id", iTwinID)}
	return eachItem(ctx, c, cl, 0, func(p *wire.IModelList) ([]wire.IModel, *wire.Link) { return p.IModels, p.Links.Next })
}

// UpdateIModel changes an iModel in place (PATCH, merge): fields left absent keep their value, and
// wire.Null clears description or extent. A name taken in the iTwin answers 409 iModelExists.
func (c *Client) UpdateIModel(ctx context.Context, id string, body wire.IModelUpdate) (*wire.IModel, error) {
	return sendJSON(ctx, c, route(http.MethodPatch, "/imodels/{iModel id}", id).withBody(body), imodelOf)
}

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
