package itwinlocal_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/seed37c7dd03/terraform-provider-itwin/internal/itwinlocal"
	"github.com/seed37c7dd03/terraform-provider-itwin/internal/itwinlocal/itwinlocaltest"
	"github.com/seed37c7dd03/terraform-provider-itwin/internal/wire"
)

const gcGrace = time.Minute

// gcInstance is itwin-local on a fake clock with the periodic collector off: the test sweeps itself.
func gcInstance(t *testing.T) (*itwinlocaltest.Instance, *fakeClock, func() itwinlocal.BlobSweep) {
	t.Helper()
	clk := newFakeClock()
	in := start(t, itwinlocaltest.WithConfig(func(c *itwinlocal.Config) { c.Now = clk.Now; c.BlobGCInterval = -1 }))
	sweep := func() itwinlocal.BlobSweep {
		t.Helper()
		sw, err := in.Server.Store().CollectBlobs(context.Background(), gcGrace)
		if err != nil {
			t.Fatal(err)
		}
		return sw
	}
	return in, clk, sweep
}

func blobHash(content string) string {
	h := sha256.Sum256([]byte(content))
	return hex.EncodeToString(h[:])
}

func blobExists(t *testing.T, in *itwinlocaltest.Instance, content string) bool {
	t.Helper()
	_, err := os.Stat(in.Server.Store().BlobPath(blobHash(content)))
	if err != nil && !os.IsNotExist(err) {
		t.Fatal(err)
	}
	return err == nil
}

// replaceContent uploads new content to an existing file (updatecontent, PUT, complete).
func replaceContent(t *testing.T, in *itwinlocaltest.Instance, fileID, content string) {
	t.Helper()
	r := in.Do(t, "POST", "/storage/files/"+fileID+"/updatecontent", nil)
	expectStatus(t, r, 202)
	var links wire.UploadLinks
	r.JSON(t, &links)
	in.PutBlob(t, links.Links.UploadURL.Href, []byte(content))
	expectStatus(t, in.Do(t, "POST", links.Links.CompleteURL.Href, nil), 200)
}

// A replaced and then a deleted file's content is removed, but only after it stayed unreferenced for the
// grace period across two sweeps; referenced content is never removed however old.
func TestBlobGC_replacedAndDeletedContentIsCollected(t *testing.T) {
	in, clk, sweep := gcInstance(t)
	const v1, v2 = "ISO-10303-21; v1", "ISO-10303-21; version two"
	id := in.UploadFile(t, "", "a.ifc", []byte(v1))
	sweep()
	clk.Advance(10 * gcGrace)
	if sw := sweep(); sw.Removed != 0 || !blobExists(t, in, v1) {
		t.Fatalf("referenced content collected: %+v", sw)
	}

	replaceContent(t, in, id, v2)
	if sw := sweep(); sw.Removed != 0 || sw.Unreferenced != 1 || !blobExists(t, in, v1) {
		t.Fatalf("first sweep after the replace must only mark v1: %+v", sw)
	}
	clk.Advance(gcGrace - time.Second)
	if sw := sweep(); sw.Removed != 0 || !blobExists(t, in, v1) {
		t.Fatalf("v1 removed before its grace period ended: %+v", sw)
	}
	clk.Advance(time.Second)
	if sw := sweep(); sw.Removed != 1 || sw.FreedBytes != int64(len(v1)) || blobExists(t, in, v1) || !blobExists(t, in, v2) {
		t.Fatalf("after the grace period: %+v, v1 exists %v, v2 exists %v", sw, blobExists(t, in, v1), blobExists(t, in, v2))
	}

	expectNoBody(t, in.Do(t, "DELETE", "/storage/files/"+id, nil), 204)
	sweep()
	clk.Advance(gcGrace)
	if sw := sweep(); sw.Removed != 1 || sw.Blobs != 1 || blobExists(t, in, v2) {
		t.Fatalf("deleted file's content: %+v", sw)
	}
}

