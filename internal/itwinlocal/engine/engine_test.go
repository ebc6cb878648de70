package engine_test

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/seed37c7dd03/terraform-provider-itwin/internal/itwinlocal"
	"github.com/seed37c7dd03/terraform-provider-itwin/internal/itwinlocal/engine"
	"github.com/seed37c7dd03/terraform-provider-itwin/internal/wire"
)

// TestLifecycleStatesInOrder checks every stored transition of a run against what GET serves at that moment:
// NotStarted → Queued → WaitingToExecute (jobs appear, tasks NotStarted) → Executing (Preprocessor,
// MasterFile with the task Executing then Completed, ReferenceFile) → Finalizing → Completed (§4.3, §11i).
func TestLifecycleStatesInOrder(t *testing.T) {
	type seen struct {
		stored itwinlocal.RunRecord
		served wire.Run
		err    string
	}
	var f *fixture
	var runURL, token string
	var obs []seen
	observe := func(r itwinlocal.RunRecord) {
		s := seen{stored: r}
		status, body, err := httpGet(runURL, token)
		if err != nil || status != 200 {
			s.err = "GET run: " + string(body)
		} else {
			var env wire.RunEnvelope
			_ = json.Unmarshal(body, &env)
			s.served = env.Run
		}
		obs = append(obs, s)
	}
	g := newGate(func(itwinlocal.RunRecord) bool { return true }) // hold every transition until the test looked at it
	f = start(t, engine.Options{AfterTransition: g.hook})
	fid := f.in.UploadFile(t, "", "a.ifc", ifcDoc(walls(1, 3)...))
	cid := f.newConn(t, f.in.IModelID, "Service", sfile{fid, "IFC"})
	token = f.in.Token(t)

	rid := f.startRun(t, cid)
	runURL = f.in.URL + sc + "/" + cid + "/runs/" + rid
	initial := f.getRun(t, sc, cid, rid)
	if initial.State != wire.StateNotStarted && initial.State != wire.StateQueued {
		t.Fatalf("right after the start the run is %s", initial.State)
	}
	for {
		r := g.waitReached(t)
		observe(r)
		g.release <- struct{}{}
		if r.State == wire.StateCompleted {
			break
		}
	}
	var states, phases []string
	for i, s := range obs {
		if s.err != "" {
			t.Fatal(s.err)
		}
		if s.served.State != s.stored.State || s.served.Phase != s.stored.Phase {
			t.Fatalf("transition %d: stored %s/%s but GET served %s/%s", i, s.stored.State, s.stored.Phase, s.served.State, s.served.Phase)
		}
		run := s.served
		if len(states) == 0 || states[len(states)-1] != run.State {
			states = append(states, run.State)
		}
		if run.Phase != "" && (len(phases) == 0 || phases[len(phases)-1] != run.Phase) {
			phases = append(phases, run.Phase)
		}
		switch run.State {
		case wire.StateQueued:
			if run.Jobs == nil || len(run.Jobs) != 0 || run.Phase != "" {
				t.Fatalf("Queued run must have jobs [] and no phase: %s", mustJSON(run))
			}
		case wire.StateWaitingToExecute:
			if len(run.Jobs) != 1 || run.Jobs[0].ConnectorType != "IFC" || len(run.Jobs[0].Tasks) != 1 ||
				run.Jobs[0].Tasks[0].State != wire.StateNotStarted || run.Jobs[0].Tasks[0].StorageFileID != fid {
				t.Fatalf("WaitingToExecute must show the job with its NotStarted task: %s", mustJSON(run))
			}
		}
		if run.State != wire.StateCompleted && (run.Result != wire.ResultUndetermined || !run.EndDateTime.IsZero()) {
			t.Fatalf("active run with result %s / end %v", run.Result, run.EndDateTime)
		}
	}
	want := []string{wire.StateQueued, wire.StateWaitingToExecute, wire.StateExecuting, wire.StateFinalizing, wire.StateCompleted}
	if !slices.Equal(states, want) {
		t.Fatalf("states %v, want %v", states, want)
	}
	if wantP := []string{wire.PhasePreprocessor, wire.PhaseMasterFile, wire.PhaseReferenceFile}; !slices.Equal(phases, wantP) {
		t.Fatalf("phases %v, want %v", phases, wantP)
	}
	// The task went Executing → Completed while the run was in MasterFile.
	var taskStates []string
	for _, s := range obs {
		if len(s.served.Jobs) == 1 {
			st := s.served.Jobs[0].Tasks[0].State
			if len(taskStates) == 0 || taskStates[len(taskStates)-1] != st {
				taskStates = append(taskStates, st)
			}
			if st == wire.StateExecuting && s.served.Phase != wire.PhaseMasterFile {
				t.Fatalf("task executing in phase %q", s.served.Phase)
			}
		}
	}
	if !slices.Equal(taskStates, []string{wire.StateNotStarted, wire.StateExecuting, wire.StateCompleted}) {
		t.Fatalf("task states %v", taskStates)
	}
	final := obs[len(obs)-1].served
	if final.Result != wire.ResultSuccess || final.EndDateTime.IsZero() || final.Phase != wire.PhaseReferenceFile ||
		final.Jobs[0].State != wire.StateCompleted || final.Jobs[0].Result != wire.ResultSuccess || final.Error != nil {
		t.Fatalf("final run: %s", mustJSON(final))
	}
	task := final.Jobs[0].Tasks[0]
	if task.Result != wire.ResultSuccess || task.StartDateTime.IsZero() || task.EndDateTime.IsZero() || task.RetryAttempts != 0 || task.Error != nil {
		t.Fatalf("final task: %s", mustJSON(task))
	}
	// The resolved settings were captured when the run left Queued (§11n).
	stored, err := f.in.Server.Store().GetRun(t.Context(), f.in.Server.Store().Reader(), rid)
	if err != nil || stored.Settings["ignoreIfcGlobalIds"] != false || stored.Settings["revitLevelOfDetail"] == nil {
		t.Fatalf("settings snapshot: %v %v", stored.Settings, err)
	}
}

