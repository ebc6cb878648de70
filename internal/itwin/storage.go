package itwin

import (
	"context"
	"errors"
	"fmt"
	"io"
	"iter"
	"net/http"
	"net/url"
	"strings"

	"github.com/seed37c7dd03/terraform-provider-itwin/internal/wire"
)

// MaxUploadSize is the largest content a single pre-signed PUT may carry (§9.4).
const MaxUploadSize = 256 << 20

const (
	folderPath = "/storage/folders/{folder id}"
	filePath   = "/storage/files/{file id}"
)

func folderOf(e *wire.StorageFolderEnvelope) *wire.StorageFolder { return &e.Folder }

func fileOf(e *wire.StorageFileEnvelope) *wire.StorageFile { return &e.File }

// GetRootFolderID returns the id of an iTwin's root Storage folder: the last segment of _links.folder.href of the
// top-level listing.
func (c *Client) GetRootFolderID(ctx context.Context, itwinID string) (string, error) {
	cl := call{method: http.MethodGet, path: "/storage/", query: url.Values{"iTwinId": {itwinID}}, err: need("iTwin id", itwinID)}
	list, err := sendJSON(ctx, c, cl, self[wire.StorageItemList])
	if err != nil {
		return "", err
	}
	if list.Links.Folder == nil || list.Links.Folder.Href == "" {
		return "", fmt.Errorf("the Storage listing of iTwin %s has no _links.folder, so its root folder is unknown", itwinID)
	}
	return lastSegment(list.Links.Folder.Href), nil
}

// CreateFolder creates a sub-folder.
func (c *Client) CreateFolder(ctx context.Context, parentID string, meta wire.StorageItemCreate) (*wire.StorageFolder, error) {
	if err := need("parent folder id", parentID, "folder display name", meta.DisplayName); err != nil {
		return nil, err
	}
	return sendJSON(ctx, c, route(http.MethodPost, "/storage/folders/{parent folder id}/folders", parentID).withBody(meta), folderOf)
}

// GetFolder reads a folder (404 FolderNotFound).
func (c *Client) GetFolder(ctx context.Context, id string) (*wire.StorageFolder, error) {
	return sendJSON(ctx, c, route(http.MethodGet, folderPath, id), folderOf)
}

// UpdateFolder renames a folder or changes its description; nil fields keep their values.
func (c *Client) UpdateFolder(ctx context.Context, id string, meta wire.StorageItemUpdate) (*wire.StorageFolder, error) {
	return sendJSON(ctx, c, route(http.MethodPatch, folderPath, id).withBody(meta), folderOf)
}

// DeleteFolder deletes a folder.
func (c *Client) DeleteFolder(ctx context.Context, id string) error {
	return c.send(ctx, route(http.MethodDelete, folderPath, id))
}

// ListFolderItems lists a folder's files and sub-folders (all pages).
func (c *Client) ListFolderItems(ctx context.Context, folderID string) ([]wire.StorageItem, error) {
	return collect(c.EachFolderItem(ctx, folderID), 0)
}

// EachFolderItem yields a folder's files and sub-folders (GET /storage/folders/{id}/list, every page), lazily.
func (c *Client) EachFolderItem(ctx context.Context, folderID string) iter.Seq2[wire.StorageItem, error] {
	return eachItem(ctx, c, route(http.MethodGet, folderPath+"/list", folderID), 0,
		func(p *wire.StorageItemList) ([]wire.StorageItem, *wire.Link) { return p.Items, p.Links.Next })
}

// UploadFile creates a file in a folder and uploads its content: create (202 with upload links), PUT the bytes
// to the pre-signed uploadUrl (no Authorization, streamed, Content-Length = size), then complete. When content is
// an io.ReadSeeker the PUT may be retried; otherwise it is sent once.
func (c *Client) UploadFile(ctx context.Context, folderID string, meta wire.StorageItemCreate, content io.Reader, size int64) (*wire.StorageFile, error) {
	if err := need("folder id", folderID, "file display name", meta.DisplayName); err != nil {
		return nil, err
	}
	f, links, err := c.upload(ctx, route(http.MethodPost, folderPath+"/files", folderID).withBody(meta), content, size)
	// Once the links came back the file exists; say which one, so the caller can record it instead of orphaning it.
	if id := fileIDFromCompleteURL(links); err != nil && id != "" {
		return nil, &UploadIncompleteError{FileID: id, Err: err}
	}
	return f, err
}

// UploadIncompleteError means UploadFile created the file (FileID) but its content was not uploaded or the upload
// was not completed. The file stays in its folder until it is deleted or its content is uploaded again
// (UpdateFileContent).
type UploadIncompleteError struct {
	FileID string
	Err    error
}

func (e *UploadIncompleteError) Error() string {
	return fmt.Sprintf("the storage file %s was created, but its upload did not complete: %s", e.FileID, e.Err)
}

func (e *UploadIncompleteError) Unwrap() error { return e.Err }

