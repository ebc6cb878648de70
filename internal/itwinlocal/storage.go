package itwinlocal

// Storage (§9.4): folders, files, the upload flow (create → pre-signed PUT → complete), update content and
// download through pre-signed URLs served by itwin-local itself (/blobs/...).

import (
	"database/sql"
	"errors"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/seed37c7dd03/terraform-provider-itwin/internal/wire"
)

// signedURLTTL is how long pre-signed upload and download URLs stay valid.
const signedURLTTL = time.Hour

func uuidFromName(name string) string { return uuid.NewSHA1(uuid.NameSpaceURL, []byte(name)).String() }

// FolderRecord is a stored Storage folder. ParentID is "" for an iTwin's root folder.
type FolderRecord struct {
	ID, ITwinID, ParentID, DisplayName, Description string
	Created, Modified                               time.Time
	ModifiedBy                                      string
}

// FileRecord is a stored Storage file. ContentHash/Size are the completed content; Pending* an upload not yet
// completed (PendingHash "" = none).
type FileRecord struct {
	ID, ITwinID, FolderID, DisplayName, Description string
	ContentHash                                     string
	Size                                            int64
	Completed                                       bool
	PendingHash                                     string
	PendingSize                                     int64
	Created, Modified                               time.Time
	ModifiedBy                                      string
}

func joinPath(dir, name string) string {
	if dir == "" {
		return name
	}
	return dir + "/" + name
}

func storageLinks(o, parentID, by string) *wire.StorageLinks {
	l := &wire.StorageLinks{}
	if by != "" {
		u := &wire.Link{Href: o + "/users/" + clientUserID(by)}
		l.CreatedBy, l.LastModifiedBy = u, u
	}
	if parentID != "" {
		l.ParentFolder = &wire.Link{Href: o + "/storage/folders/" + parentID}
	}
	return l
}

func fileWire(o string, f FileRecord, dir string) wire.StorageFile {
	return wire.StorageFile{ID: f.ID, Type: wire.StorageTypeFile, DisplayName: f.DisplayName, Description: f.Description,
		Path: joinPath(dir, f.DisplayName), Size: f.Size, LastModifiedByDisplayName: f.ModifiedBy,
		CreatedDateTime: wire.NewTimestamp(f.Created), LastModifiedDateTime: wire.NewTimestamp(f.Modified),
		ParentFolderID: f.FolderID, Links: storageLinks(o, f.FolderID, f.ModifiedBy)}
}

func folderWire(o string, f FolderRecord, dir string) wire.StorageFolder {
	p := joinPath(dir, f.DisplayName)
	if f.ParentID == "" {
		p = ""
	}
	return wire.StorageFolder{ID: f.ID, Type: wire.StorageTypeFolder, DisplayName: f.DisplayName, Description: f.Description,
		Path: p, LastModifiedByDisplayName: f.ModifiedBy, CreatedDateTime: wire.NewTimestamp(f.Created),
		LastModifiedDateTime: wire.NewTimestamp(f.Modified), ParentFolderID: f.ParentID, Links: storageLinks(o, f.ParentID, f.ModifiedBy)}
}

func (c *rc) loadFolder(q Querier) (FolderRecord, error) {
	f, err := c.s.store.GetFolder(c.ctx, q, c.param("id"))
	if err != nil {
		return f, err
	}
	return f, c.access(f.ITwinID)
}

func (c *rc) loadFile(q Querier) (FileRecord, error) {
	f, err := c.s.store.GetFile(c.ctx, q, c.param("id"))
	if err != nil {
		return f, err
	}
	return f, c.access(f.ITwinID)
}

// --- listing ---

type childPage struct {
	folders []FolderRecord
	files   []FileRecord
	more    bool
}

