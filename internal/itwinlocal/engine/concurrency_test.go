package engine_test

import (
	"database/sql"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/seed37c7dd03/terraform-provider-itwin/internal/itwinlocal"
	"github.com/seed37c7dd03/terraform-provider-itwin/internal/itwinlocal/connector"
	"github.com/seed37c7dd03/terraform-provider-itwin/internal/itwinlocal/engine"
	"github.com/seed37c7dd03/terraform-provider-itwin/internal/itwinlocal/itwinlocaltest"
	"github.com/seed37c7dd03/terraform-provider-itwin/internal/wire"
)

// TestOneRunPerIModel: runs of two connections on one iModel are both accepted, but the second stays Queued
// while the first executes and only moves to WaitingToExecute after the first completed (§11d).
func TestOneRunPerIModel(t *testing.T) {
	var c1 string
	g := newGate(once(func(r itwinlocal.RunRecord) bool {
		return r.ConnectionID == c1 && r.State == wire.StateExecuting && r.Phase == wire.PhasePreprocessor
	}))
	f := start(t, engine.Options{AfterTransition: g.hook, Workers: 2})
	fa := f.in.UploadFile(t, "", "a.ifc", ifcDoc(walls(1, 2)...))
	fb := f.in.UploadFile(t, "", "b.ifc", ifcDoc(walls(10, 2)...))
	g.mu.Lock()
	c1 = f.newConn(t, f.in.IModelID, "Service", sfile{fa, "IFC"})
	g.mu.Unlock()
	c2 := f.newConn(t, f.in.IModelID, "Service", sfile{fb, "IFC"})
	// A third connection on another iModel is not held up by the busy one.
	im2 := f.newIModel(t, "other")
	fc := f.in.UploadFile(t, "", "c.ifc", ifcDoc(walls(20, 2)...))
	c3 := f.newConn(t, im2, "Service", sfile{fc, "IFC"})

	first := f.startRun(t, c1)
	if held := g.waitReached(t); held.ID != first {
		t.Fatalf("held %s, want %s", held.ID, first)
	}
	run2 := f.startRun(t, c2)
	deadline := time.Now().Add(10 * time.Second)
	for f.getRun(t, sc, c2, run2).State != wire.StateQueued {
		if time.Now().After(deadline) {
			t.Fatalf("second run never reached Queued: %s", mustJSON(f.getRun(t, sc, c2, run2)))
		}
		time.Sleep(time.Millisecond)
	}
	// The other iModel's run completes while the first iModel is busy.
	if run3 := f.sync(t, c3); run3.Result != wire.ResultSuccess {
		t.Fatalf("other iModel: %s", mustJSON(run3))
	}
	time.Sleep(50 * time.Millisecond)
	if r := f.getRun(t, sc, c2, run2); r.State != wire.StateQueued || len(r.Jobs) != 0 {
		t.Fatalf("second run while the first executes: %s", mustJSON(r))
	}
	g.release <- struct{}{}
	one, two := f.wait(t, sc, c1, first), f.wait(t, sc, c2, run2)
	if one.Result != wire.ResultSuccess || two.Result != wire.ResultSuccess {
		t.Fatalf("results %s %s", one.Result, two.Result)
	}
	// In the stored order of transitions, run 2 waited to execute only after run 1 completed.
	done1, wait2 := -1, -1
	for i, r := range g.transitions() {
		if r.ID == first && r.State == wire.StateCompleted {
			done1 = i
		}
		if r.ID == run2 && r.State == wire.StateWaitingToExecute && wait2 < 0 {
			wait2 = i
		}
	}
	if done1 < 0 || wait2 < done1 {
		t.Fatalf("run 2 WaitingToExecute at %d, run 1 Completed at %d", wait2, done1)
	}
	cs := f.changesets(t, f.in.IModelID)
	if len(cs) != 2 || cs[0].SynchronizationInfo.TaskID != tasks(one)[0].ID || cs[1].SynchronizationInfo.TaskID != tasks(two)[0].ID {
		t.Fatalf("changesets in run order: %s", mustJSON(cs))
	}
}

