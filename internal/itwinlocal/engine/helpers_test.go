package engine_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"regexp"
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

const (
	sc = "/synchronization/imodels/storageconnections"
	mc = "/synchronization/imodels/manifestconnections"
)

// fixture is an in-process itwin-local with the engine installed.
type fixture struct {
	in  *itwinlocaltest.Instance
	eng *engine.Engine
}

func start(t testing.TB, opts engine.Options, more ...itwinlocaltest.Option) *fixture {
	t.Helper()
	f := &fixture{}
	all := append([]itwinlocaltest.Option{itwinlocaltest.WithExecutor(func(s *itwinlocal.Server) itwinlocal.RunExecutor {
		f.eng = engine.MustNew(s, opts)
		return f.eng
	})}, more...)
	f.in = itwinlocaltest.Start(t, all...)
	return f
}

// wall is one IFC element of a generated test file.
type wall struct{ guid, name string }

func gid(n uint64) string { return connector.NewIFCGlobalID(0, n) }

// walls returns n walls with GlobalIds from base.
func walls(base uint64, n int) []wall {
	out := make([]wall, n)
	for i := range out {
		out[i] = wall{gid(base + uint64(i)), fmt.Sprintf("Wall %d", base+uint64(i))}
	}
	return out
}

// ifcDoc is a small valid IFC file with one IFCWALL per wall.
func ifcDoc(ws ...wall) []byte {
	var b strings.Builder
	b.WriteString("ISO-10303-21;\nHEADER;\nFILE_SCHEMA(('IFC4'));\nENDSEC;\nDATA;\n")
	for i, w := range ws {
		fmt.Fprintf(&b, "#%d= IFCWALL('%s',$,'%s',$,$,$,$,$,$);\n", i+1, w.guid, w.name)
	}
	b.WriteString("ENDSEC;\nEND-ISO-10303-21;\n")
	return []byte(b.String())
}

type sfile struct{ id, connectorType string }

// newConn creates a storage connection over the files on an iModel and returns its id.
func (f *fixture) newConn(t testing.TB, imodelID, authType string, files ...sfile) string {
	t.Helper()
	var sf []map[string]string
	for _, x := range files {
		sf = append(sf, map[string]string{"storageFileId": x.id, "connectorType": x.connectorType})
	}
	r := f.in.Do(t, "POST", sc, map[string]any{"displayName": "conn", "iModelId": imodelID, "authenticationType": authType, "sourceFiles": sf})
	expectStatus(t, r, 201)
	var env wire.ConnectionEnvelope
	r.JSON(t, &env)
	return env.Connection.ID
}

func (f *fixture) newIModel(t testing.TB, name string) string {
	t.Helper()
	r := f.in.Do(t, "POST", "/imodels", map[string]any{"iTwinId": f.in.ITwinID, "name": name})
	expectStatus(t, r, 201)
	var env wire.IModelEnvelope
	r.JSON(t, &env)
	return env.IModel.ID
}

// startRun starts a storage run (202) and returns its id.
func (f *fixture) startRun(t testing.TB, cid string) string {
	t.Helper()
	r := f.in.Do(t, "POST", sc+"/"+cid+"/run", nil)
	expectStatus(t, r, 202)
	loc := r.Header.Get("Location")
	return loc[strings.LastIndex(loc, "/")+1:]
}

func (f *fixture) getRun(t testing.TB, base, cid, rid string) wire.Run {
	t.Helper()
	var env wire.RunEnvelope
	r := f.in.Do(t, "GET", base+"/"+cid+"/runs/"+rid, nil)
	expectStatus(t, r, 200)
	r.JSON(t, &env)
	return env.Run
}

// wait polls the run over HTTP until it is Completed.
func (f *fixture) wait(t testing.TB, base, cid, rid string) wire.Run {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		run := f.getRun(t, base, cid, rid)
		if run.State == wire.StateCompleted {
			return run
		}
		if time.Now().After(deadline) {
			t.Fatalf("run %s still %s/%s after 20s", rid, run.State, run.Phase)
		}
		time.Sleep(2 * time.Millisecond)
	}
}

// sync starts a storage run and waits for it.
func (f *fixture) sync(t testing.TB, cid string) wire.Run {
	t.Helper()
	return f.wait(t, sc, cid, f.startRun(t, cid))
}

// updateFile replaces a Storage file's content (updatecontent, upload, complete).
func (f *fixture) updateFile(t testing.TB, fileID string, content []byte) {
	t.Helper()
	r := f.in.Do(t, "POST", "/storage/files/"+fileID+"/updatecontent", nil)
	expectStatus(t, r, 202)
	var links wire.UploadLinks
	r.JSON(t, &links)
	f.in.PutBlob(t, links.Links.UploadURL.Href, content)
	expectStatus(t, f.in.Do(t, "POST", links.Links.CompleteURL.Href, nil), 200)
}