func (s *Server) itemsOf(c *rc, folder FolderRecord, cp childPage) ([]wire.StorageItem, error) {
	dir, err := s.store.folderPath(c.ctx, s.store.Reader(), folder.ID)
	if err != nil {
		return nil, err
	}
	items := []wire.StorageItem{}
	for _, f := range cp.folders {
		w := folderWire(c.origin(), f, dir)
		items = append(items, wire.StorageItem{ID: w.ID, Type: w.Type, DisplayName: w.DisplayName, Description: w.Description,
			Path: w.Path, LastModifiedByDisplayName: w.LastModifiedByDisplayName, CreatedDateTime: w.CreatedDateTime,
			LastModifiedDateTime: w.LastModifiedDateTime, ParentFolderID: w.ParentFolderID, Links: w.Links})
	}
	for _, f := range cp.files {
		w := fileWire(c.origin(), f, dir)
		size := w.Size
		items = append(items, wire.StorageItem{ID: w.ID, Type: w.Type, DisplayName: w.DisplayName, Description: w.Description,
			Path: w.Path, Size: &size, LastModifiedByDisplayName: w.LastModifiedByDisplayName, CreatedDateTime: w.CreatedDateTime,
			LastModifiedDateTime: w.LastModifiedDateTime, ParentFolderID: w.ParentFolderID, Links: w.Links})
	}
	return items, nil
}

// handleStorageTop is GET /storage/?iTwinId= : the root folder's items plus _links.folder (§9.4, §10 row 2).
func (s *Server) handleStorageTop(c *rc) error {
	p, err := parsePage(c.r, famStorage)
	if err != nil {
		return err
	}
	itwinID, ok := query(c.r, "iTwinId")
	if !ok || itwinID == "" {
		return validation(famStorage, detailMissing, "iTwinId", "")
	}
	if !IsGUID(itwinID) {
		return validation(famStorage, detailInvalid, "iTwinId", "")
	}
	itwinID = NormGUID(itwinID)
	if _, err := s.store.GetITwin(c.ctx, s.store.Reader(), itwinID); err != nil {
		return err
	}
	if err := c.access(itwinID); err != nil {
		return err
	}
	rootID, err := s.store.rootFolderID(c.ctx, s.store.Reader(), itwinID)
	if errors.Is(err, sql.ErrNoRows) {
		// Every iTwin gets its root folder at creation; this only repairs a store that lacks one.
		err = s.store.Write(c.ctx, func(tx *sql.Tx) error {
			var err error
			rootID, err = s.store.rootFolder(c.ctx, tx, itwinID)
			return err
		})
	}
	if err != nil {
		return err
	}
	root, err := s.store.GetFolder(c.ctx, s.store.Reader(), rootID)
	if err != nil {
		return err
	}
	cp, err := s.store.listChildren(c.ctx, s.store.Reader(), rootID, p, true, true)
	if err != nil {
		return err
	}
	items, err := s.itemsOf(c, root, cp)
	if err != nil {
		return err
	}
	pl := pageLinks(c.origin()+"/storage/", [][2]string{{"iTwinId", itwinID}}, p, cp.more)
	writeJSON(c.w, 200, wire.StorageItemList{Items: items, Links: wire.StorageListLinks{Self: pl.Self, Prev: pl.Prev, Next: pl.Next,
		Folder: &wire.Link{Href: c.origin() + "/storage/folders/" + rootID}}})
	return nil
}

func (s *Server) handleFolderGet(c *rc) error {
	f, err := c.loadFolder(s.store.Reader())
	if err != nil {
		return err
	}
	dir, err := s.store.folderPath(c.ctx, s.store.Reader(), f.ParentID)
	if err != nil {
		return err
	}
	writeJSON(c.w, 200, wire.StorageFolderEnvelope{Folder: folderWire(c.origin(), f, dir)})
	return nil
}

func (s *Server) folderListing(c *rc, folders, files bool) error {
	p, err := parsePage(c.r, famStorage)
	if err != nil {
		return err
	}
	f, err := c.loadFolder(s.store.Reader())
	if err != nil {
		return err
	}
	cp, err := s.store.listChildren(c.ctx, s.store.Reader(), f.ID, p, folders, files)
	if err != nil {
		return err
	}
	base := c.origin() + "/storage/folders/" + f.ID
	switch {
	case folders && files:
		items, err := s.itemsOf(c, f, cp)
		if err != nil {
			return err
		}
		pl := pageLinks(base+"/list", nil, p, cp.more)
		writeJSON(c.w, 200, wire.StorageItemList{Items: items, Links: wire.StorageListLinks{Self: pl.Self, Prev: pl.Prev, Next: pl.Next}})
	case folders:
		dir, err := s.store.folderPath(c.ctx, s.store.Reader(), f.ID)
		if err != nil {
			return err
		}
		out := wire.StorageFolderList{Folders: []wire.StorageFolder{}, Links: pageLinks(base+"/folders", nil, p, cp.more)}
		for _, x := range cp.folders {
			out.Folders = append(out.Folders, folderWire(c.origin(), x, dir))
		}
		writeJSON(c.w, 200, out)
	default:
		dir, err := s.store.folderPath(c.ctx, s.store.Reader(), f.ID)
		if err != nil {
			return err
		}
		out := wire.StorageFileList{Files: []wire.StorageFile{}, Links: pageLinks(base+"/files", nil, p, cp.more)}
		for _, x := range cp.files {
			out.Files = append(out.Files, fileWire(c.origin(), x, dir))
		}
		writeJSON(c.w, 200, out)
	}
	return nil
}