// TestActiveRun303: while a run is active, another start answers 303 to it and the connection cannot be
// deleted; once it completed, a start creates a new run.
func TestActiveRun303(t *testing.T) {
	g := newGate(once(func(r itwinlocal.RunRecord) bool {
		return r.State == wire.StateExecuting && r.Phase == wire.PhaseMasterFile
	}))
	f := start(t, engine.Options{AfterTransition: g.hook})
	fa := f.in.UploadFile(t, "", "a.ifc", ifcDoc(walls(1, 2)...))
	cid := f.newConn(t, f.in.IModelID, "Service", sfile{fa, "IFC"})
	rid := f.startRun(t, cid)
	g.waitReached(t)
	r := f.in.Do(t, "POST", sc+"/"+cid+"/run", nil)
	if r.Status != http.StatusSeeOther || !strings.HasSuffix(r.Header.Get("Location"), "/runs/"+rid) {
		t.Fatalf("start while active: %d %v", r.Status, r.Header)
	}
	if r := f.in.Do(t, "DELETE", sc+"/"+cid, nil); r.Status != 409 || !strings.Contains(string(r.Body), "ConnectionAlreadyInUse") {
		t.Fatalf("delete while active: %d %s", r.Status, r.Body)
	}
	g.release <- struct{}{}
	if run := f.wait(t, sc, cid, rid); run.Result != wire.ResultSuccess {
		t.Fatalf("run: %s", mustJSON(run))
	}
	if next := f.startRun(t, cid); next == rid {
		t.Fatal("a start after completion must create a new run")
	}
}

