package engine_test

import (
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/seed37c7dd03/terraform-provider-itwin/internal/itwinlocal/connector"
	"github.com/seed37c7dd03/terraform-provider-itwin/internal/itwinlocal/engine"
	"github.com/seed37c7dd03/terraform-provider-itwin/internal/wire"
)

const cfgBase = "/synchronization/configurations"

// TestSquashIntermediateRevisions: with the resolved flag true (set on the iTwin), a run pushes one changeset
// carrying the first changed task's id and every changed file; with it false, one per task (§11m).
func TestSquashIntermediateRevisions(t *testing.T) {
	f := start(t, engine.Options{})
	fa := f.in.UploadFile(t, "", "a.ifc", ifcDoc(walls(1, 2)...))
	fb := f.in.UploadFile(t, "", "b.ifc", ifcDoc(walls(10, 3)...))
	fc := f.in.UploadFile(t, "", "c.dgn", []byte("opaque design file"))

	// Off (default): one changeset per task.
	imOff := f.newIModel(t, "squash-off")
	cOff := f.newConn(t, imOff, "Service", sfile{fa, "IFC"}, sfile{fb, "IFC"}, sfile{fc, "MSTN"})
	run := f.sync(t, cOff)
	if run.Result != wire.ResultSuccess || len(run.Jobs) != 2 || run.Jobs[1].ConnectorType != "MSTN" {
		t.Fatalf("run: %s", mustJSON(run))
	}
	if cs := f.changesets(t, imOff); len(cs) != 3 || cs[2].Description != "Synchronized c.dgn: +1 ~0 -0 elements" {
		t.Fatalf("unsquashed changesets: %s", mustJSON(cs))
	}
	offRun := run.ID

	// On, through the iTwin's configuration (inherited by the connection).
	expectStatus(t, f.in.Do(t, "POST", cfgBase+"/itwins/"+f.in.ITwinID, map[string]any{"squashIntermediateRevisions": true}), 201)
	imOn := f.newIModel(t, "squash-on")
	fa2 := f.in.UploadFile(t, "", "a2.ifc", ifcDoc(walls(1, 2)...))
	fb2 := f.in.UploadFile(t, "", "b2.ifc", ifcDoc(walls(10, 3)...))
	cOn := f.newConn(t, imOn, "Service", sfile{fa2, "IFC"}, sfile{fb2, "IFC"})
	run = f.sync(t, cOn)
	cs := f.changesets(t, imOn)
	if run.Result != wire.ResultSuccess || len(cs) != 1 {
		t.Fatalf("squashed: run %s changesets %s", mustJSON(run), mustJSON(cs))
	}
	c := cs[0]
	if c.Description != "Synchronized a2.ifc, b2.ifc: +5 ~0 -0 elements" || c.SynchronizationInfo.TaskID != taskFor(t, run, fa2).ID ||
		!slices.Equal(c.SynchronizationInfo.ChangedFiles, []string{"a2.ifc", "b2.ifc"}) || c.ContainingChanges != 5 || c.ParentID != "" {
		t.Fatalf("squashed changeset: %s", mustJSON(c))
	}
	// Only b2 changes: the squashed changeset names only b2 and b2's task.
	f.updateFile(t, fb2, ifcDoc(walls(10, 2)...))
	run = f.sync(t, cOn)
	cs = f.changesets(t, imOn)
	if len(cs) != 2 || cs[1].Description != "Synchronized b2.ifc: +0 ~0 -1 elements" || cs[1].SynchronizationInfo.TaskID != taskFor(t, run, fb2).ID ||
		cs[1].ParentID != cs[0].ID {
		t.Fatalf("second squashed run: %s", mustJSON(cs))
	}
	// A removed file and a changed one: the removal joins the run's one changeset, which carries the changed
	// task's id.
	var sfl wire.StorageSourceFileList
	f.in.Do(t, "GET", sc+"/"+cOn+"/sourcefiles", nil).JSON(t, &sfl)
	for _, s := range sfl.SourceFiles {
		if s.StorageFileID == fa2 {
			expectStatus(t, f.in.Do(t, "DELETE", sc+"/"+cOn+"/sourcefiles/"+s.ID, nil), 204)
		}
	}
	f.updateFile(t, fb2, ifcDoc(walls(10, 3)...))
	run = f.sync(t, cOn)
	cs = f.changesets(t, imOn)
	if len(cs) != 3 || cs[2].Description != "Synchronized a2.ifc, b2.ifc: +1 ~0 -2 elements" || cs[2].SynchronizationInfo.TaskID != taskFor(t, run, fb2).ID ||
		!slices.Equal(cs[2].SynchronizationInfo.ChangedFiles, []string{"a2.ifc", "b2.ifc"}) {
		t.Fatalf("squashed removal and change: %s", mustJSON(cs))
	}
	// Each run keeps the snapshot it took when it left Queued: the first run stored false, the last true.
	st := f.in.Server.Store()
	stored, _ := st.GetRun(t.Context(), st.Reader(), run.ID)
	if stored.Settings["squashIntermediateRevisions"] != true {
		t.Fatalf("settings snapshot: %v", stored.Settings)
	}
	if stored, _ = st.GetRun(t.Context(), st.Reader(), offRun); stored.Settings["squashIntermediateRevisions"] != false {
		t.Fatalf("settings snapshot of the unsquashed run: %v", stored.Settings)
	}
}