// Content shared by several files stays while one of them references it, also when the others go through a
// cascade (their folder is deleted), and is collected after the last one goes.
func TestBlobGC_sharedContentKeptWhileReferenced(t *testing.T) {
	in, clk, sweep := gcInstance(t)
	const shared = "shared bytes"
	r := in.Do(t, "POST", "/storage/folders/"+in.RootFolderID+"/folders", map[string]string{"displayName": "sub"})
	expectStatus(t, r, 201)
	var folder wire.StorageFolderEnvelope
	r.JSON(t, &folder)
	a := in.UploadFile(t, "", "a.dgn", []byte(shared))
	in.UploadFile(t, folder.Folder.ID, "b.dgn", []byte(shared))
	in.UploadFile(t, folder.Folder.ID, "c.dgn", []byte(shared))

	expectNoBody(t, in.Do(t, "DELETE", "/storage/folders/"+folder.Folder.ID, nil), 204)
	for range 3 {
		sweep()
		clk.Advance(gcGrace)
	}
	if !blobExists(t, in, shared) {
		t.Fatal("content removed while a.dgn still references it")
	}
	d := in.Do(t, "GET", "/storage/files/"+a+"/download", nil)
	if d.Status != 302 {
		t.Fatalf("download of a.dgn: %d %s", d.Status, d.Body)
	}
	if got := in.DoAs(t, "", "GET", d.Header.Get("Location"), nil); got.Status != 200 || string(got.Body) != shared {
		t.Fatalf("a.dgn content after the sweeps: %d %q", got.Status, got.Body)
	}

	expectNoBody(t, in.Do(t, "DELETE", "/storage/files/"+a, nil), 204)
	sweep()
	clk.Advance(gcGrace)
	if sw := sweep(); sw.Removed != 1 || blobExists(t, in, shared) {
		t.Fatalf("after the last reference went: %+v", sw)
	}
}

// An upload in flight is never collected: a blob written but whose row is not committed yet, an uploaded but
// not completed file (pending content), content re-uploaded just as its old copy was due, and a stream still
// being written to blobs/tmp.
func TestBlobGC_inFlightUploadsAreKept(t *testing.T) {
	in, clk, sweep := gcInstance(t)
	st := in.Server.Store()

	// Written, row not committed: protected by its write time for the grace period.
	if _, _, err := st.PutBlob(bytes.NewReader([]byte("written, no row yet")), 0); err != nil {
		t.Fatal(err)
	}
	sweep()
	clk.Advance(gcGrace - time.Second)
	sweep()
	if !blobExists(t, in, "written, no row yet") {
		t.Fatal("a blob written less than the grace period ago was removed")
	}

	// Uploaded, not completed: the pending content is referenced however long the client takes.
	r := in.Do(t, "POST", "/storage/folders/"+in.RootFolderID+"/files", map[string]string{"displayName": "slow.ifc"})
	expectStatus(t, r, 202)
	var links wire.UploadLinks
	r.JSON(t, &links)
	in.PutBlob(t, links.Links.UploadURL.Href, []byte("pending content"))
	for range 3 {
		sweep()
		clk.Advance(gcGrace)
	}
	if !blobExists(t, in, "pending content") {
		t.Fatal("the content of an upload not yet completed was removed")
	}
	expectStatus(t, in.Do(t, "POST", links.Links.CompleteURL.Href, nil), 200)

	// Content unreferenced long enough to be due, uploaded again before the sweep: kept.
	const again = "deleted, then uploaded again"
	old := in.UploadFile(t, "", "old.ifc", []byte(again))
	expectNoBody(t, in.Do(t, "DELETE", "/storage/files/"+old, nil), 204)
	sweep()
	clk.Advance(gcGrace)
	if _, _, err := st.PutBlob(bytes.NewReader([]byte(again)), 0); err != nil { // the new upload's PUT
		t.Fatal(err)
	}
	if sw := sweep(); sw.Removed != 0 || !blobExists(t, in, again) {
		t.Fatalf("content re-uploaded while due for collection was removed: %+v", sw)
	}

	// A stream being written.
	tmp := filepath.Join(in.Server.Store().BlobPath(""), "tmp", "upload-inflight")
	if err := os.WriteFile(tmp, []byte("half"), 0o600); err != nil {
		t.Fatal(err)
	}
	for range 3 {
		sweep()
		clk.Advance(gcGrace)
	}
	if _, err := os.Stat(tmp); err != nil {
		t.Fatalf("blobs/tmp touched: %v", err)
	}
	if blobExists(t, in, "written, no row yet") || blobExists(t, in, again) {
		t.Fatal("blobs that nothing references after all were not collected in the end")
	}
	if !blobExists(t, in, "pending content") {
		t.Fatal("completed content removed")
	}
}