// TestRestartResumes: an engine stopped in the middle of a run (after the first task committed, the second
// not yet) leaves the run Executing; a new server and engine on the same data dir finish it without
// repeating the committed task's changeset. A run that cannot continue ends Completed/Error with a run
// error instead of staying active.
func TestRestartResumes(t *testing.T) {
	dir := t.TempDir()
	var held itwinlocal.RunRecord
	g := newGate(func(r itwinlocal.RunRecord) bool {
		if r.State != wire.StateExecuting || len(r.Jobs) == 0 || len(r.Jobs[0].Tasks) < 2 {
			return false
		}
		tk := r.Jobs[0].Tasks
		return tk[0].State == wire.StateCompleted && tk[1].State == wire.StateExecuting
	})
	f1 := start(t, engine.Options{AfterTransition: g.hook}, itwinlocaltest.WithDataDir(dir))
	fa := f1.in.UploadFile(t, "", "a.ifc", ifcDoc(walls(1, 3)...))
	fb := f1.in.UploadFile(t, "", "b.ifc", ifcDoc(walls(10, 2)...))
	cid := f1.newConn(t, f1.in.IModelID, "Service", sfile{fa, "IFC"}, sfile{fb, "IFC"})
	rid := f1.startRun(t, cid)
	held = g.waitReached(t)

	// A manifest run that is stopped too, and whose manifest is lost before the restart, cannot resume.
	files := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { _, _ = w.Write(ifcDoc(walls(30, 1)...)) }))
	defer files.Close()
	im2 := f1.newIModel(t, "manifest")
	mcid := newManifestConn(t, f1, im2, "dms-1")
	r := f1.in.Do(t, "POST", mc+"/"+mcid+"/runs", manifestBody(manifestFile("dms-1", "m.ifc", files.URL+"/m.ifc")))
	expectStatus(t, r, 202)
	mrun := r.Header.Get("Location")[strings.LastIndex(r.Header.Get("Location"), "/")+1:]
	for f1.getRun(t, mc, mcid, mrun).State == wire.StateNotStarted {
		time.Sleep(time.Millisecond)
	}

	// "Crash": stop the engine between transitions and close everything.
	f1.in.HTTP.Close()
	if err := f1.in.Server.Close(); err != nil {
		t.Fatal(err)
	}
	st, err := itwinlocal.OpenStore(dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	stopped, err := st.GetRun(t.Context(), st.Reader(), rid)
	if err != nil || stopped.State != wire.StateExecuting || stopped.Phase != wire.PhaseMasterFile || held.ID != rid {
		t.Fatalf("stored run after the stop: %s %v", mustJSON(stopped), err)
	}
	err = st.Write(t.Context(), func(tx *sql.Tx) error {
		_, err := tx.Exec(`UPDATE runs SET manifest = '' WHERE id = ?`, mrun)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	st.Close()

	f2 := start(t, engine.Options{}, itwinlocaltest.WithDataDir(dir))
	run := f2.wait(t, sc, cid, rid)
	if run.Result != wire.ResultSuccess || taskFor(t, run, fa).ID != stopped.Jobs[0].Tasks[0].ID {
		t.Fatalf("resumed run: %s", mustJSON(run))
	}
	cs := f2.changesets(t, f2.in.IModelID)
	if len(cs) != 2 || cs[0].Description != "Synchronized a.ifc: +3 ~0 -0 elements" || cs[1].Description != "Synchronized b.ifc: +2 ~0 -0 elements" {
		t.Fatalf("changesets after resume: %s", mustJSON(cs))
	}
	if n := f2.elementCount(t, f2.in.IModelID); n != 5 {
		t.Fatalf("elements after resume = %d", n)
	}
	m := f2.wait(t, mc, mcid, mrun)
	if m.Result != wire.ResultError || m.Error == nil || m.Error.ErrorKey != "RunFailed" || !strings.Contains(m.Error.Description, "manifest") {
		t.Fatalf("unresumable run: %s", mustJSON(m))
	}
	for _, tk := range tasks(m) {
		if tk.State != wire.StateCompleted {
			t.Fatalf("task left active: %s", mustJSON(m))
		}
	}
}

func newManifestConn(t *testing.T, f *fixture, imodelID string, ids ...string) string {
	t.Helper()
	var sf []map[string]string
	for _, id := range ids {
		sf = append(sf, map[string]string{"sourceFileId": id})
	}
	r := f.in.Do(t, "POST", mc, map[string]any{"iModelId": imodelID, "sourceFiles": sf, "authenticationType": "Service", "displayName": "m"})
	expectStatus(t, r, 201)
	var env wire.ConnectionEnvelope
	r.JSON(t, &env)
	return env.Connection.ID
}

func manifestFile(id, name, url string, children ...map[string]any) map[string]any {
	m := map[string]any{"id": id, "name": name, "url": url, "connectorType": "IFC"}
	if len(children) > 0 {
		m["children"] = children
	}
	return m
}

func manifestBody(files ...map[string]any) map[string]any {
	return map[string]any{"sourceFiles": files}
}

func (f *fixture) manifestRun(t *testing.T, cid string, body map[string]any) wire.Run {
	t.Helper()
	r := f.in.Do(t, "POST", mc+"/"+cid+"/runs", body)
	expectStatus(t, r, 202)
	loc := r.Header.Get("Location")
	return f.wait(t, mc, cid, loc[strings.LastIndex(loc, "/")+1:])
}

// TestManifestRuns: masters are downloaded from their pre-authenticated URLs without Authorization, children
// are processed inside their master's task, 404/403 are TAE_FILE_NOT_FOUND (without the URL's signature in
// the details), unmap removes a master's and its children's elements, and an empty run is Skipped.
func TestManifestRuns(t *testing.T) {
	content := map[string][]byte{"/m.ifc": ifcDoc(walls(1, 3)...), "/child.ifc": ifcDoc(walls(40, 2)...), "/plan.dgn": []byte("dgn")}
	var sawAuth bool
	files := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "" {
			sawAuth = true
		}
		switch r.URL.Path {
		case "/forbidden":
			w.WriteHeader(403)
		default:
			b, ok := content[r.URL.Path]
			if !ok {
				w.WriteHeader(404)
				return
			}
			_, _ = w.Write(b)
		}
	}))
	defer files.Close()
	f := start(t, engine.Options{})
	im := f.newIModel(t, "manifest")
	cid := newManifestConn(t, f, im, "dms-1", "dms-2", "dms-3")
	child := map[string]any{"id": "dms-1a", "parentId": "dms-1", "name": "child.ifc", "url": files.URL + "/child.ifc?sig=SECRET", "connectorType": "IFC"}
	run := f.manifestRun(t, cid, manifestBody(
		manifestFile("dms-1", "m.ifc", files.URL+"/m.ifc?sig=SECRET", child),
		manifestFile("dms-2", "missing.ifc", files.URL+"/missing.ifc?sig=SECRET"),
		manifestFile("dms-3", "locked.ifc", files.URL+"/forbidden?sig=SECRET"),
	))
	if run.Result != wire.ResultPartialSuccess || sawAuth {
		t.Fatalf("manifest run (Authorization sent: %v): %s", sawAuth, mustJSON(run))
	}
	if x := taskFor(t, run, "dms-1"); x.Result != wire.ResultSuccess || x.StorageFileID != "" {
		t.Fatalf("master task: %s", mustJSON(x))
	}
	for _, id := range []string{"dms-2", "dms-3"} {
		x := taskFor(t, run, id)
		if x.Error == nil || x.Error.ErrorCode != connector.CodeFileNotFound || strings.Contains(x.Error.Details, "SECRET") {
			t.Fatalf("task %s: %s", id, mustJSON(x))
		}
	}
	cs := f.changesets(t, im)
	if len(cs) != 1 || cs[0].Description != "Synchronized m.ifc, child.ifc: +5 ~0 -0 elements" ||
		strings.Join(cs[0].SynchronizationInfo.ChangedFiles, ",") != "m.ifc,child.ifc" || f.elementCount(t, im) != 5 {
		t.Fatalf("changesets: %s", mustJSON(cs))
	}

	// Same files again: nothing changes. Then the child is dropped from the master: its elements go.
	f.manifestRun(t, cid, manifestBody(manifestFile("dms-1", "m.ifc", files.URL+"/m.ifc", child)))
	if n := len(f.changesets(t, im)); n != 1 {
		t.Fatalf("unchanged manifest run pushed changesets: %d", n)
	}
	f.manifestRun(t, cid, manifestBody(manifestFile("dms-1", "m.ifc", files.URL+"/m.ifc")))
	cs = f.changesets(t, im)
	if len(cs) != 2 || cs[1].Description != "Synchronized child.ifc: +0 ~0 -2 elements" || f.elementCount(t, im) != 3 {
		t.Fatalf("after dropping the child: %s", mustJSON(cs))
	}

	// unmap: the master's elements go, without a download.
	delete(content, "/m.ifc")
	run = f.manifestRun(t, cid, manifestBody(map[string]any{"id": "dms-1", "name": "m.ifc", "action": "unmap", "url": files.URL + "/m.ifc", "connectorType": "IFC"}))
	cs = f.changesets(t, im)
	if run.Result != wire.ResultSuccess || len(cs) != 3 || cs[2].Description != "Synchronized m.ifc: +0 ~0 -3 elements" || f.elementCount(t, im) != 0 {
		t.Fatalf("unmap: run %s changesets %s", mustJSON(run), mustJSON(cs))
	}

	// No files: Skipped, jobs [].
	run = f.manifestRun(t, cid, map[string]any{})
	if run.Result != wire.ResultSkipped || len(run.Jobs) != 0 || run.Jobs == nil {
		t.Fatalf("empty manifest run: %s", mustJSON(run))
	}
}