// fileIDFromCompleteURL takes the file id from completeUrl, which is always {host}/storage/files/{fileId}/complete
// (internal/wire/testdata/spec/api.md §10 row 2).
func fileIDFromCompleteURL(links wire.UploadLinks) string {
	if links.Links.CompleteURL == nil {
		return ""
	}
	href := strings.TrimSuffix(urlPath(links.Links.CompleteURL.Href), "/complete")
	if !strings.Contains(href, "/storage/files/") {
		return ""
	}
	return lastSegment(href)
}

// UpdateFileContent replaces a file's content: updatecontent (202), PUT, complete.
func (c *Client) UpdateFileContent(ctx context.Context, fileID string, content io.Reader, size int64) (*wire.StorageFile, error) {
	f, _, err := c.upload(ctx, route(http.MethodPost, filePath+"/updatecontent", fileID), content, size)
	return f, err
}

// upload checks the content, sends start (which answers the upload links), then puts the content and completes
// the upload. The links come back when the start succeeded, so the caller can name the file that now exists.
func (c *Client) upload(ctx context.Context, start call, content io.Reader, size int64) (*wire.StorageFile, wire.UploadLinks, error) {
	if start.err == nil {
		start.err = checkUpload(content, size)
	}
	links, err := sendJSON(ctx, c, start, self[wire.UploadLinks])
	if err != nil {
		return nil, wire.UploadLinks{}, err
	}
	f, err := c.finishUpload(ctx, *links, content, size)
	return f, *links, err
}

func checkUpload(content io.Reader, size int64) error {
	if content == nil {
		return errors.New("file content must not be nil")
	}
	if size < 0 || size > MaxUploadSize {
		return fmt.Errorf("file size must be between 0 and %d bytes (256 MiB, one upload request), got %d", MaxUploadSize, size)
	}
	return nil
}

func (c *Client) finishUpload(ctx context.Context, links wire.UploadLinks, content io.Reader, size int64) (*wire.StorageFile, error) {
	if links.Links.UploadURL == nil || links.Links.UploadURL.Href == "" || links.Links.CompleteURL == nil || links.Links.CompleteURL.Href == "" {
		return nil, errors.New("the Storage API did not return uploadUrl and completeUrl for the upload")
	}
	seeker, seekable := content.(io.Seeker)
	body := func() (io.Reader, error) {
		if seekable {
			if _, err := seeker.Seek(0, io.SeekStart); err != nil {
				return nil, err
			}
		}
		// NopCloser: retryablehttp closes what the function returns, and the caller owns content.
		return io.NopCloser(content), nil
	}
	policy := retryIdempotent
	if !seekable {
		policy = retryNever // a stream cannot be replayed
	}
	put := call{
		method: http.MethodPut, path: links.Links.UploadURL.Href, external: true,
		header:  http.Header{"X-Ms-Blob-Type": {"BlockBlob"}},
		rawBody: body, rawSize: size, policy: policy,
	}
	if size == 0 {
		put.rawBody = func() (io.Reader, error) { return http.NoBody, nil }
	}
	if _, err := c.do(ctx, put); err != nil {
		return nil, fmt.Errorf("uploading the file content: %w", err)
	}
	// An absolute completeUrl is re-rooted on the API origin by resolve() before the token is attached.
	// complete is a POST but idempotent (it only finalises the uploaded content), so a 5xx or a dropped
	// connection is retried like a PUT.
	f, err := sendJSON(ctx, c, call{method: http.MethodPost, path: links.Links.CompleteURL.Href, policy: retryIdempotent}, fileOf)
	if err != nil {
		return nil, fmt.Errorf("completing the upload: %w", err)
	}
	return f, nil
}

// GetFile reads a file's metadata (404 FileNotFound).
func (c *Client) GetFile(ctx context.Context, id string) (*wire.StorageFile, error) {
	return sendJSON(ctx, c, route(http.MethodGet, filePath, id), fileOf)
}

// UpdateFile renames a file or changes its description; nil fields keep their values.
func (c *Client) UpdateFile(ctx context.Context, id string, meta wire.StorageItemUpdate) (*wire.StorageFile, error) {
	return sendJSON(ctx, c, route(http.MethodPatch, filePath, id).withBody(meta), fileOf)
}

// DeleteFile deletes a file.
func (c *Client) DeleteFile(ctx context.Context, id string) error {
	return c.send(ctx, route(http.MethodDelete, filePath, id))
}

// GetFileDownloadURL mints a pre-signed download URL for a file: the Location of the 302 answer, which is not
// followed. The URL is a credential: never log or store it.
func (c *Client) GetFileDownloadURL(ctx context.Context, fileID string) (string, error) {
	res, err := c.do(ctx, route(http.MethodGet, filePath+"/download", fileID))
	if err != nil {
		return "", err
	}
	loc := res.header.Get("Location")
	if loc == "" || res.status < 300 || res.status >= 400 {
		return "", fmt.Errorf("GET %s answered %d without a redirect Location; expected 302 with the download URL", res.url, res.status)
	}
	return loc, nil
}
