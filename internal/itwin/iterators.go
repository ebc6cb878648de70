package itwin

// Lazily paged lists, for callers that hand items on as they arrive (the provider's list resources): ranging
// over one reads a page at a time, and stopping the range reads no further page. A failed request ends the
// sequence with a (zero, err) pair; see eachItem.

import (
	"context"
	"iter"
	"net/url"

	"github.com/seed37c7dd03/terraform-provider-itwin/internal/wire"
)

// failed is a sequence of one error, for arguments refused before any request.
func failed[T any](err error) iter.Seq2[T, error] {
	return func(yield func(T, error) bool) {
		var zero T
		yield(zero, err)
	}
}

// EachFolderItem yields a folder's files and sub-folders (GET /storage/folders/{id}/list, every page).
func (c *Client) EachFolderItem(ctx context.Context, folderID string) iter.Seq2[wire.StorageItem, error] {
	if err := need("folder id", folderID); err != nil {
		return failed[wire.StorageItem](err)
	}
	return eachItem(ctx, c, "/storage/folders/"+esc(folderID)+"/list", nil, 0,
		decodePage(func(p *wire.StorageItemList) ([]wire.StorageItem, *wire.Link) { return p.Items, p.Links.Next }))
}

// Each yields the connections of an iModel (S2, M2; every page, full representation). Unlike List it needs the
// iModel for both kinds.
func (a ConnectionAPI) Each(ctx context.Context, imodelID string) iter.Seq2[wire.Connection, error] {
	if err := need("iModel id", imodelID); err != nil {
		return failed[wire.Connection](err)
	}
	return eachItem(ctx, a.c, a.kind.CollectionPath(), url.Values{"imodelId": {imodelID}}, 0, decodeConnections())
}

// EachSourceFile yields a connection's source files (S10, M10; every page).
func (a ConnectionAPI) EachSourceFile(ctx context.Context, connID string) iter.Seq2[SourceFile, error] {
	if err := need("connection id", connID); err != nil {
		return failed[SourceFile](err)
	}
	raw := eachItem(ctx, a.c, a.sourceFilesPath(connID), nil, 0,
		decodePage(func(p *struct {
			SourceFiles []sourceFileJSON `json:"sourceFiles"`
			Links       wire.PagingLinks `json:"_links"`
		}) ([]sourceFileJSON, *wire.Link) {
			return p.SourceFiles, p.Links.Next
		}))
	return func(yield func(SourceFile, error) bool) {
		for f, err := range raw {
			if !yield(a.sourceFile(f), err) {
				return
			}
		}
	}
}
