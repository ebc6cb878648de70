package itwin

import (
	"context"
	"iter"
	"net/http"
	"net/url"

	"github.com/seed37c7dd03/terraform-provider-itwin/internal/wire"
)

// CreateIModel creates an iModel in an iTwin (409 iModelExists when the name is taken).
func (c *Client) CreateIModel(ctx context.Context, body wire.IModelCreate) (*wire.IModel, error) {
	var env wire.IModelEnvelope
	if _, err := c.doJSON(ctx, call{method: http.MethodPost, path: "/imodels", body: body}, &env); err != nil {
		return nil, err
	}
	return &env.IModel, nil
}

// GetIModel reads an iModel (404 iModelNotFound).
func (c *Client) GetIModel(ctx context.Context, id string) (*wire.IModel, error) {
	if err := need("iModel id", id); err != nil {
		return nil, err
	}
	var env wire.IModelEnvelope
	if _, err := c.doJSON(ctx, call{method: http.MethodGet, path: "/imodels/" + esc(id)}, &env); err != nil {
		return nil, err
	}
	return &env.IModel, nil
}

// DeleteIModel deletes an iModel, with its connections, runs and configurations.
func (c *Client) DeleteIModel(ctx context.Context, id string) error {
	if err := need("iModel id", id); err != nil {
		return err
	}
	_, err := c.do(ctx, call{method: http.MethodDelete, path: "/imodels/" + esc(id)})
	return err
}

// ListChangesets lists every changeset of an iModel in index order, in full representation (which carries
// synchronizationInfo.taskId, the link from a run's tasks to what they pushed).
func (c *Client) ListChangesets(ctx context.Context, imodelID string) ([]wire.Changeset, error) {
	if err := need("iModel id", imodelID); err != nil {
		return nil, err
	}
	q := url.Values{"$orderBy": {"index asc"}}
	return listAll(ctx, c, "/imodels/"+esc(imodelID)+"/changesets", q, 0,
		decodePage(func(p *wire.ChangesetList) ([]wire.Changeset, *wire.Link) { return p.Changesets, p.Links.Next }))
}

// GetChangeset reads one changeset by id or index.
func (c *Client) GetChangeset(ctx context.Context, imodelID, idOrIndex string) (*wire.Changeset, error) {
	if err := need("iModel id", imodelID, "changeset id or index", idOrIndex); err != nil {
		return nil, err
	}
	var env wire.ChangesetEnvelope
	if _, err := c.doJSON(ctx, call{method: http.MethodGet, path: "/imodels/" + esc(imodelID) + "/changesets/" + esc(idOrIndex)}, &env); err != nil {
		return nil, err
	}
	return &env.Changeset, nil
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
	return collect(c.EachIModel(ctx, iTwinID, opts))
}

// EachIModel yields the iModels of an iTwin (full representation, every page), lazily; see eachItem.
func (c *Client) EachIModel(ctx context.Context, iTwinID string, opts IModelListOptions) iter.Seq2[wire.IModel, error] {
	if err := need("iTwin id", iTwinID); err != nil {
		return failed[wire.IModel](err)
	}
	q := url.Values{"iTwinId": {iTwinID}}
	if opts.Name != "" {
		q.Set("name", opts.Name)
	}
	if opts.Search != "" {
		q.Set("$search", opts.Search)
	}
	return eachItem(ctx, c, "/imodels", q, 0,
		decodePage(func(p *wire.IModelList) ([]wire.IModel, *wire.Link) { return p.IModels, p.Links.Next }))
}

// UpdateIModel changes an iModel in place (PATCH, merge): fields left absent keep their value, and
// wire.Null clears description or extent. A name taken in the iTwin answers 409 iModelExists.
func (c *Client) UpdateIModel(ctx context.Context, id string, body wire.IModelUpdate) (*wire.IModel, error) {
	if err := need("iModel id", id); err != nil {
		return nil, err
	}
	var env wire.IModelEnvelope
	if _, err := c.doJSON(ctx, call{method: http.MethodPatch, path: "/imodels/" + esc(id), body: body}, &env); err != nil {
		return nil, err
	}
	return &env.IModel, nil
}