func (s *Server) handleFolderList(c *rc) error    { return s.folderListing(c, true, true) }
func (s *Server) handleFolderFolders(c *rc) error { return s.folderListing(c, true, false) }
func (s *Server) handleFolderFiles(c *rc) error   { return s.folderListing(c, false, true) }

// validName checks a Storage display name: 1..255 characters, none of \ / : * ? " < > | and no control chars.
func validName(name string) bool {
	if strings.TrimSpace(name) == "" || len(name) > 255 || strings.ContainsAny(name, `\/:*?"<>|`) {
		return false
	}
	for _, r := range name {
		if r < 0x20 {
			return false
		}
	}
	return true
}

// decodeStorageItem validates a folder/file create or patch body. On create displayName is required.
func decodeStorageItem(body []byte, family string, create bool) (wire.StorageItemCreate, error) {
	var in wire.StorageItemCreate
	keys, err := decodeObject(body, family, &in)
	if err != nil {
		return in, err
	}
	if create && !present(keys, "displayName") {
		return in, validation(family, detailMissing, "displayName", "")
	}
	if present(keys, "displayName") && !validName(in.DisplayName) {
		return in, validation(family, detailInvalid, "displayName", `displayName must be 1 to 255 characters and must not contain \ / : * ? " < > |.`)
	}
	if len(in.Description) > 4096 {
		return in, validation(family, detailInvalid, "description", "description must be at most 4096 characters.")
	}
	if !create && !present(keys, "displayName") && !present(keys, "description") {
		return in, validation(family, detailMissing, "displayName", "displayName or description is required.")
	}
	return in, nil
}

func (s *Server) handleFolderCreate(c *rc) error {
	// Path object first: 404/403 come before body validation.
	if _, err := c.loadFolder(s.store.Reader()); err != nil {
		return err
	}
	body, err := readBody(c)
	if err != nil {
		return err
	}
	in, err := decodeStorageItem(body, famFolderCreate, true)
	if err != nil {
		return err
	}
	var out FolderRecord
	err = s.store.Write(c.ctx, func(tx *sql.Tx) error {
		parent, err := c.loadFolder(tx)
		if err != nil {
			return err
		}
		out, err = s.store.insertFolder(c.ctx, tx, FolderRecord{ITwinID: parent.ITwinID, ParentID: parent.ID, DisplayName: in.DisplayName, Description: in.Description}, c.client.ID)
		return err
	})
	if err != nil {
		return err
	}
	dir, err := s.store.folderPath(c.ctx, s.store.Reader(), out.ParentID)
	if err != nil {
		return err
	}
	writeJSON(c.w, 201, wire.StorageFolderEnvelope{Folder: folderWire(c.origin(), out, dir)})
	return nil
}

func (s *Server) handleFolderPatch(c *rc) error {
	// Path object first: 404/403 come before body validation.
	if _, err := c.loadFolder(s.store.Reader()); err != nil {
		return err
	}
	body, err := readBody(c)
	if err != nil {
		return err
	}
	in, err := decodeStorageItem(body, famStorage, false)
	if err != nil {
		return err
	}
	keys, _ := decodeObject(body, famStorage, &wire.StorageItemCreate{})
	err = s.store.Write(c.ctx, func(tx *sql.Tx) error {
		f, err := c.loadFolder(tx)
		if err != nil {
			return err
		}
		if present(keys, "displayName") {
			f.DisplayName = in.DisplayName
		}
		if present(keys, "description") {
			f.Description = in.Description
		}
		return s.store.updateFolder(c.ctx, tx, f.ID, f.DisplayName, f.Description, s.Now(), c.client.ID)
	})
	if err != nil {
		return err
	}
	return s.handleFolderGet(c)
}