// TestIgnoreIfcGlobalIds: set on the iModel through the configurations API, IFC elements are keyed by their
// STEP entity number, so the next run replaces every element (§11n), even though the file did not change.
func TestIgnoreIfcGlobalIds(t *testing.T) {
	f := start(t, engine.Options{})
	im := f.in.IModelID
	fa := f.in.UploadFile(t, "", "a.ifc", ifcDoc(walls(1, 4)...))
	cid := f.newConn(t, im, "Service", sfile{fa, "IFC"})
	f.sync(t, cid)
	keys := f.elementKeys(t, im, fa)
	if len(keys) != 4 || keys[gid(1)] == "" {
		t.Fatalf("GlobalId keys: %v", keys)
	}
	expectStatus(t, f.in.Do(t, "POST", cfgBase+"/imodels/"+im, map[string]any{"ignoreIfcGlobalIds": true}), 201)
	run := f.sync(t, cid)
	cs := f.changesets(t, im)
	if run.Result != wire.ResultSuccess || len(cs) != 2 || cs[1].Description != "Synchronized a.ifc: +4 ~0 -4 elements" {
		t.Fatalf("after ignoreIfcGlobalIds: %s", mustJSON(cs))
	}
	keys = f.elementKeys(t, im, fa)
	for _, k := range []string{"#1", "#2", "#3", "#4"} {
		if keys[k] == "" {
			t.Fatalf("entity-number keys: %v", keys)
		}
	}
	// Unchanged file and flag: nothing to do.
	f.sync(t, cid)
	if n := len(f.changesets(t, im)); n != 2 {
		t.Fatalf("changesets = %d after a no-op run", n)
	}
}