// TestManifestDownloadFailures: a body over the download limit is TAE_PARSE_ERROR, a 5xx is the transient
// TAE_TIMEOUT (retried: success on a retry, or Error after two).
func TestManifestDownloadFailures(t *testing.T) {
	var mu sync.Mutex
	hits := map[string]int{}
	small := ifcDoc(walls(1, 1)...)
	files := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		hits[r.URL.Path]++
		n := hits[r.URL.Path]
		mu.Unlock()
		switch r.URL.Path {
		case "/big.ifc":
			_, _ = w.Write(ifcDoc(walls(1, 50)...))
		case "/flaky.ifc":
			if n <= 2 {
				w.WriteHeader(503)
				return
			}
			_, _ = w.Write(small)
		default:
			w.WriteHeader(500)
		}
	}))
	defer files.Close()
	f := start(t, engine.Options{MaxDownloadBytes: int64(len(small)) + 10})
	cid := newManifestConn(t, f, f.in.IModelID, "big", "flaky", "down")
	run := f.manifestRun(t, cid, manifestBody(
		manifestFile("big", "big.ifc", files.URL+"/big.ifc"),
		manifestFile("flaky", "flaky.ifc", files.URL+"/flaky.ifc"),
		manifestFile("down", "down.ifc", files.URL+"/down.ifc"),
	))
	if run.Result != wire.ResultPartialSuccess {
		t.Fatalf("run: %s", mustJSON(run))
	}
	if x := taskFor(t, run, "big"); x.Error == nil || x.Error.ErrorCode != connector.CodeParseError || !strings.Contains(x.Error.Details, "download limit") || x.RetryAttempts != 0 {
		t.Fatalf("big: %s", mustJSON(x))
	}
	if x := taskFor(t, run, "flaky"); x.Result != wire.ResultSuccess || x.RetryAttempts != 2 {
		t.Fatalf("flaky: %s", mustJSON(x))
	}
	if x := taskFor(t, run, "down"); x.Error == nil || x.Error.ErrorCode != connector.CodeTimeout || !strings.Contains(x.Error.Details, "500") || x.RetryAttempts != 2 {
		t.Fatalf("down: %s", mustJSON(x))
	}
	mu.Lock()
	defer mu.Unlock()
	if hits["/down.ifc"] != 3 || hits["/flaky.ifc"] != 3 {
		t.Fatalf("download attempts: %v", hits)
	}
}