// The store's blob references are storage_files.content_hash and pending_hash (store_blobs.go). Any other
// column named like a hash must be one that holds no blob; a new one fails here until it is classified (and,
// if it references blobs, added to referencedBlobs).
func TestBlobReferences(t *testing.T) {
	dir := t.TempDir()
	itwinlocaltest.Start(t, itwinlocaltest.WithDataDir(dir)) // with the engine, whose tables are created at its start
	db, err := sql.Open("sqlite", "file:"+filepath.Join(dir, "itwin-local.db")+"?_pragma=query_only(1)")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	rows, err := db.Query(`SELECT m.name || '.' || p.name FROM sqlite_master m, pragma_table_info(m.name) p
		WHERE m.type = 'table' AND p.name LIKE '%hash%' ORDER BY 1`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var got []string
	for rows.Next() {
		var c string
		if err := rows.Scan(&c); err != nil {
			t.Fatal(err)
		}
		got = append(got, c)
	}
	known := []string{
		"storage_files.content_hash", "storage_files.pending_hash", // blobs: referencedBlobs
	}
	notBlobs := []string{
		"clients.secret_hash",     // a client secret's hash
		"elements.hash",           // digest of an element's properties (the engine's change detection)
		"engine_files.input_hash", // digest of a file's content hash and options (the engine's skip check)
	}
	for _, c := range got {
		if !slices.Contains(known, c) && !slices.Contains(notBlobs, c) {
			t.Errorf("column %s: does it reference a blob? Classify it here and in store_blobs.go", c)
		}
	}
}

// A server that stops with nothing in flight removes the unreferenced content at once, and keeps the rest: the
// fault suite's and the tests' short-lived instances leave no garbage behind.
func TestBlobGC_closeSweepsWithoutGrace(t *testing.T) {
	in := start(t) // the default schedule: a sweep every 30 s, none of which removes anything within this test
	const v1, v2, kept = "first content", "second content", "kept content"
	id := in.UploadFile(t, "", "a.ifc", []byte(v1))
	in.UploadFile(t, "", "b.ifc", []byte(kept))
	replaceContent(t, in, id, v2)
	gone := in.UploadFile(t, "", "gone.ifc", []byte("deleted content"))
	expectNoBody(t, in.Do(t, "DELETE", "/storage/files/"+gone, nil), 204)
	if !blobExists(t, in, v1) || !blobExists(t, in, "deleted content") {
		t.Fatal("content collected while the server runs, before any grace period")
	}
	in.HTTP.Close()
	if err := in.Server.Close(); err != nil {
		t.Fatal(err)
	}
	if blobExists(t, in, v1) || blobExists(t, in, "deleted content") || !blobExists(t, in, v2) || !blobExists(t, in, kept) {
		t.Fatalf("after Close: v1 %v, deleted %v (want gone); v2 %v, kept %v (want kept)",
			blobExists(t, in, v1), blobExists(t, in, "deleted content"), blobExists(t, in, v2), blobExists(t, in, kept))
	}
}