// TestTaskErrors: an unsupported extension, a parse error and a deleted Storage file fail their tasks with the
// §11k fields while the good file succeeds: PartialSuccess. All tasks failing is Error.
func TestTaskErrors(t *testing.T) {
	f := start(t, engine.Options{})
	im := f.in.IModelID
	good := f.in.UploadFile(t, "", "good.ifc", ifcDoc(walls(1, 2)...))
	bad := f.in.UploadFile(t, "", "bad.ifc", []byte("ISO-10303-21;\nHEADER;\nENDSEC;\nDATA;\n#1= IFCWALL('"+gid(9)+"',$,'w',$,$,$,$,$,$);\n#2= IFCWALL(#77);\nENDSEC;\nEND-ISO-10303-21;\n"))
	dgn := f.in.UploadFile(t, "", "plan.dgn", []byte("dgn"))
	gone := f.in.UploadFile(t, "", "gone.ifc", ifcDoc(walls(50, 1)...))
	cid := f.newConn(t, im, "Service", sfile{good, "IFC"}, sfile{bad, "IFC"}, sfile{dgn, "IFC"}, sfile{gone, "IFC"})
	expectStatus(t, f.in.Do(t, "DELETE", "/storage/files/"+gone, nil), 204)
	run := f.sync(t, cid)
	if run.Result != wire.ResultPartialSuccess || run.Jobs[0].Result != wire.ResultPartialSuccess || run.Error != nil {
		t.Fatalf("run: %s", mustJSON(run))
	}
	if x := taskFor(t, run, good); x.Result != wire.ResultSuccess || x.Error != nil {
		t.Fatalf("good task: %s", mustJSON(x))
	}
	for _, c := range []struct {
		file, code, key, detail string
		exit                    int
	}{
		{bad, connector.CodeParseError, "ParseError", "line 6", -1003},
		{dgn, connector.CodeUnsupportedFormat, "UnsupportedFormat", ".dgn", -1002},
		{gone, connector.CodeFileNotFound, "FileNotFound", "gone.ifc", -1001},
	} {
		x := taskFor(t, run, c.file)
		e := x.Error
		if x.State != wire.StateCompleted || x.Result != wire.ResultError || e == nil || e.ErrorCode != c.code || e.DescriptionKey != c.key ||
			e.BridgeExitCode != c.exit || e.System != "Connector" || e.Phase != wire.PhaseMasterFile || e.Category != "user" || !e.CanUserFix ||
			e.KbArticleLink != "" || e.Message != connector.Info(c.code).Message || e.Description == "" || !strings.Contains(e.Details, c.detail) {
			t.Fatalf("task of %s: %s", c.detail, mustJSON(x))
		}
	}
	// Only the good file changed the iModel; each failed task has an Error audit record.
	if cs := f.changesets(t, im); len(cs) != 1 || f.elementCount(t, im) != 2 {
		t.Fatalf("changesets %s", mustJSON(cs))
	}
	reps := f.reports(t, im, run.ID)
	if len(reps) != 4 {
		t.Fatalf("reports: %d", len(reps))
	}
	a := reps[taskFor(t, run, bad).ID].FileRecords[0].AuditRecords
	if len(a) != 1 || a[0].AuditInfo.Level != "Error" || a[0].AuditInfo.Type != connector.CodeParseError || !strings.Contains(a[0].AuditInfo.Message, "line 6") {
		t.Fatalf("parse error report: %s", mustJSON(a))
	}

	// Every task failing is Error.
	im2 := f.newIModel(t, "all-bad")
	bad2 := f.in.UploadFile(t, "", "bad2.ifc", []byte("not an ifc"))
	run = f.sync(t, f.newConn(t, im2, "Service", sfile{bad2, "IFC"}))
	if run.Result != wire.ResultError || run.Error != nil || taskFor(t, run, bad2).Error.ErrorCode != connector.CodeParseError {
		t.Fatalf("all failing: %s", mustJSON(run))
	}
}

// TestTransientRetries: TAE_TIMEOUT goes Executing → WaitingToRetry → Executing at most twice; success on a
// retry is Success with retryAttempts, and a third failure ends the task with Error (§11i, §11k).
func TestTransientRetries(t *testing.T) {
	g := newGate(nil)
	fault := func(name string, attempt int) error {
		switch {
		case name == "flaky.ifc" && attempt < 2:
			return errors.New("connector host stopped answering")
		case name == "dead.ifc":
			return &connector.Error{Code: connector.CodeTimeout, Message: connector.Info(connector.CodeTimeout).Message, Details: "deadline passed"}
		}
		return nil
	}
	f := start(t, engine.Options{TaskFault: fault, AfterTransition: g.hook})
	flaky := f.in.UploadFile(t, "", "flaky.ifc", ifcDoc(walls(1, 2)...))
	dead := f.in.UploadFile(t, "", "dead.ifc", ifcDoc(walls(10, 2)...))
	cid := f.newConn(t, f.in.IModelID, "Service", sfile{flaky, "IFC"}, sfile{dead, "IFC"})
	run := f.sync(t, cid)
	if run.Result != wire.ResultPartialSuccess {
		t.Fatalf("run: %s", mustJSON(run))
	}
	if x := taskFor(t, run, flaky); x.Result != wire.ResultSuccess || x.RetryAttempts != 2 || x.Error != nil {
		t.Fatalf("flaky task: %s", mustJSON(x))
	}
	x := taskFor(t, run, dead)
	if x.Result != wire.ResultError || x.RetryAttempts != 2 || x.Error == nil || x.Error.ErrorCode != connector.CodeTimeout ||
		x.Error.Category != "system" || x.Error.CanUserFix || x.Error.BridgeExitCode != -1004 || x.Error.DescriptionKey != "Timeout" {
		t.Fatalf("dead task: %s", mustJSON(x))
	}
	// The stored transitions show each task waiting to retry with the timeout error, twice.
	var waits []string
	for _, r := range g.transitions() {
		for _, j := range r.Jobs {
			for _, tk := range j.Tasks {
				if tk.State == wire.StateWaitingToRetry {
					if tk.Error == nil || tk.Error.ErrorCode != connector.CodeTimeout || r.State != wire.StateExecuting {
						t.Fatalf("waiting task: %s", mustJSON(tk))
					}
					waits = append(waits, tk.StorageFileID)
				}
			}
		}
	}
	if !slices.Equal(waits, []string{flaky, flaky, dead, dead}) {
		t.Fatalf("WaitingToRetry transitions: %v", waits)
	}
	rep := f.reports(t, f.in.IModelID, run.ID)[taskFor(t, run, flaky).ID]
	if a := rep.FileRecords[0].AuditRecords; a[0].AuditInfo.Level != "Warning" || !strings.Contains(a[0].AuditInfo.Message, "retried 2") {
		t.Fatalf("retry warning: %s", mustJSON(a))
	}
}

