package provider

// The per-walk cache of Storage lookups (walkCache), shared by the storage folder resource (root folders) and the
// connection resources (the connector-extension check, connection_helpers.go checkStorageFileExtension).

import (
	"context"
	"runtime"
	"sync"
	"sync/atomic"
	"weak"

	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/seed37c7dd03/terraform-provider-itwin/internal/itwin"
	"github.com/seed37c7dd03/terraform-provider-itwin/internal/wire"
)

// walkCache is what one configured provider has learnt from Storage that cannot change while Terraform runs one
// command: the root folder of an iTwin, and the names of the Storage files the plan maps (only a warning depends on
// them). Terraform starts a fresh provider process (and configures a fresh client) for each graph walk, so this lives
// exactly as long as one plan, or one apply.
//
// Root folders: every itwin_storage_folder created in an iTwin's root needs its id, which the iTwin keeps for life;
// one lookup per walk instead of one per folder halves the requests of creating folders.
//
// File names give the connector-extension check (checkStorageFileExtension) two savings:
//
//   - each file is read at most once per plan, however many resources map it, and a folder that two files of the
//     plan turned out to share is listed once (at most folderListingItems items, one page in practice) so that its
//     other files need no GET: for the usual layout (a folder of drawings) a plan of N new mappings costs about two
//     file GETs and one listing instead of N GETs. A folder is listed only after two hits, so a plan that maps one
//     file of a large folder does not pay for the listing;
//   - applying: Terraform plans every changed resource again during the apply (the "apply-time plan") with a request
//     identical to the one it sent during the plan, so the request itself cannot tell the two apart, and private state
//     does not travel from the plan to it either. What can tell them apart is the process: a plan walk never creates
//     or updates anything, so once this client has started a Create or Update (markApplying) the walk is an apply,
//     and the remaining apply-time plans skip the check. The first apply-time plans of a walk still check (cheaply,
//     through the cache above); warnMappedFiles repeats the warning from the apply's own answer, free, for files
//     whose ids were unknown when the plan ran.
type walkCache struct {
	applying atomic.Bool

	mu       sync.Mutex
	roots    map[string]*rootFolder   // iTwin id → its root folder (or the lookup in flight)
	files    map[string]*storageName  // file id → name (or the read in flight)
	inFolder map[string]int           // folder id → files this plan found there by GET
	listings map[string]chan struct{} // folder id → closed when its listing is done
}

type storageName struct {
	done chan struct{}
	name string
	ok   bool
}

// folderListingItems bounds a folder listing: a folder larger than this is left to GETs, so a listing never costs
// more than a couple of pages (the API serves up to 1,000 items a page).
const folderListingItems = 2000

var (
	walkCachesMu sync.Mutex
	walkCaches   = map[weak.Pointer[itwin.Client]]*walkCache{}
)

// walkCacheOf returns the cache of a configured client; it goes away with the client.
func walkCacheOf(client *itwin.Client) *walkCache {
	key := weak.Make(client)
	walkCachesMu.Lock()
	defer walkCachesMu.Unlock()
	if n, ok := walkCaches[key]; ok {
		return n
	}
	n := &walkCache{roots: map[string]*rootFolder{}, files: map[string]*storageName{}, inFolder: map[string]int{}, listings: map[string]chan struct{}{}}
	walkCaches[key] = n
	runtime.AddCleanup(client, func(k weak.Pointer[itwin.Client]) {
		walkCachesMu.Lock()
		delete(walkCaches, k)
		walkCachesMu.Unlock()
	}, key)
	return n
}

type rootFolder struct {
	done chan struct{}
	id   string
	err  error
}

// rootFolderID returns the id of an iTwin's root Storage folder, looked up once per walk (callers arriving while
// the lookup is in flight wait for it). A failed lookup is not kept: a later caller tries again.
func rootFolderID(ctx context.Context, client *itwin.Client, itwinID string) (string, error) {
	n := walkCacheOf(client)
	n.mu.Lock()
	if r, ok := n.roots[itwinID]; ok {
		n.mu.Unlock()
		select {
		case <-r.done:
			return r.id, r.err
		case <-ctx.Done():
			return "", ctx.Err()
		}
	}
	r := &rootFolder{done: make(chan struct{})}
	n.roots[itwinID] = r
	n.mu.Unlock()
	r.id, r.err = client.GetRootFolderID(ctx, itwinID)
	if r.err != nil {
		n.mu.Lock()
		delete(n.roots, itwinID)
		n.mu.Unlock()
	}
	close(r.done)
	return r.id, r.err
}

// lookup returns a Storage file's display name, reading it at most once; ok is false when it cannot be read.
func (n *walkCache) lookup(ctx context.Context, client *itwin.Client, id string) (string, bool) {
	n.mu.Lock()
	if e, ok := n.files[id]; ok {
		n.mu.Unlock()
		return e.wait(ctx)
	}
	// A listing in flight may bring this file: wait for it rather than read the file beside it.
	var pending []chan struct{}
	for _, done := range n.listings {
		pending = append(pending, done)
	}
	n.mu.Unlock()
	for _, done := range pending {
		select {
		case <-done:
		case <-ctx.Done():
			return "", false
		}
	}
	n.mu.Lock()
	if e, ok := n.files[id]; ok {
		n.mu.Unlock()
		return e.wait(ctx)
	}
	e := &storageName{done: make(chan struct{})}
	n.files[id] = e
	n.mu.Unlock()

	f, err := client.GetFile(ctx, id)
	if err != nil {
		tflog.Debug(ctx, "cannot read storage file for the extension check", map[string]any{"storage_file_id": id, "error": err.Error()})
	} else {
		e.name, e.ok = f.DisplayName, true
	}
	close(e.done)
	if err == nil && f.ParentFolderID != "" {
		n.foundIn(ctx, client, f.ParentFolderID)
	}
	return e.name, e.ok
}

func (e *storageName) wait(ctx context.Context) (string, bool) {
	select {
	case <-e.done:
		return e.name, e.ok
	case <-ctx.Done():
		return "", false
	}
}

// foundIn counts a file read in folder; the second one lists the folder, so the plan's other files there are known
// without a GET each.
func (n *walkCache) foundIn(ctx context.Context, client *itwin.Client, folder string) {
	n.mu.Lock()
	n.inFolder[folder]++
	if n.inFolder[folder] < 2 || n.listings[folder] != nil {
		n.mu.Unlock()
		return
	}
	done := make(chan struct{})
	n.listings[folder] = done
	n.mu.Unlock()
	defer close(done)

	seen := 0
	for item, err := range client.EachFolderItem(ctx, folder) {
		if err != nil {
			tflog.Debug(ctx, "cannot list storage folder for the extension check", map[string]any{"folder_id": folder, "error": err.Error()})
			return
		}
		if item.Type == wire.StorageTypeFile {
			n.mu.Lock()
			if _, ok := n.files[item.ID]; !ok {
				e := &storageName{done: make(chan struct{}), name: item.DisplayName, ok: true}
				close(e.done)
				n.files[item.ID] = e
			}
			n.mu.Unlock()
		}
		if seen++; seen >= folderListingItems {
			return // stop before the next page
		}
	}
}