// TestSyncFirstModifyUnchangedRemove: the whole model the first time, only the differences after, nothing when
// nothing changed, and a removed file's elements deleted (§11l, §11m), checked through the iModels changesets
// endpoints and the reports.
func TestSyncFirstModifyUnchangedRemove(t *testing.T) {
	f := start(t, engine.Options{})
	im := f.in.IModelID
	aWalls, bWalls := walls(1, 3), walls(100, 2)
	fa := f.in.UploadFile(t, "", "a.ifc", ifcDoc(aWalls...))
	fb := f.in.UploadFile(t, "", "b.ifc", ifcDoc(bWalls...))
	cid := f.newConn(t, im, "Service", sfile{fa, "IFC"}, sfile{fb, "IFC"})

	// 1. First sync: every element inserted, one changeset per task.
	run := f.sync(t, cid)
	if run.Result != wire.ResultSuccess || len(run.Jobs) != 1 || len(run.Jobs[0].Tasks) != 2 {
		t.Fatalf("first sync: %s", mustJSON(run))
	}
	if n := f.elementCount(t, im); n != 5 {
		t.Fatalf("elements after first sync = %d, want 5", n)
	}
	cs := f.changesets(t, im)
	if len(cs) != 2 {
		t.Fatalf("changesets after first sync: %s", mustJSON(cs))
	}
	ta, tb := taskFor(t, run, fa), taskFor(t, run, fb)
	for i, want := range []struct {
		task, file, desc string
		contains         int
	}{{ta.ID, "a.ifc", "Synchronized a.ifc: +3 ~0 -0 elements", 5}, {tb.ID, "b.ifc", "Synchronized b.ifc: +2 ~0 -0 elements", 4}} {
		c := cs[i]
		if c.Index != i+1 || c.Description != want.desc || c.ContainingChanges != want.contains || !hex40.MatchString(c.ID) ||
			c.SynchronizationInfo == nil || c.SynchronizationInfo.TaskID != want.task || !slices.Equal(c.SynchronizationInfo.ChangedFiles, []string{want.file}) ||
			c.Application == nil || c.Application.Name != "itwin-local" || c.Application.ID == "" || c.FileSize <= 0 || c.BriefcaseID == 0 ||
			c.CreatorID != itwinlocal.ClientUserID(f.in.ClientID) || c.PushDateTime.IsZero() {
			t.Fatalf("changeset %d: %s", i+1, mustJSON(c))
		}
	}
	if cs[0].ParentID != "" || cs[1].ParentID != cs[0].ID || cs[0].ID == cs[1].ID {
		t.Fatalf("parent chain: %q→%q, %q→%q", cs[0].ParentID, cs[0].ID, cs[1].ParentID, cs[1].ID)
	}
	// The single-changeset endpoint serves the same, by index and by id.
	for _, key := range []string{"2", cs[1].ID} {
		var env wire.ChangesetEnvelope
		r := f.in.Do(t, "GET", "/imodels/"+im+"/changesets/"+key, nil)
		expectStatus(t, r, 200)
		r.JSON(t, &env)
		if env.Changeset.ID != cs[1].ID || env.Changeset.SynchronizationInfo == nil || env.Changeset.SynchronizationInfo.TaskID != tb.ID {
			t.Fatalf("GET changeset %s: %s", key, r.Body)
		}
	}
	reps := f.reports(t, im, run.ID)
	if len(reps) != 2 {
		t.Fatalf("reports: %s", mustJSON(reps))
	}
	ra := reps[ta.ID]
	if ra.SourceFilesInfo.FileName != "a.ifc" || ra.SourceFilesInfo.FileID != fa || ra.SourceFilesInfo.Inserted != 3 || ra.SourceFilesInfo.Elements != 3 ||
		ra.SourceFilesInfo.ConnectorType != "IFC" || ra.Context.RunID != run.ID || ra.Context.JobID != run.Jobs[0].ID || ra.Context.IModelID != im ||
		len(ra.FileRecords) != 1 || len(ra.FileRecords[0].AuditRecords) != 1 || ra.FileRecords[0].AuditRecords[0].AuditInfo.Level != "Info" {
		t.Fatalf("report of a.ifc: %s", mustJSON(ra))
	}

	// 2. Modify one IFC entity of a.ifc: one update, one changeset.
	aWalls[1].name = "Renamed wall"
	f.updateFile(t, fa, ifcDoc(aWalls...))
	run = f.sync(t, cid)
	cs = f.changesets(t, im)
	if run.Result != wire.ResultSuccess || len(cs) != 3 || cs[2].Description != "Synchronized a.ifc: +0 ~1 -0 elements" ||
		cs[2].SynchronizationInfo.TaskID != taskFor(t, run, fa).ID || cs[2].ParentID != cs[1].ID || cs[2].ContainingChanges != 4 {
		t.Fatalf("after modifying one entity: run %s, changesets %s", mustJSON(run), mustJSON(cs))
	}
	if n := f.elementCount(t, im); n != 5 {
		t.Fatalf("elements = %d, want 5", n)
	}
	reps = f.reports(t, im, run.ID)
	if ri := reps[taskFor(t, run, fa).ID].SourceFilesInfo; ri.Updated != 1 || ri.Inserted != 0 || ri.Deleted != 0 || ri.Elements != 3 {
		t.Fatalf("report after modification: %+v", ri)
	}

	// 3. No change: no changeset, tasks still Success, the files are not parsed again.
	run = f.sync(t, cid)
	if run.Result != wire.ResultSuccess || len(f.changesets(t, im)) != 3 {
		t.Fatalf("unchanged re-run: %s", mustJSON(run))
	}
	for _, x := range tasks(run) {
		if x.Result != wire.ResultSuccess || x.Error != nil {
			t.Fatalf("unchanged task: %s", mustJSON(x))
		}
	}
	reps = f.reports(t, im, run.ID)
	if a := reps[taskFor(t, run, fa).ID].FileRecords[0].AuditRecords[0].AuditInfo; !strings.Contains(a.Message, "not parsed again") {
		t.Fatalf("unchanged report: %+v", a)
	}

	// 4. Remove b.ifc from the connection: the next run deletes its elements and records the deletion.
	var sfl wire.StorageSourceFileList
	f.in.Do(t, "GET", sc+"/"+cid+"/sourcefiles", nil).JSON(t, &sfl)
	for _, s := range sfl.SourceFiles {
		if s.StorageFileID == fb {
			expectStatus(t, f.in.Do(t, "DELETE", sc+"/"+cid+"/sourcefiles/"+s.ID, nil), 204)
		}
	}
	run = f.sync(t, cid)
	cs = f.changesets(t, im)
	if run.Result != wire.ResultSuccess || len(tasks(run)) != 1 || len(cs) != 4 || cs[3].Description != "Synchronized b.ifc: +0 ~0 -2 elements" ||
		!slices.Equal(cs[3].SynchronizationInfo.ChangedFiles, []string{"b.ifc"}) || cs[3].SynchronizationInfo.TaskID != tasks(run)[0].ID {
		t.Fatalf("after removing b.ifc: run %s, changesets %s", mustJSON(run), mustJSON(cs))
	}
	if n := f.elementCount(t, im); n != 3 {
		t.Fatalf("elements after removal = %d, want 3", n)
	}
	// And the next run has nothing left to do.
	f.sync(t, cid)
	if n := len(f.changesets(t, im)); n != 4 {
		t.Fatalf("changesets after a no-op run = %d", n)
	}
}