func (s *Server) handleFolderDelete(c *rc) error {
	err := s.store.Write(c.ctx, func(tx *sql.Tx) error {
		f, err := c.loadFolder(tx)
		if err != nil {
			return err
		}
		if f.ParentID == "" {
			return validation(famStorage, detailInvalid, "folderId", "The root folder cannot be deleted.")
		}
		return s.store.deleteFolder(c.ctx, tx, f.ID)
	})
	if err != nil {
		return err
	}
	writeNoBody(c.w, 204)
	return nil
}

// uploadLinks builds the 202 answer: a pre-signed upload URL and completeUrl = {host}/storage/files/{id}/complete
// exactly (§10 row 2).
func (s *Server) uploadLinks(c *rc, fileID string) wire.UploadLinks {
	exp := s.Now().Add(signedURLTTL).Unix()
	up := c.origin() + "/blobs/upload/" + fileID + "?se=" + strconv.FormatInt(exp, 10) + "&sig=" + url.QueryEscape(s.keys.urlSig("upload", fileID, exp))
	return wire.UploadLinks{Links: wire.UploadLinkSet{UploadURL: &wire.Link{Href: up}, CompleteURL: &wire.Link{Href: c.origin() + "/storage/files/" + fileID + "/complete"}}}
}

func (s *Server) handleFileCreate(c *rc) error {
	// Path object first: 404/403 come before body validation.
	if _, err := c.loadFolder(s.store.Reader()); err != nil {
		return err
	}
	body, err := readBody(c)
	if err != nil {
		return err
	}
	in, err := decodeStorageItem(body, famStorage, true)
	if err != nil {
		return err
	}
	var id string
	err = s.store.Write(c.ctx, func(tx *sql.Tx) error {
		parent, err := c.loadFolder(tx)
		if err != nil {
			return err
		}
		id = NewID()
		return s.store.insertFile(c.ctx, tx, id, parent, in.DisplayName, in.Description, s.Now(), c.client.ID)
	})
	if err != nil {
		return err
	}
	writeJSON(c.w, 202, s.uploadLinks(c, id))
	return nil
}

func (s *Server) writeFile(c *rc, status int, id string) error {
	f, err := s.store.GetFile(c.ctx, s.store.Reader(), id)
	if err != nil {
		return err
	}
	dir, err := s.store.folderPath(c.ctx, s.store.Reader(), f.FolderID)
	if err != nil {
		return err
	}
	writeJSON(c.w, status, wire.StorageFileEnvelope{File: fileWire(c.origin(), f, dir)})
	return nil
}

func (s *Server) handleFileGet(c *rc) error {
	f, err := c.loadFile(s.store.Reader())
	if err != nil {
		return err
	}
	return s.writeFile(c, 200, f.ID)
}

func (s *Server) handleFilePatch(c *rc) error {
	// Path object first: 404/403 come before body validation.
	if _, err := c.loadFile(s.store.Reader()); err != nil {
		return err
	}
	body, err := readBody(c)
	if err != nil {
		return err
	}
	in, err := decodeStorageItem(body, famStorage, false)
	if err != nil {
		return err
	}
	keys, _ := decodeObject(body, famStorage, &wire.StorageItemCreate{})
	var id string
	err = s.store.Write(c.ctx, func(tx *sql.Tx) error {
		f, err := c.loadFile(tx)
		if err != nil {
			return err
		}
		id = f.ID
		if present(keys, "displayName") {
			f.DisplayName = in.DisplayName
		}
		if present(keys, "description") {
			f.Description = in.Description
		}
		return s.store.updateFile(c.ctx, tx, f.ID, f.DisplayName, f.Description, s.Now(), c.client.ID)
	})
	if err != nil {
		return err
	}
	return s.writeFile(c, 200, id)
}

func (s *Server) handleFileDelete(c *rc) error {
	err := s.store.Write(c.ctx, func(tx *sql.Tx) error {
		f, err := c.loadFile(tx)
		if err != nil {
			return err
		}
		// Source-file mappings stay: the next run reports TAE_FILE_NOT_FOUND (§11k).
		return s.store.deleteFile(c.ctx, tx, f.ID)
	})
	if err != nil {
		return err
	}
	writeNoBody(c.w, 204)
	return nil
}

