package wire

// Storage API bodies (spec §9.4).

// --- Storage (§9.4) ---

// StorageFile is a Storage file.
type StorageFile struct {
	ID                        string        `json:"id"`
	Type                      string        `json:"type"`
	DisplayName               string        `json:"displayName"`
	Description               string        `json:"description,omitempty"`
	Path                      string        `json:"path,omitempty"`
	Size                      int64         `json:"size"`
	LastModifiedByDisplayName string        `json:"lastModifiedByDisplayName,omitempty"`
	CreatedDateTime           Timestamp     `json:"createdDateTime,omitzero"`
	LastModifiedDateTime      Timestamp     `json:"lastModifiedDateTime,omitzero"`
	ParentFolderID            string        `json:"parentFolderId,omitempty"`
	Links                     *StorageLinks `json:"_links,omitempty"`
}

// StorageFolder is a Storage folder.
type StorageFolder struct {
	ID                        string        `json:"id"`
	Type                      string        `json:"type"`
	DisplayName               string        `json:"displayName"`
	Description               string        `json:"description,omitempty"`
	Path                      string        `json:"path,omitempty"`
	LastModifiedByDisplayName string        `json:"lastModifiedByDisplayName,omitempty"`
	CreatedDateTime           Timestamp     `json:"createdDateTime,omitzero"`
	LastModifiedDateTime      Timestamp     `json:"lastModifiedDateTime,omitzero"`
	ParentFolderID            string        `json:"parentFolderId,omitempty"`
	Links                     *StorageLinks `json:"_links,omitempty"`
}

// StorageItem is an entry of a mixed folder listing; Type tells "file" from "folder".
type StorageItem struct {
	ID                        string        `json:"id"`
	Type                      string        `json:"type"`
	DisplayName               string        `json:"displayName"`
	Description               string        `json:"description,omitempty"`
	Path                      string        `json:"path,omitempty"`
	Size                      *int64        `json:"size,omitempty"`
	LastModifiedByDisplayName string        `json:"lastModifiedByDisplayName,omitempty"`
	CreatedDateTime           Timestamp     `json:"createdDateTime,omitzero"`
	LastModifiedDateTime      Timestamp     `json:"lastModifiedDateTime,omitzero"`
	ParentFolderID            string        `json:"parentFolderId,omitempty"`
	Links                     *StorageLinks `json:"_links,omitempty"`
}

// Storage item types.
const (
	StorageTypeFile   = "file"
	StorageTypeFolder = "folder"
)

// StorageLinks are the links of a storage item.
type StorageLinks struct {
	CreatedBy      *Link `json:"createdBy,omitempty"`
	LastModifiedBy *Link `json:"lastModifiedBy,omitempty"`
	ParentFolder   *Link `json:"parentFolder,omitempty"`
}

// StorageFileEnvelope wraps one file.
type StorageFileEnvelope struct {
	File StorageFile `json:"file"`
}

// StorageFolderEnvelope wraps one folder.
type StorageFolderEnvelope struct {
	Folder StorageFolder `json:"folder"`
}

// StorageItemList is a mixed listing (top-level or folder list).
type StorageItemList struct {
	Items []StorageItem    `json:"items"`
	Links StorageListLinks `json:"_links"`
}

// StorageListLinks are paging links plus, for the top-level listing, the root folder.
type StorageListLinks struct {
	Self   *Link `json:"self,omitempty"`
	Prev   *Link `json:"prev,omitempty"`
	Next   *Link `json:"next,omitempty"`
	Folder *Link `json:"folder,omitempty"`
}

// StorageFileList is a folder's files.
type StorageFileList struct {
	Files []StorageFile `json:"files"`
	Links PagingLinks   `json:"_links"`
}

// StorageFolderList is a folder's sub-folders.
type StorageFolderList struct {
	Folders []StorageFolder `json:"folders"`
	Links   PagingLinks     `json:"_links"`
}

// StorageItemCreate is the body that creates a folder or file, or patches one.
type StorageItemCreate struct {
	DisplayName string `json:"displayName,omitempty"`
	Description string `json:"description,omitempty"`
}

// StorageItemUpdate is the PATCH body of a folder or file. Nil fields are omitted and keep their values; a
// non-nil "" is sent, so a description can be cleared.
type StorageItemUpdate struct {
	DisplayName *string `json:"displayName,omitempty"`
	Description *string `json:"description,omitempty"`
}

// UploadLinks is the 202 answer of file create and update-content.
type UploadLinks struct {
	Links UploadLinkSet `json:"_links"`
}

// UploadLinkSet holds the pre-signed upload URL and the completion URL.
type UploadLinkSet struct {
	UploadURL   *Link `json:"uploadUrl,omitempty"`
	CompleteURL *Link `json:"completeUrl,omitempty"`
}

// Folder is the item as a StorageFolder (a listing carries the same fields as GET of the folder).
func (i StorageItem) Folder() StorageFolder {
	return StorageFolder{ID: i.ID, Type: i.Type, DisplayName: i.DisplayName, Description: i.Description, Path: i.Path,
		LastModifiedByDisplayName: i.LastModifiedByDisplayName, CreatedDateTime: i.CreatedDateTime,
		LastModifiedDateTime: i.LastModifiedDateTime, ParentFolderID: i.ParentFolderID, Links: i.Links}
}

// File is the item as a StorageFile (a listing carries the same fields as GET of the file).
func (i StorageItem) File() StorageFile {
	f := StorageFile{ID: i.ID, Type: i.Type, DisplayName: i.DisplayName, Description: i.Description, Path: i.Path,
		LastModifiedByDisplayName: i.LastModifiedByDisplayName, CreatedDateTime: i.CreatedDateTime,
		LastModifiedDateTime: i.LastModifiedDateTime, ParentFolderID: i.ParentFolderID, Links: i.Links}
	if i.Size != nil {
		f.Size = *i.Size
	}
	return f
}
