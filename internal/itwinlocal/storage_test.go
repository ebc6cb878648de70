package itwinlocal_test

import (
	"fmt"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/seed37c7dd03/terraform-provider-itwin/internal/itwinlocal"
	"github.com/seed37c7dd03/terraform-provider-itwin/internal/itwinlocal/itwinlocaltest"
	"github.com/seed37c7dd03/terraform-provider-itwin/internal/wire"
)

func TestStorageTopLevelAndFolders(t *testing.T) {
	in := start(t)
	r := in.Do(t, "GET", "/storage/?iTwinId="+in.ITwinID, nil)
	expectStatus(t, r, 200)
	var top wire.StorageItemList
	r.JSON(t, &top)
	if top.Links.Folder == nil || !strings.HasSuffix(top.Links.Folder.Href, "/"+in.RootFolderID) || top.Items == nil {
		t.Fatalf("top: %s", r.Body)
	}
	expectErr(t, in.Do(t, "GET", "/storage/", nil), 422, "InvalidStorageRequest", "iTwinId")
	expectErr(t, in.Do(t, "GET", "/storage/?iTwinId=nope", nil), 422, "InvalidStorageRequest", "iTwinId")
	expectErr(t, in.Do(t, "GET", "/storage/?iTwinId="+itwinlocal.NewGUID(), nil), 404, "iTwinNotFound", "")

	r = in.Do(t, "POST", "/storage/folders/"+in.RootFolderID+"/folders", map[string]string{"displayName": "Plant A", "description": "d"})
	expectStatus(t, r, 201)
	var f wire.StorageFolderEnvelope
	r.JSON(t, &f)
	if f.Folder.Type != "folder" || f.Folder.Path != "Plant A" || f.Folder.ParentFolderID != in.RootFolderID || !itwinlocal.IsBase64ID(f.Folder.ID) {
		t.Fatalf("folder: %s", r.Body)
	}
	expectErr(t, in.Do(t, "POST", "/storage/folders/"+in.RootFolderID+"/folders", map[string]string{"displayName": "a/b"}), 422, "InvalidCreateFolderRequest", "displayName")
	expectErr(t, in.Do(t, "POST", "/storage/folders/"+in.RootFolderID+"/folders", map[string]string{"displayName": strings.Repeat("x", 256)}), 422, "InvalidCreateFolderRequest", "displayName")
	expectErr(t, in.Do(t, "POST", "/storage/folders/"+in.RootFolderID+"/folders", map[string]string{}), 422, "InvalidCreateFolderRequest", "displayName")
	expectErr(t, in.Do(t, "POST", "/storage/folders/nope/folders", map[string]string{"displayName": "x"}), 404, "FolderNotFound", "")

	fileID := in.UploadFile(t, f.Folder.ID, "plant-a.dgn", []byte("abc"))
	r = in.Do(t, "GET", "/storage/files/"+fileID, nil)
	expectStatus(t, r, 200)
	var file wire.StorageFileEnvelope
	r.JSON(t, &file)
	if file.File.Path != "Plant A/plant-a.dgn" || file.File.Size != 3 || file.File.Type != "file" || file.File.ParentFolderID != f.Folder.ID {
		t.Fatalf("file: %s", r.Body)
	}

	// Listings.
	var items wire.StorageItemList
	in.Do(t, "GET", "/storage/folders/"+in.RootFolderID+"/list", nil).JSON(t, &items)
	if len(items.Items) != 1 || items.Items[0].Type != "folder" {
		t.Fatalf("root list: %+v", items)
	}
	var files wire.StorageFileList
	in.Do(t, "GET", "/storage/folders/"+f.Folder.ID+"/files", nil).JSON(t, &files)
	if len(files.Files) != 1 || files.Files[0].ID != fileID {
		t.Fatalf("files: %+v", files)
	}
	var folders wire.StorageFolderList
	in.Do(t, "GET", "/storage/folders/"+in.RootFolderID+"/folders", nil).JSON(t, &folders)
	if len(folders.Folders) != 1 || folders.Folders[0].ID != f.Folder.ID {
		t.Fatalf("folders: %+v", folders)
	}

	// PATCH folder and file.
	r = in.Do(t, "PATCH", "/storage/folders/"+f.Folder.ID, map[string]string{"displayName": "Plant B"})
	expectStatus(t, r, 200)
	r.JSON(t, &f)
	if f.Folder.DisplayName != "Plant B" || f.Folder.Description != "d" {
		t.Fatalf("patched folder: %s", r.Body)
	}
	expectErr(t, in.Do(t, "PATCH", "/storage/folders/"+f.Folder.ID, map[string]string{}), 422, "InvalidStorageRequest", "displayName")
	r = in.Do(t, "PATCH", "/storage/files/"+fileID, map[string]string{"description": "new"})
	expectStatus(t, r, 200)
	r.JSON(t, &file)
	if file.File.Description != "new" || file.File.DisplayName != "plant-a.dgn" || file.File.Path != "Plant B/plant-a.dgn" {
		t.Fatalf("patched file: %s", r.Body)
	}
	// A present "" clears the description; the omitted name is kept.
	var cleared wire.StorageFileEnvelope
	in.Do(t, "PATCH", "/storage/files/"+fileID, map[string]string{"description": ""}).JSON(t, &cleared)
	if cleared.File.Description != "" || cleared.File.DisplayName != "plant-a.dgn" {
		t.Fatalf("cleared file description: %+v", cleared.File)
	}
	var clearedFolder wire.StorageFolderEnvelope
	in.Do(t, "PATCH", "/storage/folders/"+f.Folder.ID, map[string]string{"description": ""}).JSON(t, &clearedFolder)
	if clearedFolder.Folder.Description != "" || clearedFolder.Folder.DisplayName != "Plant B" {
		t.Fatalf("cleared folder description: %+v", clearedFolder.Folder)
	}

	// Folder delete cascades to its files; the root cannot be deleted.
	expectErr(t, in.Do(t, "DELETE", "/storage/folders/"+in.RootFolderID, nil), 422, "InvalidStorageRequest", "folderId")
	expectNoBody(t, in.Do(t, "DELETE", "/storage/folders/"+f.Folder.ID, nil), 204)
	expectErr(t, in.Do(t, "GET", "/storage/folders/"+f.Folder.ID, nil), 404, "FolderNotFound", "")
	expectErr(t, in.Do(t, "GET", "/storage/files/"+fileID, nil), 404, "FileNotFound", "")
}

