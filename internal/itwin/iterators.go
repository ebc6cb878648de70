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

func (c *Client) eachConnection(ctx context.Context, k connectionKind, imodelID string) iter.Seq2[wire.Connection, error] {
	if err := need("iModel id", imodelID); err != nil {
		return failed[wire.Connection](err)
	}
	return eachItem(ctx, c, k.path, url.Values{"imodelId": {imodelID}}, 0, decodeConnections())
}

// EachStorageConnection yields the storage connections of an iModel (S2, every page, full representation).
func (c *Client) EachStorageConnection(ctx context.Context, imodelID string) iter.Seq2[wire.Connection, error] {
	return c.eachConnection(ctx, storageKind, imodelID)
}

// EachManifestConnection yields the manifest connections of an iModel (M2, every page, full representation).
func (c *Client) EachManifestConnection(ctx context.Context, imodelID string) iter.Seq2[wire.Connection, error] {
	return c.eachConnection(ctx, manifestKind, imodelID)
}

// EachStorageSourceFile yields a storage connection's source files (S10, every page).
func (c *Client) EachStorageSourceFile(ctx context.Context, connID string) iter.Seq2[wire.StorageSourceFile, error] {
	if err := need("connection id", connID); err != nil {
		return failed[wire.StorageSourceFile](err)
	}
	return eachItem(ctx, c, sourceFilesPath(storageKind, connID), nil, 0,
		decodePage(func(p *wire.StorageSourceFileList) ([]wire.StorageSourceFile, *wire.Link) {
			return p.SourceFiles, p.Links.Next
		}))
}

// EachManifestSourceFile yields a manifest connection's source files (M10, every page).
func (c *Client) EachManifestSourceFile(ctx context.Context, connID string) iter.Seq2[wire.ManifestSourceFile, error] {
	if err := need("connection id", connID); err != nil {
		return failed[wire.ManifestSourceFile](err)
	}
	return eachItem(ctx, c, sourceFilesPath(manifestKind, connID), nil, 0,
		decodePage(func(p *wire.ManifestSourceFileList) ([]wire.ManifestSourceFile, *wire.Link) {
			return p.SourceFiles, p.Links.Next
		}))
}