// TestUserConsent: a User connection whose owner has not consented completes Error with UserNotAuthenticated
// and jobs []; after the owner visits the consent URL from C2, the next run succeeds (§11j).
func TestUserConsent(t *testing.T) {
	f := start(t, engine.Options{})
	fa := f.in.UploadFile(t, "", "a.ifc", ifcDoc(walls(1, 2)...))
	cid := f.newConn(t, f.in.IModelID, "User", sfile{fa, "IFC"})
	run := f.sync(t, cid)
	if run.Result != wire.ResultError || run.Jobs == nil || len(run.Jobs) != 0 || run.Error == nil ||
		run.Error.ErrorKey != "UserNotAuthenticated" || run.Error.Description != "User is not authenticated." || run.EndDateTime.IsZero() {
		t.Fatalf("run without consent: %s", mustJSON(run))
	}
	if len(f.changesets(t, f.in.IModelID)) != 0 {
		t.Fatal("a run without consent pushed changesets")
	}
	var ai wire.AuthorizationInformationEnvelope
	r := f.in.Do(t, "GET", "/synchronization/imodels/connections/authorizationinformation?redirectUrl=http://localhost/done", nil)
	expectStatus(t, r, 200)
	r.JSON(t, &ai)
	consent := f.in.DoAs(t, "", "GET", ai.AuthorizationInformation.Links.AuthorizationURL.Href, nil)
	if consent.Status != http.StatusFound {
		t.Fatalf("consent page: %d %s", consent.Status, consent.Body)
	}
	run = f.sync(t, cid)
	if run.Result != wire.ResultSuccess || run.Error != nil || len(f.changesets(t, f.in.IModelID)) != 1 {
		t.Fatalf("run after consent: %s", mustJSON(run))
	}
}

// TestGeoJSONAndOpaqueFiles: GEOSPATIAL GeoJSON features are diffed one by one; any other accepted format is
// one document element that changes with any byte.
func TestGeoJSONAndOpaqueFiles(t *testing.T) {
	f := start(t, engine.Options{})
	im := f.in.IModelID
	geo := func(heights ...int) []byte {
		var parts []string
		for i, h := range heights {
			parts = append(parts, fmt.Sprintf(`{"type":"Feature","id":"f%d","geometry":{"type":"Point","coordinates":[%d,0]},"properties":{"height":%d}}`, i, i, h))
		}
		return []byte(`{"type":"FeatureCollection","features":[` + strings.Join(parts, ",") + `]}`)
	}
	fg := f.in.UploadFile(t, "", "sites.geojson", geo(1, 2, 3))
	fd := f.in.UploadFile(t, "", "plan.dwg", []byte("drawing v1"))
	cid := f.newConn(t, im, "Service", sfile{fg, "GEOSPATIAL"}, sfile{fd, "DWG"})
	f.sync(t, cid)
	if n := f.elementCount(t, im); n != 4 {
		t.Fatalf("elements = %d, want 3 features + 1 document", n)
	}
	f.updateFile(t, fg, geo(1, 20, 3, 4))
	f.updateFile(t, fd, []byte("drawing v2"))
	run := f.sync(t, cid)
	cs := f.changesets(t, im)
	if run.Result != wire.ResultSuccess || len(cs) != 4 || cs[2].Description != "Synchronized sites.geojson: +1 ~1 -0 elements" ||
		cs[3].Description != "Synchronized plan.dwg: +0 ~1 -0 elements" {
		t.Fatalf("changesets: %s", mustJSON(cs))
	}
}