func TestStorageUploadFlow(t *testing.T) {
	in := start(t, itwinlocaltest.WithConfig(func(c *itwinlocal.Config) { c.MaxUploadBytes = 1024 }))
	r := in.Do(t, "POST", "/storage/folders/"+in.RootFolderID+"/files", map[string]string{"displayName": "model.ifc"})
	expectStatus(t, r, 202)
	var links wire.UploadLinks
	r.JSON(t, &links)
	complete := links.Links.CompleteURL.Href
	parts := strings.Split(complete, "/")
	// §10 row 2: {host}/storage/files/{fileId}/complete, file id at index 5.
	if len(parts) != 7 || parts[3] != "storage" || parts[4] != "files" || parts[6] != "complete" || !itwinlocal.IsBase64ID(parts[5]) {
		t.Fatalf("completeUrl %q", complete)
	}
	fileID := parts[5]
	expectErr(t, in.Do(t, "POST", complete, nil), 409, "UploadNotFound", "")

	up := links.Links.UploadURL.Href
	// Missing blob type header, bad signature, too large.
	expectErr(t, in.DoAs(t, "", "PUT", up, []byte("x")), 400, "MissingRequiredHeader", "")
	u, _ := url.Parse(up)
	q := u.Query()
	q.Set("sig", "AAAA"+q.Get("sig")[4:])
	u.RawQuery = q.Encode()
	expectErr(t, in.DoAs(t, "", "PUT", u.String(), []byte("x"), "x-ms-blob-type", "BlockBlob"), 403, "AuthenticationFailed", "")
	expectErr(t, in.DoAs(t, "", "PUT", up, make([]byte, 1025), "x-ms-blob-type", "BlockBlob"), 413, "PayloadTooLarge", "")

	in.PutBlob(t, up, []byte("ISO-10303-21; v1"))
	r = in.Do(t, "POST", complete, nil)
	expectStatus(t, r, 200)
	var f1 wire.StorageFileEnvelope
	r.JSON(t, &f1)
	if f1.File.Size != int64(len("ISO-10303-21; v1")) {
		t.Fatalf("size %d", f1.File.Size)
	}

	download := func() string {
		t.Helper()
		r := in.Do(t, "GET", "/storage/files/"+fileID+"/download", nil)
		expectNoBody(t, r, 302)
		loc := r.Header.Get("Location")
		if !strings.HasPrefix(loc, in.URL+"/blobs/download/"+fileID+"?") {
			t.Fatalf("download Location %q", loc)
		}
		d := in.DoAs(t, "", "GET", loc, nil)
		expectStatus(t, d, 200)
		return string(d.Body)
	}
	if got := download(); got != "ISO-10303-21; v1" {
		t.Fatalf("download = %q", got)
	}

	// updatecontent: old content stays until complete; lastModifiedDateTime moves.
	time.Sleep(2 * time.Millisecond)
	r = in.Do(t, "POST", "/storage/files/"+fileID+"/updatecontent", nil)
	expectStatus(t, r, 202)
	var links2 wire.UploadLinks
	r.JSON(t, &links2)
	if links2.Links.CompleteURL.Href != complete {
		t.Fatalf("updatecontent completeUrl %q", links2.Links.CompleteURL.Href)
	}
	in.PutBlob(t, links2.Links.UploadURL.Href, []byte("ISO-10303-21; version two"))
	if got := download(); got != "ISO-10303-21; v1" {
		t.Fatalf("content changed before complete: %q", got)
	}
	r = in.Do(t, "POST", complete, nil)
	expectStatus(t, r, 200)
	var f2 wire.StorageFileEnvelope
	r.JSON(t, &f2)
	if f2.File.Size != int64(len("ISO-10303-21; version two")) || !f2.File.LastModifiedDateTime.After(f1.File.LastModifiedDateTime.Time) {
		t.Fatalf("after update: %s", r.Body)
	}
	if got := download(); got != "ISO-10303-21; version two" {
		t.Fatalf("download after update = %q", got)
	}

	// Row 16: same displayName twice in one folder is allowed.
	a := in.UploadFile(t, "", "dup.dgn", []byte("1"))
	b := in.UploadFile(t, "", "dup.dgn", []byte("2"))
	if a == b {
		t.Fatal("duplicate names must yield distinct files")
	}
	expectNoBody(t, in.Do(t, "DELETE", "/storage/files/"+a, nil), 204)
	expectErr(t, in.Do(t, "GET", "/storage/files/"+a, nil), 404, "FileNotFound", "")
	expectErr(t, in.Do(t, "GET", "/storage/files/"+a+"/download", nil), 404, "FileNotFound", "")
	expectErr(t, in.Do(t, "POST", "/storage/files/"+a+"/complete", nil), 404, "FileNotFound", "")
}