var errNothingUploaded = apiErr(409, "UploadNotFound", "No content was uploaded for this file; PUT the content to uploadUrl first.")

func (s *Server) handleFileComplete(c *rc) error {
	var id string
	err := s.store.Write(c.ctx, func(tx *sql.Tx) error {
		f, err := c.loadFile(tx)
		if err != nil {
			return err
		}
		id = f.ID
		if f.PendingHash == "" {
			if f.Completed {
				return nil // completing twice is harmless
			}
			return errNothingUploaded
		}
		return s.store.completeFile(c.ctx, tx, f.ID, s.Now(), c.client.ID)
	})
	if err != nil {
		return err
	}
	return s.writeFile(c, 200, id)
}

func (s *Server) handleFileUpdateContent(c *rc) error {
	f, err := c.loadFile(s.store.Reader())
	if err != nil {
		return err
	}
	// The file keeps its current content until the new upload is completed.
	writeJSON(c.w, 202, s.uploadLinks(c, f.ID))
	return nil
}

func (s *Server) handleFileDownload(c *rc) error {
	f, err := c.loadFile(s.store.Reader())
	if err != nil {
		return err
	}
	if !f.Completed {
		return errFileNotFound
	}
	exp := s.Now().Add(signedURLTTL).Unix()
	loc := c.origin() + "/blobs/download/" + f.ID + "?se=" + strconv.FormatInt(exp, 10) + "&sig=" + url.QueryEscape(s.keys.urlSig("download", f.ID, exp))
	c.w.Header().Set("Location", loc)
	writeNoBody(c.w, http.StatusFound)
	return nil
}

// checkSigned verifies se/sig of a pre-signed URL (no Authorization header is used on these, §1.2).
func (s *Server) checkSigned(c *rc, purpose, id string) error {
	se, _ := query(c.r, "se")
	sig, _ := query(c.r, "sig")
	exp, err := strconv.ParseInt(se, 10, 64)
	if err != nil || sig == "" || exp < s.Now().Unix() {
		return errBlobSignature
	}
	want := s.keys.urlSig(purpose, id, exp)
	if len(sig) != len(want) || !hmacEqual(sig, want) {
		return errBlobSignature
	}
	return nil
}

func (s *Server) handleBlobUpload(c *rc) error {
	id := c.param("id")
	if err := s.checkSigned(c, "upload", id); err != nil {
		return err
	}
	if !strings.EqualFold(c.r.Header.Get("x-ms-blob-type"), "BlockBlob") {
		return errMissingBlobTypeHeader
	}
	if _, err := s.store.GetFile(c.ctx, s.store.Reader(), id); err != nil {
		return err
	}
	if c.r.ContentLength > s.cfg.MaxUploadBytes {
		return errPayloadTooLarge
	}
	hash, size, err := s.store.PutBlob(c.r.Body, s.cfg.MaxUploadBytes)
	if errors.Is(err, ErrTooLarge) {
		return errPayloadTooLarge
	}
	if err != nil {
		return err
	}
	err = s.store.Write(c.ctx, func(tx *sql.Tx) error {
		found, err := s.store.setPendingContent(c.ctx, tx, id, hash, size)
		if err != nil {
			return err
		}
		if !found {
			return errFileNotFound
		}
		return nil
	})
	if err != nil {
		return err
	}
	c.w.Header().Set("ETag", `"`+hash[:16]+`"`)
	writeNoBody(c.w, http.StatusCreated)
	return nil
}

func (s *Server) handleBlobDownload(c *rc) error {
	id := c.param("id")
	if err := s.checkSigned(c, "download", id); err != nil {
		return err
	}
	f, err := s.store.GetFile(c.ctx, s.store.Reader(), id)
	if err != nil {
		return err
	}
	if !f.Completed {
		return errFileNotFound
	}
	rd, err := s.store.OpenBlob(f.ContentHash)
	if err != nil {
		return err
	}
	defer rd.Close()
	c.w.Header().Set("Content-Type", "application/octet-stream")
	c.w.Header().Set("Content-Length", strconv.FormatInt(f.Size, 10))
	c.w.Header().Set("Content-Disposition", `attachment; filename="`+strings.ReplaceAll(f.DisplayName, `"`, "")+`"`)
	c.w.WriteHeader(200)
	_, _ = io.Copy(c.w, rd)
	return nil
}