// changesets lists an iModel's changesets with the representation fields.
func (f *fixture) changesets(t testing.TB, imodelID string) []wire.Changeset {
	t.Helper()
	var l wire.ChangesetList
	r := f.in.Do(t, "GET", "/imodels/"+imodelID+"/changesets?$top=1000", nil, "Prefer", "return=representation",
		"Accept", "application/vnd.bentley.itwin-platform.v2+json")
	expectStatus(t, r, 200)
	r.JSON(t, &l)
	return l.Changesets
}

func (f *fixture) elementCount(t testing.TB, imodelID string) int {
	t.Helper()
	n, err := f.in.Server.Store().CountElements(t.Context(), f.in.Server.Store().Reader(), imodelID)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// elementKeys returns the element keys a file produced on an iModel.
func (f *fixture) elementKeys(t testing.TB, imodelID, fileKey string) map[string]string {
	t.Helper()
	m, err := f.in.Server.Store().ElementHashes(t.Context(), f.in.Server.Store().Reader(), imodelID, fileKey)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// reports lists a run's reports and downloads each document through its sasUri (without Authorization).
func (f *fixture) reports(t testing.TB, imodelID, runID string) map[string]wire.ReportDocument {
	t.Helper()
	var l wire.DiagnosticReportList
	r := f.in.Do(t, "GET", "/synchronization/reports?imodelId="+imodelID+"&runId="+runID, nil)
	expectStatus(t, r, 200)
	r.JSON(t, &l)
	out := map[string]wire.ReportDocument{}
	for _, rep := range l.Reports {
		if rep.RunID != runID || rep.IModelID != imodelID {
			t.Fatalf("report %+v does not belong to run %s", rep, runID)
		}
		d := f.in.DoAs(t, "", "GET", rep.SasURI, nil)
		expectStatus(t, d, 200)
		var doc wire.ReportDocument
		d.JSON(t, &doc)
		if doc.Context.TaskID != rep.TaskID {
			t.Fatalf("report %s: document task %q, listed task %q", rep.ID, doc.Context.TaskID, rep.TaskID)
		}
		out[rep.TaskID] = doc
	}
	return out
}

func expectStatus(t testing.TB, r *itwinlocaltest.Response, status int) {
	t.Helper()
	if r.Status != status {
		t.Fatalf("status = %d, want %d; body %s", r.Status, status, r.Body)
	}
}

// tasks flattens a run's tasks.
func tasks(run wire.Run) []wire.Task {
	var out []wire.Task
	for _, j := range run.Jobs {
		out = append(out, j.Tasks...)
	}
	return out
}

// taskFor finds the task of a storage file or manifest source file id.
func taskFor(t testing.TB, run wire.Run, fileID string) wire.Task {
	t.Helper()
	for _, x := range tasks(run) {
		if x.StorageFileID == fileID || x.SourceFileID == fileID {
			return x
		}
	}
	t.Fatalf("run %s has no task for %s: %s", run.ID, fileID, mustJSON(run))
	return wire.Task{}
}

func mustJSON(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

var hex40 = regexp.MustCompile(`^[0-9a-f]{40}$`)

// gate holds a run at chosen transitions: the AfterTransition hook blocks there until released (or the
// engine closes). It also records every transition.
type gate struct {
	mu      sync.Mutex
	hold    func(r itwinlocal.RunRecord) bool
	reached chan itwinlocal.RunRecord
	release chan struct{}
	log     []itwinlocal.RunRecord
}

func newGate(hold func(r itwinlocal.RunRecord) bool) *gate {
	return &gate{hold: hold, reached: make(chan itwinlocal.RunRecord, 16), release: make(chan struct{})}
}

func (g *gate) hook(ctx context.Context, r itwinlocal.RunRecord) {
	g.mu.Lock()
	g.log = append(g.log, r)
	hold := g.hold != nil && g.hold(r)
	g.mu.Unlock()
	if !hold {
		return
	}
	g.reached <- r
	select {
	case <-g.release:
	case <-ctx.Done():
	}
}

// once holds only the first transition that matches (the gate calls it under its lock).
func once(pred func(r itwinlocal.RunRecord) bool) func(r itwinlocal.RunRecord) bool {
	done := false
	return func(r itwinlocal.RunRecord) bool {
		if done || !pred(r) {
			return false
		}
		done = true
		return true
	}
}

// waitReached waits until a run is held.
func (g *gate) waitReached(t testing.TB) itwinlocal.RunRecord {
	t.Helper()
	select {
	case r := <-g.reached:
		return r
	case <-time.After(20 * time.Second):
		t.Fatal("no run reached the gate")
	}
	return itwinlocal.RunRecord{}
}

func (g *gate) transitions() []itwinlocal.RunRecord {
	g.mu.Lock()
	defer g.mu.Unlock()
	return append([]itwinlocal.RunRecord(nil), g.log...)
}

// httpGet is a plain GET for use off the test goroutine.
func httpGet(url, token string) (int, []byte, error) {
	req, _ := http.NewRequest("GET", url, nil)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return resp.StatusCode, b, err
}