func TestSignedURLExpiry(t *testing.T) {
	clock := newFakeClock()
	in := start(t, itwinlocaltest.WithConfig(func(c *itwinlocal.Config) { c.Now = clock.Now }))
	fid := in.UploadFile(t, "", "a.dgn", []byte("x"))
	loc := in.Do(t, "GET", "/storage/files/"+fid+"/download", nil).Header.Get("Location")
	expectStatus(t, in.DoAs(t, "", "GET", loc, nil), 200)
	clock.Advance(2 * time.Hour)
	expectErr(t, in.DoAs(t, "", "GET", loc, nil), 403, "AuthenticationFailed", "")
}

func TestStoragePaging(t *testing.T) {
	in := start(t)
	for i := 0; i < 2; i++ {
		expectStatus(t, in.Do(t, "POST", "/storage/folders/"+in.RootFolderID+"/folders", map[string]string{"displayName": "f"}), 201)
	}
	for i := 0; i < 3; i++ {
		in.UploadFile(t, "", "x.dgn", []byte("x"))
	}
	var all []wire.StorageItem
	next := "/storage/folders/" + in.RootFolderID + "/list?$top=2"
	pages := 0
	for next != "" {
		var l wire.StorageItemList
		in.Do(t, "GET", next, nil).JSON(t, &l)
		all = append(all, l.Items...)
		pages++
		next = ""
		if l.Links.Next != nil {
			next = l.Links.Next.Href
		}
		if pages > 1 && l.Links.Prev == nil {
			t.Fatal("page > 1 without prev")
		}
	}
	if pages != 3 || len(all) != 5 || all[0].Type != "folder" || all[1].Type != "folder" || all[2].Type != "file" {
		t.Fatalf("paging: %d pages, %d items", pages, len(all))
	}
}

// TestMaxPageSize: Config.MaxPageSize serves every list in pages of at most that size (a missing or larger $top
// included), keeps a smaller $top, and still refuses a malformed one.
func TestMaxPageSize(t *testing.T) {
	in := start(t, itwinlocaltest.WithConfig(func(c *itwinlocal.Config) { c.MaxPageSize = 2 }))
	for i := 0; i < 5; i++ {
		in.UploadFile(t, "", fmt.Sprintf("f%d.ifc", i), []byte("x"))
	}
	list := func(q string) wire.StorageItemList {
		t.Helper()
		var l wire.StorageItemList
		r := in.Do(t, "GET", "/storage/folders/"+in.RootFolderID+"/list"+q, nil)
		expectStatus(t, r, 200)
		r.JSON(t, &l)
		return l
	}
	for _, q := range []string{"", "?$top=1000", "?%24TOP=50"} {
		l := list(q)
		if len(l.Items) != 2 || l.Links.Next == nil || !strings.Contains(l.Links.Next.Href, "$top=2") {
			t.Fatalf("%q: %d items, next %+v; want 2 and a next link with $top=2", q, len(l.Items), l.Links.Next)
		}
	}
	if l := list("?$top=1"); len(l.Items) != 1 {
		t.Fatalf("$top=1 gave %d items", len(l.Items))
	}
	// Following next links reaches every item.
	n, pages := 0, 0
	for next := "/storage/folders/" + in.RootFolderID + "/list"; next != ""; pages++ {
		var l wire.StorageItemList
		in.Do(t, "GET", next, nil).JSON(t, &l)
		n += len(l.Items)
		next = ""
		if l.Links.Next != nil {
			next = l.Links.Next.Href
		}
	}
	if n != 5 || pages != 3 {
		t.Fatalf("%d items in %d pages, want 5 in 3", n, pages)
	}
	expectErr(t, in.Do(t, "GET", "/storage/folders/"+in.RootFolderID+"/list?$top=abc", nil), 422, "InvalidStorageRequest", "$top")
}