// TestRestartSquashed: a squashed run stopped after its first task committed resumes and still pushes exactly
// one changeset with both files (the first task's changes wait in the engine's pending table).
func TestRestartSquashed(t *testing.T) {
	dir := t.TempDir()
	g := newGate(func(r itwinlocal.RunRecord) bool {
		if r.State != wire.StateExecuting || len(r.Jobs) == 0 || len(r.Jobs[0].Tasks) < 2 {
			return false
		}
		tk := r.Jobs[0].Tasks
		return tk[0].State == wire.StateCompleted && tk[1].State == wire.StateNotStarted
	})
	f1 := start(t, engine.Options{AfterTransition: g.hook}, itwinlocaltest.WithDataDir(dir))
	expectStatus(t, f1.in.Do(t, "POST", cfgBase+"/itwins/"+f1.in.ITwinID, map[string]any{"squashIntermediateRevisions": true}), 201)
	fa := f1.in.UploadFile(t, "", "a.ifc", ifcDoc(walls(1, 3)...))
	fb := f1.in.UploadFile(t, "", "b.ifc", ifcDoc(walls(10, 2)...))
	cid := f1.newConn(t, f1.in.IModelID, "Service", sfile{fa, "IFC"}, sfile{fb, "IFC"})
	rid := f1.startRun(t, cid)
	g.waitReached(t)
	if n := len(f1.changesets(t, f1.in.IModelID)); n != 0 {
		t.Fatalf("a squashed run pushed %d changesets before finishing", n)
	}
	f1.in.HTTP.Close()
	if err := f1.in.Server.Close(); err != nil {
		t.Fatal(err)
	}

	f2 := start(t, engine.Options{}, itwinlocaltest.WithDataDir(dir))
	run := f2.wait(t, sc, cid, rid)
	cs := f2.changesets(t, f2.in.IModelID)
	if run.Result != wire.ResultSuccess || len(cs) != 1 || cs[0].Description != "Synchronized a.ifc, b.ifc: +5 ~0 -0 elements" ||
		cs[0].SynchronizationInfo.TaskID != taskFor(t, run, fa).ID {
		t.Fatalf("resumed squashed run: %s", mustJSON(cs))
	}
}

// TestIModelDeletedDuringRun: deleting the iModel takes its running run with it; the engine lets go of it and
// keeps serving other runs.
func TestIModelDeletedDuringRun(t *testing.T) {
	var doomedConn string
	g := newGate(once(func(r itwinlocal.RunRecord) bool {
		return r.ConnectionID == doomedConn && r.State == wire.StateExecuting && r.Phase == wire.PhaseMasterFile
	}))
	f := start(t, engine.Options{AfterTransition: g.hook, Workers: 1})
	im := f.newIModel(t, "doomed")
	fa := f.in.UploadFile(t, "", "a.ifc", ifcDoc(walls(1, 2)...))
	g.mu.Lock()
	doomedConn = f.newConn(t, im, "Service", sfile{fa, "IFC"})
	g.mu.Unlock()
	f.startRun(t, doomedConn)
	g.waitReached(t)
	expectStatus(t, f.in.Do(t, "DELETE", "/imodels/"+im, nil), 204)
	g.release <- struct{}{}
	// The single worker is free again: a run on the seed iModel completes.
	other := f.newConn(t, f.in.IModelID, "Service", sfile{fa, "IFC"})
	if run := f.sync(t, other); run.Result != wire.ResultSuccess {
		t.Fatalf("run after the deletion: %s", mustJSON(run))
	}
}
