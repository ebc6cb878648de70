package itwinlocal

// Blob garbage collection. File contents live under DataDir/blobs/<sha256>, shared by every file with the same
// content. The only references to a blob are storage_files.content_hash (completed content) and
// storage_files.pending_hash (an upload not yet completed); changesets, checkpoints, elements and runs keep no
// blob (a run reads its files' content through the storage_files row when its task executes). TestBlobReferences
// fails when a migration adds another *hash column, so that a new reference is added to referencedBlobs.
//
// Collection is a periodic sweep (Server: Config.BlobGCInterval), not a step of the delete and replace handlers,
// because references also disappear through ON DELETE CASCADE (deleting a folder, an iModel's iTwin) that no
// handler sees file by file, and because two windows must stay safe without locking every reader:
//   - a reader (download, a run's task) reads the row, then opens the blob a moment later;
//   - an upload writes the blob (PutBlob), then commits the row that references it.
//
// So a blob is removed only when two sweeps at least the grace period apart found it unreferenced, and it was
// not written during the grace period (a re-upload of content that was about to be collected). Removal and
// PutBlob's rename share one lock, so a blob cannot be removed between its rename and its recording. Files in
// blobs/tmp (uploads being streamed) are never looked at. A server that stops with no request in flight and its
// engine stopped sweeps once more without grace (Server.Close), so short-lived instances (tests, the fault suite)
// leave only referenced content behind; after a kill the next start's sweeps catch up.

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"
)

// blobGC is the collector's memory: when each blob was last written and when it was first seen unreferenced.
// After a restart both are empty: nothing is in flight then, and the first sweep only marks.
type blobGC struct {
	mu         sync.Mutex
	writtenAt  map[string]time.Time
	unrefSince map[string]time.Time
}

// written runs rename (PutBlob's move of the finished upload into place) under the lock and records the time.
func (g *blobGC) written(hash string, now func() time.Time, rename func() error) error {
	g.mu.Lock()
	defer g.mu.Unlock()
	if err := rename(); err != nil {
		return err
	}
	if g.writtenAt == nil {
		g.writtenAt = map[string]time.Time{}
	}
	g.writtenAt[hash] = now()
	return nil
}

// BlobSweep is what one CollectBlobs call did.
type BlobSweep struct {
	Blobs, Unreferenced, Removed int   // blobs on disk, unreferenced among them, removed
	FreedBytes                   int64 // size of the removed blobs
}

// referencedBlobs is every blob hash a storage file references, its completed content or a pending upload.
func (s *Store) referencedBlobs(ctx context.Context) (map[string]bool, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT content_hash FROM storage_files WHERE content_hash <> ''
		UNION SELECT pending_hash FROM storage_files WHERE pending_hash <> ''`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	refs := map[string]bool{}
	for rows.Next() {
		var h string
		if err := rows.Scan(&h); err != nil {
			return nil, err
		}
		refs[h] = true
	}
	return refs, rows.Err()
}

// CollectBlobs is one sweep: it marks the unreferenced blobs and removes those unreferenced since at least
// grace ago (and not written since then). grace 0 removes every unreferenced blob at once: only for when nothing
// can be in flight (Server.Close after the HTTP server and the engine stopped).
func (s *Store) CollectBlobs(ctx context.Context, grace time.Duration) (BlobSweep, error) {
	var sw BlobSweep
	// The listing comes first: a blob committed after it is seen referenced, one written after it is not
	// listed (and a re-written one is protected by its write time).
	entries, err := os.ReadDir(s.blobDir)
	if err != nil {
		return sw, err
	}
	refs, err := s.referencedBlobs(ctx)
	if err != nil {
		return sw, err
	}
	g := &s.gc
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.unrefSince == nil {
		g.unrefSince = map[string]time.Time{}
	}
	now := s.now()
	unref := map[string]bool{}
	for _, e := range entries {
		h := e.Name()
		if e.IsDir() || len(h) != 64 || strings.Trim(h, "0123456789abcdef") != "" {
			continue // blobs/tmp and anything that is not a blob
		}
		sw.Blobs++
		if refs[h] {
			continue
		}
		if t, ok := g.writtenAt[h]; ok && now.Sub(t) < grace {
			continue
		}
		sw.Unreferenced++
		unref[h] = true
		if grace > 0 {
			since, ok := g.unrefSince[h]
			if !ok {
				g.unrefSince[h] = now
				continue
			}
			if now.Sub(since) < grace {
				continue
			}
		}
		var size int64
		if info, err := e.Info(); err == nil {
			size = info.Size()
		}
		if err := os.Remove(filepath.Join(s.blobDir, h)); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return sw, err
		}
		delete(g.unrefSince, h)
		delete(unref, h)
		sw.Removed++
		sw.FreedBytes += size
	}
	// Referenced again (or gone): the grace starts over when it next loses its references.
	for h := range g.unrefSince {
		if !unref[h] {
			delete(g.unrefSince, h)
		}
	}
	for h, t := range g.writtenAt {
		if now.Sub(t) >= grace {
			delete(g.writtenAt, h)
		}
	}
	return sw, nil
}
